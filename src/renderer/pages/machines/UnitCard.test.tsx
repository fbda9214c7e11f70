// @vitest-environment jsdom
import { DndContext } from '@dnd-kit/core';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoardHandlersContext, type BoardHandlers } from './board-context';
import { buildBoard } from './board-model';
import { machineInfo, unitInfo, type UnitSpec } from './fixtures';
import { UnitCard, cardLabel } from './UnitCard';

afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const NOW = Date.parse('2025-01-01T12:00:00Z');

function cardOf(name: string, spec: UnitSpec) {
  const board = buildBoard([core01], [unitInfo(name, spec)]);
  return board.columns[0]!.cards[0] ?? board.notPlaced[0]!;
}

function renderCard(ui: ReactElement, handlers: Partial<BoardHandlers> = {}) {
  const value: BoardHandlers = { moveTo: vi.fn(), machineAction: vi.fn(), ...handlers };
  return render(
    <BoardHandlersContext.Provider value={value}>
      <DndContext>{ui}</DndContext>
    </BoardHandlersContext.Provider>,
  );
}

describe('UnitCard', () => {
  it('is named by unit, machine and state, and shows ACTIVE/SUB with its colour and time in state', () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const card = cardOf('hello@1.service', { on: core01, since: NOW - 3 * 60_000 - 5_000 });
      renderCard(<UnitCard card={card} hostName="core-01" top={0} />);
      const group = screen.getByRole('group', { name: 'hello@1.service on core-01, active running' });
      expect(group.dataset.tone).toBe('running');
      expect(group.textContent).toContain('active/running');
      expect(group.textContent).toContain('3 m');
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['activating', 'start-pre', 'changing'],
    ['deactivating', 'stop-sigterm', 'changing'],
    ['failed', 'failed', 'failed'],
    ['inactive', 'dead', 'inactive'],
  ])('colours %s/%s as %s', (active, sub, tone) => {
    renderCard(
      <UnitCard card={cardOf('a.service', { on: core01, active, sub })} hostName="core-01" top={0} />,
    );
    const group = screen.getByRole('group', { name: `a.service on core-01, ${active} ${sub}` });
    expect(group.dataset.tone).toBe(tone);
    expect(group.textContent).toContain(`${active}/${sub}`);
  });

  it('carries the failure reason in its name and in a hover hint', async () => {
    const reason = 'Main process exited, code=exited, status=1/FAILURE';
    renderCard(
      <UnitCard
        card={cardOf('db.service', { on: core01, active: 'failed', sub: 'failed', reason })}
        hostName="core-01"
        top={0}
      />,
    );
    const group = screen.getByRole('group', { name: `db.service on core-01, failed failed: ${reason}` });
    fireEvent.mouseOver(group.querySelector('.board-state')!);
    expect(await screen.findByRole('tooltip')).toHaveProperty('textContent', reason);
  });

  it('marks global units', () => {
    const card = cardOf('logger.service', { global: [core01] });
    renderCard(<UnitCard card={card} hostName="core-01" top={0} />);
    expect(
      screen.getByRole('group', { name: 'logger.service on core-01, active running, global unit' })
        .textContent,
    ).toContain('global');
  });

  it('offers a drag handle and "Move to…", which asks the board', () => {
    const moveTo = vi.fn();
    renderCard(<UnitCard card={cardOf('hello@1.service', { on: core01 })} hostName="core-01" top={0} />, {
      moveTo,
    });
    expect(
      screen.getByRole('button', { name: 'Drag hello@1.service' }).getAttribute('aria-roledescription'),
    ).toBe('draggable');
    fireEvent.click(screen.getByRole('button', { name: 'Move hello@1.service to…' }));
    expect(moveTo).toHaveBeenCalledWith({ unit: 'hello@1.service', from: core01.id });
  });

  it('shows why a unit is not placed, and offers no move', () => {
    const card = cardOf('gpu.service', { blocked: 'MachineMetadata gpu=true: no machine has gpu=true' });
    renderCard(<UnitCard card={card} hostName={undefined} top={0} />);
    expect(
      screen.getByRole('group', {
        name: 'gpu.service, not placed: MachineMetadata gpu=true: no machine has gpu=true',
      }).textContent,
    ).toContain('no machine has gpu=true');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('says when its machine has not reported it yet', () => {
    const unit = { ...unitInfo('new.service', { on: core01 }), states: [] };
    const card = buildBoard([core01], [unit]).columns[0]!.cards[0]!;
    expect(cardLabel(card, 'core-01')).toBe('new.service on core-01, not reported yet');
  });
});
