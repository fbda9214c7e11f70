// RaftNode: the face of the core, in the manner of etcd's RawNode. Feed it ticks, messages and
// proposals; collect a Ready; persist, send, apply; then advance().
//
// Handling a Ready, in order:
//   1. persist rd.snapshot (if any), rd.entries and rd.hardState; fsync when rd.mustSync;
//      (a leader may send messagesBeforePersist(rd) while this happens — thesis §10.2.1);
//   2. send rd.messages (the rest, or all if nothing was sent early); report MsgSnap outcomes with
//      reportSnapshot();
//   3. install rd.snapshot into the state machine, apply rd.committedEntries (calling
//      applyConfChange for ConfChange entries), serve rd.readStates;
//   4. advance(rd). Take no other Ready before that.
//
// Starting: a fresh founding member gets `peers` and an empty storage; the first Ready then carries
// the bootstrap entries (one AddNode per founder, term 1, committed) to persist and apply. A member
// joining later starts with an empty storage and no peers and learns everything from the leader.
// Restarting: fill a MemoryStorage from the WAL (applySnapshot, append, setHardState), restore the
// state machine from the snapshot, and start with `applied` left at its default (the snapshot's
// index): committed entries after it, conf changes included, are delivered again to re-apply.
// hasReady()/ready() first send what was batched since the last Ready (appends, read rounds).

import {
  EntryType,
  MessageType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from './types';
import { Raft, Role, type Config, type ReadState } from './raft';
import { encodeConfChange, type ConfChange } from './confchange';
import { NoLeaderError, ProposalDroppedError, RaftInvariantError } from './errors';
import type { ProgressState } from './progress';
import { isResponse, last, makeMessage, normalEntry } from './util';

export interface SoftState {
  lead: NodeId;
  role: Role;
}

export interface Ready {
  /** Present when leader or role changed. Volatile: not persisted. */
  softState?: SoftState;
  /** Present when term, vote or commit changed: persist it. */
  hardState?: HardState;
  /** Persist these before sending messages that depend on them (see messagesBeforePersist). */
  entries: Entry[];
  /** A snapshot from the leader: persist it and install it into the state machine. */
  snapshot?: Snapshot;
  /** Committed entries to apply, in order. */
  committedEntries: Entry[];
  messages: Message[];
  /** Answers to readIndex(): once `index` is applied, a read with this context is linearizable. */
  readStates: ReadState[];
  /** Whether the hard state and entries must reach disk (fsync) before messages go out. */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
  inflight: number;
  inflightBytes: number;
}

export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lead: NodeId;
  role: Role;
  leadTransferee: NodeId;
  lastIndex: number;
  firstIndex: number;
  conf: ConfState;
  /** Only on the leader. */
  progress?: Map<NodeId, ProgressStatus>;
}

export class RaftNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** A Ready was handed out and not yet advanced. */
  private readyOutstanding = false;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoft = { lead: 0n, role: Role.Follower };
    // Compare against what is on disk, so a bootstrap's hard state is handed out for persisting.
    this.prevHard = config.storage.initialState().hardState;
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Cheap accessors for the hot paths of harnesses (status() builds a full snapshot). */
  get term(): number {
    return this.raft.term;
  }

  get role(): Role {
    return this.raft.role;
  }

  get lead(): NodeId {
    return this.raft.lead;
  }

  get commitIndex(): number {
    return this.raft.log.committed;
  }

  /** Advance logical time by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Start an election now (if this node is a voter), as if the election timeout had elapsed. */
  campaign(): void {
    this.raft.hup(false);
  }

  /** Feed a message received from a peer (or a local report). Dropped proposals are silently ignored. */
  step(m: Message): void {
    // A response from a node outside the configuration carries nothing we can use.
    if (isResponse(m.type) && m.term !== 0 && !this.raft.tracker.progress.has(m.from)) return;
    this.raft.step(m);
  }

  /** Propose data to be appended to the log. Throws NoLeaderError / ProposalDroppedError when refused. */
  propose(data: Uint8Array): void {
    this.stepLocal(makeMessage({ type: MessageType.Prop, entries: [normalEntry(data)] }));
  }

  /** Propose a membership change (one at a time; apply it with applyConfChange once committed). */
  proposeConfChange(cc: ConfChange): void {
    const entry: Entry = { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) };
    this.stepLocal(makeMessage({ type: MessageType.Prop, entries: [entry] }));
  }

  /** Apply a committed conf change; returns the configuration now in force. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Request a linearizable read point; the answer arrives as a ReadState carrying `ctx`. */
  readIndex(ctx: Uint8Array): void {
    this.stepLocal(makeMessage({ type: MessageType.ReadIndex, entries: [], context: ctx }));
  }

  /** Ask the leader (this node or, forwarded, the current one) to hand leadership to `to`. */
  transferLeadership(to: NodeId): void {
    this.stepLocal(makeMessage({ type: MessageType.TransferLeader, from: to }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(makeMessage({ type: MessageType.Unreachable, from: id }));
  }

  /** Report whether a MsgSnap sent to `id` was delivered (ok) or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(makeMessage({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  private stepLocal(m: Message): void {
    const dropped = this.raft.step(m);
    if (dropped === 'no-leader') throw new NoLeaderError();
    if (dropped) throw new ProposalDroppedError(dropped);
  }

  private softState(): SoftState {
    return { lead: this.raft.lead, role: this.raft.role };
  }

  hasReady(): boolean {
    const r = this.raft;
    r.flush();
    const soft = this.softState();
    if (soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.log.unstable.nextSnapshot()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.unstable.nextEntries().length > 0) return true;
    return r.log.hasNextCommittedEnts();
  }

  /** Everything to persist, send and apply since the last Ready. Call advance(rd) when done. */
  ready(): Ready {
    // A second Ready before advance() hands out committed entries past ones still being applied;
    // applied out of order, the earlier ones would then be skipped. Refuse rather than lose them.
    if (this.readyOutstanding)
      throw new RaftInvariantError('ready() called before advance() of the previous Ready');
    const r = this.raft;
    r.flush();
    const log = r.log;
    const soft = this.softState();
    const hard = r.hardState();
    const entries = log.unstable.nextEntries();
    const snapshot = log.unstable.nextSnapshot();
    const committedEntries = log.nextCommittedEnts();
    const rd: Ready = {
      entries,
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hard.term !== this.prevHard.term ||
        hard.vote !== this.prevHard.vote,
    };
    if (soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role) {
      rd.softState = soft;
      this.prevSoft = soft;
    }
    if (!hardStateEqual(hard, this.prevHard)) {
      rd.hardState = hard;
      this.prevHard = hard;
    }
    if (snapshot) rd.snapshot = snapshot;
    r.msgs = [];
    r.readStates = [];
    this.readyOutstanding = true;
    log.unstable.acceptInProgress();
    const lastCommitted = last(committedEntries);
    if (lastCommitted) {
      log.applying = lastCommitted.index;
      if (r.role === Role.Leader) r.reduceUncommittedSize(committedEntries);
    }
    return rd;
  }

  /** The Ready was persisted, sent and applied. */
  advance(rd: Ready): void {
    this.readyOutstanding = false;
    const log = this.raft.log;
    const lastEntry = last(rd.entries);
    if (lastEntry) log.unstable.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot) {
      log.unstable.stableSnapTo(rd.snapshot.metadata.index);
      log.appliedTo(rd.snapshot.metadata.index);
    }
    const lastCommitted = last(rd.committedEntries);
    if (lastCommitted) log.appliedTo(lastCommitted.index);
    this.raft.onApplied();
  }

  status(): Status {
    const r = this.raft;
    const status: Status = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      role: r.role,
      leadTransferee: r.leadTransferee,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      conf: r.tracker.confState(),
    };
    if (r.role === Role.Leader) {
      status.progress = new Map();
      for (const [id, pr] of r.tracker.progress) {
        status.progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          inflight: pr.inflights.count,
          inflightBytes: pr.inflights.totalBytes,
        });
      }
    }
    return status;
  }

  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). For checks and tests. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  /** Entries [lo, hi) of this node's log (persisted or not). For checks and tests. */
  logSlice(lo: number, hi: number): Entry[] {
    return this.raft.log.slice(lo, hi, Number.MAX_SAFE_INTEGER);
  }
}

/**
 * The messages that may be sent before this Ready's entries and hard state are durable: a
 * leader's App, Heartbeat and Snap (only leaders send those). A leader's own unpersisted copy
 * is harmless because any commit it enables is revealed only by later Readies, taken after this
 * one is persisted (thesis §10.2.1). Everything else (votes, responses) must wait.
 */
export function messagesBeforePersist(rd: Ready): Message[] {
  return rd.messages.filter(isLeaderMessage);
}

/** The messages of a Ready that must wait for persistence (complement of messagesBeforePersist). */
export function messagesAfterPersist(rd: Ready): Message[] {
  return rd.messages.filter((m) => !isLeaderMessage(m));
}

function isLeaderMessage(m: Message): boolean {
  return m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
