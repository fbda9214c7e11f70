import type { MachineInfo, MoveTarget } from '../../../shared/api';

/** What a column says while a unit is dragged: may it be dropped here, and if not, why not. */
export type Verdict =
  | { kind: 'checking' }
  | { kind: 'here' }
  | { kind: 'allowed'; followers: string[] }
  | { kind: 'refused'; reason: string }
  /** The scheduler could not be asked; dropping shows the plan, which decides. */
  | { kind: 'unchecked'; reason: string };

// Shared so every column gets the same object and memoized columns skip re-rendering.
export const CHECKING: Verdict = { kind: 'checking' };
export const HERE: Verdict = { kind: 'here' };

/** Full and short (8-character) machine ids → host names. */
export type HostNames = ReadonlyMap<string, string>;

export function hostNames(machines: readonly MachineInfo[]): HostNames {
  const names = new Map<string, string>();
  for (const m of machines) {
    names.set(m.id, m.name);
    names.set(m.id.slice(0, 8), m.name);
  }
  return names;
}

/** A machine's host name, or its short id when it is not known. */
export function hostOf(names: HostNames, machineId: string): string {
  return names.get(machineId) ?? machineId.slice(0, 8);
}

/** The scheduler speaks in short ids ("22222222 runs cache.service"); people know host names. */
export function withHostNames(text: string, names: HostNames): string {
  return text.replace(/\b[0-9a-f]{8}(?:[0-9a-f]{24})?\b/g, (id) => names.get(id) ?? id);
}

/** One verdict per machine from the scheduler's answer, its sentences in host names. */
export function verdictsFrom(targets: readonly MoveTarget[], names: HostNames): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  for (const t of targets) {
    const reason = t.problems.map((p) => withHostNames(p, names)).join('; ');
    verdicts.set(
      t.machineId,
      t.allowed
        ? { kind: 'allowed', followers: t.followers }
        : { kind: 'refused', reason: reason || `${t.constraint ?? 'A constraint'} forbids it` },
    );
  }
  return verdicts;
}

/** Whether dropping there asks for a plan (a refused or same machine does not). */
export function acceptsDrop(verdict: Verdict): boolean {
  return verdict.kind === 'allowed' || verdict.kind === 'checking' || verdict.kind === 'unchecked';
}

export function verdictText(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'checking':
      return 'Checking whether it may move here…';
    case 'here':
      return 'Already here';
    case 'allowed':
      return verdict.followers.length === 0
        ? 'Drop to move here'
        : `Drop to move here (${verdict.followers.join(', ')} ${verdict.followers.length === 1 ? 'moves' : 'move'} along)`;
    case 'refused':
      return `Can't move here: ${verdict.reason}`;
    case 'unchecked':
      return `Not checked (${verdict.reason}); drop to see the plan`;
  }
}
