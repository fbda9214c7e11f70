// @vitest-environment jsdom
// axe over every screen of the KV page: no serious or critical violations. Colour contrast needs
// layout (jsdom has none) and landmarks come from the app frame, so both are left to e2e.
import { EditorView } from '@codemirror/view';
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { giveElementsASize } from '../machines/testkit';
import { KvPage } from './KvPage';
import { CLUSTER, fakeKvApi, health, renderKv } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

/**
 * Under a dialog, only the dialog: MUI hides the page behind a modal with aria-hidden while its
 * focus trap keeps the focus in the dialog, which axe's aria-hidden-focus cannot see.
 */
async function violations(within: Element = document.body): Promise<string[]> {
  const result = await axe.run(within, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

function seeded() {
  const fake = fakeKvApi({
    'kv.removeMember': () => ({ taskId: 't' }),
  });
  fake.kv.put('/app/config', '{"name":"web","ports":[80,443]}');
  fake.kv.put('/app/config', '{"name":"web","ports":[80]}');
  fake.kv.put('/bin', btoa('\u0000\u0001'), { binary: true });
  fake.kv.leases = [{ id: '255', ttl: 20, grantedTtl: 60, keys: ['/app/config'], readAt: Date.now() }];
  return fake;
}

describe('KV page accessibility', () => {
  it('has no serious violations on the tree, a value, the editor with a conflict, and history', async () => {
    const user = userEvent.setup();
    const fake = seeded();
    renderKv(<KvPage />, fake.api, '/kv?key=%2Fapp%2Fconfig');
    await screen.findByRole('group', { name: 'Value of /app/config' });
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const view = EditorView.findFromDOM(screen.getByLabelText('Value of /app/config')) as EditorView;
    act(() => view.dispatch({ changes: { from: 0, insert: ' ' }, userEvent: 'input.type' }));
    await waitFor(() => expect(fake.subscribers('kv.watch')).toBe(1));
    fake.write('/app/config', '{"name":"api"}');
    await screen.findByRole('alert', { name: /Changed at revision/ });
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Take theirs' }));
    await user.click(screen.getByRole('tab', { name: 'History' }));
    await screen.findByRole('list', { name: 'Versions of /app/config' });
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'New key' }));
    expect(await violations(await screen.findByRole('dialog', { name: 'New key' }))).toEqual([]);
  });

  it('has no serious violations on binary values, leases and Raft health', async () => {
    const user = userEvent.setup();
    const fake = seeded();
    renderKv(<KvPage />, fake.api, '/kv?key=%2Fbin');
    await screen.findByText('Binary value (not UTF-8): hex dump');
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('tab', { name: 'Leases' }));
    await screen.findByRole('table', { name: 'Leases' });
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('tab', { name: 'Raft health' }));
    const h = health({
      candidates: [{ machineId: '4'.repeat(32), hostname: 'core-04', refuseAdd: 'core-04 is down' }],
    });
    fake.emit('kv.health', {
      ...h,
      members: h.members.map((m) =>
        m.name === 'core-02' ? { ...m, refuseRemove: 'it would break the quorum' } : m,
      ),
      samples: Array.from({ length: 5 }, (_, i) => ({
        at: 1_700_000_000_000 + i * 1000,
        writesPerSecond: i,
        commitLatencyP50Ms: 1,
        commitLatencyP99Ms: 3,
        revision: i,
      })),
    });
    await screen.findByRole('table', { name: 'KV members' });
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Remove member core-03' }));
    expect(
      await violations(await screen.findByRole('dialog', { name: 'Remove KV member core-03?' })),
    ).toEqual([]);
  });

  it('has no serious violations with an external etcd’s banner or the TLS chip', async () => {
    const external = fakeKvApi({}, [
      {
        ...CLUSTER,
        kv: {
          kind: 'external',
          endpoints: ['https://10.0.0.5:2379'],
          prefix: '/flotilla/dev/',
          tls: true,
          auth: true,
        },
      },
    ]);
    renderKv(<KvPage />, external.api);
    await screen.findByText(/keys · revision \d+ · live/);
    expect(await violations()).toEqual([]);
    cleanup();
    const tls = fakeKvApi({}, [
      {
        ...CLUSTER,
        kv: { kind: 'embedded', tls: { caFile: '/d/ca.pem', certFile: '/d/c.pem', keyFile: '/d/k.pem' } },
      },
    ]);
    renderKv(<KvPage />, tls.api);
    await screen.findByText(/keys · revision \d+ · live/);
    expect(await violations()).toEqual([]);
  });
});
