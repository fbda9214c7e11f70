// Builders for scheduling scenarios in tests: short to write, explicit about what differs.

import type { FleetOptions, TargetState } from '../../../shared/units/types';
import type { ClusterView, Reconciliation, SchedMachine, SchedUnit } from './schedule';
import { reconcile } from './schedule';

/** A 32-hex machine id made of one repeated digit, so its short id is easy to read: `11111111`. */
export function machineId(digit: string): string {
  return digit.repeat(32);
}

export function machine(digit: string, metadata: Record<string, string> = {}): SchedMachine {
  return { id: machineId(digit), metadata };
}

export function options(overrides: Partial<FleetOptions> = {}): FleetOptions {
  return { machineOf: [], machineMetadata: {}, conflicts: [], global: false, replaces: [], ...overrides };
}

export function unit(
  name: string,
  overrides: Partial<FleetOptions> = {},
  placed?: { on?: string; desired?: TargetState },
): SchedUnit {
  return {
    name,
    desired: placed?.desired ?? 'launched',
    machineId: placed?.on === undefined ? undefined : machineId(placed.on),
    options: options(overrides),
  };
}

/** Applies a reconciliation's decisions to a copy of the view, as the engine runner would. */
export function apply(view: ClusterView, result: Reconciliation): ClusterView {
  const targets = new Map<string, string | undefined>();
  for (const step of result.unschedule) targets.set(step.unit, undefined);
  for (const step of result.schedule) targets.set(step.unit, step.machineId);
  return {
    machines: view.machines,
    units: view.units.map((u) => (targets.has(u.name) ? { ...u, machineId: targets.get(u.name) } : u)),
  };
}

/** Unit name → machine id after one pass (placed non-global units only). */
export function placementsAfter(
  view: ClusterView,
  result: Reconciliation = reconcile(view),
): Map<string, string> {
  const placed = new Map<string, string>();
  for (const u of apply(view, result).units) {
    if (u.machineId !== undefined) placed.set(u.name, u.machineId);
  }
  return placed;
}

/** A small deterministic PRNG (mulberry32) for generated scenarios. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
