// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type TaskStep } from '../../../shared/api';
import { CreateProgress, groupSteps } from './CreateProgress';
import { fakeApi, renderInApp, task } from './testkit';

afterEach(cleanup);

const steps: TaskStep[] = [
  { name: 'network', state: 'done', detail: '10.99.3.0/24' },
  { name: 'core-01: image', state: 'done' },
  { name: 'core-01: container', state: 'done' },
  { name: 'core-01: KV member', state: 'running', detail: 'joining' },
  { name: 'core-02: image', state: 'done' },
  { name: 'core-02: container', state: 'failed', detail: 'port 8080 is taken' },
  { name: 'units from cloud-config', state: 'pending' },
];

describe('groupSteps', () => {
  it('puts each machine’s four steps in its row and keeps the cluster’s own steps apart', () => {
    const g = groupSteps(steps, ['core-01', 'core-02']);
    expect(g.machines.map((m) => [m.host, Object.keys(m.steps)])).toEqual([
      ['core-01', ['image', 'container', 'KV member']],
      ['core-02', ['image', 'container']],
    ]);
    expect(g.machines[1]?.steps.container?.detail).toBe('port 8080 is taken');
    expect(g.cluster.map((s) => s.name)).toEqual(['network', 'units from cloud-config']);
  });
});

const render = (props: Partial<Parameters<typeof CreateProgress>[0]> = {}) =>
  renderInApp(
    <CreateProgress
      name="demo"
      hosts={['core-01', 'core-02']}
      task={task({ id: 't1', steps, progress: 0.5, message: 'Starting core-01' })}
      error={undefined}
      leftBehind={false}
      onBack={() => undefined}
      {...props}
    />,
    { api: fakeApi().api },
  );

describe('CreateProgress', () => {
  it('shows a row per machine with a state icon and detail per step', () => {
    render();
    const region = within(screen.getByRole('region', { name: 'Creating cluster demo' }));
    expect(region.getByRole('status').textContent).toBe('Starting core-01');
    const row = (host: string) => within(region.getByRole('row', { name: new RegExp(`^${host}`) }));
    expect(row('core-01').getAllByTitle('done')).toHaveLength(2);
    expect(row('core-01').getByLabelText('running')).toBeTruthy();
    expect(row('core-01').getByText('joining')).toBeTruthy();
    expect(row('core-01').getAllByTitle('pending')).toHaveLength(1);
    expect(row('core-02').getByTitle('failed')).toBeTruthy();
    expect(row('core-02').getByText('port 8080 is taken')).toBeTruthy();
    const cluster = within(region.getByRole('list', { name: 'Cluster steps of demo' }));
    expect(cluster.getByText('network')).toBeTruthy();
    expect(cluster.getByText('units from cloud-config')).toBeTruthy();
  });

  it('shows a failure with its hint and goes back to the review', async () => {
    const user = userEvent.setup();
    const onBack = vi.fn();
    render({
      task: task({
        id: 't1',
        state: 'failed',
        steps,
        error: { code: 'CONFLICT', message: 'port 8080 is taken', hint: 'Forward another host port' },
      }),
      leftBehind: true,
      onBack,
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('port 8080 is taken');
    expect(alert.textContent).toContain('Forward another host port');
    expect(alert.textContent).toContain('destroy it there');
    await user.click(screen.getByRole('button', { name: 'Back to review' }));
    expect(onBack).toHaveBeenCalled();
  });

  it('shows a create call that failed before any task', () => {
    render({
      task: undefined,
      error: new ApiError('ENGINE_UNAVAILABLE', 'Docker is not running', { hint: 'Start dockerd' }),
    });
    expect(screen.getByRole('alert').textContent).toMatch(/Docker is not running.*Start dockerd/);
  });
});
