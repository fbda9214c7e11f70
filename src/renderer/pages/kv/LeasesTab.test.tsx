// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { giveElementsASize } from '../machines/testkit';
import { KvPage } from './KvPage';
import { LEASE_REFRESH_MS } from './LeasesTab';
import { fakeKvApi, renderKv } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const NOW = new Date('2025-01-01T12:00:00Z').getTime();

function setup() {
  const fake = fakeKvApi();
  fake.kv.put('/locks/a', 'x', { lease: '7587868584323469316' });
  fake.kv.leases = [
    { id: '7587868584323469316', ttl: 62, grantedTtl: 90, keys: ['/locks/a'], readAt: NOW },
    { id: '255', ttl: -1, grantedTtl: 10, keys: [], readAt: NOW },
  ];
  renderKv(<KvPage />, fake.api, '/kv/leases');
  return fake;
}

const rowOf = (hex: string) =>
  screen.getAllByRole('row').find((r) => within(r).queryByText(hex) !== null) as HTMLElement;

describe('Leases', () => {
  it('counts each TTL down once a second from when it was read', async () => {
    vi.useFakeTimers({
      now: NOW,
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    setup();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    const row = rowOf('694d864672f25004');
    expect(within(row).getByText('1 m 02 s')).toBeTruthy();
    expect(within(row).getByText('90 s')).toBeTruthy();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3000);
    });
    expect(within(row).getByText('59 s')).toBeTruthy();
    expect(within(rowOf('ff')).getByText('expired')).toBeTruthy();
  });

  it('reads the leases again every 10 s while visible, and on key changes', async () => {
    vi.useFakeTimers({
      now: NOW,
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    const fake = setup();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    const reads = () => fake.paramsOf('kv.leases').length;
    expect(reads()).toBe(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(LEASE_REFRESH_MS);
    });
    expect(reads()).toBe(2);
    fake.write('/locks/b', 'y');
    fake.write('/locks/c', 'z');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1100);
    });
    // A burst of watch events is one read.
    expect(reads()).toBe(3);
  });

  it('links a lease’s keys to the explorer', async () => {
    const user = userEvent.setup();
    setup();
    const link = await screen.findByRole('link', { name: '/locks/a' });
    await user.click(link);
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/kv?key=%2Flocks%2Fa'),
    );
    expect(await screen.findByRole('treeitem', { name: 'a' })).toBeTruthy();
    expect(screen.getByRole('treeitem', { name: 'a' }).getAttribute('aria-selected')).toBe('true');
    expect((await screen.findByLabelText('Value of /locks/a')).textContent).toBe('x');
  });
});
