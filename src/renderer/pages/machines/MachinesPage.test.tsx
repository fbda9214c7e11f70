// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo, Plan } from '../../../shared/api';
import { ActionsProvider } from '../../actions/registry';
import { ApiContext } from '../../api/hooks';
import { machineInfo, remoteProbe, unitInfo } from './fixtures';
import { MachinesPage } from './MachinesPage';
import { fakeApi, giveElementsASize, renderInApp } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const dev: ClusterInfo = { name: 'dev', active: true, state: 'running', machines: 2, endpoints: [] };
const core01 = machineInfo('core-01', '1', { kvMember: true, kvRole: 'leader' });
const core02 = machineInfo('core-02', '2');
const hello = unitInfo('hello@1.service', { on: core01 });
const plan: Plan = {
  valid: true,
  problems: [],
  stops: [{ unit: 'hello@1.service', machineId: core01.id, reason: 'moved away' }],
  starts: [{ unit: 'hello@1.service', machineId: core02.id, reason: 'moved here' }],
  blocked: [],
};

function renderPage() {
  const fake = fakeApi({
    'plan.moveTargets': async () => ({
      unit: 'hello@1.service',
      targets: [
        { machineId: core01.id, allowed: true, problems: [], followers: [] },
        { machineId: core02.id, allowed: true, problems: [], followers: [] },
      ],
    }),
    'plan.preview': async () => plan,
    'units.move': async () => plan,
    'machines.kill': async () => ({ taskId: 't1' }),
    'machines.remove': async () => ({ taskId: 't3' }),
    'machines.probeRemote': async () => remoteProbe('unknown'),
    'machines.addRemote': async () => ({ taskId: 't4' }),
    'clusters.start': async () => ({ taskId: 't2' }),
  });
  renderInApp(
    <ApiContext.Provider value={fake.api}>
      <ActionsProvider>
        <MachinesPage />
      </ActionsProvider>
    </ApiContext.Provider>,
  );
  return fake;
}

function runningCluster(fake: ReturnType<typeof fakeApi>, units = [hello]) {
  act(() => fake.emit('clusters.changed', [dev]));
  act(() => fake.emit('machines.changed', { kind: 'snapshot', machines: [core02, core01] }));
  act(() => fake.emit('units.changed', { kind: 'snapshot', units }));
}

describe('MachinesPage', () => {
  it('guides to a first cluster when there is none', () => {
    const fake = renderPage();
    expect(screen.getByRole('heading', { level: 1, name: 'Machines' })).toBeTruthy();
    act(() => fake.emit('clusters.changed', []));
    expect(screen.getByRole('button', { name: 'Create your first cluster' })).toBeTruthy();
  });

  it('starts a stopped cluster', async () => {
    const fake = renderPage();
    act(() => fake.emit('clusters.changed', [{ ...dev, state: 'stopped' }]));
    fireEvent.click(screen.getByRole('button', { name: 'Start cluster' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({ method: 'clusters.start', params: { name: 'dev' } }),
    );
  });

  it('shows the live board and how to start a first unit when there is none', () => {
    const fake = renderPage();
    runningCluster(fake, []);
    expect(screen.getByRole('region', { name: 'Machine core-01' })).toBeTruthy();
    expect(screen.getByText('dev · 2 machines · 0 units')).toBeTruthy();
    expect(
      screen.getByRole('button', { name: 'Copy as flotctl command: flotctl start hello.service' }),
    ).toBeTruthy();

    act(() => fake.emit('units.changed', { kind: 'upsert', unit: hello }));
    expect(screen.getByRole('group', { name: 'hello@1.service on core-01, active running' })).toBeTruthy();
    expect(screen.queryByText(/No units yet/)).toBeNull();
  });

  it('moves a unit through Move to…, the plan and Apply, and undoes it', async () => {
    const fake = renderPage();
    runningCluster(fake);
    fireEvent.click(screen.getByRole('button', { name: 'Move hello@1.service to…' }));
    const choice = await screen.findByRole('button', { name: /^core-02/ });
    fireEvent.click(choice);

    const dialog = await screen.findByRole('dialog', { name: 'Move hello@1.service to core-02' });
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Apply' }));
    await screen.findByText('Moved hello@1.service to core-02');
    const moves = () => fake.calls.filter((c) => c.method === 'units.move').map((c) => c.params);
    expect(moves()).toEqual([{ cluster: 'dev', name: 'hello@1.service', machineId: core02.id }]);
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await screen.findByText('Moved hello@1.service back to core-01');
    expect(moves()[1]).toEqual({ cluster: 'dev', name: 'hello@1.service', machineId: core01.id });
  });

  it('moves the focused unit with the m shortcut', async () => {
    const fake = renderPage();
    runningCluster(fake);
    const card = screen.getByRole('group', { name: 'hello@1.service on core-01, active running' });
    act(() => card.focus());
    fireEvent.keyDown(card, { key: 'm', code: 'KeyM' });
    expect(await screen.findByRole('dialog', { name: 'Move hello@1.service to…' })).toBeTruthy();
  });

  it('kills a machine after saying what that does', async () => {
    const fake = renderPage();
    runningCluster(fake);
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-02' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Kill core-02…' }));
    fireEvent.click(
      within(screen.getByRole('dialog', { name: 'Kill core-02?' })).getByRole('button', {
        name: 'Kill core-02',
      }),
    );
    await screen.findByText(/Killing core-02…/);
    expect(fake.calls).toContainEqual({
      method: 'machines.kill',
      params: { cluster: 'dev', machine: 'core-02' },
    });
  });

  it('adds a remote host from the Add machine menu, then leaves the board to its watch', async () => {
    const fake = renderPage();
    runningCluster(fake);
    fireEvent.click(screen.getByRole('button', { name: 'Add machine' }));
    fireEvent.click(screen.getByRole('menuitem', { name: /^Remote host \(SSH\)…/ }));
    const dialog = within(screen.getByRole('dialog', { name: 'Add a remote host (SSH)' }));
    fireEvent.change(dialog.getByRole('textbox', { name: 'Host' }), { target: { value: '10.0.0.21' } });
    fireEvent.change(dialog.getByRole('textbox', { name: 'User' }), { target: { value: 'core' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Connect' }));
    fireEvent.click(await dialog.findByRole('button', { name: 'Trust and add' }));
    await screen.findByText('Adding 10.0.0.21… its progress shows in the status bar');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.calls.find((c) => c.method === 'machines.addRemote')?.params).toMatchObject({
      cluster: 'dev',
      ssh: { host: '10.0.0.21', user: 'core', port: 22 },
    });

    const core03 = machineInfo('core-03', '3', {
      remote: { address: 'core@10.0.0.21:22', state: 'connecting' },
    });
    act(() => fake.emit('machines.changed', { kind: 'upsert', machine: core03 }));
    expect(within(screen.getByRole('region', { name: 'Machine core-03' })).getByText('remote')).toBeTruthy();
  });

  it('removes a machine without a KV member after saying what that does', async () => {
    const fake = renderPage();
    runningCluster(fake);
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-02' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Remove core-02 from the cluster…' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove core-02 from the cluster?' });
    expect(
      within(dialog).getByRole('button', { name: 'Copy as flotctl command: flotctl machine remove core-02' }),
    ).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove core-02 from the cluster' }));
    await screen.findByText(/Removing core-02…/);
    expect(fake.calls).toContainEqual({
      method: 'machines.remove',
      params: { cluster: 'dev', machine: 'core-02' },
    });
  });

  it('offers Add machine only while the cluster runs', () => {
    const fake = renderPage();
    act(() => fake.emit('clusters.changed', [{ ...dev, state: 'stopped' }]));
    expect((screen.getByRole('button', { name: 'Add machine' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
