// @vitest-environment jsdom
import { cleanup, renderHook, screen, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiContext } from '../../api/hooks';
import { Board } from '../machines/Board';
import { machineInfo } from '../machines/fixtures';
import { giveElementsASize } from '../machines/testkit';
import { CLUSTER, fakeUpdatesApi, idOf, renderWithApi, updatesView, type FakeUpdatesApi } from './testkit';
import { updateOf, useMachineUpdates, useUpdatesView } from './useUpdatesView';

let restoreLayout: () => void;
beforeAll(() => {
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const wrapper =
  (fake: FakeUpdatesApi) =>
  ({ children }: { children: ReactNode }) => (
    <ApiContext.Provider value={fake.api}>{children}</ApiContext.Provider>
  );

describe('useUpdatesView', () => {
  it('follows one cluster, and reads as empty for another until its first payload', () => {
    const fake = fakeUpdatesApi();
    const { result, rerender } = renderHook(({ cluster }) => useUpdatesView(cluster), {
      wrapper: wrapper(fake),
      initialProps: { cluster: 'dev' as string | undefined },
    });
    expect(result.current).toEqual({});
    fake.emit('updates.changed', updatesView());
    expect(result.current.view?.channel).toBe('stable');
    rerender({ cluster: 'prod' });
    expect(result.current).toEqual({});
    expect(fake.subscriptions('updates.changed')).toEqual([{ cluster: 'prod' }]);
    rerender({ cluster: undefined });
    expect(fake.subscriptions('updates.changed')).toEqual([]);
  });

  it('stays empty without an API', () => {
    const { result } = renderHook(() => useUpdatesView('dev'));
    expect(result.current).toEqual({});
  });
});

describe('useMachineUpdates', () => {
  it('finds a machine by id or host name, keeping unchanged machines as the same objects', () => {
    const first = updatesView();
    const { result, rerender } = renderHook(({ view }) => useMachineUpdates(view), {
      initialProps: { view: first },
    });
    const before = result.current;
    expect(updateOf(before, { id: idOf(2), name: 'x' })?.hostname).toBe('core-02');
    expect(updateOf(before, { id: 'unknown', name: 'core-03' })?.machineId).toBe(idOf(3));
    const next = updatesView();
    next.machines[1] = { ...next.machines[1]!, status: { ...next.machines[1]!.status, progress: 0.5 } };
    rerender({ view: next });
    const after = result.current;
    expect(after.get(idOf(1))).toBe(before.get(idOf(1)));
    expect(after.get(idOf(2))).not.toBe(before.get(idOf(2)));
    expect(after.get(idOf(2))?.status.progress).toBe(0.5);
  });
});

describe('the Machines board badge', () => {
  it('shows each machine’s update on its column, from one subscription per board', () => {
    const fake = fakeUpdatesApi({}, [CLUSTER]);
    const machines = [1, 2, 3].map((n) => machineInfo(`core-0${n}`, String(n)));
    // As the Machines page wires it: the cluster's view, indexed, handed to the board.
    function BoardWithUpdates() {
      const updates = useMachineUpdates(useUpdatesView('dev').view);
      return (
        <Board
          machines={machines}
          units={[]}
          loadMoveTargets={vi.fn(async () => [])}
          onMove={vi.fn()}
          onDropRefused={vi.fn()}
          onMoveTo={vi.fn()}
          onMachineAction={vi.fn()}
          onSelect={vi.fn()}
          updates={updates}
        />
      );
    }
    renderWithApi(<BoardWithUpdates />, fake.api, '/machines');
    expect(fake.subscriptions('updates.changed')).toEqual([{ cluster: 'dev' }]);
    fake.emit('updates.changed', updatesView());
    const column = (name: string) => screen.getByRole('region', { name: `Machine ${name}` });
    expect(within(column('core-01')).queryByText(/update|rebooting|rolled back/)).toBeNull();
    expect(within(column('core-02')).getByText('updating 42%')).toBeTruthy();
    expect(within(column('core-03')).getByText('update ready')).toBeTruthy();
    const view = updatesView();
    fake.emit('updates.changed', {
      ...view,
      machines: view.machines.map((m) =>
        m.hostname === 'core-03' ? { ...m, reboot: 'rebooting' as const } : m,
      ),
    });
    expect(within(column('core-03')).getByText('rebooting')).toBeTruthy();
  });
});
