// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterList, clusterTask, verbsFor } from './ClusterList';
import { cluster, fakeApi, renderInApp, task } from './testkit';

afterEach(cleanup);
const row = (name: string) => within(screen.getByRole('row', { name: `Cluster ${name}` }));

describe('verbsFor and clusterTask', () => {
  it('offers what the state allows, nothing but make-active while a task runs', () => {
    expect(verbsFor(cluster('a', { state: 'stopped' }), false)).toEqual(['start', 'use', 'destroy']);
    expect(verbsFor(cluster('a', { state: 'running', active: true }), false)).toEqual(['stop', 'destroy']);
    expect(verbsFor(cluster('a', { state: 'failed' }), false)).toEqual(['start', 'stop', 'use', 'destroy']);
    expect(verbsFor(cluster('a', { state: 'starting' }), true)).toEqual(['use']);
  });
  it('finds the running task about a cluster by its title', () => {
    const tasks = [
      task({ id: '1', kind: 'cluster.start', title: 'Start cluster demo-2' }),
      task({ id: '2', kind: 'cluster.stop', title: 'Stop cluster demo' }),
    ];
    expect(clusterTask(tasks, 'demo')?.id).toBe('2');
    expect(clusterTask(tasks, 'other')).toBeUndefined();
  });
});

describe('ClusterList', () => {
  it('guides to a first cluster when there is none', async () => {
    const user = userEvent.setup();
    renderInApp(<ClusterList />, { api: fakeApi().api });
    expect(screen.getByRole('heading', { level: 1, name: 'Clusters' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'New cluster' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Import from coreos-vagrant' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Create your first cluster' }));
    expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/clusters/new');
  });

  it('lists clusters live with state, machines, channel, endpoints and the active one', () => {
    const fake = fakeApi({}, { clusters: [cluster('demo', { active: true })] });
    renderInApp(<ClusterList />, { api: fake.api });
    expect(row('demo').getByText('active')).toBeTruthy();
    expect(row('demo').getByText('running')).toBeTruthy();
    expect(row('demo').getByText('127.0.0.1:23790')).toBeTruthy();
    fake.emit('clusters.changed', [
      cluster('demo', { active: true, state: 'failed', problem: 'core-02 did not start' }),
      cluster('lab', { state: 'stopped', machines: 1, channel: 'alpha', endpoints: [] }),
    ]);
    expect(row('demo').getByText('core-02 did not start')).toBeTruthy();
    expect(row('lab').getByText('stopped')).toBeTruthy();
    expect(row('lab').getByText('alpha')).toBeTruthy();
  });

  it('runs start, stop and make-active, each with its flotctl command', async () => {
    const user = userEvent.setup();
    const fake = fakeApi(
      { 'clusters.start': () => ({ taskId: 't' }), 'clusters.stop': () => ({ taskId: 't' }) },
      { clusters: [cluster('demo', { active: true }), cluster('lab', { state: 'stopped' })] },
    );
    renderInApp(<ClusterList />, { api: fake.api });
    await user.click(row('lab').getByRole('button', { name: 'Start cluster lab' }));
    await user.click(row('demo').getByRole('button', { name: 'Stop cluster demo' }));
    await user.click(row('lab').getByRole('button', { name: 'Make active: lab' }));
    expect(fake.paramsOf('clusters.start')).toEqual([{ name: 'lab' }]);
    expect(fake.paramsOf('clusters.stop')).toEqual([{ name: 'demo' }]);
    expect(fake.paramsOf('clusters.setActive')).toEqual([{ name: 'lab' }]);
    for (const command of [
      'flotctl cluster start lab',
      'flotctl cluster use lab',
      'flotctl cluster destroy demo',
    ])
      expect(screen.getByRole('button', { name: `Copy as flotctl command: ${command}` })).toBeTruthy();
  });

  it('destroys only after the name is typed in the dialog', async () => {
    const user = userEvent.setup();
    const fake = fakeApi({ 'clusters.destroy': () => ({ taskId: 't' }) }, { clusters: [cluster('demo')] });
    renderInApp(<ClusterList />, { api: fake.api });
    await user.click(row('demo').getByRole('button', { name: 'Destroy cluster demo' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Destroy cluster demo?' }));
    await user.type(dialog.getByRole('textbox', { name: 'Type the cluster name to confirm' }), 'demo');
    await user.click(dialog.getByRole('button', { name: 'Destroy' }));
    expect(fake.paramsOf('clusters.destroy')).toEqual([{ name: 'demo' }]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows a running task inline and holds the actions it would clash with', () => {
    const fake = fakeApi({}, { clusters: [cluster('demo', { state: 'starting' })] });
    renderInApp(<ClusterList />, { api: fake.api });
    fake.emit(
      'tasks.changed',
      task({
        id: 't1',
        kind: 'cluster.start',
        title: 'Start cluster demo',
        message: 'core-02: agent',
        progress: 0.75,
      }),
    );
    expect(row('demo').getByText('Start cluster demo — core-02: agent')).toBeTruthy();
    expect(
      row('demo')
        .getByRole('progressbar', { name: 'Start cluster demo progress' })
        .getAttribute('aria-valuenow'),
    ).toBe('75');
    expect(row('demo').queryByRole('button', { name: 'Destroy cluster demo' })).toBeNull();
    fake.emit(
      'tasks.changed',
      task({ id: 't1', kind: 'cluster.start', title: 'Start cluster demo', state: 'succeeded' }),
    );
    expect(row('demo').queryByRole('progressbar')).toBeNull();
  });
});
