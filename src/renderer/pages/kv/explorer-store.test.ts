// @vitest-environment jsdom
import { waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { KvEntry } from '../../../shared/api';
import { ExplorerStore } from './explorer-store';
import { fakeKvApi } from './testkit';

describe('ExplorerStore', () => {
  it('keeps the newer of a slow read and a watch event for the selected key', async () => {
    let answer: (e: KvEntry) => void = () => undefined;
    const fake = fakeKvApi({ 'kv.get': () => new Promise<KvEntry>((resolve) => (answer = resolve)) });
    const stale = fake.kv.put('/k', 'old');
    const store = new ExplorerStore(fake.api);
    store.select('/k');
    store.open('dev');
    await waitFor(() => expect(fake.subscribers('kv.watch')).toBe(1));
    fake.write('/k', 'new');
    answer(stale);
    await waitFor(() => expect(store.getSnapshot().selected?.loading).toBe(false));
    expect(store.getSnapshot().selected?.entry?.value).toBe('new');
    store.close();
  });

  it('keeps the selection across a reopen and drops answers of the closed cluster', async () => {
    const fake = fakeKvApi();
    fake.kv.put('/k', 'v');
    const store = new ExplorerStore(fake.api);
    store.open('dev');
    store.select('/k');
    store.close();
    expect(fake.subscribers('kv.watch')).toBe(0);
    store.open('dev');
    await waitFor(() => expect(store.getSnapshot().loaded).toBe(true));
    expect(store.getSnapshot().selected?.entry?.value).toBe('v');
    expect([...store.getSnapshot().entries.keys()]).toEqual(['/k']);
    expect(fake.subscribers('kv.watch')).toBe(1);
    store.close();
  });
});
