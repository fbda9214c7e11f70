// The clock side of leases, kept out of the state machine: only the leader tracks deadlines, and
// it ends a lease by proposing a LeaseRevoke through the log (etcd's primary lessor). On leader
// change every deadline restarts from the checkpointed (or full) TTL, so a new leader does not
// expire everything at once.

import type { MvccStore } from './store';
import type { LeaseCheckpoint, LeaseTimeToLiveRequest, LeaseTimeToLiveResponse } from './types';

export interface LeaseTrackerOptions {
  /** Extra time every lease gets on promotion (etcd extends by the election timeout). */
  promoteExtendMs?: number;
  /** How long before an expired lease whose revoke did not apply is offered again. */
  revokeRetryMs?: number;
}

export class NotPrimaryLessorError extends Error {
  constructor() {
    super('lease: not a primary lessor');
    this.name = 'NotPrimaryLessorError';
  }
}

export class LeaseTracker {
  private primary = false;
  private readonly deadlines = new Map<bigint, number>();
  /** Leases already offered for revocation → when to offer again. */
  private readonly revoking = new Map<bigint, number>();
  private readonly promoteExtendMs: number;
  private readonly revokeRetryMs: number;

  constructor(
    private readonly store: MvccStore,
    options: LeaseTrackerOptions = {},
  ) {
    this.promoteExtendMs = options.promoteExtendMs ?? 0;
    this.revokeRetryMs = options.revokeRetryMs ?? 3000;
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  /** This member became leader at `nowMs`: restart every deadline. */
  promote(nowMs: number): void {
    this.primary = true;
    this.deadlines.clear();
    this.revoking.clear();
    for (const id of this.store.leaseIds()) {
      const lease = this.store.lease(id)!;
      const seconds = lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
      this.deadlines.set(id, nowMs + this.promoteExtendMs + seconds * 1000);
    }
  }

  /** Lost leadership: forget the deadlines (the next leader starts its own). */
  demote(): void {
    this.primary = false;
    this.deadlines.clear();
    this.revoking.clear();
  }

  /** Keep-alive. Returns the granted TTL in seconds, or 0 for an unknown lease (etcd's reply). */
  renew(id: bigint, nowMs: number): number {
    if (!this.primary) throw new NotPrimaryLessorError();
    this.sync(nowMs);
    const lease = this.store.lease(id);
    if (!lease) return 0;
    this.deadlines.set(id, nowMs + lease.ttl * 1000);
    this.revoking.delete(id);
    return lease.ttl;
  }

  /**
   * Leases past their deadline, oldest deadline first, to propose LeaseRevoke for. A lease is
   * offered once, then again only after revokeRetryMs if it still exists.
   */
  expiredLeases(nowMs: number, limit = Number.POSITIVE_INFINITY): bigint[] {
    if (!this.primary) return [];
    this.sync(nowMs);
    const due: Array<[bigint, number]> = [];
    for (const [id, deadline] of this.deadlines) {
      if (deadline > nowMs) continue;
      const retryAt = this.revoking.get(id);
      if (retryAt !== undefined && retryAt > nowMs) continue;
      due.push([id, deadline]);
    }
    due.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    const out = due.slice(0, limit).map(([id]) => id);
    for (const id of out) this.revoking.set(id, nowMs + this.revokeRetryMs);
    return out;
  }

  /** TimeToLive with the live remaining TTL (leader only; followers forward, as in etcd). */
  timeToLive(req: LeaseTimeToLiveRequest, nowMs: number): LeaseTimeToLiveResponse {
    const resp = this.store.leaseTimeToLive(req);
    if (resp.ttl < 0 || !this.primary) return resp;
    this.sync(nowMs);
    const deadline = this.deadlines.get(req.id);
    if (deadline !== undefined) resp.ttl = Math.max(0, Math.floor((deadline - nowMs) / 1000));
    return resp;
  }

  /** Remaining TTLs to propose as a LeaseCheckpoint, so a later leader resumes from them. */
  checkpoints(nowMs: number): LeaseCheckpoint[] {
    if (!this.primary) return [];
    this.sync(nowMs);
    return [...this.deadlines]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([id, deadline]) => ({ id, remainingTtl: Math.max(1, Math.ceil((deadline - nowMs) / 1000)) }));
  }

  /** Follow the replicated table: newly applied grants start now, revoked leases go. */
  private sync(nowMs: number): void {
    for (const id of this.deadlines.keys()) {
      if (!this.store.lease(id)) {
        this.deadlines.delete(id);
        this.revoking.delete(id);
      }
    }
    if (this.deadlines.size === this.store.leaseCount) return;
    for (const id of this.store.leaseIds()) {
      if (!this.deadlines.has(id)) this.deadlines.set(id, nowMs + this.store.lease(id)!.ttl * 1000);
    }
  }
}
