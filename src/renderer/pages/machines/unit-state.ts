import type { UnitMachineState } from '../../../shared/api';

/** How a unit's ACTIVE/SUB reads at a glance; the colour always comes with the words. */
export type StateTone = 'running' | 'changing' | 'failed' | 'inactive' | 'unknown';

const CHANGING = new Set(['activating', 'deactivating', 'reloading', 'refreshing']);

export function stateTone(state: Pick<UnitMachineState, 'active' | 'sub'> | undefined): StateTone {
  if (!state) return 'unknown';
  if (state.active === 'failed' || state.sub === 'failed') return 'failed';
  if (CHANGING.has(state.active)) return 'changing';
  if (state.active === 'active') return 'running';
  if (state.active === 'inactive') return 'inactive';
  return 'unknown';
}

/** "active/running"; a unit its machine has not reported yet says so. */
export function stateLabel(state: Pick<UnitMachineState, 'active' | 'sub'> | undefined): string {
  return state ? `${state.active}/${state.sub}` : 'not reported yet';
}

/** Time in a state, coarse as systemctl's "3min ago": "42 s", "3 m", "5 h", "2 d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
