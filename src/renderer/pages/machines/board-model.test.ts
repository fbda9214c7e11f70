import { describe, expect, it } from 'vitest';
import type { MachineInfo, UnitInfo } from '../../../shared/api';
import { buildBoard } from './board-model';
import { machineInfo, unitInfo } from './fixtures';

const m1 = machineInfo('core-01', '1');
const m2 = machineInfo('core-02', '2');
const m10 = machineInfo('core-10', 'a');

const names = (cards: { unit: UnitInfo }[]) => cards.map((c) => c.unit.name);
const hosts = (columns: { machine: MachineInfo }[]) => columns.map((c) => c.machine.name);

describe('buildBoard', () => {
  it('sorts columns by host name and cards by unit name, as people count', () => {
    const board = buildBoard(
      [m10, m2, m1],
      [
        unitInfo('hello@10.service', { on: m1 }),
        unitInfo('hello@9.service', { on: m1 }),
        unitInfo('db.service', { on: m2 }),
      ],
    );
    expect(hosts(board.columns)).toEqual(['core-01', 'core-02', 'core-10']);
    expect(names(board.columns[0]!.cards)).toEqual(['hello@9.service', 'hello@10.service']);
    expect(board.columns[0]!.cards[0]!.state?.active).toBe('active');
  });

  it('shows a global unit on every machine that reports it', () => {
    const logger = unitInfo('logger.service', { global: [m1, m10] });
    const board = buildBoard([m1, m2, m10], [logger]);
    expect(board.columns.map((c) => names(c.cards))).toEqual([['logger.service'], [], ['logger.service']]);
    expect(board.columns[2]!.cards[0]!.state?.machineId).toBe(m10.id);
  });

  it('puts units that want to run but have no machine in Not placed, with why', () => {
    const blocked = unitInfo('gpu.service', {
      blocked: 'MachineMetadata gpu=true: no machine has gpu=true',
    });
    const waiting = unitInfo('new.service', {});
    const stopped = unitInfo('idle.service', { desired: 'inactive' });
    const lost = unitInfo('lost.service', { on: machineInfo('core-09', '9') });
    const board = buildBoard([m1], [blocked, waiting, stopped, lost]);
    expect(board.notPlaced.map((c) => [c.unit.name, c.notPlacedReason])).toEqual([
      ['gpu.service', 'MachineMetadata gpu=true: no machine has gpu=true'],
      ['lost.service', 'Placed on machine 99999999, which is not in the cluster'],
      ['new.service', 'Waiting for the scheduler to place it'],
    ]);
  });

  it('keeps the identity of columns and cards that did not change', () => {
    const a = unitInfo('a.service', { on: m1 });
    const b = unitInfo('b.service', { on: m2 });
    const before = buildBoard([m1, m2], [a, b]);
    const movedB = unitInfo('b.service', { on: m1 });
    const after = buildBoard([m1, m2], [a, movedB], before);
    expect(after.columns[0]).not.toBe(before.columns[0]);
    expect(after.columns[0]!.cards[0]).toBe(before.columns[0]!.cards[0]);
    expect(names(after.columns[1]!.cards)).toEqual([]);

    const again = buildBoard([m1, m2], [a, movedB], after);
    expect(again.columns[0]).toBe(after.columns[0]);
    expect(again.columns[1]).toBe(after.columns[1]);
    expect(again.notPlaced).toBe(after.notPlaced);
  });
});
