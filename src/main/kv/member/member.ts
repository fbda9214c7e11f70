// A running KV member: Raft core + WAL + MVCC store + peer transport + clock, glued by the Ready
// loop. One Ready at a time:
//   1. a leader sends its appends/heartbeats at once, in parallel with its own disk write;
//   2. the snapshot (if any), entries and hard state go to the WAL with ONE fdatasync (group
//      commit: everything proposed while the previous write was in flight lands in this one);
//   3. every other message goes out (votes and acks must never precede persistence);
//   4. committed entries are applied to the store in order, and their callers are answered;
//      ReadIndex answers release linearizable reads once applied has caught up;
//   5. advance(). Snapshots are taken every `snapshotCount` applied entries.
// A client is answered only after its entry is committed AND applied here.
import { EventEmitter } from 'node:events';
import {
  decodeCommand,
  encodeCommand,
  LeaseTracker,
  MvccStore,
  type ApplyResult,
  type Command,
  type CommandType,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponse,
  type RangeRequest,
  type RangeResponse,
  type ResponseOf,
} from '../mvcc';
import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  messagesAfterPersist,
  messagesBeforePersist,
  RaftNode,
  Role,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
  type SoftState,
} from '../raft';
import type { Wal } from '../wal';
import { boot, type MemberMetadata } from './boot';
import { Clock } from './clock';
import { coalesceAppends } from './coalesce';
import {
  decodePeer,
  decodeRequest,
  decodeSnapshotData,
  encodePeer,
  encodeRequest,
  encodeSnapshotData,
  EntryKind,
  type PeerInfo,
} from './envelope';
import {
  ERR_LEADER_CHANGED,
  ERR_MEMBER_EXISTS,
  ERR_MEMBER_NOT_FOUND,
  ERR_MEMBER_NOT_LEARNER,
  ERR_NOT_LEADER,
  ERR_REMOVED,
  mapRaftError,
  MemberError,
  noLeader,
  stopped,
  timedOut,
} from './errors';
import { clusterIdOf, memberIdOf } from './ids';
import { PendingRequests } from './pending';
import { ReadBatcher } from './reads';
import { withDefaults, type MemberOptions, type ResolvedOptions, type StartOptions } from './options';
import { buildStatus, type MemberStatus } from './status';
import { Transport, type PeerAddr } from './transport';

type State = 'new' | 'listening' | 'running' | 'stopping' | 'stopped' | 'dead';

export class Member {
  readonly name: string;
  readonly id: NodeId;
  readonly clusterId: bigint;
  /** The state machine; read it for serializable reads and watches. */
  readonly store: MvccStore;
  /** Emits 'leader' (leaderId: bigint, term: number), 'applied' (index), 'snapshot' (index, when
   *  one from the leader was installed), 'removed', 'error' (err). */
  readonly events = new EventEmitter();
  /** Counters for benchmarks and the health panel (monotonic since start). */
  readonly metrics = {
    readIndexRounds: 0,
    readies: 0,
    walSyncs: 0,
    entriesPersisted: 0,
    applied: 0,
    snapshotsTaken: 0,
    lastSnapshotMs: 0,
    lastSnapshotEncodeMs: 0,
    lastSnapshotBytes: 0,
  };

  private readonly o: ResolvedOptions;
  private state: State = 'new';
  private readonly transport: Transport;
  private readonly clock: Clock;
  private raft!: RaftNode;
  private wal!: Wal;
  private storage!: Booted['storage'];
  private readonly leases: LeaseTracker;
  private readonly pending: PendingRequests<unknown>;
  private readonly reads: ReadBatcher;
  private readonly book = new Map<NodeId, PeerInfo>();
  private conf: ConfState = { voters: [], learners: [] };
  private lead: NodeId = 0n;
  private role: Role = Role.Follower;
  private term = 0;
  private applied = 0;
  private snapIndex = 0;
  /** A commit-only hard state not yet written (written with the next synced batch). */
  private unsavedHard: Ready['hardState'];
  private loop: Promise<void> | undefined;
  /** Set while the Ready loop runs, from before it starts (see kick()). */
  private looping = false;
  private removed = false;
  private fatal: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: MemberOptions) {
    this.o = withDefaults(options);
    this.name = options.name;
    this.id = memberIdOf(options.name, options.clusterToken);
    this.clusterId = clusterIdOf(options.clusterToken);
    this.store = new MvccStore(options.minLeaseTtl !== undefined ? { minLeaseTtl: options.minLeaseTtl } : {});
    this.leases = new LeaseTracker(this.store, { promoteExtendMs: this.o.electionTicks * this.o.tickMs });
    this.pending = new PendingRequests(this.o.requestTimeoutMs);
    this.reads = new ReadBatcher(
      {
        requestReadIndex: (ctx) => {
          if (this.state !== 'running') throw stopped();
          if (this.lead === 0n) throw noLeader();
          this.raft.readIndex(ctx);
          this.metrics.readIndexRounds++;
          this.kick();
        },
        appliedIndex: () => this.applied,
      },
      this.id,
      this.o.requestTimeoutMs,
      // A lost ReadIndex (or its answer) is retried after about an election timeout.
      this.o.electionTicks * this.o.tickMs,
    );
    this.transport = new Transport({
      id: this.id,
      clusterId: this.clusterId,
      ...(options.host ? { host: options.host } : {}),
      port: options.peerPort ?? 0,
      ...(options.peerTls ? { tls: options.peerTls } : {}),
      onMessage: (m) => this.onPeerMessage(m),
      onUnreachable: (peer) => {
        if (this.state !== 'running') return;
        this.raft.reportUnreachable(peer);
        this.kick();
      },
      onSnapshotStatus: (peer, ok) => {
        if (this.state !== 'running') return;
        this.raft.reportSnapshot(peer, ok);
        this.kick();
      },
    });
    this.clock = new Clock(() => this.onTick(), this.o.tickMs);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Binds the peer port (so a cluster can learn every address before anyone starts). */
  async listen(): Promise<PeerAddr> {
    if (this.state !== 'new') return this.transport.address;
    const addr = await this.transport.start();
    this.state = 'listening';
    return addr;
  }

  get peerAddress(): PeerAddr {
    return this.transport.address;
  }

  /** Opens (or bootstraps) the data dir, replays the WAL and starts the clock. */
  async start(opts: StartOptions = {}): Promise<void> {
    if (this.state === 'new') await this.listen();
    if (this.state !== 'listening')
      throw new Error(`member ${this.name}: cannot start in state ${this.state}`);
    const toPeer = (p: { name: string; addr: PeerAddr }): PeerInfo => ({
      id: memberIdOf(p.name, this.o.clusterToken),
      name: p.name,
      addr: p.addr,
    });
    const meta: MemberMetadata = {
      name: this.name,
      id: this.id,
      clusterId: this.clusterId,
      joinPeers: (opts.join ?? []).map(toPeer),
    };
    const founders = opts.join
      ? undefined
      : (opts.initialCluster ?? [{ name: this.name, addr: this.transport.address }]).map(toPeer);
    if (founders && !founders.some((p) => p.id === this.id))
      throw new Error(`member ${this.name} is not in its initial cluster`);
    const b = await boot({
      dataDir: this.o.dataDir,
      meta,
      ...(founders ? { founders } : {}),
      ...(this.o.walSegmentBytes ? { walSegmentBytes: this.o.walSegmentBytes } : {}),
    });
    this.wal = b.wal;
    this.storage = b.storage;
    for (const p of b.meta.joinPeers) this.book.set(p.id, p);
    if (b.snapshot) this.installSnapshot(b.snapshot);
    this.raft = new RaftNode({
      id: this.id,
      storage: this.storage,
      electionTick: this.o.electionTicks,
      heartbeatTick: this.o.heartbeatTicks,
      maxSizePerMsg: this.o.maxSizePerMsg,
      maxInflightMsgs: this.o.maxInflightMsgs,
      maxUncommittedEntriesSize: this.o.maxUncommittedBytes,
      applied: this.applied,
      ...(this.o.seed !== undefined ? { seed: this.o.seed } : {}),
    });
    this.term = b.hardState?.term ?? 0;
    this.syncTransportPeers();
    this.state = 'running';
    this.clock.start();
    this.kick();
  }

  /** Clean stop: finish the Ready in hand, close sockets and the WAL. Idempotent. */
  stop(): Promise<void> {
    this.closing ??= this.doStop();
    return this.closing;
  }

  /** Crash (for tests): drop sockets and everything in memory; nothing more reaches the WAL. */
  kill(): Promise<void> {
    this.closing ??= this.doKill();
    return this.closing;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'new' || this.state === 'listening') {
      this.state = 'stopped';
      await this.transport.close();
      return;
    }
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.clock.stop();
    await this.loop;
    this.failWaiters(stopped());
    await this.transport.close();
    await this.wal.close();
    this.leases.demote();
    this.state = 'stopped';
  }

  private async doKill(): Promise<void> {
    const hadWal = this.state === 'running' || this.state === 'stopping';
    this.state = 'dead';
    this.clock.stop();
    this.failWaiters(stopped());
    await this.transport.kill();
    // Closing waits for a write already handed to the OS; no new write is started.
    if (hadWal) await this.wal.close().catch(() => undefined);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** Proposes an MVCC command and resolves with its response once committed and applied here. */
  async propose<T extends CommandType>(
    type: T,
    request: Extract<Command, { type: T }>['request'],
  ): Promise<ResponseOf[T]> {
    this.checkWritable();
    const { seq, done } = this.pending.register();
    const cmd = { type, requestId: this.requestId(seq), request } as Command;
    const data = encodeRequest({
      kind: EntryKind.Command,
      proposer: this.id,
      seq,
      payload: encodeCommand(cmd),
    });
    const t0 = performance.now();
    this.proposeData(seq, () => this.raft.propose(data));
    const result = (await done) as ApplyResult;
    this.recordCommitLatency(performance.now() - t0);
    if (!result.ok) throw result.error;
    return result.response as ResponseOf[T];
  }

  put(req: Extract<Command, { type: 'put' }>['request']): Promise<ResponseOf['put']> {
    return this.propose('put', req);
  }

  deleteRange(req: Extract<Command, { type: 'deleteRange' }>['request']): Promise<ResponseOf['deleteRange']> {
    return this.propose('deleteRange', req);
  }

  txn(req: Extract<Command, { type: 'txn' }>['request']): Promise<ResponseOf['txn']> {
    return this.propose('txn', req);
  }

  compact(req: Extract<Command, { type: 'compaction' }>['request']): Promise<ResponseOf['compaction']> {
    return this.propose('compaction', req);
  }

  leaseGrant(req: Extract<Command, { type: 'leaseGrant' }>['request']): Promise<ResponseOf['leaseGrant']> {
    return this.propose('leaseGrant', req);
  }

  leaseRevoke(req: Extract<Command, { type: 'leaseRevoke' }>['request']): Promise<ResponseOf['leaseRevoke']> {
    return this.propose('leaseRevoke', req);
  }

  /** Proposal → committed and applied here, in ms, since the last drain (the health panel's chart). */
  private commitLatencies: number[] = [];

  private recordCommitLatency(ms: number): void {
    // Bounded: nobody may be draining (no health panel open); a sampler drains once before use.
    if (this.commitLatencies.length < 10_000) this.commitLatencies.push(ms);
  }

  /** The commit latencies recorded since the previous call. */
  drainCommitLatencies(): number[] {
    const out = this.commitLatencies;
    this.commitLatencies = [];
    return out;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Resolves once this member has applied everything committed before the call (ReadIndex). */
  linearizableRead(): Promise<void> {
    if (this.state !== 'running') return Promise.reject(stopped());
    if (this.lead === 0n) return Promise.reject(noLeader());
    const p = this.reads.read();
    this.kick();
    return p;
  }

  /** Range: linearizable unless req.serializable (then served from local state at once). */
  async range(req: RangeRequest): Promise<RangeResponse> {
    if (!req.serializable) await this.linearizableRead();
    return this.store.range(req);
  }

  // ---- leases ---------------------------------------------------------------------------------

  /** Keep-alive; leader only (the API layer forwards otherwise). Returns the TTL, 0 if unknown. */
  leaseRenew(id: bigint): number {
    if (this.role !== Role.Leader) throw new MemberError(ERR_NOT_LEADER, 'FailedPrecondition');
    return this.leases.renew(id, Date.now());
  }

  leaseTimeToLive(req: LeaseTimeToLiveRequest): LeaseTimeToLiveResponse {
    return this.leases.timeToLive(req, Date.now());
  }

  // ---- membership and leadership --------------------------------------------------------------

  /** The peer book: every member of the current configuration with its address. */
  members(): PeerInfo[] {
    return [...this.book.values()].filter((p) => this.isMember(p.id));
  }

  /** Adds a voting member (or a learner); resolves with the new member list once applied here. */
  async addMember(name: string, addr: PeerAddr, learner = false): Promise<PeerInfo[]> {
    const peer: PeerInfo = { id: memberIdOf(name, this.o.clusterToken), name, addr };
    if (this.isMember(peer.id)) throw new MemberError(ERR_MEMBER_EXISTS, 'FailedPrecondition');
    return this.changeConf(learner ? ConfChangeType.AddLearner : ConfChangeType.AddNode, peer);
  }

  /** Makes a learner a voter; resolves with the new member list once applied here. */
  async promoteMember(id: NodeId): Promise<PeerInfo[]> {
    const peer = this.book.get(id);
    if (!peer || !this.isMember(id)) throw new MemberError(ERR_MEMBER_NOT_FOUND, 'NotFound');
    if (!this.conf.learners.includes(id)) throw new MemberError(ERR_MEMBER_NOT_LEARNER, 'FailedPrecondition');
    return this.changeConf(ConfChangeType.AddNode, peer);
  }

  /** Removes a member by id; resolves with the new member list once applied here. */
  async removeMember(id: NodeId): Promise<PeerInfo[]> {
    const peer = this.book.get(id);
    if (!peer || !this.isMember(id)) throw new MemberError(ERR_MEMBER_NOT_FOUND, 'NotFound');
    return this.changeConf(ConfChangeType.RemoveNode, peer);
  }

  /** Asks the leader to hand over to `to`; resolves when `to` leads (as seen here). */
  async transferLeadership(to: NodeId): Promise<void> {
    this.checkWritable();
    if (this.lead === to) return;
    this.raft.transferLeadership(to);
    this.kick();
    await this.waitFor(
      () => this.lead === to,
      this.o.electionTicks * this.o.tickMs * 3,
      () => new MemberError(ERR_LEADER_CHANGED, 'Unavailable'),
    );
  }

  /** Campaign now (tests, operator action) instead of waiting for an election timeout. */
  campaign(): void {
    if (this.state !== 'running') return;
    this.raft.campaign();
    this.kick();
  }

  // ---- status ---------------------------------------------------------------------------------

  get leaderId(): NodeId {
    return this.lead;
  }

  get isLeader(): boolean {
    return this.role === Role.Leader;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /** The Raft term this member is in (for response headers). */
  get raftTerm(): number {
    return this.term;
  }

  status(): MemberStatus {
    const live = this.raft !== undefined && this.state !== 'dead' && this.state !== 'stopped';
    return buildStatus({
      id: this.id,
      name: this.name,
      clusterId: this.clusterId,
      running: this.state === 'running',
      removed: this.removed,
      raft: live ? this.raft.status() : undefined,
      term: this.term,
      applied: this.applied,
      snapshotIndex: this.snapIndex,
      revision: this.store.currentRevision,
      conf: this.conf,
      book: this.book,
      transport: this.transport,
    });
  }

  // ---- fault injection (tests) ----------------------------------------------------------------

  /** Drops all traffic to and from these peers until heal(). */
  cutOff(peers: Iterable<NodeId>): void {
    this.transport.cutOff(peers);
  }

  heal(): void {
    this.transport.heal();
  }

  // ---- internals: inputs ----------------------------------------------------------------------

  private onPeerMessage(m: Message): void {
    if (this.state !== 'running') return;
    if (m.to !== this.id) return;
    try {
      this.raft.step(m);
    } catch (err) {
      // A core invariant broke: better a dead member than one that acks wrongly (and an
      // exception thrown from a socket handler would take the whole host process down).
      this.onFatal(err as Error);
      return;
    }
    this.kick();
  }

  private onTick(): void {
    if (this.state !== 'running') return;
    try {
      this.raft.tick();
    } catch (err) {
      this.onFatal(err as Error);
      return;
    }
    this.reads.onTick();
    if (this.role === Role.Leader) this.expireLeases();
    this.kick();
  }

  private expireLeases(): void {
    for (const id of this.leases.expiredLeases(Date.now(), 16)) {
      // Through the log like any write, so every member revokes at the same index.
      this.propose('leaseRevoke', { id }).catch(() => undefined);
    }
  }

  private checkWritable(): void {
    if (this.removed) throw new MemberError(ERR_REMOVED, 'FailedPrecondition');
    if (this.state !== 'running') throw stopped();
    if (this.lead === 0n) throw noLeader();
  }

  private proposeData(seq: number, submit: () => void): void {
    try {
      submit();
    } catch (err) {
      this.pending.reject(seq, mapRaftError(err));
      return;
    }
    this.kick();
  }

  private async changeConf(type: ConfChangeType, peer: PeerInfo): Promise<PeerInfo[]> {
    this.checkWritable();
    const { seq, done } = this.pending.register();
    const context = encodePeer(peer, seq, this.id);
    this.proposeData(seq, () => this.raft.proposeConfChange({ type, nodeId: peer.id, context }));
    await done;
    return this.members();
  }

  private requestId(seq: number): bigint {
    // Unique per proposer: the member id's low bits above the (boot-time based) sequence.
    return BigInt.asUintN(64, ((this.id & 0x1fffn) << 51n) | BigInt(seq));
  }

  private isMember(id: NodeId): boolean {
    return this.conf.voters.includes(id) || this.conf.learners.includes(id);
  }

  private failWaiters(err: MemberError): void {
    this.pending.rejectAll(err);
    this.reads.failAll(err);
  }

  private waitFor(cond: () => boolean, ms: number, onTimeout: () => Error = timedOut): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return;
        clearTimeout(t);
        this.events.off('leader', check);
        resolve();
      };
      const t = setTimeout(() => {
        this.events.off('leader', check);
        reject(onTimeout());
      }, ms);
      this.events.on('leader', check);
    });
  }

  // ---- internals: the Ready loop --------------------------------------------------------------

  /** Starts the Ready loop unless it is already running (it re-checks before finishing). */
  private kick(): void {
    if (this.looping || this.state !== 'running') return;
    // Claimed BEFORE runLoop() is called: an async function runs synchronously up to its first
    // await, and a Ready without entries is handled (applied, reads answered, 'applied' emitted,
    // messages sent) without any await. Whatever that does may call kick() again (a released read
    // starting the next ReadIndex round, a listener proposing, an unreachable peer reported), and
    // `this.loop` is only assigned once runLoop() returns. A second loop then took a second Ready
    // before the first was advanced, applied its committed entries first, and the first loop's
    // entries were skipped as already applied: committed writes lost on this member alone.
    this.looping = true;
    this.loop = this.runLoop().finally(() => {
      this.looping = false;
      this.loop = undefined;
      // Input that arrived during the last await is picked up by a fresh loop.
      if (this.state === 'running' && this.raft.hasReady()) this.kick();
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (this.state === 'running' && this.raft.hasReady()) {
        const rd = this.raft.ready();
        await this.handleReady(rd);
        if ((this.state as State) === 'dead') return;
        this.raft.advance(rd);
        await this.maybeSnapshot();
      }
    } catch (err) {
      this.onFatal(err as Error);
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    this.metrics.readies++;
    if (rd.softState) this.onSoftState(rd.softState);
    if (rd.hardState) this.term = rd.hardState.term;
    const early = messagesBeforePersist(rd);
    if (early.length > 0) this.transport.send(coalesceAppends(early, this.o.maxSizePerMsg));

    if (rd.hardState) this.unsavedHard = rd.hardState;
    if (rd.snapshot) await this.wal.saveSnapshot(rd.snapshot);
    if (rd.entries.length > 0 || rd.mustSync || rd.snapshot) {
      // One fdatasync for the whole batch. A commit-only change rides along with the next one:
      // the commit index is recoverable from the leader, so it need not be synced on its own.
      await this.wal.save(this.unsavedHard, rd.entries);
      this.unsavedHard = undefined;
      this.metrics.walSyncs++;
      this.metrics.entriesPersisted += rd.entries.length;
    }
    if (this.state === 'dead') return;
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);

    if (early.length < rd.messages.length) this.transport.send(messagesAfterPersist(rd));

    if (rd.snapshot) {
      this.installSnapshot(rd.snapshot);
      this.events.emit('snapshot', rd.snapshot.metadata.index);
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    for (const rs of rd.readStates) this.reads.onReadState(rs.index, rs.context);
    if (rd.committedEntries.length > 0) {
      this.reads.onApplied();
      this.events.emit('applied', this.applied);
    }
  }

  private onSoftState(ss: SoftState): void {
    const wasLeader = this.role === Role.Leader;
    const leaderChanged = ss.lead !== this.lead;
    this.lead = ss.lead;
    this.role = ss.role;
    if (!wasLeader && ss.role === Role.Leader) this.leases.promote(Date.now());
    if (wasLeader && ss.role !== Role.Leader) this.leases.demote();
    if (leaderChanged) this.events.emit('leader', ss.lead, this.term);
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.applied) return;
    if (e.type === EntryType.ConfChange) this.applyConfChange(e);
    else if (e.data.length > 0) {
      const env = decodeRequest(e.data);
      if (env.kind === EntryKind.Command) {
        const result = this.store.apply(decodeCommand(env.payload), e.index);
        if (env.proposer === this.id) this.pending.resolve(env.seq, result);
      }
    }
    this.applied = e.index;
    this.metrics.applied++;
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    this.conf = this.raft.applyConfChange(cc);
    const ctx = cc.context && cc.context.length > 0 ? decodePeer(cc.context) : undefined;
    if (cc.type === ConfChangeType.RemoveNode) {
      if (cc.nodeId === this.id) this.onRemoved();
      else {
        this.book.delete(cc.nodeId);
        this.transport.removePeer(cc.nodeId);
      }
    } else if (ctx) {
      this.book.set(ctx.peer.id, ctx.peer);
      this.syncTransportPeers();
    }
    if (ctx && ctx.proposer === this.id) this.pending.resolve(ctx.seq, this.conf);
  }

  private onRemoved(): void {
    if (this.removed) return;
    this.removed = true;
    this.events.emit('removed');
    // Stop outside the Ready loop (stop() waits for the loop).
    setImmediate(() => void this.stop());
  }

  /** Replaces the store and peer book with a snapshot's (from disk at boot, or from the leader). */
  private installSnapshot(snap: Snapshot): void {
    const env = decodeSnapshotData(snap.data);
    this.store.restore(env.store);
    this.book.clear();
    for (const p of env.peers) this.book.set(p.id, p);
    this.conf = { voters: [...snap.metadata.conf.voters], learners: [...snap.metadata.conf.learners] };
    this.applied = snap.metadata.index;
    this.snapIndex = snap.metadata.index;
    if (this.raft) this.syncTransportPeers();
  }

  private syncTransportPeers(): void {
    for (const p of this.book.values())
      if (p.id !== this.id) this.transport.addPeer(p.id, this.o.dialOverrides?.[p.name] ?? p.addr);
    for (const id of this.transport.peerIds()) if (!this.book.has(id)) this.transport.removePeer(id);
  }

  private async maybeSnapshot(): Promise<void> {
    // Members hosted in one process would otherwise all snapshot at the same index and stall the
    // shared event loop together; a per-member offset on the first snapshot staggers them.
    const stagger =
      this.snapIndex <= 1 ? Number(this.id % BigInt(Math.max(1, Math.floor(this.o.snapshotCount / 4)))) : 0;
    if (this.applied - this.snapIndex < this.o.snapshotCount + stagger || this.state !== 'running') return;
    const index = this.applied;
    const t0 = Date.now();
    const peers = [...this.book.values()].filter((p) => this.isMember(p.id));
    const data = encodeSnapshotData({ peers, store: this.store.snapshot() });
    const snap = this.storage.createSnapshot(index, this.conf, data);
    this.metrics.lastSnapshotEncodeMs = Date.now() - t0;
    this.metrics.lastSnapshotBytes = data.length;
    await this.wal.saveSnapshot(snap);
    if (this.unsavedHard) {
      // Keep the saved commit index at or above the snapshot's (restart checks it).
      await this.wal.save(this.unsavedHard, []);
      this.unsavedHard = undefined;
    }
    this.metrics.lastSnapshotMs = Date.now() - t0;
    this.snapIndex = index;
    this.metrics.snapshotsTaken++;
    // Keep some entries so a slightly slow follower catches up from the log, not a snapshot.
    const compactTo = index - this.o.snapshotCatchUpEntries;
    if (compactTo >= this.storage.firstIndex()) this.storage.compact(compactTo);
    await this.wal.releaseTo(index);
  }

  private onFatal(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    // A member that failed to persist must not go on acknowledging anything: crash it.
    if (this.events.listenerCount('error') > 0) this.events.emit('error', err);
    void this.kill();
  }
}

type Booted = Awaited<ReturnType<typeof boot>>;
