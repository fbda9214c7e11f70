// Which machines and units are followed: from the URL (`/journal?units=a.service,b&machine=core-01`,
// how other pages link here), else what was last followed in this cluster, else everything. The
// choice becomes the API's subscriptions and the equivalent flotctl command line.

import type { MachineInfo } from '../../../shared/api';
import { clusterFlag, flotctl } from '../../actions/flotctl';
import type { StreamQuery } from './feed';
import type { Sources } from './settings';

/** Empty lists mean "all". */
export interface Selection {
  machines: string[];
  units: string[];
}

/** A unit named without a type is a service, as flotctl and fleetctl read it. */
export function normalizeUnit(name: string): string {
  const n = name.trim();
  return /\.[A-Za-z]+$/.test(n) ? n : `${n}.service`;
}

const list = (v: string | null) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The selection a URL asks for; undefined when it names none. */
export function selectionFromParams(params: URLSearchParams): Selection | undefined {
  if (!params.has('units') && !params.has('unit') && !params.has('machine') && !params.has('machines'))
    return undefined;
  const units = [...list(params.get('units')), ...list(params.get('unit'))].map(normalizeUnit);
  const machines = [...list(params.get('machine')), ...list(params.get('machines'))];
  return { machines: [...new Set(machines)], units: [...new Set(units)] };
}

/** The URL query for a selection ("all" leaves the parameter out). */
export function selectionToParams(sel: Selection): Record<string, string> {
  const out: Record<string, string> = {};
  if (sel.units.length) out.units = sel.units.join(',');
  if (sel.machines.length) out.machine = sel.machines.join(',');
  return out;
}

export function pickSelection(fromUrl: Selection | undefined, remembered: Sources | undefined): Selection {
  return fromUrl ?? { machines: remembered?.machines ?? [], units: remembered?.units ?? [] };
}

/** The machine a name in the selection means: host name, id or unique id prefix. */
export function resolveMachine(ref: string, machines: readonly MachineInfo[]): MachineInfo | undefined {
  const exact = machines.find((m) => m.name === ref || m.id === ref);
  if (exact) return exact;
  const prefixed = machines.filter((m) => m.id.startsWith(ref));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * The subscriptions for a selection: one for all machines, or one per chosen machine (the API
 * follows one machine or all of them); the viewer merges them by time.
 */
export function streamQueries(sel: Selection, cluster: string, lines: number): StreamQuery[] {
  const base: StreamQuery = { cluster, lines };
  if (sel.units.length) base.units = sel.units;
  if (sel.machines.length === 0) return [base];
  return sel.machines.map((machine) => ({ ...base, machine }));
}

/**
 * `flotctl journal -f [--machine M] UNIT…` for what is followed. flotctl follows one machine or
 * all: several machines become one command each, run side by side.
 */
export function journalCommand(
  sel: Selection,
  o: { cluster: string | undefined; active: boolean; lines: number },
): string {
  const common = [...clusterFlag(o.cluster, o.active), ...(o.lines !== 10 ? ['-n', String(o.lines)] : [])];
  if (sel.machines.length <= 1)
    return flotctl(
      'journal',
      '-f',
      ...common,
      ...(sel.machines[0] ? ['--machine', sel.machines[0]] : []),
      ...sel.units,
    );
  return `${sel.machines
    .map((m) => flotctl('journal', '-f', ...common, '--machine', m, ...sel.units))
    .join(' & ')} & wait`;
}
