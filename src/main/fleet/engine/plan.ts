// Plan previews: what would stop, start or stay blocked if a change were made. Pure, like the
// scheduler: it applies the change to a copy of the view and runs the same reconciliation the
// engine would, pass after pass, until the cluster settles.

import type { MachineInfo, MoveTarget, Plan } from '../../../shared/api/fleet-model';
import type { ClusterView, MoveVerdict, SchedMachine, SchedUnit } from './schedule';
import { checkMove, machineLabel, moveChecker, reconcileWithDetails, resolveMachineId } from './schedule';
import type { DetailedReconciliation } from './schedule';

export type ResolvedChange =
  /** Unit with desired 'launched' (may be new to the view). */
  | { kind: 'start'; unit: SchedUnit }
  | { kind: 'stop'; unit: string }
  | { kind: 'move'; unit: string; machineId: string }
  /** Same name, new options (replaces the old). */
  | { kind: 'edit'; unit: SchedUnit }
  | { kind: 'removeMachine'; machineId: string };

/** A change cascades (a unit moves, its followers and replaced units follow); fleet settles in a few passes. */
const MAX_PASSES = 5;

type Step = Plan['stops'][number];

function stepKey(unit: string, machineId: string): string {
  return `${unit}\u0000${machineId}`;
}

interface Settled {
  view: ClusterView;
  final: DetailedReconciliation;
  /** Why a unit left a machine / landed on one, by stepKey; the first reason seen wins. */
  stopReasons: Map<string, string>;
  startReasons: Map<string, string>;
}

function copyView(view: ClusterView): ClusterView {
  return {
    units: view.units.map((unit) => ({ ...unit })),
    machines: view.machines.map((machine) => ({ ...machine })),
  };
}

/** Runs reconcile and applies its decisions until nothing changes (or MAX_PASSES). */
function settle(view: ClusterView): Settled {
  const current = copyView(view);
  const byName = new Map(current.units.map((unit) => [unit.name, unit]));
  const stopReasons = new Map<string, string>();
  const startReasons = new Map<string, string>();
  let final = reconcileWithDetails(current);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const { unschedule, schedule } = final.result;
    if (unschedule.length === 0 && schedule.length === 0) break;
    for (const step of unschedule) {
      const unit = byName.get(step.unit);
      if (unit !== undefined) unit.machineId = undefined;
      const key = stepKey(step.unit, step.machineId);
      if (!stopReasons.has(key)) stopReasons.set(key, step.reason);
    }
    for (const step of schedule) {
      const unit = byName.get(step.unit);
      if (unit !== undefined) unit.machineId = step.machineId;
      const key = stepKey(step.unit, step.machineId);
      if (!startReasons.has(key)) startReasons.set(key, step.reason);
    }
    final = reconcileWithDetails(current);
  }
  return { view: current, final, stopReasons, startReasons };
}

/** Every (unit, machine) pair that runs: placed units and global units on each of their machines. */
function runningPairs(settled: Settled): Map<string, { unit: string; machineId: string }> {
  const pairs = new Map<string, { unit: string; machineId: string }>();
  for (const unit of settled.view.units) {
    if (unit.machineId !== undefined && !unit.options.global) {
      pairs.set(stepKey(unit.name, unit.machineId), { unit: unit.name, machineId: unit.machineId });
    }
  }
  for (const [unit, machineIds] of settled.final.result.global) {
    for (const machineId of machineIds) pairs.set(stepKey(unit, machineId), { unit, machineId });
  }
  return pairs;
}

interface AppliedChange {
  view: ClusterView;
  /** Reasons the change itself gives, overriding what the reconciliation would say. */
  stopReasons: Map<string, string>;
  startReasons: Map<string, string>;
  removedMachine?: string;
}

function invalid(problem: string | string[]): Plan {
  return {
    valid: false,
    problems: Array.isArray(problem) ? problem : [problem],
    stops: [],
    starts: [],
    blocked: [],
  };
}

function applyChange(base: ClusterView, change: ResolvedChange): AppliedChange | Plan {
  const view = copyView(base);
  const applied: AppliedChange = { view, stopReasons: new Map(), startReasons: new Map() };
  const findUnit = (name: string): SchedUnit | undefined => view.units.find((unit) => unit.name === name);
  switch (change.kind) {
    case 'start': {
      const existing = findUnit(change.unit.name);
      const started: SchedUnit = { ...change.unit, desired: 'launched', machineId: existing?.machineId };
      view.units =
        existing === undefined
          ? [...view.units, started]
          : view.units.map((u) => (u === existing ? started : u));
      return applied;
    }
    case 'stop': {
      const unit = findUnit(change.unit);
      if (unit === undefined) return invalid(`unit ${change.unit} does not exist`);
      unit.desired = 'inactive';
      if (unit.machineId !== undefined)
        applied.stopReasons.set(stepKey(unit.name, unit.machineId), 'stopped by request');
      for (const [name] of globalMachines(base, unit.name))
        applied.stopReasons.set(name, 'stopped by request');
      return applied;
    }
    case 'move': {
      const target = resolveMachineId(view, change.machineId);
      if (findUnit(change.unit) === undefined) return invalid(`unit ${change.unit} does not exist`);
      if ('problem' in target) return invalid(target.problem);
      const check = checkMove(base, change.unit, target.id);
      if (!check.ok) return invalid(check.problems);
      const to = machineLabel(view.machines.find((m) => m.id === target.id) as SchedMachine);
      for (const name of [change.unit, ...check.followers]) {
        const unit = findUnit(name) as SchedUnit;
        const follows = name === change.unit ? '' : `follows ${change.unit} (MachineOf): `;
        if (unit.machineId !== undefined && unit.machineId !== target.id) {
          applied.stopReasons.set(stepKey(name, unit.machineId), `${follows}moved to ${to} by request`);
        }
        applied.startReasons.set(stepKey(name, target.id), `${follows}moved here by request`);
        unit.machineId = target.id;
      }
      return applied;
    }
    case 'edit': {
      const existing = findUnit(change.unit.name);
      if (existing === undefined) return invalid(`unit ${change.unit.name} does not exist`);
      existing.options = change.unit.options;
      return applied;
    }
    case 'removeMachine': {
      const target = resolveMachineId(view, change.machineId);
      if ('problem' in target) return invalid(target.problem);
      view.machines = view.machines.filter((machine) => machine.id !== target.id);
      applied.removedMachine = target.id;
      return applied;
    }
  }
}

/** stepKeys of a global unit's machines in the (settled) base view. */
function globalMachines(base: ClusterView, unit: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const machineId of reconcileWithDetails(base).result.global.get(unit) ?? []) {
    result.set(stepKey(unit, machineId), machineId);
  }
  return result;
}

function byUnitThenMachine(a: Step, b: Step): number {
  if (a.unit !== b.unit) return a.unit < b.unit ? -1 : 1;
  return a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0;
}

/**
 * What `change` would do: placements before (the view as the engine would settle it) against
 * placements after (the changed view, settled the same way).
 */
export function previewPlan(view: ClusterView, change: ResolvedChange): Plan {
  const base = settle(view);
  const applied = applyChange(base.view, change);
  if ('valid' in applied) return applied;
  const after = settle(applied.view);
  const before = runningPairs(base);
  const now = runningPairs(after);

  const stops: Step[] = [];
  for (const [key, pair] of before) {
    if (now.has(key)) continue;
    const reason =
      applied.stopReasons.get(key) ??
      after.stopReasons.get(key) ??
      (pair.machineId === applied.removedMachine ? 'machine removed' : undefined) ??
      after.final.globalExclusions.get(pair.unit)?.get(pair.machineId) ??
      'no longer wanted';
    stops.push({ ...pair, reason });
  }
  const starts: Step[] = [];
  for (const [key, pair] of now) {
    if (before.has(key)) continue;
    const reason =
      applied.startReasons.get(key) ??
      after.startReasons.get(key) ??
      'global unit: this machine passes its MachineMetadata and Conflicts';
    starts.push({ ...pair, reason });
  }
  return {
    valid: true,
    problems: [],
    stops: stops.sort(byUnitThenMachine),
    starts: starts.sort(byUnitThenMachine),
    blocked: after.final.result.blocked,
  };
}

function asTarget(machineId: string, verdict: MoveVerdict): MoveTarget {
  if (verdict.ok) return { machineId, allowed: true, problems: [], followers: verdict.followers };
  return {
    machineId,
    allowed: false,
    constraint: verdict.constraint,
    problems: verdict.problems,
    followers: [],
  };
}

/** Why a machine of the cluster is not in the scheduler's view (its agent is not registered). */
function absence(m: MachineInfo): string {
  if (m.life === 'up') return `${m.name} is up but not registered: its agent is not heartbeating`;
  if (m.life === 'starting' || m.life === 'stopping') return `${m.name} is ${m.life}`;
  return `${m.name} is down`;
}

/**
 * For a drag: whether `unit` may move to each machine of the cluster (`machines`: every machine,
 * up or not), in host-name order. The view is compiled and settled once for all of them.
 */
export function moveTargets(view: ClusterView, unit: string, machines: readonly MachineInfo[]): MoveTarget[] {
  const checker = moveChecker(view, unit);
  const registered = new Set(view.machines.map((m) => m.id));
  return [...machines]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => {
      if ('refused' in checker) return asTarget(m.id, checker.refused);
      if (!registered.has(m.id))
        return {
          machineId: m.id,
          allowed: false,
          constraint: 'State',
          problems: [absence(m)],
          followers: [],
        };
      return asTarget(m.id, checker.check(m.id));
    });
}
