// The Units table's rows, filter, sort and bulk actions, as pure functions of the live lists.

import type { UnitInfo, UnitMachineState } from '../../../shared/api';
import { compileGlob, shortHash } from '../../../shared/units';
import { flotctl } from '../../actions/flotctl';
import { stateLabel, stateTone, type StateTone } from '../machines/unit-state';
import { hostOf, type HostNames } from '../machines/verdicts';

/** What the State filter offers; `blocked` = wants to run but cannot be placed. */
export const STATE_FILTERS = ['all', 'running', 'failed', 'changing', 'inactive', 'blocked'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];
export const STATE_FILTER_LABELS: Record<StateFilter, string> = {
  all: 'All states',
  running: 'Running',
  failed: 'Failed',
  changing: 'Starting or stopping',
  inactive: 'Not running',
  blocked: 'Cannot be placed',
};

export const COLUMNS = ['name', 'state', 'current', 'machine', 'hash', 'desired'] as const;
export type Column = (typeof COLUMNS)[number];
export const COLUMN_LABELS: Record<Column, string> = {
  name: 'Unit',
  state: 'Active/Sub',
  current: 'Current',
  machine: 'Machine',
  hash: 'Hash',
  desired: 'Desired',
};

export interface Sort {
  column: Column;
  direction: 'asc' | 'desc';
}

export interface UnitRow {
  unit: UnitInfo;
  name: string;
  /** ACTIVE/SUB as reported per machine: "active/running", "active/running ×3", "failed/failed ×1, active/running ×2". */
  stateText: string;
  /** The worst tone across its machines (a failure anywhere shows). */
  tone: StateTone;
  /** Host names, "global: core-01, core-02", or why it is not placed. */
  machineText: string;
  shortHash: string;
}

const TONE_RANK: Record<StateTone, number> = { failed: 0, changing: 1, running: 2, unknown: 3, inactive: 4 };

function worstTone(states: readonly UnitMachineState[]): StateTone {
  let worst: StateTone = 'unknown';
  for (const s of states) {
    const tone = stateTone(s);
    if (TONE_RANK[tone] < TONE_RANK[worst]) worst = tone;
  }
  if (states.length > 0 && states.every((s) => stateTone(s) === 'inactive')) return 'inactive';
  return worst;
}

function stateSummary(unit: UnitInfo): string {
  if (unit.states.length === 0) {
    if (unit.blocked) return 'not placed';
    return unit.desiredState === 'inactive' ? 'inactive' : 'not reported yet';
  }
  if (unit.states.length === 1 && !unit.global) return stateLabel(unit.states[0]);
  const counts = new Map<string, number>();
  for (const s of unit.states) counts.set(stateLabel(s), (counts.get(stateLabel(s)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([label, n]) => `${label} ×${n}`)
    .join(', ');
}

function machineSummary(unit: UnitInfo, names: HostNames): string {
  if (unit.global) {
    const hosts = unit.states.map((s) => hostOf(names, s.machineId)).sort();
    return hosts.length ? `global: ${hosts.join(', ')}` : 'global';
  }
  if (unit.machineId) return hostOf(names, unit.machineId);
  if (unit.blocked) return `not placed: ${unit.blocked.message}`;
  return '—';
}

export function unitRow(unit: UnitInfo, names: HostNames): UnitRow {
  return {
    unit,
    name: unit.name,
    stateText: stateSummary(unit),
    tone: unit.states.length
      ? worstTone(unit.states)
      : unit.desiredState === 'inactive'
        ? 'inactive'
        : 'unknown',
    machineText: machineSummary(unit, names),
    shortHash: shortHash(unit.hash),
  };
}

/** How a filter text matches names: a glob (Go path.Match, whole name) when it has * ? or [, else a substring. */
export function nameMatcher(text: string): { test: (name: string) => boolean; problem?: string } {
  const query = text.trim();
  if (query === '') return { test: () => true };
  if (/[*?[]/.test(query)) {
    const glob = compileGlob(query);
    if (!glob.valid)
      return { test: () => false, problem: 'Not a valid glob: use * ? [a-z] (and \\ to escape).' };
    return { test: (name) => glob.test(name) };
  }
  const lower = query.toLowerCase();
  return { test: (name) => name.toLowerCase().includes(lower) };
}

function matchesState(row: UnitRow, filter: StateFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'blocked':
      return row.unit.blocked !== undefined;
    case 'inactive':
      return row.tone === 'inactive' || (row.unit.states.length === 0 && !row.unit.blocked);
    default:
      return row.tone === filter;
  }
}

export function filterRows(rows: readonly UnitRow[], text: string, state: StateFilter): UnitRow[] {
  const matcher = nameMatcher(text);
  return rows.filter((row) => matcher.test(row.name) && matchesState(row, state));
}

const DESIRED_RANK = { launched: 0, loaded: 1, inactive: 2 } as const;

function sortKey(row: UnitRow, column: Column): string | number {
  switch (column) {
    case 'name':
      return row.name;
    case 'state':
      return `${TONE_RANK[row.tone]}${row.stateText}`;
    case 'current':
      return DESIRED_RANK[row.unit.currentState];
    case 'machine':
      return row.machineText;
    case 'hash':
      return row.unit.hash;
    case 'desired':
      return DESIRED_RANK[row.unit.desiredState];
  }
}

/** Sorted by the column, then by name (so equal keys keep a stable, readable order). */
export function sortRows(rows: readonly UnitRow[], sort: Sort): UnitRow[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const keyed = rows.map((row) => ({ row, key: sortKey(row, sort.column) }));
  keyed.sort((a, b) => {
    const byKey =
      typeof a.key === 'number' && typeof b.key === 'number'
        ? a.key - b.key
        : String(a.key).localeCompare(String(b.key), undefined, { numeric: true });
    return sign * byKey || a.row.name.localeCompare(b.row.name, undefined, { numeric: true });
  });
  return keyed.map((k) => k.row);
}

export type UnitAction = 'start' | 'stop' | 'unload' | 'destroy';

/** fleet's verbs as desired states: start = launched, stop = loaded, unload = inactive. */
export const ACTION_STATE = { start: 'launched', stop: 'loaded', unload: 'inactive' } as const;

export const ACTION_LABELS: Record<UnitAction, { verb: string; done: string; already: string }> = {
  start: { verb: 'Start', done: 'Started', already: 'already started' },
  stop: { verb: 'Stop', done: 'Stopped', already: 'not started' },
  unload: { verb: 'Unload', done: 'Unloaded', already: 'already inactive' },
  destroy: { verb: 'Destroy', done: 'Destroyed', already: '' },
};

/**
 * Which of `units` an action changes, as fleet would: start what is not launched, stop only what
 * is launched (fleet refuses to stop an inactive unit), unload what is not inactive; destroy all.
 */
export function actionTargets(
  action: UnitAction,
  units: readonly UnitInfo[],
): { apply: string[]; skip: string[] } {
  const applies = (u: UnitInfo): boolean => {
    switch (action) {
      case 'start':
        return u.desiredState !== 'launched';
      case 'stop':
        return u.desiredState === 'launched';
      case 'unload':
        return u.desiredState !== 'inactive';
      case 'destroy':
        return true;
    }
  };
  const apply: string[] = [];
  const skip: string[] = [];
  for (const u of units) (applies(u) ? apply : skip).push(u.name);
  return { apply, skip };
}

/** The same action as a flotctl command line. */
export function actionCommand(
  action: UnitAction,
  names: readonly string[],
  clusterArgs: readonly string[],
): string {
  return flotctl(action, ...clusterArgs, ...(names.length ? names : ['UNIT']));
}

/** "Started 3 units (1 already started)" */
export function actionSummary(
  action: UnitAction,
  applied: readonly string[],
  skipped: readonly string[],
): string {
  const { done, already } = ACTION_LABELS[action];
  const what = applied.length === 1 ? applied[0] : `${applied.length} units`;
  const rest = skipped.length ? ` (${skipped.length} ${already})` : '';
  return `${done} ${what}${rest}`;
}

/** Where a unit's page and editor live (names may hold @ and \, so they are encoded). */
export const unitPath = (name: string) => `/units/${encodeURIComponent(name)}`;
export const unitEditPath = (name: string) => `${unitPath(name)}/edit`;
