// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MachineInfo, MoveTarget, UnitInfo } from '../../../shared/api';
import { Board, type BoardProps } from './Board';
import { machineInfo, unitInfo } from './fixtures';
import { giveElementsASize, layOutBoard } from './testkit';

const restore: (() => void)[] = [];
beforeAll(() => restore.push(giveElementsASize(), layOutBoard()));
afterAll(() => restore.forEach((r) => r()));
afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const core03 = machineInfo('core-03', '3', { health: 'down', life: 'dead' });
const hello = unitInfo('hello@1.service', { on: core01 });

const targets: MoveTarget[] = [
  { machineId: core01.id, allowed: true, problems: [], followers: [] },
  { machineId: core02.id, allowed: true, problems: [], followers: [] },
  {
    machineId: core03.id,
    allowed: false,
    constraint: 'State',
    problems: ['33333333 is down'],
    followers: [],
  },
];

function renderBoard(
  overrides: Partial<BoardProps> = {},
  units: UnitInfo[] = [hello],
  machines: MachineInfo[] = [core03, core01, core02],
) {
  const props: BoardProps = {
    machines,
    units,
    loadMoveTargets: vi.fn(async () => targets),
    onMove: vi.fn(),
    onDropRefused: vi.fn(),
    onMoveTo: vi.fn(),
    onMachineAction: vi.fn(),
    onSelect: vi.fn(),
    ...overrides,
  };
  const view = render(<Board {...props} />);
  return { props, rerender: (next: Partial<BoardProps>) => view.rerender(<Board {...props} {...next} />) };
}

const regionNames = () => screen.getAllByRole('region').map((r) => r.getAttribute('aria-label'));

/** Picks the card up with the keyboard, steps `columns` to the right, drops it. */
async function keyboardDrag(unit: string, columns: number, onPickedUp?: () => void) {
  const handle = screen.getByRole('button', { name: `Drag ${unit}` });
  handle.focus();
  await act(async () => {
    fireEvent.keyDown(handle, { code: 'Space' });
    // dnd-kit's keyboard sensor listens for the arrow keys from the next task on.
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  onPickedUp?.();
  for (let i = 0; i < columns; i++)
    await act(async () => {
      fireEvent.keyDown(document.activeElement!, { code: 'ArrowRight' });
    });
  await act(async () => {
    fireEvent.keyDown(document.activeElement!, { code: 'Space' });
  });
}

describe('Board', () => {
  it('shows Not placed first, then one column per machine by host name', () => {
    renderBoard();
    expect(regionNames()).toEqual(['Not placed', 'Machine core-01', 'Machine core-02', 'Machine core-03']);
    expect(
      within(screen.getByRole('region', { name: 'Machine core-01' })).getByRole('group', {
        name: 'hello@1.service on core-01, active running',
      }),
    ).toBeTruthy();
  });

  it('moves cards as live updates arrive', () => {
    const { rerender } = renderBoard();
    rerender({ units: [unitInfo('hello@1.service', { on: core02, active: 'activating', sub: 'start' })] });
    expect(
      within(screen.getByRole('region', { name: 'Machine core-02' })).getByRole('group', {
        name: 'hello@1.service on core-02, activating start',
      }),
    ).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Machine core-01' })).queryByRole('group')).toBeNull();
  });

  it('asks once per drag where the unit may go, shows it on every column, and asks for a plan on drop', async () => {
    const { props } = renderBoard();
    await keyboardDrag('hello@1.service', 1, () => {
      expect(props.loadMoveTargets).toHaveBeenCalledWith('hello@1.service');
      const column = (host: string) => screen.getByRole('region', { name: `Machine ${host}` });
      expect(within(column('core-01')).getByText('Already here')).toBeTruthy();
      expect(within(column('core-02')).getByText('Drop to move here')).toBeTruthy();
      expect(within(column('core-03')).getByText("Can't move here: core-03 is down")).toBeTruthy();
    });
    expect(props.loadMoveTargets).toHaveBeenCalledTimes(1);
    expect(props.onMove).toHaveBeenCalledWith({ unit: 'hello@1.service', from: core01.id, to: core02 });
    expect(screen.queryByText('Drop to move here')).toBeNull();
  });

  it('does not move a unit dropped on a machine that refuses it, and says why', async () => {
    const { props } = renderBoard();
    await keyboardDrag('hello@1.service', 2);
    expect(props.onMove).not.toHaveBeenCalled();
    expect(props.onDropRefused).toHaveBeenCalledWith('hello@1.service', core03, 'core-03 is down');
  });

  it('tells the page which unit has the focus', () => {
    const { props } = renderBoard();
    act(() => screen.getByRole('button', { name: 'Move hello@1.service to…' }).focus());
    expect(props.onSelect).toHaveBeenLastCalledWith({ unit: 'hello@1.service', from: core01.id });
    act(() => screen.getByRole('button', { name: 'Actions for core-02' }).focus());
    expect(props.onSelect).toHaveBeenLastCalledWith(undefined);
  });
});
