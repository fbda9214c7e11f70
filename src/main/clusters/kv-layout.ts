// Where a cluster's KV members live: one runner slot per member ever made, whose index fixes its
// peer and client ports (base + slot) and whose name fixes its member id and data dir. Removed
// members keep their slot, so nobody else's ports move and a restart finds every member where its
// peers' logs say; a name is never reused, so a new member never has a removed one's id.
import type { ClusterSpec } from './store';

type MachineSpec = ClusterSpec['machines'][number];

export interface KvSlot {
  slot: number;
  name: string;
  /** The machine hosting it; absent for a removed member. */
  machine: MachineSpec | undefined;
  retired: boolean;
}

/** Every slot in order. Members of clusters made before slots were kept: their order, host names. */
export function kvSlots(spec: ClusterSpec): KvSlot[] {
  const out: KvSlot[] = [];
  let next = 0;
  for (const m of spec.machines) {
    if (!m.kvMember) continue;
    const slot = m.kvSlot ?? next;
    next = slot + 1;
    out.push({ slot, name: m.kvName ?? m.hostname, machine: m, retired: false });
  }
  for (const r of spec.kvRetired) out.push({ slot: r.slot, name: r.name, machine: undefined, retired: true });
  return out.sort((a, b) => a.slot - b.slot);
}

/**
 * Writes each member's slot and name into the spec (clusters made before slots were kept have
 * none): from then on removing one member cannot shift the others.
 */
export function assignKvSlots(spec: ClusterSpec): void {
  for (const s of kvSlots(spec)) if (s.machine) Object.assign(s.machine, { kvSlot: s.slot, kvName: s.name });
}

/** The slot of a machine's member, if it has one. */
export function kvSlotOf(spec: ClusterSpec, machine: MachineSpec): number | undefined {
  return kvSlots(spec).find((s) => s.machine === machine)?.slot;
}

/** Slots run 0…n-1 (removed ones included): the next member takes n. */
export function nextKvSlot(spec: ClusterSpec): number {
  return kvSlots(spec).length;
}

/** A member name for a machine: its host name, unless a removed member had it (then -2, -3 …). */
export function newMemberName(spec: ClusterSpec, hostname: string): string {
  const taken = new Set(kvSlots(spec).map((s) => s.name));
  if (!taken.has(hostname)) return hostname;
  for (let n = 2; ; n++) if (!taken.has(`${hostname}-${n}`)) return `${hostname}-${n}`;
}

/** Peer and client ports of every slot (removed ones stay reserved). */
export function kvPortsOf(spec: ClusterSpec): number[] {
  return kvSlots(spec).flatMap((s) => [
    spec.kvPorts.basePeerPort + s.slot,
    spec.kvPorts.baseClientPort + s.slot,
  ]);
}
