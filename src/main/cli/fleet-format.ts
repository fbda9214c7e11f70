// Pure formatting for flotctl's fleetctl-compatible unit commands: the tables of list-units,
// list-unit-files and list-machines, the machine legend, the wait/trigger messages and the
// systemctl-status-like text. No I/O here; units.ts feeds these from the API.
import type { BlockedReason, MachineInfo, UnitInfo, UnitMachineState } from '../../shared/api';
import { shortHash } from '../../shared/units';

/** fleet's short machine id length (machine.MachineState.ShortID). */
export const SHORT_ID_LEN = 8;

/**
 * Lines as Go's text/tabwriter lays them out with fleetctl's settings
 * (minwidth 0, tabwidth 8, padding 1, padchar '\t', no flags): every cell but a line's last is
 * followed by as many tabs as it takes to reach its column's width, rounded up to a tab stop.
 * Columns are aligned over each run of consecutive lines that have that column.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string[] {
  const TABWIDTH = 8;
  const PADDING = 1;
  const width = (s: string) => [...s].length;
  const out = rows.map(() => '');
  const align = (first: number, last: number, column: number): void => {
    // Lines first..last-1 all have a cell in `column` that is tab-terminated (not their last).
    let start = first;
    while (start < last) {
      if (rows[start]!.length - 1 <= column) {
        start++;
        continue;
      }
      let end = start;
      let w = 0;
      while (end < last && rows[end]!.length - 1 > column) {
        w = Math.max(w, width(rows[end]![column]!) + PADDING);
        end++;
      }
      const cellw = Math.ceil(w / TABWIDTH) * TABWIDTH;
      for (let i = start; i < end; i++) {
        const text = rows[i]![column]!;
        out[i] += text + '\t'.repeat(Math.ceil((cellw - width(text)) / TABWIDTH));
      }
      align(start, end, column + 1);
      start = end;
    }
  };
  align(0, rows.length, 0);
  return rows.map((r, i) => (r.length ? out[i] + r[r.length - 1]! : ''));
}

/** `0acdd9bf...` (or the whole id with `full`), fleetctl's machineIDLegend. */
export function machineIdLegend(id: string, full = false): string {
  return full ? id : `${id.slice(0, SHORT_ID_LEN)}...`;
}

/** `0acdd9bf.../172.17.8.101`, fleetctl's machineFullLegend; without the IP when it is unknown. */
export function machineFullLegend(id: string, machines: readonly MachineInfo[], full = false): string {
  const legend = machineIdLegend(id, full);
  const ip = machines.find((m) => m.id === id)?.ip;
  return ip ? `${legend}/${ip}` : legend;
}

/** `k=v,k=v` sorted by key, fleetctl's formatMetadata; `-` when empty. */
export function formatMetadata(metadata: Readonly<Record<string, string>>): string {
  const keys = Object.keys(metadata).sort(compareStrings);
  if (keys.length === 0) return '-';
  return keys.map((k) => `${k}=${metadata[k]}`).join(',');
}

/** fleetctl's HASH column: the short hash, the whole one with `full`, `-` when unknown. */
export function hashLegend(hash: string, full = false): string {
  if (!hash) return '-';
  return full ? hash : shortHash(hash);
}

/** Byte-wise string order, as Go's sort.Strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's %v of a []string: `[a b]`. */
export function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

// ---- field sets ---------------------------------------------------------------------------

/** One row of list-units: a unit's state as one machine reports it (or its placement alone). */
export interface UnitStateRow {
  unit: string;
  machineId?: string;
  state?: UnitMachineState;
}

type Field<T> = (row: T, full: boolean, machines: readonly MachineInfo[]) => string;

const dash = (s: string | undefined) => (s ? s : '-');

export const LIST_UNITS_FIELDS: Record<string, Field<UnitStateRow>> = {
  unit: (r) => r.unit,
  load: (r) => dash(r.state?.load),
  active: (r) => dash(r.state?.active),
  sub: (r) => dash(r.state?.sub),
  machine: (r, full, machines) => (r.machineId ? machineFullLegend(r.machineId, machines, full) : '-'),
  hash: (r, full) => hashLegend(r.state?.hash ?? '', full),
};
export const DEFAULT_LIST_UNITS_FIELDS = 'unit,machine,active,sub';

export const LIST_UNIT_FILES_FIELDS: Record<string, Field<UnitInfo>> = {
  unit: (u) => u.name,
  global: (u) => String(u.global),
  dstate: (u) => dash(u.desiredState),
  state: (u) => (u.global ? '-' : dash(u.currentState)),
  hash: (u, full) => hashLegend(u.hash, full),
  desc: (u) => dash(u.description),
  target: (u, full, machines) =>
    u.global ? 'global' : u.machineId ? machineFullLegend(u.machineId, machines, full) : '-',
};
export const DEFAULT_LIST_UNIT_FILES_FIELDS = 'unit,hash,dstate,state,target';

export const LIST_MACHINES_FIELDS: Record<string, Field<MachineInfo>> = {
  machine: (m, full) => machineIdLegend(m.id, full),
  ip: (m) => dash(m.ip),
  metadata: (m) => formatMetadata(m.metadata),
};
export const DEFAULT_LIST_MACHINES_FIELDS = 'machine,ip,metadata';

/**
 * Splits a --fields value and checks every key; returns the columns or fleetctl's complaint
 * (`Must define output format`, `Invalid key in output format: "x"`) with the valid keys.
 */
export function parseFields(
  value: string,
  valid: Readonly<Record<string, unknown>>,
): { cols: string[] } | { error: string } {
  const keys = Object.keys(valid).sort(compareStrings).join(',');
  if (value === '') return { error: `Must define output format (valid fields are "${keys}")` };
  const cols = value.split(',');
  for (const c of cols) {
    if (!Object.prototype.hasOwnProperty.call(valid, c)) {
      return { error: `Invalid key in output format: ${JSON.stringify(c)} (valid fields are "${keys}")` };
    }
  }
  return { cols };
}

export interface TableOptions {
  cols: readonly string[];
  full?: boolean;
  noLegend?: boolean;
}

function table<T>(
  items: readonly T[],
  fields: Record<string, Field<T>>,
  machines: readonly MachineInfo[],
  opts: TableOptions,
): string[] {
  const rows: string[][] = [];
  if (!opts.noLegend) rows.push(opts.cols.map((c) => c.toUpperCase()));
  for (const item of items) rows.push(opts.cols.map((c) => fields[c]!(item, opts.full ?? false, machines)));
  return tabwrite(rows);
}

/**
 * list-units rows, as fleet's registry gives its unit states: one per (unit, reporting machine),
 * sorted by unit name then machine id. A placed unit whose agent has not reported yet gets one
 * row on its machine (systemd columns `-`); units neither placed nor reported are left out.
 */
export function unitStateRows(units: readonly UnitInfo[]): UnitStateRow[] {
  const rows: UnitStateRow[] = [];
  for (const u of units) {
    for (const s of u.states) rows.push({ unit: u.name, machineId: s.machineId, state: s });
    if (u.machineId && !u.states.some((s) => s.machineId === u.machineId)) {
      rows.push({ unit: u.name, machineId: u.machineId });
    }
  }
  return rows.sort(
    (a, b) => compareStrings(a.unit, b.unit) || compareStrings(a.machineId ?? '', b.machineId ?? ''),
  );
}

export function formatListUnits(
  units: readonly UnitInfo[],
  machines: readonly MachineInfo[],
  opts: TableOptions,
): string[] {
  return table(unitStateRows(units), LIST_UNITS_FIELDS, machines, opts);
}

/** list-unit-files: every unit in the registry, sorted by name. */
export function formatListUnitFiles(
  units: readonly UnitInfo[],
  machines: readonly MachineInfo[],
  opts: TableOptions,
): string[] {
  const sorted = [...units].sort((a, b) => compareStrings(a.name, b.name));
  return table(sorted, LIST_UNIT_FILES_FIELDS, machines, opts);
}

/** list-machines: every machine, sorted by id (fleet reads them sorted from etcd). */
export function formatListMachines(machines: readonly MachineInfo[], opts: TableOptions): string[] {
  const sorted = [...machines].sort((a, b) => compareStrings(a.id, b.id));
  return table(sorted, LIST_MACHINES_FIELDS, machines, opts);
}

// ---- messages -----------------------------------------------------------------------------

/** The verbs fleetctl prints in `Triggered unit X start`. */
export type UnitVerb = 'start' | 'stop' | 'load' | 'unload';

export function triggeredMessage(name: string, verb: UnitVerb, global = false): string {
  return `Triggered ${global ? 'global ' : ''}unit ${name} ${verb}`;
}

/** `Unit X launched on 0acdd9bf.../172.17.8.101` once a unit reached the state waited for. */
export function unitStateMessage(unit: UnitInfo, machines: readonly MachineInfo[]): string {
  const msg = `Unit ${unit.name} ${unit.currentState}`;
  const m = unit.machineId ? machines.find((x) => x.id === unit.machineId) : undefined;
  return m ? `${msg} on ${machineFullLegend(m.id, machines)}` : msg;
}

export function timedOutMessage(name: string, state: string): string {
  return `timed out waiting for unit ${name} to report state ${state}`;
}

/** Why a unit cannot be placed: the deciding constraint's sentence, then every machine ruled out. */
export function blockedLines(
  name: string,
  blocked: BlockedReason,
  machines: readonly MachineInfo[],
): string[] {
  const lines = [`Unit ${name} cannot be placed: ${blocked.message}`];
  for (const r of blocked.ruledOut) {
    lines.push(`  ${machineFullLegend(r.machineId, machines)}: ${r.constraint}: ${r.detail}`);
  }
  return lines;
}

// ---- status ---------------------------------------------------------------------------------

/** systemctl's label column: labels right-aligned so the colons line up. */
function label(name: string, value: string): string {
  return `${name.padStart(9)}: ${value}`;
}
const CONT = ' '.repeat(11);

function stateBlock(
  unit: UnitInfo,
  machineId: string | undefined,
  state: UnitMachineState | undefined,
  machines: readonly MachineInfo[],
): string[] {
  const head = unit.description ? `● ${unit.name} - ${unit.description}` : `● ${unit.name}`;
  const lines = [head];
  if (state) {
    const where = state.load === 'loaded' ? ` (/run/fleet/units/${unit.name}; linked-runtime)` : '';
    lines.push(label('Loaded', `${state.load}${where}`));
    lines.push(label('Active', `${state.active} (${state.sub})`));
    if (state.reason) lines.push(label('Reason', state.reason));
  } else if (machineId) {
    lines.push(label('Loaded', '- (no state reported by its machine yet)'));
    lines.push(label('Active', '-'));
  } else {
    lines.push(label('Loaded', 'not-loaded (not scheduled)'));
    lines.push(label('Active', 'inactive (dead)'));
  }
  lines.push(label('Machine', machineId ? machineFullLegend(machineId, machines) : '-'));
  lines.push(label('Target', `${unit.desiredState} (fleet state ${unit.currentState})`));
  lines.push(label('Hash', unit.hash || '-'));
  if (unit.blocked) {
    lines.push(label('Blocked', unit.blocked.message));
    for (const r of unit.blocked.ruledOut) {
      lines.push(`${CONT}${machineFullLegend(r.machineId, machines)}: ${r.constraint}: ${r.detail}`);
    }
  }
  return lines;
}

/**
 * `fleetctl status UNIT` for one unit, systemctl-status-like (units run as containers, so there is
 * no PID or cgroup): the unit's state on its machine, where fleet placed it, and — when it cannot
 * be placed — the blocking constraint and the machines it ruled out. A global unit gets one block
 * per machine that reports it.
 */
export function formatStatus(unit: UnitInfo, machines: readonly MachineInfo[]): string[] {
  if (unit.global) {
    const states = [...unit.states].sort((a, b) => compareStrings(a.machineId, b.machineId));
    if (states.length === 0) return stateBlock(unit, undefined, undefined, machines);
    const out: string[] = [];
    for (const s of states) {
      if (out.length) out.push('');
      out.push(...stateBlock(unit, s.machineId, s, machines));
    }
    return out;
  }
  const state = unit.states.find((s) => s.machineId === unit.machineId) ?? unit.states[0];
  return stateBlock(unit, unit.machineId ?? state?.machineId, state, machines);
}
