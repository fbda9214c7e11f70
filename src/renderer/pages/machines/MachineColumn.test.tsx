// @vitest-environment jsdom
import { DndContext } from '@dnd-kit/core';
import { cleanup, render, screen, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BoardHandlersContext } from './board-context';
import { buildBoard } from './board-model';
import { machineInfo, unitInfo } from './fixtures';
import { MachineColumn, NotPlacedColumn } from './MachineColumn';
import { giveElementsASize } from './testkit';
import { HERE, type Verdict } from './verdicts';

let restoreLayout: () => void;
beforeAll(() => {
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const core01 = machineInfo('core-01', '1', { ip: '10.99.3.11', kvMember: true, kvRole: 'follower' });
const board = buildBoard(
  [core01],
  [
    unitInfo('web@2.service', { on: core01 }),
    unitInfo('web@10.service', { on: core01, active: 'activating', sub: 'start' }),
    unitInfo('gpu.service', { blocked: 'MachineMetadata gpu=true: no machine has gpu=true' }),
  ],
);

function renderInDnd(ui: ReactElement) {
  return render(
    <BoardHandlersContext.Provider value={{ moveTo: vi.fn(), machineAction: vi.fn() }}>
      <DndContext>{ui}</DndContext>
    </BoardHandlersContext.Provider>,
  );
}

const column = (verdict: Verdict | undefined) => (
  <MachineColumn machine={core01} cards={board.columns[0]!.cards} verdict={verdict} left={0} />
);

describe('MachineColumn', () => {
  it('is a region named after the machine, with its facts and its units in name order', () => {
    renderInDnd(column(undefined));
    const region = screen.getByRole('region', { name: 'Machine core-01' });
    expect(within(region).getByText('10.99.3.11')).toBeTruthy();
    expect(within(region).getByText('KV follower')).toBeTruthy();
    expect(
      within(region)
        .getAllByRole('group')
        .map((g) => g.getAttribute('aria-label')),
    ).toEqual(['web@2.service on core-01, active running', 'web@10.service on core-01, activating start']);
    expect(region.querySelector('.board-verdict')).toBeNull();
  });

  it('says during a drag whether the unit may be dropped here, and what forbids it', () => {
    const { rerender } = renderInDnd(column({ kind: 'allowed', followers: [] }));
    const region = screen.getByRole('region', { name: 'Machine core-01' });
    expect(region.dataset.verdict).toBe('allowed');
    expect(within(region).getByText('Drop to move here')).toBeTruthy();

    rerender(
      <BoardHandlersContext.Provider value={{ moveTo: vi.fn(), machineAction: vi.fn() }}>
        <DndContext>
          {column({ kind: 'refused', reason: 'Conflicts=web@*: core-01 runs web@2.service' })}
        </DndContext>
      </BoardHandlersContext.Provider>,
    );
    expect(region.dataset.verdict).toBe('refused');
    expect(
      within(region).getByText("Can't move here: Conflicts=web@*: core-01 runs web@2.service"),
    ).toBeTruthy();

    rerender(
      <BoardHandlersContext.Provider value={{ moveTo: vi.fn(), machineAction: vi.fn() }}>
        <DndContext>{column(HERE)}</DndContext>
      </BoardHandlersContext.Provider>,
    );
    expect(within(region).getByText('Already here')).toBeTruthy();
  });

  it('says when a machine has no units', () => {
    renderInDnd(<MachineColumn machine={core01} cards={[]} verdict={undefined} left={0} />);
    expect(screen.getByText('No units')).toBeTruthy();
  });
});

describe('NotPlacedColumn', () => {
  it('lists units that cannot be placed with why', () => {
    renderInDnd(<NotPlacedColumn cards={board.notPlaced} left={0} />);
    const region = screen.getByRole('region', { name: 'Not placed' });
    expect(within(region).getByText('1 unit wants to run but cannot be placed.')).toBeTruthy();
    expect(
      within(region).getByRole('group', {
        name: 'gpu.service, not placed: MachineMetadata gpu=true: no machine has gpu=true',
      }),
    ).toBeTruthy();
  });
});
