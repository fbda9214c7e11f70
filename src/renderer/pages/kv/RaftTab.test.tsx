// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type KvHealthSample } from '../../../shared/api';
import { KvPage } from './KvPage';
import { fakeKvApi, health, renderKv, task } from './testkit';

afterEach(cleanup);

const samples = (n: number, from = 1_700_000_000_000): KvHealthSample[] =>
  Array.from({ length: n }, (_, i) => ({
    at: from + i * 1000,
    writesPerSecond: i,
    commitLatencyP50Ms: 1.5,
    commitLatencyP99Ms: 12,
    revision: 100 + i,
  }));

function setup(overrides: Parameters<typeof fakeKvApi>[0] = {}) {
  const fake = fakeKvApi({
    'kv.transferLeader': ({ machine }) => ({ leader: machine }),
    'kv.removeMember': () => ({ taskId: 't-remove' }),
    'kv.addMember': () => ({ taskId: 't-add' }),
    ...overrides,
  });
  renderKv(<KvPage />, fake.api, '/kv/raft');
  return fake;
}

const memberRow = (name: string) => screen.getByRole('row', { name: `Member ${name}` });

describe('Raft health', () => {
  it('shows each member, the leader, the quorum and the latest figures', async () => {
    const fake = setup();
    fake.emit('kv.health', {
      ...health(),
      members: health().members.map((m) =>
        m.name === 'core-03' ? { ...m, lag: 7, lastContactMs: 1400, commitIndex: 113 } : m,
      ),
      samples: samples(5),
    });
    expect(screen.getByRole('heading', { name: '3 voters, 3 up, quorum 2' })).toBeTruthy();
    expect(screen.getByText('Leader: core-01 (term 4)')).toBeTruthy();
    const leader = memberRow('core-01');
    expect(within(leader).getByText('leader')).toBeTruthy();
    expect(within(leader).getByTestId('StarIcon')).toBeTruthy();
    const late = memberRow('core-03');
    expect(within(late).getByText('1400 ms (late)')).toBeTruthy();
    expect(within(late).getByText('113')).toBeTruthy();
    expect(within(late).getByText('7')).toBeTruthy();
    expect(screen.getByText(/Now: 4 writes\/s · commit p50 1\.5 ms · p99 12 ms · revision 104/)).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Writes per second' })).toBeTruthy();
  });

  it('follows new payloads: a new leader and a member down', async () => {
    const fake = setup();
    fake.emit('kv.health', health({ samples: samples(3) }));
    const h = health();
    fake.emit('kv.health', {
      ...h,
      leader: 'core-02',
      members: [
        { ...h.members[0]!, role: 'down', refuseTransfer: 'core-01 is down' },
        { ...h.members[1]!, role: 'leader', term: 5 },
        { ...h.members[2]!, term: 5 },
      ],
      quorum: { voters: 3, up: 2, needed: 2 },
      samples: samples(1, 1_700_000_003_000),
    });
    expect(screen.getByText('Leader: core-02 (term 5)')).toBeTruthy();
    expect(within(memberRow('core-01')).getByText('down')).toBeTruthy();
    expect(screen.getByRole('heading', { name: '3 voters, 2 up, quorum 2' })).toBeTruthy();
  });

  it('makes a member the leader, and shows a refusal with its message', async () => {
    const user = userEvent.setup();
    let refuse = false;
    const fake = setup({
      'kv.transferLeader': ({ machine }) => {
        if (refuse) throw new ApiError('CONFLICT', `core-01 has not heard from ${machine} lately`);
        return { leader: machine };
      },
    });
    fake.emit('kv.health', health());
    expect(within(memberRow('core-01')).getByRole('button', { name: 'Make core-01 leader' })).toHaveProperty(
      'disabled',
      true,
    );
    await user.click(screen.getByRole('button', { name: 'Make core-02 leader' }));
    await screen.findByText('core-02 is the leader now');
    expect(fake.paramsOf('kv.transferLeader')).toEqual([{ cluster: 'dev', machine: 'core-02' }]);
    refuse = true;
    await user.click(screen.getByRole('button', { name: 'Make core-03 leader' }));
    expect(
      await screen.findByText('Making core-03 the leader failed: core-01 has not heard from core-03 lately'),
    ).toBeTruthy();
  });

  it('removes a member after explaining the quorum effect, and shows the task', async () => {
    const user = userEvent.setup();
    const fake = setup();
    fake.emit('kv.health', health());
    await user.click(screen.getByRole('button', { name: 'Remove member core-03' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove KV member core-03?' });
    expect(dialog.textContent).toContain(
      'After removing core-03 the KV has 2 voters (2 up) and needs 2 for a quorum. It then survives 0 failures instead of 1.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Remove core-03' }));
    await screen.findByText(/Removing the KV member on core-03…/);
    expect(fake.paramsOf('kv.removeMember')).toEqual([{ cluster: 'dev', machine: 'core-03' }]);
    fake.emit('tasks.changed', { ...task('t-remove', 'running'), message: 'handing over leadership' });
    expect(within(memberRow('core-03')).getByText('handing over leadership')).toBeTruthy();
    expect(
      within(memberRow('core-03')).getByRole('button', { name: 'Remove member core-03' }),
    ).toHaveProperty('disabled', true);
  });

  it('disables refused actions with the reason, and keeps an API CONFLICT in the dialog', async () => {
    const user = userEvent.setup();
    const reason =
      'Removing core-02 leaves 1 of 2 members up, below the quorum of 2: start the machines that are down first';
    const fake = setup({
      'kv.addMember': () => {
        throw new ApiError('CONFLICT', 'core-04 is down: start it first');
      },
    });
    const h = health({
      candidates: [
        { machineId: '4'.repeat(32), hostname: 'core-04' },
        { machineId: '5'.repeat(32), hostname: 'core-05', refuseAdd: 'core-05 is down: start it first' },
      ],
    });
    fake.emit('kv.health', {
      ...h,
      members: h.members.map((m) => (m.name === 'core-02' ? { ...m, refuseRemove: reason } : m)),
    });
    const row = memberRow('core-02');
    expect(within(row).getByRole('button', { name: 'Remove member core-02' })).toHaveProperty(
      'disabled',
      true,
    );
    expect(within(row).getByText(`Can't remove: ${reason}`)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add member on core-05' })).toHaveProperty('disabled', true);
    expect(screen.getByText('core-05 is down: start it first')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add member on core-04' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a KV member on core-04?' });
    expect(dialog.textContent).toContain('4 voters and needs 3 for a quorum');
    await user.click(within(dialog).getByRole('button', { name: 'Add member on core-04' }));
    expect(await within(dialog).findByText('core-04 is down: start it first')).toBeTruthy();
  });

  it('shows no controls for an external etcd', async () => {
    const fake = setup();
    fake.emit('kv.health', health({ external: true, candidates: [{ machineId: 'x', hostname: 'core-04' }] }));
    expect(screen.getByText('External etcd: Raft is managed by that cluster.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Make .* leader|Remove member|Add member/ })).toBeNull();
    expect(screen.getByRole('row', { name: 'Member core-02' })).toBeTruthy();
  });

  it('says when the health is not available', async () => {
    const fake = fakeKvApi();
    const subscribe = fake.api.subscribe.bind(fake.api);
    fake.api.subscribe = ((event, params, onPayload, onError) => {
      if (event !== 'kv.health') return subscribe(event, params, onPayload, onError);
      queueMicrotask(() => onError?.(new ApiError('UNSUPPORTED', 'not implemented yet')));
      return () => undefined;
    }) as typeof fake.api.subscribe;
    renderKv(<KvPage />, fake.api, '/kv/raft');
    await waitFor(() =>
      expect(screen.getByText(/Raft health is not available: not implemented yet/)).toBeTruthy(),
    );
  });
});
