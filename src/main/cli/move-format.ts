// flotctl move's pure parts: which machine a reference names, the plan as lines, and a refusal
// with a hint. units.ts does the calls.
import type { MachineInfo, MoveTarget, Plan } from '../../shared/api';
import { SHORT_ID_LEN } from './fleet-format';

const listed = (machines: readonly MachineInfo[]) =>
  machines.map((m) => `${m.name} (${m.id.slice(0, SHORT_ID_LEN)})`).join(', ');

/**
 * A machine by host name (core-02), full id or unique id prefix — what `flotctl machine` takes —
 * out of machines.list (every machine of the cluster, up or not).
 */
export function findMachine(
  machines: readonly MachineInfo[],
  ref: string,
): MachineInfo | { problem: string; hint: string } {
  const exact = machines.find((m) => m.name === ref || m.id === ref);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? machines.filter((m) => m.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  const hint = `Machines: ${listed(machines)}`;
  return byPrefix.length > 1
    ? { problem: `machine id prefix ${ref} matches ${byPrefix.length} machines`, hint }
    : { problem: `the cluster has no machine ${ref}`, hint };
}

/** `core-02`, else the short id of a machine the list does not know. */
function hostOf(machines: readonly MachineInfo[], id: string): string {
  return machines.find((m) => m.id === id)?.name ?? id.slice(0, SHORT_ID_LEN);
}

/** What the move does, step by step: what stops where, what starts where, what stays blocked. */
export function formatMovePlan(
  unit: string,
  target: MachineInfo,
  plan: Plan,
  machines: readonly MachineInfo[],
): string[] {
  const lines = [`Moving ${unit} to ${target.name}:`];
  for (const s of plan.stops)
    lines.push(`  stop   ${s.unit} on ${hostOf(machines, s.machineId)} (${s.reason})`);
  for (const s of plan.starts)
    lines.push(`  start  ${s.unit} on ${hostOf(machines, s.machineId)} (${s.reason})`);
  for (const b of plan.blocked) lines.push(`  blocked ${b.unit}: ${b.reason.message}`);
  return lines;
}

/** Why the move is refused (the plan's problems), and where the unit may go instead. */
export function moveRefusal(
  unit: string,
  target: MachineInfo,
  verdict: MoveTarget,
  targets: readonly MoveTarget[],
  machines: readonly MachineInfo[],
): { message: string; hint: string } {
  const open = targets.filter((t) => t.allowed).map((t) => hostOf(machines, t.machineId));
  return {
    message: `Cannot move ${unit} to ${target.name}: ${verdict.problems.join('; ')}`,
    hint: open.length
      ? `${unit} may move to: ${open.join(', ')}`
      : `No machine can take ${unit} now; flotctl status ${unit} shows where it is`,
  };
}
