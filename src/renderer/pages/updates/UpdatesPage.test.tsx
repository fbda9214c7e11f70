// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api';
import { CLUSTER, fakeUpdatesApi, renderWithApi, updatesView } from './testkit';
import { UpdatesPage } from './UpdatesPage';

afterEach(cleanup);

function setup(clusters = [CLUSTER]) {
  const fake = fakeUpdatesApi({}, clusters);
  renderWithApi(<UpdatesPage />, fake.api);
  return fake;
}

describe('UpdatesPage', () => {
  it('subscribes to the running cluster and shows settings, machines, the lock and the feed', () => {
    const fake = setup();
    expect(screen.getByRole('heading', { level: 1, name: 'Updates' })).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Reading the update status' })).toBeTruthy();
    expect(fake.subscriptions('updates.changed')).toEqual([{ cluster: 'dev' }]);
    fake.emit('updates.changed', updatesView());
    expect(screen.getByText('dev · stable · 3 machines')).toBeTruthy();
    for (const name of ['All machines', 'Machines', 'Reboot lock', 'Release feed'])
      expect(screen.getByRole('heading', { level: 2, name })).toBeTruthy();
    for (const host of ['core-01', 'core-02', 'core-03'])
      expect(screen.getByRole('heading', { level: 3, name: host })).toBeTruthy();
    expect(
      within(screen.getByRole('region', { name: 'core-02' }))
        .getByRole('progressbar', { name: 'core-02: Downloading' })
        .getAttribute('aria-valuenow'),
    ).toBe('42');
    expect(within(screen.getByRole('row', { name: 'Lock group default' })).getByText('core-02')).toBeTruthy();
  });

  it('follows every payload live', () => {
    const fake = setup();
    fake.emit('updates.changed', updatesView());
    const view = updatesView();
    fake.emit('updates.changed', {
      ...view,
      channel: 'alpha',
      machines: view.machines.map((m) =>
        m.hostname === 'core-02'
          ? { ...m, status: { ...m.status, currentOp: 'UPDATE_STATUS_FINALIZING' as const, progress: 0.9 } }
          : m,
      ),
      locks: [{ ...view.locks[0]!, semaphore: 1, holders: [] }],
    });
    expect(screen.getByText('dev · alpha · 3 machines')).toBeTruthy();
    expect(
      screen
        .getByRole('progressbar', { name: 'core-02: Finalizing the partition' })
        .getAttribute('aria-valuenow'),
    ).toBe('90');
    expect(screen.queryByRole('button', { name: 'Unlock core-02' })).toBeNull();
  });

  it('says when the update status is not available, or stopped updating', () => {
    const fake = setup();
    fake.fail('updates.changed', new ApiError('UNSUPPORTED', 'no updates backend yet'));
    expect(screen.getByText('The update status is not available: no updates backend yet')).toBeTruthy();
    cleanup();
    const again = setup();
    again.emit('updates.changed', updatesView());
    again.fail('updates.changed', new ApiError('CONFLICT', 'the cluster stopped'));
    expect(screen.getByText('The update status stopped updating: the cluster stopped')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 3, name: 'core-01' })).toBeTruthy();
  });

  it('guides to a cluster when there is none running, without subscribing', () => {
    const fake = setup([]);
    expect(screen.getByRole('heading', { name: 'No cluster yet' })).toBeTruthy();
    expect(fake.subscriptions('updates.changed')).toEqual([]);
    cleanup();
    const stopped = setup([{ ...CLUSTER, state: 'stopped' }]);
    expect(screen.getByRole('heading', { name: 'Cluster dev is stopped' })).toBeTruthy();
    expect(stopped.subscriptions('updates.changed')).toEqual([]);
  });
});
