// The replicated (deterministic) part of leases: which leases exist, their granted TTL, the last
// checkpointed remaining TTL and the keys attached. Deadlines are the leader's business
// (lease-tracker.ts), never stored here.

import { keyFromString, keyString } from './bytes';

export interface LeaseState {
  readonly id: bigint;
  /** Granted TTL in seconds (after the minimum-TTL rule). */
  readonly ttl: number;
  /** Seconds left at the last checkpoint; 0 = never checkpointed. */
  remainingTtl: number;
  /** Attached keys, by keyString. */
  readonly keys: Set<string>;
}

export class LeaseTable {
  private readonly leases = new Map<bigint, LeaseState>();

  get size(): number {
    return this.leases.size;
  }

  get(id: bigint): LeaseState | undefined {
    return this.leases.get(id);
  }

  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  grant(id: bigint, ttl: number, remainingTtl = 0): LeaseState {
    const lease: LeaseState = { id, ttl, remainingTtl, keys: new Set() };
    this.leases.set(id, lease);
    return lease;
  }

  remove(id: bigint): void {
    this.leases.delete(id);
  }

  attach(id: bigint, key: Uint8Array): void {
    this.leases.get(id)?.keys.add(keyString(key));
  }

  detach(id: bigint, key: Uint8Array): void {
    this.leases.get(id)?.keys.delete(keyString(key));
  }

  /** Ids ascending: a stable order independent of grant history (restored members agree). */
  ids(): bigint[] {
    return [...this.leases.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Attached keys in byte order (one char per byte, so string order is byte order). */
  keysOf(id: bigint): Uint8Array[] {
    const lease = this.leases.get(id);
    if (!lease) return [];
    return [...lease.keys].sort().map(keyFromString);
  }

  clear(): void {
    this.leases.clear();
  }
}
