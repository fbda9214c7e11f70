// The engine's pure scheduling core: given units and machines, decide what to unschedule,
// where to schedule, what cannot be placed and why. No I/O, no clocks, no randomness: the same
// view always gives the same answer. The engine runner feeds it from the KV and writes back.
//
// It follows fleet's reconciler (engine/reconciler.go): unschedule first (desired state dropped,
// machine gone, constraints broken), then place every unplaced unit on the least-loaded machine
// that passes all X-Fleet constraints (agent/state.go AbleToRun order: MachineID, metadata,
// MachineOf, Conflicts, Replaces). Global units run on every machine passing Metadata/Conflicts.

import type { BlockedReason, ConstraintName } from '../../../shared/api/fleet-model';
import type { FleetOptions, TargetState } from '../../../shared/units/types';
import type { Glob } from '../../../shared/units/glob';
import { GlobCache } from './glob';

export interface SchedUnit {
  name: string;
  desired: TargetState;
  /** Current target, if placed. */
  machineId?: string;
  options: FleetOptions;
}

export interface SchedMachine {
  /** 32 hex characters. */
  id: string;
  metadata: Record<string, string>;
  /** Host name (core-02), when known: sentences name the machine by it. */
  name?: string;
}

export interface ClusterView {
  units: SchedUnit[];
  machines: SchedMachine[];
}

export interface Reconciliation {
  unschedule: { unit: string; machineId: string; reason: string }[];
  schedule: { unit: string; machineId: string; reason: string }[];
  blocked: { unit: string; reason: BlockedReason }[];
  /** Global units: name → machine ids it should run on now (sorted). */
  global: Map<string, string[]>;
}

/** Why a constraint rules a machine out for a unit. */
interface Failure {
  constraint: ConstraintName;
  detail: string;
  /** The failure depends on the unit's own name (another unit's glob matched it). */
  byName?: true;
}

/** Checked in this order; the first failure is the one reported for a machine. */
const CHECK_ORDER: readonly ConstraintName[] = [
  'MachineID',
  'MachineMetadata',
  'MachineOf',
  'Conflicts',
  'Replaces',
];

/** Machine ids are shown the way fleetctl shows them: the first 8 characters. */
export function shortId(machineId: string): string {
  return machineId.slice(0, 8);
}

/** How sentences name a machine: its host name, else its short id. */
export function machineLabel(machine: SchedMachine): string {
  return machine.name ?? shortId(machine.id);
}

// Shared empties: most units have no constraints, and a pass allocates per unit and per machine tried.
const NO_UNITS: readonly UnitInfo[] = [];
const NO_GLOBS: readonly Glob[] = [];
const NO_METADATA: readonly [string, Set<string>][] = [];
const NO_EVICTIONS: ReadonlySet<UnitInfo> = new Set();

/** A unit with its options compiled for fast, repeated checks. */
interface UnitInfo {
  unit: SchedUnit;
  name: string;
  /** Desired loaded or launched: the unit wants a machine. */
  active: boolean;
  global: boolean;
  machineIdPrefix: string | undefined;
  metadata: readonly [key: string, values: Set<string>][];
  peers: string[];
  conflicts: readonly Glob[];
  replaces: readonly Glob[];
  /** Units that name this one in MachineOf. */
  followers: UnitInfo[];
  /** Position in dependency order (peers before followers, then by name). */
  rank: number;
  /** Set when MachineOf leads into a cycle: the sentence explaining it. */
  cycle: string | undefined;
  /** Everything but the name that decides where the unit may run (see ClusterState.blockedKey). */
  signature: string;
}

interface HeldGlob {
  glob: Glob;
  holder: UnitInfo;
}

/** Globs held by the units on a machine, indexed so a candidate's name is checked quickly. */
class GlobIndex {
  private readonly literal = new Map<string, HeldGlob[]>();
  private wildcard: HeldGlob[] = [];

  add(holder: UnitInfo, globs: readonly Glob[]): void {
    for (const glob of globs) {
      if (!glob.valid) continue;
      if (glob.literal === null) {
        this.wildcard.push({ glob, holder });
      } else {
        const held = this.literal.get(glob.literal);
        if (held === undefined) this.literal.set(glob.literal, [{ glob, holder }]);
        else held.push({ glob, holder });
      }
    }
  }

  remove(holder: UnitInfo, globs: readonly Glob[]): void {
    for (const glob of globs) {
      if (!glob.valid) continue;
      if (glob.literal === null) {
        this.wildcard = this.wildcard.filter((held) => held.holder !== holder);
      } else {
        const held = this.literal.get(glob.literal)?.filter((entry) => entry.holder !== holder);
        if (held === undefined || held.length === 0) this.literal.delete(glob.literal);
        else this.literal.set(glob.literal, held);
      }
    }
  }

  /** The first glob held by a unit other than `name` (and not skipped) that matches `name`. */
  findMatch(name: string, skip?: (holder: UnitInfo) => boolean): HeldGlob | undefined {
    const literal = this.literal.get(name);
    if (literal !== undefined) {
      for (const held of literal) {
        if (held.holder.name !== name && (skip === undefined || !skip(held.holder))) return held;
      }
    }
    for (const held of this.wildcard) {
      if (held.holder.name !== name && (skip === undefined || !skip(held.holder)) && held.glob.test(name))
        return held;
    }
    return undefined;
  }
}

/** One machine and what runs on it. */
class Slot {
  /** Non-global units placed here; their count is the machine's load. */
  readonly placed = new Map<string, UnitInfo>();
  /** Everything running here: placed units and global units. */
  readonly residents = new Map<string, UnitInfo>();
  readonly conflictGlobs = new GlobIndex();
  readonly replaceGlobs = new GlobIndex();
  /** Position in the load order. */
  position = 0;

  constructor(
    readonly id: string,
    readonly metadata: Record<string, string>,
    /** The machine in sentences (machineLabel). */
    readonly label: string,
  ) {}
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describeMetadata(metadata: readonly [string, Set<string>][]): string {
  return metadata.map(([key, values]) => [...values].map((value) => `${key}=${value}`).join(' ')).join(' ');
}

/** `region=eu or region=us` for one key's accepted values. */
function describeValues(key: string, values: Set<string>): string {
  return [...values].map((value) => `${key}=${value}`).join(' or ');
}

/** A failure as a sentence about the machine the unit sits on. */
function onThisMachine(info: UnitInfo, failure: Failure): string {
  const label = constraintLabel(info, failure.constraint);
  return failure.constraint === 'MachineOf'
    ? `${label}: ${failure.detail}`
    : `${label}: this machine ${failure.detail}`;
}

/** The constraint as written in the unit, for sentences like "MachineOf=db.service: …". */
function constraintLabel(info: UnitInfo, constraint: ConstraintName): string {
  const options = info.unit.options;
  switch (constraint) {
    case 'MachineID':
      return `MachineID=${info.machineIdPrefix ?? ''}`;
    case 'MachineMetadata':
      return `MachineMetadata ${describeMetadata(info.metadata)}`;
    case 'MachineOf':
      return `MachineOf=${options.machineOf.join(',')}`;
    case 'Conflicts':
      return options.conflicts.length > 0 ? `Conflicts=${options.conflicts.join(' ')}` : 'Conflicts';
    case 'Replaces':
      return options.replaces.length > 0 ? `Replaces=${options.replaces.join(' ')}` : 'Replaces';
    default:
      return constraint;
  }
}

/** A tiny binary min-heap of ranks, for Kahn's algorithm in name order. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[index] = items[parent] as number;
      index = parent;
    }
    items[index] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length > 0) {
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child =
          right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
        if ((items[child] as number) >= last) break;
        items[index] = items[child] as number;
        index = child;
      }
      items[index] = last;
    }
    return top;
  }
}

/**
 * The working cluster: compiled units, machines with their residents, the least-loaded order.
 * Mutated while a reconciliation runs; never shared between calls.
 */
class ClusterState {
  readonly infos = new Map<string, UnitInfo>();
  /** Units in name order. */
  readonly sortedInfos: UnitInfo[];
  /** Non-global units in dependency order. */
  readonly dependencyOrder: UnitInfo[] = [];
  /** Machines in id order. */
  readonly slots: Slot[];
  readonly slotById = new Map<string, Slot>();
  /** Machines by (load, id): the scheduler's preference. */
  private readonly loadOrder: Slot[];
  /** Where each non-global unit is placed. */
  readonly placement = new Map<string, Slot>();
  /** Where each global unit runs, in id order. */
  readonly globalSlots = new Map<string, Slot[]>();

  constructor(view: ClusterView) {
    const globs = new GlobCache();
    this.sortedInfos = [...view.units]
      .sort((a, b) => byName(a.name, b.name))
      .map((unit) => {
        const options = unit.options;
        const keys = Object.keys(options.machineMetadata);
        const metadata: [string, Set<string>][] = keys
          .sort(byName)
          .map((key) => [key, new Set(options.machineMetadata[key] ?? [])]);
        const info: UnitInfo = {
          unit,
          name: unit.name,
          active: unit.desired !== 'inactive',
          global: options.global,
          machineIdPrefix:
            options.machineId === undefined || options.machineId === '' ? undefined : options.machineId,
          metadata: keys.length === 0 ? NO_METADATA : metadata.filter(([, values]) => values.size > 0),
          peers: options.machineOf,
          conflicts:
            options.conflicts.length === 0
              ? NO_GLOBS
              : options.conflicts.map((pattern) => globs.get(pattern)),
          replaces:
            options.replaces.length === 0 ? NO_GLOBS : options.replaces.map((pattern) => globs.get(pattern)),
          followers: [],
          rank: 0,
          cycle: undefined,
          signature: [
            options.machineId ?? '',
            keys.map((key) => `${key}=${(options.machineMetadata[key] ?? []).join(',')}`).join(';'),
            options.machineOf.join(','),
            options.conflicts.join(' '),
          ].join('\u0000'),
        };
        this.infos.set(unit.name, info);
        return info;
      });
    this.slots = [...view.machines]
      .sort((a, b) => byName(a.id, b.id))
      .map((machine) => {
        const slot = new Slot(machine.id, machine.metadata, machineLabel(machine));
        this.slotById.set(machine.id, slot);
        return slot;
      });
    this.loadOrder = [...this.slots];
    this.loadOrder.forEach((slot, index) => (slot.position = index));
    this.orderByDependencies();
  }

  /**
   * Kahn's algorithm, always taking the smallest name that is ready, so peers come before their
   * followers and everything else stays in name order. Units left over lead into a cycle.
   */
  private orderByDependencies(): void {
    const nodes = this.sortedInfos.filter((info) => !info.global);
    const index = new Map<UnitInfo, number>();
    nodes.forEach((info, position) => index.set(info, position));
    const waitingOn = new Array<number>(nodes.length).fill(0);
    nodes.forEach((info, position) => {
      for (const peerName of new Set(info.peers)) {
        const peer = this.infos.get(peerName);
        if (peer === undefined || peer.global) continue;
        peer.followers.push(info);
        waitingOn[position] = (waitingOn[position] as number) + 1;
      }
    });
    const ready = new MinHeap();
    waitingOn.forEach((count, position) => {
      if (count === 0) ready.push(position);
    });
    while (ready.size > 0) {
      const info = nodes[ready.pop()] as UnitInfo;
      info.rank = this.dependencyOrder.length;
      this.dependencyOrder.push(info);
      for (const follower of info.followers) {
        const position = index.get(follower) as number;
        const remaining = (waitingOn[position] as number) - 1;
        waitingOn[position] = remaining;
        if (remaining === 0) ready.push(position);
      }
    }
    const stuck = nodes.filter((_, position) => (waitingOn[position] as number) > 0);
    const stuckSet = new Set(stuck);
    for (const info of stuck) {
      info.rank = this.dependencyOrder.length;
      this.dependencyOrder.push(info);
      info.cycle = this.describeCycle(info, stuckSet);
    }
  }

  /** Follows MachineOf from a stuck unit until a unit repeats; every stuck unit has a stuck peer. */
  private describeCycle(start: UnitInfo, stuck: Set<UnitInfo>): string {
    const path: UnitInfo[] = [];
    const seen = new Map<UnitInfo, number>();
    let current: UnitInfo | undefined = start;
    while (current !== undefined && !seen.has(current)) {
      seen.set(current, path.length);
      path.push(current);
      const next: UnitInfo | undefined = [...current.peers]
        .sort(byName)
        .map((peer) => this.infos.get(peer))
        .find((peer): peer is UnitInfo => peer !== undefined && stuck.has(peer));
      current = next;
    }
    if (current === undefined) return 'MachineOf cannot be resolved';
    const loop = path.slice(seen.get(current));
    const loopText = [...loop, current].map((info) => info.name).join(' → ');
    return current === start ? `${loopText} is a cycle` : `${start.name} depends on the cycle ${loopText}`;
  }

  // ---- placement bookkeeping ----

  add(info: UnitInfo, slot: Slot): void {
    this.placementsChanged();
    slot.residents.set(info.name, info);
    slot.conflictGlobs.add(info, info.conflicts);
    if (info.global) {
      const slots = this.globalSlots.get(info.name);
      if (slots === undefined) this.globalSlots.set(info.name, [slot]);
      else slots.push(slot);
      return;
    }
    slot.replaceGlobs.add(info, info.replaces);
    slot.placed.set(info.name, info);
    this.placement.set(info.name, slot);
    this.reposition(slot);
  }

  remove(info: UnitInfo, slot: Slot): void {
    this.placementsChanged();
    slot.residents.delete(info.name);
    slot.conflictGlobs.remove(info, info.conflicts);
    slot.replaceGlobs.remove(info, info.replaces);
    slot.placed.delete(info.name);
    this.placement.delete(info.name);
    this.reposition(slot);
  }

  private static lighter(a: Slot, b: Slot): boolean {
    return a.placed.size < b.placed.size || (a.placed.size === b.placed.size && a.id < b.id);
  }

  /** Restores the (load, id) order after one machine's load changed by one. */
  private reposition(slot: Slot): void {
    const order = this.loadOrder;
    let position = slot.position;
    while (position > 0 && ClusterState.lighter(slot, order[position - 1] as Slot)) {
      const neighbour = order[position - 1] as Slot;
      order[position] = neighbour;
      neighbour.position = position;
      position--;
    }
    while (position < order.length - 1 && ClusterState.lighter(order[position + 1] as Slot, slot)) {
      const neighbour = order[position + 1] as Slot;
      order[position] = neighbour;
      neighbour.position = position;
      position++;
    }
    order[position] = slot;
    slot.position = position;
  }

  /** Machines worth trying for a unit, lightest first; a subset only when the others surely fail. */
  candidates(info: UnitInfo): Slot[] {
    if (info.peers.length > 0) {
      // MachineOf pins the unit to its first peer's machine; no placed peer means no machine.
      const peerSlot = this.placement.get(info.peers[0] as string);
      return peerSlot === undefined ? [] : [peerSlot];
    }
    if (info.machineIdPrefix !== undefined) {
      const prefix = info.machineIdPrefix;
      return this.slots.filter((slot) => slot.id.startsWith(prefix)).sort((a, b) => a.position - b.position);
    }
    return this.loadOrder;
  }

  // ---- constraints ----

  /** Placed units on the machine that `info` pushes off with Replaces (never mutual replaces). */
  victims(info: UnitInfo, slot: Slot): readonly UnitInfo[] {
    if (info.replaces.length === 0) return NO_UNITS;
    const victims: UnitInfo[] = [];
    for (const resident of slot.placed.values()) {
      if (resident === info || !info.replaces.some((glob) => glob.test(resident.name))) continue;
      if (resident.replaces.some((glob) => glob.test(info.name))) continue; // mutual: fleet ignores both
      victims.push(resident);
    }
    return victims;
  }

  private metadataFailure(info: UnitInfo, slot: Slot): Failure | undefined {
    for (const [key, values] of info.metadata) {
      const actual = slot.metadata[key];
      if (actual !== undefined && values.has(actual)) continue;
      const wanted = describeValues(key, values);
      return {
        constraint: 'MachineMetadata',
        detail:
          actual === undefined
            ? `has no ${key} metadata (needs ${wanted})`
            : `has ${key}=${actual}, needs ${wanted}`,
      };
    }
    return undefined;
  }

  /** Why a MachineOf peer cannot host followers anywhere, or undefined when it is placed. */
  private peerProblem(peerName: string): string | undefined {
    const peer = this.infos.get(peerName);
    if (peer === undefined) return `${peerName} does not exist`;
    if (peer.global) return `${peerName} is a global unit; use MachineMetadata to follow it`;
    if (!peer.active) return `${peerName} is not started`;
    if (!this.placement.has(peerName)) return `${peerName} is not scheduled`;
    return undefined;
  }

  private machineOfFailure(info: UnitInfo, slot: Slot): Failure | undefined {
    if (info.cycle !== undefined) return { constraint: 'MachineOf', detail: info.cycle };
    for (const peerName of info.peers) {
      const problem = this.peerProblem(peerName);
      if (problem !== undefined) return { constraint: 'MachineOf', detail: problem };
      const peerSlot = this.placement.get(peerName) as Slot;
      if (peerSlot !== slot)
        return { constraint: 'MachineOf', detail: `${peerName} runs on ${peerSlot.label}` };
    }
    return undefined;
  }

  /** Conflicts both ways against everything running on the machine except `leaving` units. */
  private conflictFailure(info: UnitInfo, slot: Slot, leaving: readonly UnitInfo[]): Failure | undefined {
    // Most checks have nobody leaving: skip the closure then (this runs ~10^5 times per pass).
    const skip =
      leaving.length === 0
        ? (other: UnitInfo): boolean => other === info
        : (other: UnitInfo): boolean => other === info || leaving.includes(other);
    for (const glob of info.conflicts) {
      if (!glob.valid) continue;
      if (glob.literal !== null) {
        const resident = slot.residents.get(glob.literal);
        if (resident !== undefined && !skip(resident)) {
          return {
            constraint: 'Conflicts',
            detail: `runs ${resident.name}, which matches Conflicts=${glob.pattern}`,
          };
        }
        continue;
      }
      for (const resident of slot.residents.values()) {
        if (!skip(resident) && glob.test(resident.name)) {
          return {
            constraint: 'Conflicts',
            detail: `runs ${resident.name}, which matches Conflicts=${glob.pattern}`,
          };
        }
      }
    }
    const held = slot.conflictGlobs.findMatch(info.name, leaving.length === 0 ? undefined : skip);
    if (held !== undefined) {
      return {
        constraint: 'Conflicts',
        detail: `runs ${held.holder.name}, whose Conflicts=${held.glob.pattern} matches ${info.name}`,
        byName: true,
      };
    }
    return undefined;
  }

  /** A unit placed on the machine replaces this one (unless they replace each other). */
  private replacedByFailure(
    info: UnitInfo,
    slot: Slot,
    evicted: ReadonlySet<UnitInfo>,
    victims: readonly UnitInfo[],
  ): Failure | undefined {
    const held = slot.replaceGlobs.findMatch(
      info.name,
      info.replaces.length === 0
        ? undefined
        : (holder) => info.replaces.some((glob) => glob.test(holder.name)),
    );
    if (held !== undefined) {
      return {
        constraint: 'Replaces',
        detail: `runs ${held.holder.name}, which replaces ${info.name}`,
        byName: true,
      };
    }
    // Each unit is pushed off at most once per pass, so replace chains cannot loop.
    const again = evicted.size === 0 ? undefined : victims.find((victim) => evicted.has(victim));
    if (again !== undefined) {
      return {
        constraint: 'Replaces',
        detail: `would push ${again.name} off again; it already moved in this pass`,
        byName: true,
      };
    }
    return undefined;
  }

  /** AbleToRun: the first constraint the machine fails for the unit, or undefined if it may run there. */
  firstFailure(
    info: UnitInfo,
    slot: Slot,
    evicted: ReadonlySet<UnitInfo> = NO_EVICTIONS,
  ): Failure | undefined {
    if (info.machineIdPrefix !== undefined && !slot.id.startsWith(info.machineIdPrefix)) {
      return { constraint: 'MachineID', detail: `has an id not starting with ${info.machineIdPrefix}` };
    }
    const victims = this.victims(info, slot);
    return (
      this.metadataFailure(info, slot) ??
      this.machineOfFailure(info, slot) ??
      this.conflictFailure(info, slot, victims) ??
      this.replacedByFailure(info, slot, evicted, victims)
    );
  }

  /** Global units only use MachineMetadata and Conflicts. */
  globalFailure(info: UnitInfo, slot: Slot): Failure | undefined {
    return this.metadataFailure(info, slot) ?? this.conflictFailure(info, slot, []);
  }

  /** The unit and every unit that (transitively) follows it with MachineOf on the same machine. */
  withFollowersOn(info: UnitInfo, slot: Slot): UnitInfo[] {
    const result: UnitInfo[] = [];
    const pending = [info];
    const seen = new Set<UnitInfo>();
    while (pending.length > 0) {
      const current = pending.pop() as UnitInfo;
      if (seen.has(current)) continue;
      seen.add(current);
      if (this.placement.get(current.name) !== slot) continue;
      result.push(current);
      pending.push(...current.followers);
    }
    return result.sort((a, b) => a.rank - b.rank);
  }

  // ---- explaining ----

  /** Every machine with the first constraint it fails, and the constraint that rules out the most. */
  explainBlocked(info: UnitInfo, evicted: Set<UnitInfo>): BlockedReason {
    if (this.slots.length === 0) {
      return { constraint: 'NoMachines', message: 'no machines in the cluster: add a machine', ruledOut: [] };
    }
    const ruledOut: BlockedReason['ruledOut'] = [];
    const counts = new Map<ConstraintName, number>();
    let byName = false;
    for (const slot of this.slots) {
      const failure = this.firstFailure(info, slot, evicted);
      if (failure === undefined) continue;
      if (failure.byName === true) byName = true;
      ruledOut.push({ machineId: slot.id, constraint: failure.constraint, detail: failure.detail });
      counts.set(failure.constraint, (counts.get(failure.constraint) ?? 0) + 1);
    }
    let constraint: ConstraintName = 'MachineOf';
    let most = -1;
    for (const candidate of CHECK_ORDER) {
      const count = counts.get(candidate) ?? 0;
      if (count > most) {
        most = count;
        constraint = candidate;
      }
    }
    const reason: BlockedReason = {
      constraint,
      message: `${constraintLabel(info, constraint)}: ${this.summarize(info, constraint, ruledOut)}`,
      ruledOut,
    };
    const key = this.blockedKey(info);
    if (key !== undefined && !byName) this.blockedCache.set(key, reason);
    return reason;
  }

  /**
   * Blocked reasons found since the last placement change, by blockedKey. Thousands of identical
   * blocked units (all instances of one template, say) then cost one explanation, not one each:
   * explaining is O(machines) with a sentence per machine.
   */
  private readonly blockedCache = new Map<string, BlockedReason>();

  private placementsChanged(): void {
    if (this.blockedCache.size > 0) this.blockedCache.clear();
  }

  /**
   * Units with equal keys are ruled out identically while placements stay the same, unless a
   * failure depended on the name (flagged byName, never cached). Units with Replaces or in a
   * MachineOf cycle, and placed units, are not cached: their checks involve their identity.
   */
  private blockedKey(info: UnitInfo): string | undefined {
    if (info.replaces.length > 0 || info.cycle !== undefined || this.placement.has(info.name))
      return undefined;
    return info.signature;
  }

  /** A blocked reason already found for an equivalent unit in the current placements. */
  knownBlocked(info: UnitInfo): BlockedReason | undefined {
    const key = this.blockedKey(info);
    return key === undefined ? undefined : this.blockedCache.get(key);
  }

  /** Why no machine can satisfy MachineOf at all, stated once for the unit rather than per machine. */
  private machineOfProblem(info: UnitInfo): string {
    if (info.cycle !== undefined) return info.cycle;
    for (const peer of info.peers) {
      const problem = this.peerProblem(peer);
      if (problem !== undefined) return problem;
    }
    const where = info.peers.map((peer) => `${peer} runs on ${this.placement.get(peer)?.label ?? ''}`);
    return `its peers are on different machines (${where.join(', ')})`;
  }

  private labelOf(machineId: string): string {
    return this.slotById.get(machineId)?.label ?? shortId(machineId);
  }

  private summarize(info: UnitInfo, constraint: ConstraintName, ruledOut: BlockedReason['ruledOut']): string {
    const others = ruledOut.filter((entry) => entry.constraint !== constraint);
    const firstOther = others[0];
    const otherText =
      firstOther === undefined ? '' : `${this.labelOf(firstOther.machineId)} ${firstOther.detail}`;
    switch (constraint) {
      case 'MachineID': {
        if (firstOther === undefined) return `no machine's id starts with ${info.machineIdPrefix ?? ''}`;
        return `the matching machine is ruled out: ${otherText}`;
      }
      case 'MachineMetadata': {
        const unmatched = info.metadata.filter(
          ([key, values]) => !this.slots.some((slot) => values.has(slot.metadata[key] ?? '\u0000')),
        );
        if (unmatched.length > 0) {
          return unmatched.map(([key, values]) => `no machine has ${describeValues(key, values)}`).join('; ');
        }
        if (firstOther === undefined) {
          const all = info.metadata.map(([key, values]) =>
            values.size > 1 ? `(${describeValues(key, values)})` : describeValues(key, values),
          );
          return `no machine has ${all.join(' and ')}`;
        }
        return `the ${others.length === 1 ? 'machine' : 'machines'} with matching metadata ${others.length === 1 ? 'is' : 'are'} ruled out: ${otherText}`;
      }
      case 'MachineOf': {
        if (firstOther !== undefined) {
          return `must run with ${info.peers.join(', ')} on ${this.labelOf(firstOther.machineId)}, which ${firstOther.detail}`;
        }
        return this.machineOfProblem(info);
      }
      default: {
        const own = ruledOut.filter((entry) => entry.constraint === constraint);
        const listed = own.slice(0, 3).map((entry) => `${this.labelOf(entry.machineId)} ${entry.detail}`);
        const more = own.length > 3 ? ` (and ${own.length - 3} more)` : '';
        return `every eligible machine is taken: ${listed.join('; ')}${more}`;
      }
    }
  }
}

/** What a full pass decided, plus why each global unit skips each machine (for plan previews). */
export interface DetailedReconciliation {
  result: Reconciliation;
  /** Global unit → machine id → why it does not run there. */
  globalExclusions: Map<string, Map<string, string>>;
}

/** Applies `reconcile`'s first two phases: keep what may stay, then place global units. */
function settleExisting(
  state: ClusterState,
  view: ClusterView,
  unscheduled: (info: UnitInfo, machineId: string, reason: string) => void,
): Map<string, Map<string, string>> {
  // Re-admit placed units in dependency order: peers are judged before their followers, and the
  // first unit (by name) of a conflicting pair keeps its machine.
  for (const info of state.dependencyOrder) {
    const machineId = info.unit.machineId;
    if (machineId === undefined) continue;
    if (!info.active) {
      unscheduled(info, machineId, 'desired state dropped to inactive');
      continue;
    }
    const slot = state.slotById.get(machineId);
    if (slot === undefined) {
      unscheduled(info, machineId, `machine gone: ${shortId(machineId)} is no longer in the cluster`);
      continue;
    }
    const failure = state.firstFailure(info, slot);
    if (failure !== undefined) {
      unscheduled(info, machineId, onThisMachine(info, failure));
      continue;
    }
    for (const victim of state.victims(info, slot)) {
      for (const leaving of state.withFollowersOn(victim, slot)) {
        state.remove(leaving, slot);
        unscheduled(leaving, slot.id, `Replaces: ${info.name} replaces ${victim.name} on this machine`);
      }
    }
    state.add(info, slot);
  }
  for (const unit of view.units) {
    if (unit.options.global && unit.machineId !== undefined) {
      const info = state.infos.get(unit.name) as UnitInfo;
      unscheduled(
        info,
        unit.machineId,
        'Global=true: global units run on every eligible machine, not on a target',
      );
    }
  }

  // Global units yield to placed units: they run where nothing placed conflicts with them.
  const exclusions = new Map<string, Map<string, string>>();
  for (const info of state.sortedInfos) {
    if (!info.global || !info.active) continue;
    state.globalSlots.set(info.name, []);
    const excluded = new Map<string, string>();
    exclusions.set(info.name, excluded);
    for (const slot of state.slots) {
      const failure = state.globalFailure(info, slot);
      if (failure === undefined) state.add(info, slot);
      else excluded.set(slot.id, onThisMachine(info, failure));
    }
  }
  return exclusions;
}

/** `reconcile` with the reasons global units skip machines. Engine-internal. */
export function reconcileWithDetails(view: ClusterView): DetailedReconciliation {
  const state = new ClusterState(view);
  const unscheduleReasons = new Map<string, string>();
  const scheduleReasons = new Map<string, string>();
  const evicted = new Set<UnitInfo>();
  const noteUnscheduled = (info: UnitInfo, machineId: string, reason: string): void => {
    // Only leaving the original machine is a decision; a placement made and undone in this same
    // pass never reaches the registry.
    if (info.unit.machineId === machineId && !unscheduleReasons.has(info.name))
      unscheduleReasons.set(info.name, reason);
  };

  const globalExclusions = settleExisting(state, view, noteUnscheduled);

  // Place every unit that wants a machine and has none, in dependency order. Units pushed off by
  // Replaces join the end of the queue and are placed again.
  const queue = state.dependencyOrder.filter((info) => info.active && !state.placement.has(info.name));
  const blocked = new Map<string, BlockedReason>();
  for (let next = 0; next < queue.length; next++) {
    const info = queue[next] as UnitInfo;
    const known = state.knownBlocked(info);
    if (known !== undefined) {
      blocked.set(info.name, known);
      continue;
    }
    let chosen: Slot | undefined;
    let load = 0;
    for (const slot of state.candidates(info)) {
      if (state.firstFailure(info, slot, evicted) === undefined) {
        chosen = slot;
        load = slot.placed.size;
        break;
      }
    }
    if (chosen === undefined) {
      blocked.set(info.name, state.explainBlocked(info, evicted));
      continue;
    }
    blocked.delete(info.name);
    const displaced: UnitInfo[] = [];
    for (const victim of state.victims(info, chosen)) {
      for (const leaving of state.withFollowersOn(victim, chosen)) {
        evicted.add(leaving);
        state.remove(leaving, chosen);
        noteUnscheduled(leaving, chosen.id, `Replaces: ${info.name} replaces ${victim.name} on this machine`);
        displaced.push(leaving);
      }
    }
    state.add(info, chosen);
    scheduleReasons.set(
      info.name,
      info.peers.length > 0
        ? `MachineOf=${info.peers.join(',')}: runs with ${info.peers.join(', ')}`
        : `least-loaded machine passing all constraints (${load} ${load === 1 ? 'unit' : 'units'} placed)`,
    );
    queue.push(...displaced.sort((a, b) => a.rank - b.rank));
  }

  const result: Reconciliation = { unschedule: [], schedule: [], blocked: [], global: new Map() };
  for (const info of state.sortedInfos) {
    const before = info.unit.machineId;
    const after = info.global ? undefined : state.placement.get(info.name)?.id;
    if (before !== undefined && before !== after) {
      result.unschedule.push({
        unit: info.name,
        machineId: before,
        reason: unscheduleReasons.get(info.name) ?? 'moved',
      });
    }
    if (after !== undefined && before !== after) {
      result.schedule.push({
        unit: info.name,
        machineId: after,
        reason: scheduleReasons.get(info.name) ?? 'placed',
      });
    }
    const reason = blocked.get(info.name);
    if (reason !== undefined && after === undefined) result.blocked.push({ unit: info.name, reason });
    const globalSlots = state.globalSlots.get(info.name);
    if (info.global && globalSlots !== undefined)
      result.global.set(
        info.name,
        globalSlots.map((slot) => slot.id),
      );
  }
  return { result, globalExclusions };
}

/** One engine pass: what to unschedule, where to schedule, what cannot be placed, where globals run. */
export function reconcile(view: ClusterView): Reconciliation {
  return reconcileWithDetails(view).result;
}

/** A machine by full id or by a unique prefix (fleetctl accepts short ids). */
export function resolveMachineId(
  view: ClusterView,
  idOrPrefix: string,
): { id: string } | { problem: string } {
  const exact = view.machines.find((machine) => machine.id === idOrPrefix);
  if (exact !== undefined) return { id: exact.id };
  const matches = view.machines.filter((machine) => idOrPrefix !== '' && machine.id.startsWith(idOrPrefix));
  if (matches.length === 1) return { id: (matches[0] as SchedMachine).id };
  if (matches.length === 0) return { problem: `no machine ${idOrPrefix} in the cluster` };
  const ids = matches.map((machine) => shortId(machine.id)).sort(byName);
  return { problem: `machine id ${idOrPrefix} is ambiguous: it matches ${ids.join(', ')}` };
}

/** Whether a unit may move to one machine: the followers that move along, or why not. */
export type MoveVerdict =
  | { ok: true; followers: string[] }
  | {
      ok: false;
      /** The deciding constraint: an X-Fleet one, Global, or State (unit not started, already there …). */
      constraint: ConstraintName | 'State';
      problems: string[];
    };

/** Judges moves of one unit to any number of machines against one settled view. */
export type MoveChecker =
  /** The unit cannot move anywhere (unknown, global, not started). */
  | { refused: MoveVerdict & { ok: false } }
  | {
      /** The machine the unit is placed on once the view is settled. */
      current: string | undefined;
      /** Full machine id → verdict. */
      check: (machineId: string) => MoveVerdict;
    };

function refusal(constraint: ConstraintName | 'State', problem: string): MoveVerdict & { ok: false } {
  return { ok: false, constraint, problems: [problem] };
}

/**
 * Compiles and settles `view` once, then judges moves of `unit` machine by machine (a drag asks
 * about every machine at once). Units it Replaces on a target are not problems: they will be
 * pushed elsewhere.
 */
export function moveChecker(view: ClusterView, unit: string): MoveChecker {
  const state = new ClusterState(view);
  const info = state.infos.get(unit);
  if (info === undefined) return { refused: refusal('State', `unit ${unit} does not exist`) };
  if (info.global)
    return { refused: refusal('Global', `${unit} is a global unit: it runs on every eligible machine`) };
  if (!info.active) return { refused: refusal('State', `${unit} is not started: start it before moving it`) };

  settleExisting(state, view, () => undefined);
  const current = state.placement.get(info.name);
  // Followers are the units already sharing the unit's machine through MachineOf; an unplaced
  // unit brings along its unplaced followers.
  const moving =
    current !== undefined
      ? state.withFollowersOn(info, current)
      : collectUnplacedFollowers(state, info).sort((a, b) => a.rank - b.rank);
  for (const mover of moving) {
    const slot = state.placement.get(mover.name);
    if (slot !== undefined) state.remove(mover, slot);
  }

  const check = (machineId: string): MoveVerdict => {
    const target = state.slotById.get(machineId);
    if (target === undefined) return refusal('State', `no machine ${machineId} in the cluster`);
    if (target === current) return refusal('State', `${unit} is already on ${target.label}`);
    const problems: string[] = [];
    let constraint: ConstraintName | undefined;
    for (const mover of moving) {
      const failure = state.firstFailure(mover, target);
      // Added even when it fails, so its followers report only their own problems.
      state.add(mover, target);
      if (failure === undefined) continue;
      constraint ??= failure.constraint;
      const label = constraintLabel(mover, failure.constraint);
      // A placed unit that follows another cannot leave it; the user should move the peer.
      const stuckPeer = mover === info && failure.constraint === 'MachineOf' && current !== undefined;
      problems.push(
        stuckPeer
          ? `${label}: ${mover.name} must stay with ${info.peers.join(', ')}; move ${info.peers[0] ?? ''} instead`
          : `${label}: ${target.label} ${failure.detail}${mover === info ? '' : ` (${mover.name} follows ${info.name})`}`,
      );
    }
    // Undone, so the next target is judged against the same cluster.
    for (const mover of moving) state.remove(mover, target);
    if (constraint !== undefined) return { ok: false, constraint, problems };
    return {
      ok: true,
      followers: moving
        .filter((mover) => mover !== info)
        .map((mover) => mover.name)
        .sort(byName),
    };
  };
  return { current: current?.id, check };
}

/** Whether `unit` may move to `machineId` (full id or unique prefix) as things stand. */
export function checkMove(view: ClusterView, unit: string, machineId: string): MoveVerdict {
  const checker = moveChecker(view, unit);
  if ('refused' in checker) return checker.refused;
  const resolved = resolveMachineId(view, machineId);
  if ('problem' in resolved) return refusal('State', resolved.problem);
  return checker.check(resolved.id);
}

function collectUnplacedFollowers(state: ClusterState, info: UnitInfo): UnitInfo[] {
  const result: UnitInfo[] = [];
  const pending = [info];
  const seen = new Set<UnitInfo>();
  while (pending.length > 0) {
    const current = pending.pop() as UnitInfo;
    if (seen.has(current) || !current.active || state.placement.has(current.name)) continue;
    seen.add(current);
    result.push(current);
    pending.push(...current.followers);
  }
  return result;
}
