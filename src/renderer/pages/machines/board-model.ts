import type { MachineInfo, UnitInfo, UnitMachineState } from '../../../shared/api';

/** One card: a unit on one machine (a global unit has a card on each machine reporting it). */
export interface CardData {
  /** Unique on the board: `unit|machineId` (`unit|` when not placed). */
  key: string;
  unit: UnitInfo;
  /** The machine whose column holds the card; absent in "Not placed". */
  machineId?: string;
  /** What that machine reports for the unit. */
  state?: UnitMachineState;
  /** Why a unit that wants to run has no machine. */
  notPlacedReason?: string;
}

export interface ColumnData {
  machine: MachineInfo;
  cards: CardData[];
}

export interface BoardModel {
  notPlaced: CardData[];
  /** Sorted by host name. */
  columns: ColumnData[];
}

/** Host names and unit names sort as people read them: core-2 before core-10, hello@9 before hello@10. */
export const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

const WAITING = 'Waiting for the scheduler to place it';

/**
 * Lays out units over machines. Pass the previous model to keep the identity of every card and
 * column that did not change, so memoized columns and cards skip re-rendering on live updates.
 */
export function buildBoard(machines: MachineInfo[], units: UnitInfo[], previous?: BoardModel): BoardModel {
  const byMachine = new Map<string, CardData[]>(machines.map((m) => [m.id, []]));
  const notPlaced: CardData[] = [];
  const place = (unit: UnitInfo, machineId: string, state: UnitMachineState | undefined): boolean => {
    const cards = byMachine.get(machineId);
    if (!cards) return false;
    cards.push({ key: `${unit.name}|${machineId}`, unit, machineId, state });
    return true;
  };
  const unplaced = (unit: UnitInfo, reason: string) =>
    notPlaced.push({ key: `${unit.name}|`, unit, notPlacedReason: reason });

  for (const unit of units) {
    if (unit.global) {
      for (const state of unit.states) place(unit, state.machineId, state);
      if (unit.states.length === 0 && unit.blocked) unplaced(unit, unit.blocked.message);
    } else if (unit.machineId !== undefined) {
      const state = unit.states.find((s) => s.machineId === unit.machineId);
      if (!place(unit, unit.machineId, state))
        unplaced(unit, `Placed on machine ${unit.machineId.slice(0, 8)}, which is not in the cluster`);
    } else if (unit.desiredState !== 'inactive') {
      unplaced(unit, unit.blocked?.message ?? WAITING);
    }
  }

  const previousColumns = new Map(previous?.columns.map((c) => [c.machine.id, c]));
  const columns = [...machines]
    .sort((a, b) => naturalOrder(a.name, b.name) || a.id.localeCompare(b.id))
    .map((machine): ColumnData => {
      const before = previousColumns.get(machine.id);
      const cards = reuseCards(sortCards(byMachine.get(machine.id) ?? []), before?.cards);
      return before && before.machine === machine && before.cards === cards ? before : { machine, cards };
    });
  return { notPlaced: reuseCards(sortCards(notPlaced), previous?.notPlaced), columns };
}

function sortCards(cards: CardData[]): CardData[] {
  return cards.sort((a, b) => naturalOrder(a.unit.name, b.unit.name));
}

/** The previous list when every card is the same; otherwise the new list with unchanged cards kept. */
function reuseCards(cards: CardData[], before: CardData[] | undefined): CardData[] {
  if (!before) return cards;
  const old = new Map(before.map((c) => [c.key, c]));
  let same = cards.length === before.length;
  const result = cards.map((card, i) => {
    const prev = old.get(card.key);
    const kept =
      prev &&
      prev.unit === card.unit &&
      prev.state === card.state &&
      prev.notPlacedReason === card.notPlacedReason
        ? prev
        : card;
    if (kept !== before[i]) same = false;
    return kept;
  });
  return same ? before : result;
}
