// "hello.service moved from core-01 to core-02": the unit list is live, so a change of a unit's
// machine is seen as it happens. A unit passes through "not placed" while it moves (its machine
// went down, or it is being rescheduled): the last machine it was on is remembered through that.

import type { UnitInfo } from '../../../shared/api';

export interface Move {
  unit: string;
  from: string;
  to: string;
}

export class MoveTracker {
  private readonly lastMachine = new Map<string, string>();

  /** The moves since the last call, of units `watched` says are followed. */
  update(units: readonly UnitInfo[], watched: (unit: string) => boolean): Move[] {
    const moves: Move[] = [];
    for (const u of units) {
      if (!u.machineId) continue;
      const before = this.lastMachine.get(u.name);
      this.lastMachine.set(u.name, u.machineId);
      if (before !== undefined && before !== u.machineId && watched(u.name))
        moves.push({ unit: u.name, from: before, to: u.machineId });
    }
    return moves;
  }
}

export function moveText(m: Move, hostOf: (machineId: string) => string): string {
  return `${m.unit} moved from ${hostOf(m.from)} to ${hostOf(m.to)}`;
}
