// The deterministic MVCC state machine committed Raft entries are applied to (etcd's mvcc store +
// applier + lessor bookkeeping, minus clocks). Same commands in the same order ⇒ same state.

import { EMPTY_BYTES, compareBytes, toInterval } from './bytes';
import type { ApplyResult, Command, CommandType, ResponseOf } from './command';
import {
  ERR_KEY_NOT_FOUND,
  ERR_LEASE_EXISTS,
  ERR_LEASE_TTL_TOO_LARGE,
  MvccError,
  compactedError,
  futureRevError,
  invalidArgument,
  leaseNotFound,
} from './errors';
import { KeyHistory } from './key-history';
import type { KeyRecord } from './key-history';
import { LeaseTable } from './lease-table';
import type { LeaseState } from './lease-table';
import { readRange } from './range-read';
import {
  DEFAULT_MAX_TXN_OPS,
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from './request-checks';
import { RevisionLog } from './revision-log';
import type { Change, LogEntry } from './revision-log';
import { SortedKeyMap } from './sorted-key-map';
import { decodeSnapshotInto, encodeSnapshot, hashKV, hashStore } from './snapshot';
import { CompareResult, CompareTarget } from './types';
import type {
  Compare,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  KeyValue,
  LeaseCheckpointRequest,
  LeaseCheckpointResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from './types';
import { Watcher } from './watch';
import type { WatchRequest, WatchResponse, WatchSource } from './watch';

/** etcd's MaxLeaseTTL (lease/lessor.go): 9,000,000,000 s. */
export const MAX_LEASE_TTL = 9_000_000_000;

export interface MvccStoreOptions {
  /** Seconds; etcd: ceil(1.5 × election timeout) = 2 with the default 1 s election. */
  minLeaseTtl?: number;
  maxTxnOps?: number;
}

/** One write transaction in progress: every change gets revision `rev`. */
class WriteContext {
  readonly changes: Change[] = [];
  constructor(readonly rev: number) {}
  /** Reads inside the transaction see its own earlier writes. */
  get readRev(): number {
    return this.changes.length > 0 ? this.rev : this.rev - 1;
  }
}

/** Which branch each (nested) txn takes, decided before any write, like etcd's compareToPath. */
interface TxnPath {
  branches: boolean[];
  next: number;
}

export class MvccStore implements WatchSource {
  readonly minLeaseTtl: number;
  readonly maxTxnOps: number;

  /** @internal */ index = new SortedKeyMap<KeyHistory>();
  /** @internal */ leaseTable = new LeaseTable();
  /** @internal */ log = new RevisionLog(2);
  private rev = 1; // etcd: a fresh store is at revision 1; the first write makes revision 2
  private compactRev = 0;
  private applied = 0;
  private readonly watchers = new Set<Watcher>();
  private nextWatchId = 1;

  constructor(options: MvccStoreOptions = {}) {
    this.minLeaseTtl = options.minLeaseTtl ?? 2;
    this.maxTxnOps = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
  }

  get currentRevision(): number {
    return this.rev;
  }

  get compactRevision(): number {
    return this.compactRev;
  }

  /** Raft index of the last applied entry (etcd's consistent index). */
  get appliedIndex(): number {
    return this.applied;
  }

  // ---- the log-driven path -------------------------------------------------------------------

  apply<T extends CommandType>(cmd: Command & { type: T }, index: number): ApplyResult<T>;
  apply(cmd: Command, index: number): ApplyResult {
    this.applied = Math.max(this.applied, index);
    try {
      const response = this.execute(cmd, index);
      return { requestId: cmd.requestId, type: cmd.type, ok: true, response } as ApplyResult;
    } catch (err) {
      if (err instanceof MvccError)
        return { requestId: cmd.requestId, type: cmd.type, ok: false, error: err };
      throw err;
    }
  }

  private execute(cmd: Command, index: number): ResponseOf[CommandType] {
    switch (cmd.type) {
      case 'put':
        return this.put(cmd.request);
      case 'deleteRange':
        return this.deleteRange(cmd.request);
      case 'txn':
        return this.txn(cmd.request);
      case 'compaction':
        return this.compact(cmd.request);
      case 'leaseGrant':
        return this.leaseGrant(cmd.request, index);
      case 'leaseRevoke':
        return this.leaseRevoke(cmd.request);
      case 'leaseCheckpoint':
        return this.leaseCheckpoint(cmd.request);
    }
  }

  /** Exposed for tests and single-node use; members go through apply(). */
  put(req: PutRequest): PutResponse {
    checkPutRequest(req);
    this.checkPut(req);
    const ctx = this.begin();
    const resp = this.doPut(ctx, req);
    resp.header.revision = this.end(ctx);
    return resp;
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    checkDeleteRequest(req);
    const ctx = this.begin();
    const resp = this.doDelete(ctx, req);
    resp.header.revision = this.end(ctx);
    return resp;
  }

  txn(req: TxnRequest): TxnResponse {
    checkTxnRequest(req, this.maxTxnOps);
    const path: TxnPath = { branches: [], next: 0 };
    this.decidePath(req, path);
    this.checkTxn(req, path);
    path.next = 0;
    const ctx = this.begin();
    const resp = this.doTxn(ctx, req, path);
    // Only the outer header is filled: etcd leaves nested txn headers empty.
    resp.header.revision = this.end(ctx);
    return resp;
  }

  compact(req: CompactionRequest): CompactionResponse {
    const at = req.revision;
    if (at <= this.compactRev) throw compactedError();
    if (at > this.rev) throw futureRevError();
    const emptied: Uint8Array[] = [];
    for (const [key, hist] of this.index.entries()) {
      if (hist.compact(at)) emptied.push(key);
    }
    for (const key of emptied) this.index.delete(key);
    this.compactRev = at;
    this.log.compact(Math.max(at, 2));
    for (const w of [...this.watchers]) w.notifyCompacted(at);
    return { header: { revision: this.rev } };
  }

  leaseGrant(req: LeaseGrantRequest, index = this.applied): LeaseGrantResponse {
    if (req.ttl > MAX_LEASE_TTL) throw new MvccError(ERR_LEASE_TTL_TOO_LARGE, 'OutOfRange');
    let id = req.id;
    if (id === 0n) id = this.pickLeaseId(index);
    else if (this.leaseTable.has(id)) throw new MvccError(ERR_LEASE_EXISTS, 'FailedPrecondition');
    const ttl = Math.max(req.ttl, this.minLeaseTtl);
    this.leaseTable.grant(id, ttl);
    return { header: { revision: this.rev }, id, ttl, error: '' };
  }

  leaseRevoke(req: LeaseRevokeRequest): LeaseRevokeResponse {
    if (!this.leaseTable.has(req.id)) throw leaseNotFound();
    // All keys go in one revision, in key order (etcd's lessor.Revoke sorts them too).
    const ctx = this.begin();
    for (const key of this.leaseTable.keysOf(req.id)) this.doDelete(ctx, { key });
    this.leaseTable.remove(req.id);
    return { header: { revision: this.end(ctx) } };
  }

  leaseCheckpoint(req: LeaseCheckpointRequest): LeaseCheckpointResponse {
    for (const cp of req.checkpoints) {
      const lease = this.leaseTable.get(cp.id);
      if (lease) lease.remainingTtl = cp.remainingTtl;
    }
    return { header: { revision: this.rev } };
  }

  // ---- reads (served locally, not through the log) -------------------------------------------

  range(req: RangeRequest): RangeResponse {
    checkRangeRequest(req);
    return this.rangeAt(req, this.rev);
  }

  leaseTimeToLive(req: LeaseTimeToLiveRequest): LeaseTimeToLiveResponse {
    const lease = this.leaseTable.get(req.id);
    const header = { revision: this.rev };
    if (!lease) return { header, id: req.id, ttl: -1, grantedTtl: 0, keys: [] };
    // Without the leader's clock the best answer is the last checkpoint (or the full TTL);
    // LeaseTracker.timeToLive gives the live figure on the leader.
    const ttl = lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
    return {
      header,
      id: req.id,
      ttl,
      grantedTtl: lease.ttl,
      keys: req.keys ? this.leaseTable.keysOf(req.id) : [],
    };
  }

  leaseLeases(): LeaseLeasesResponse {
    return { header: { revision: this.rev }, leases: this.leaseTable.ids().map((id) => ({ id })) };
  }

  /** @internal For the lease tracker. */
  lease(id: bigint): LeaseState | undefined {
    return this.leaseTable.get(id);
  }

  get leaseCount(): number {
    return this.leaseTable.size;
  }

  leaseIds(): bigint[] {
    return this.leaseTable.ids();
  }

  watch(req: WatchRequest): Watcher {
    const w = new Watcher(this, req.watchId ?? this.nextWatchId++, req);
    if (!w.canceled) this.watchers.add(w);
    return w;
  }

  /** For the server's progress timer: a progress response per caught-up progress_notify watcher. */
  progressNotifications(): WatchResponse[] {
    const out: WatchResponse[] = [];
    for (const w of this.watchers) {
      const resp = w.progressNotify ? w.progress() : undefined;
      if (resp) out.push(resp);
    }
    return out;
  }

  /** @internal */
  unregister(watcher: Watcher): void {
    this.watchers.delete(watcher);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  // ---- internals -----------------------------------------------------------------------------

  private begin(): WriteContext {
    return new WriteContext(this.rev + 1);
  }

  /** Commit: a transaction that changed nothing does not bump the revision. */
  private end(ctx: WriteContext): number {
    if (ctx.changes.length === 0) return this.rev;
    this.rev = ctx.rev;
    const entry: LogEntry = { rev: ctx.rev, changes: ctx.changes };
    this.log.append(entry);
    for (const w of this.watchers) w.notifyCommitted(entry);
    return this.rev;
  }

  private rangeAt(req: RangeRequest, currentRev: number): RangeResponse {
    const rev = req.revision && req.revision > 0 ? req.revision : currentRev;
    if (rev > currentRev) throw futureRevError();
    if (rev < this.compactRev) throw compactedError();
    const r = readRange(this.index, req, rev);
    return { header: { revision: currentRev }, kvs: r.kvs, more: r.more, count: r.count };
  }

  /** Checks etcd makes against the state before a put (lease exists; ignore_* need the key). */
  private checkPut(req: PutRequest): void {
    if (req.ignoreValue || req.ignoreLease) {
      if (!this.index.get(req.key)?.latest()) throw invalidArgument(ERR_KEY_NOT_FOUND);
    }
    const lease = req.lease ?? 0n;
    if (lease !== 0n && !this.leaseTable.has(lease)) throw leaseNotFound();
  }

  private doPut(ctx: WriteContext, req: PutRequest): PutResponse {
    let hist = this.index.get(req.key);
    if (!hist) {
      hist = new KeyHistory(req.key.slice());
      this.index.set(hist.key, hist);
    }
    const prev = hist.latest();
    const value = req.ignoreValue && prev ? prev.kv.value : (req.value ?? EMPTY_BYTES);
    const lease = req.ignoreLease && prev ? prev.kv.lease : (req.lease ?? 0n);
    const kv: KeyValue = {
      key: hist.key,
      createRevision: prev ? prev.kv.createRevision : ctx.rev,
      modRevision: ctx.rev,
      version: prev ? prev.kv.version + 1 : 1,
      value,
      lease,
    };
    const record: KeyRecord = { main: ctx.rev, sub: ctx.changes.length, tombstone: false, kv };
    hist.push(record);
    ctx.changes.push({ record, prev });
    if (prev && prev.kv.lease !== 0n && prev.kv.lease !== lease)
      this.leaseTable.detach(prev.kv.lease, hist.key);
    if (lease !== 0n) this.leaseTable.attach(lease, hist.key);
    const resp: PutResponse = { header: { revision: ctx.rev } };
    if (req.prevKv && prev) resp.prevKv = prev.kv;
    return resp;
  }

  private doDelete(ctx: WriteContext, req: DeleteRangeRequest): DeleteRangeResponse {
    const iv = toInterval(req.key, req.rangeEnd);
    const victims: KeyHistory[] = [];
    if (iv.single) {
      const hist = this.index.get(req.key);
      if (hist?.latest()) victims.push(hist);
    } else {
      for (const [, hist] of this.index.range(iv.start, iv.end)) if (hist.latest()) victims.push(hist);
    }
    const prevKvs: KeyValue[] = [];
    for (const hist of victims) {
      const prev = hist.latest()!;
      const kv: KeyValue = {
        key: hist.key,
        createRevision: 0,
        modRevision: ctx.rev,
        version: 0,
        value: EMPTY_BYTES,
        lease: 0n,
      };
      const record: KeyRecord = { main: ctx.rev, sub: ctx.changes.length, tombstone: true, kv };
      hist.push(record);
      ctx.changes.push({ record, prev });
      if (prev.kv.lease !== 0n) this.leaseTable.detach(prev.kv.lease, hist.key);
      if (req.prevKv) prevKvs.push(prev.kv);
    }
    // Like etcd's DeleteRange inside a txn: the txn revision once anything changed, else the old one.
    return { header: { revision: ctx.readRev }, deleted: victims.length, prevKvs };
  }

  private decidePath(req: TxnRequest, path: TxnPath): void {
    const ok = (req.compare ?? []).every((c) => this.compareHolds(c));
    path.branches.push(ok);
    for (const op of (ok ? req.success : req.failure) ?? []) {
      if ('requestTxn' in op) this.decidePath(op.requestTxn, path);
    }
  }

  /** Validate the ops on the chosen path against the state before the txn (etcd's checkTxn). */
  private checkTxn(req: TxnRequest, path: TxnPath): void {
    const ok = path.branches[path.next++]!;
    for (const op of (ok ? req.success : req.failure) ?? []) {
      if ('requestPut' in op) this.checkPut(op.requestPut);
      else if ('requestRange' in op) {
        const rev = op.requestRange.revision ?? 0;
        if (rev > this.rev) throw futureRevError();
        if (rev > 0 && rev < this.compactRev) throw compactedError();
      } else if ('requestTxn' in op) this.checkTxn(op.requestTxn, path);
    }
  }

  private doTxn(ctx: WriteContext, req: TxnRequest, path: TxnPath): TxnResponse {
    const ok = path.branches[path.next++]!;
    const responses: ResponseOp[] = [];
    for (const op of (ok ? req.success : req.failure) ?? []) responses.push(this.doOp(ctx, op, path));
    return { header: { revision: 0 }, succeeded: ok, responses };
  }

  private doOp(ctx: WriteContext, op: RequestOp, path: TxnPath): ResponseOp {
    if ('requestRange' in op) return { responseRange: this.rangeAt(op.requestRange, ctx.readRev) };
    if ('requestPut' in op) return { responsePut: this.doPut(ctx, op.requestPut) };
    if ('requestDeleteRange' in op) return { responseDeleteRange: this.doDelete(ctx, op.requestDeleteRange) };
    return { responseTxn: this.doTxn(ctx, op.requestTxn, path) };
  }

  /** etcd's applyCompare: every key in the range must satisfy it; a missing key compares as zero. */
  private compareHolds(c: Compare): boolean {
    const iv = toInterval(c.key, c.rangeEnd);
    const kvs: KeyValue[] = [];
    if (iv.single) {
      const rec = this.index.get(c.key)?.latest();
      if (rec) kvs.push(rec.kv);
    } else {
      for (const [, hist] of this.index.range(iv.start, iv.end)) {
        const rec = hist.latest();
        if (rec) kvs.push(rec.kv);
      }
    }
    if (kvs.length === 0) {
      // No way to tell a missing value from an empty one: VALUE compares on absent keys fail.
      if (c.target === CompareTarget.VALUE) return false;
      return compareKv(c, ZERO_KV);
    }
    return kvs.every((kv) => compareKv(c, kv));
  }

  private pickLeaseId(index: number): bigint {
    // Deterministic: every member applies the grant at the same Raft index.
    let id = splitmix64(BigInt(index)) & 0x7fff_ffff_ffff_ffffn;
    while (id === 0n || this.leaseTable.has(id)) id = (id + 1n) & 0x7fff_ffff_ffff_ffffn;
    return id;
  }

  // ---- snapshot and hashes ---------------------------------------------------------------------

  /** The full replicated state (keys with history since compaction, revisions, leases). */
  snapshot(): Uint8Array {
    return encodeSnapshot(this);
  }

  /** Replace the state with a snapshot's. Open watchers are canceled (their history is gone). */
  restore(data: Uint8Array): void {
    decodeSnapshotInto(this, data);
  }

  hash(): HashResponse {
    return hashStore(this);
  }

  hashKV(revision = 0): HashKVResponse {
    return hashKV(this, revision);
  }

  /** @internal Replace the whole state. */
  loadState(state: {
    rev: number;
    compactRev: number;
    applied: number;
    histories: KeyHistory[];
    leases: LeaseState[];
  }): void {
    for (const w of [...this.watchers]) w.cancel();
    this.index = new SortedKeyMap<KeyHistory>();
    this.leaseTable = new LeaseTable();
    this.rev = state.rev;
    this.compactRev = state.compactRev;
    this.applied = state.applied;
    for (const l of state.leases) this.leaseTable.grant(l.id, l.ttl, l.remainingTtl);
    const base = Math.max(state.compactRev, 2);
    const byRev: Change[][] = [];
    for (const hist of state.histories) {
      this.index.set(hist.key, hist);
      const live = hist.latest();
      if (live && live.kv.lease !== 0n) this.leaseTable.attach(live.kv.lease, hist.key);
      let prev: KeyRecord | undefined;
      for (const record of hist.records) {
        if (record.main >= base) (byRev[record.main - base] ??= []).push({ record, prev });
        prev = record.tombstone ? undefined : record;
      }
    }
    this.log = new RevisionLog(base);
    for (let rev = base; rev <= state.rev; rev++) {
      const changes = byRev[rev - base] ?? [];
      changes.sort((a, b) => a.record.sub - b.record.sub);
      this.log.append({ rev, changes });
    }
  }
}

const ZERO_KV: KeyValue = {
  key: EMPTY_BYTES,
  createRevision: 0,
  modRevision: 0,
  version: 0,
  value: EMPTY_BYTES,
  lease: 0n,
};

function compareKv(c: Compare, kv: KeyValue): boolean {
  let d: number;
  switch (c.target) {
    case CompareTarget.VALUE:
      d = compareBytes(kv.value, c.value ?? EMPTY_BYTES);
      break;
    case CompareTarget.VERSION:
      d = kv.version - (c.version ?? 0);
      break;
    case CompareTarget.CREATE:
      d = kv.createRevision - (c.createRevision ?? 0);
      break;
    case CompareTarget.MOD:
      d = kv.modRevision - (c.modRevision ?? 0);
      break;
    case CompareTarget.LEASE: {
      const want = c.lease ?? 0n;
      d = kv.lease < want ? -1 : kv.lease > want ? 1 : 0;
      break;
    }
    default:
      d = 0; // etcd compares nothing for an unknown target
  }
  switch (c.result) {
    case CompareResult.EQUAL:
      return d === 0;
    case CompareResult.NOT_EQUAL:
      return d !== 0;
    case CompareResult.GREATER:
      return d > 0;
    case CompareResult.LESS:
      return d < 0;
    default:
      return true; // etcd's compareKV: an unknown result holds
  }
}

function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & 0xffff_ffff_ffff_ffffn;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffff_ffff_ffff_ffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffff_ffff_ffff_ffffn;
  return z ^ (z >> 31n);
}
