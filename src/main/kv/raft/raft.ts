// The Raft state machine proper. Everything arrives through tick() and step(); everything it wants
// done leaves through `msgs`, `readStates` and the log's unstable part, which RaftNode packs into a
// Ready. No clocks, no I/O, no global randomness: identical inputs give identical outputs.

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
import { Role, CAMPAIGN_TRANSFER, type Config, type ReadState } from './config';
import { RaftLog } from './log';
import { ProgressState, type Progress } from './progress';
import { ProgressTracker, VoteResult } from './tracker';
import { ReadOnlyQueue, type ReadRequest } from './readonly';
import { ConfChangeType, encodeConfChange, type ConfChange } from './confchange';
import { Prng } from './prng';
import { CompactedError, RaftError, RaftInvariantError, type DropReason } from './errors';
import { EMPTY_BYTES, at, bytesEqual, entrySize, makeMessage, payloadSize } from './util';

export { Role, CAMPAIGN_TRANSFER, type Config, type ReadState } from './config';

enum CampaignKind {
  PreElection,
  Election,
  Transfer,
}

const NO_ID = 0n;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NO_ID;
  lead: NodeId = NO_ID;
  role = Role.Follower;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly readOnly = new ReadOnlyQueue();
  msgs: Message[] = [];
  readStates: ReadState[] = [];

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  private readonly prng: Prng;

  electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Target of a leadership transfer in progress, or 0. */
  leadTransferee: NodeId = NO_ID;
  /** Index of the last conf change appended by this leader; a new one waits until it is applied. */
  private pendingConfIndex = 0;
  /** Payload bytes appended by this leader and not yet committed. */
  private uncommittedSize = 0;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndex: Message[] = [];
  /** A MsgTimeoutNow arrived while conf changes were unapplied; campaign once they are (this term). */
  private deferredTransfer = false;
  /** Proposals appended since the last flush, not yet sent to followers. */
  private appendsPending = false;

  constructor(config: Config) {
    if (config.id === NO_ID) throw new RaftError('raft: cannot use 0 as id');
    this.id = config.id;
    this.heartbeatTimeout = config.heartbeatTick ?? 1;
    this.electionTimeout = config.electionTick ?? 10;
    if (this.heartbeatTimeout <= 0) throw new RaftError('raft: heartbeat tick must be greater than 0');
    if (this.electionTimeout <= this.heartbeatTimeout) {
      throw new RaftError('raft: election tick must be greater than heartbeat tick');
    }
    this.checkQuorum = config.checkQuorum ?? true;
    this.preVote = config.preVote ?? true;
    this.maxMsgSize = config.maxSizePerMsg ?? 1024 * 1024;
    this.maxUncommittedSize = config.maxUncommittedEntriesSize ?? 0;
    const maxInflightMsgs = config.maxInflightMsgs ?? 256;
    if (maxInflightMsgs <= 0) throw new RaftError('raft: max inflight messages must be greater than 0');
    this.prng = new Prng(config.seed ?? Number(config.id & 0xffffffffn));
    this.log = new RaftLog(config.storage, config.maxCommittedSizePerReady ?? this.maxMsgSize);
    this.tracker = new ProgressTracker(maxInflightMsgs, config.maxInflightBytes ?? 0);

    const { hardState, confState } = config.storage.initialState();
    const fromStorage = confState.voters.length > 0 || confState.learners.length > 0;
    const conf: ConfState = fromStorage
      ? confState
      : { voters: config.peers ?? [], learners: config.learners ?? [] };
    this.tracker.reset(conf, this.log.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== NO_ID || hardState.commit !== 0)
      this.loadHardState(hardState);
    const pristine = !fromStorage && this.log.lastIndex() === 0 && this.term === 0;
    if (pristine && conf.voters.length + conf.learners.length > 0) this.bootstrap(conf);
    // Restart point: everything up to the snapshot is in the state machine already.
    const applied = config.applied ?? config.storage.snapshot().metadata.index;
    if (applied > 0) this.log.appliedTo(applied);
    this.becomeFollower(this.term, NO_ID);
  }

  /**
   * A fresh cluster: write the initial membership into the log as committed conf-change entries
   * (term 1), identical on every founding member. A node that joins later replays them and so
   * learns the founding configuration like any other change.
   */
  private bootstrap(conf: ConfState): void {
    const changes: ConfChange[] = [
      ...conf.voters.map((nodeId) => ({ type: ConfChangeType.AddNode, nodeId })),
      ...conf.learners.map((nodeId) => ({ type: ConfChangeType.AddLearner, nodeId })),
    ];
    const entries = changes.map((cc, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    }));
    this.log.append(entries);
    this.log.committed = entries.length;
    this.term = 1;
  }

  private loadHardState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new RaftInvariantError(
        `state.commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Whether this node may campaign: it is a voter in the configuration it has applied. */
  promotable(): boolean {
    return this.tracker.voters.has(this.id);
  }

  // ---- state transitions ----------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_ID;
    }
    this.lead = NO_ID;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.prng.int(this.electionTimeout);
    this.leadTransferee = NO_ID;
    this.tracker.resetVotes();
    const lastIndex = this.log.lastIndex();
    for (const [id, pr] of this.tracker.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? lastIndex : 0;
      pr.next = lastIndex + 1;
      pr.recentActive = id === this.id;
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly.reset();
    this.pendingReadIndex = [];
    this.deferredTransfer = false;
  }

  /** The caller advanced the applied index. */
  onApplied(): void {
    if (this.deferredTransfer && this.role === Role.Follower && !this.hasUnappliedConfChanges()) {
      this.deferredTransfer = false;
      this.hup(true);
    }
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.Follower;
  }

  private becomePreCandidate(): void {
    if (this.role === Role.Leader)
      throw new RaftInvariantError('invalid transition [leader -> pre-candidate]');
    // Neither the term nor the vote changes: a pre-vote round must leave no trace if it fails.
    this.tracker.resetVotes();
    this.lead = NO_ID;
    this.role = Role.PreCandidate;
  }

  private becomeCandidate(): void {
    if (this.role === Role.Leader) throw new RaftInvariantError('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  private becomeLeader(): void {
    if (this.role === Role.Follower) throw new RaftInvariantError('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.Leader;
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // Conservatively assume the tail may hold an unapplied conf change.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of the new term: committing it commits everything before it (§5.4.2) and tells
    // ReadIndex that the commit index is now current. Not counted against the uncommitted limit.
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }], true);
  }

  // ---- time -----------------------------------------------------------------------------------

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          // Partitioned away from a quorum: stop accepting writes others can never see.
          this.becomeFollower(this.term, NO_ID);
          return;
        }
        for (const [id, pr] of this.tracker.progress) pr.recentActive = id === this.id;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== NO_ID) this.leadTransferee = NO_ID;
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.roundContext());
    }
  }

  // ---- elections ------------------------------------------------------------------------------

  /** Start an election (if allowed). `transfer`: asked to by the leader via MsgTimeoutNow. */
  hup(transfer: boolean): void {
    if (this.role === Role.Leader) return;
    if (!this.promotable()) return;
    // A conf change committed but not applied might change who votes; wait until it is applied.
    if (this.hasUnappliedConfChanges()) return;
    if (transfer) this.campaign(CampaignKind.Transfer);
    else if (this.preVote) this.campaign(CampaignKind.PreElection);
    else this.campaign(CampaignKind.Election);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    let lo = this.log.applied + 1;
    const hi = this.log.committed + 1;
    while (lo < hi) {
      let ents: Entry[];
      try {
        ents = this.log.slice(lo, hi, this.maxMsgSize);
      } catch {
        return false;
      }
      for (const e of ents) if (e.type === EntryType.ConfChange) return true;
      if (ents.length === 0) break;
      lo += ents.length;
    }
    return false;
  }

  private campaign(kind: CampaignKind): void {
    let voteType: MessageType;
    let term: number;
    if (kind === CampaignKind.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes().result === VoteResult.Won) {
      // A single voter wins at once.
      if (kind === CampaignKind.PreElection) this.campaign(CampaignKind.Election);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      this.send(
        makeMessage({
          type: voteType,
          to: id,
          term,
          index: lastIndex,
          logTerm: lastTerm,
          context: kind === CampaignKind.Transfer ? CAMPAIGN_TRANSFER : EMPTY_BYTES,
        }),
      );
    }
  }

  // ---- input ----------------------------------------------------------------------------------

  /** Process one message. Returns why a proposal-like message was dropped, if it was. */
  step(m: Message): DropReason | undefined {
    if (m.term === 0) {
      // local message (proposal, forwarded read, transfer request, status report)
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease =
          this.checkQuorum && this.lead !== NO_ID && this.electionElapsed < this.electionTimeout;
        // Within the lease of a live leader, a vote request (say, from a node rejoining with a
        // higher term) is ignored without even adopting its term: the leader is not disrupted.
        if (!force && inLease) return undefined;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The granted pre-vote speaks of the term we intend to campaign in; counted below.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_ID);
      }
    } else if (m.term < this.term) {
      if (
        (this.checkQuorum || this.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader (perhaps partitioned) learns the newer term from this response and steps
        // down; otherwise it would keep sending and a node ignoring it could never be reached.
        this.send(makeMessage({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        // Tell a pre-candidate its term is behind so it stops (and can learn of the real leader).
        this.send(makeMessage({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }));
      }
      return undefined;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return undefined;
    }
    switch (this.role) {
      case Role.Leader:
        return this.stepLeader(m);
      case Role.Candidate:
      case Role.PreCandidate:
        return this.stepCandidate(m);
      case Role.Follower:
        return this.stepFollower(m);
    }
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_ID && this.lead === NO_ID) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // The response carries the request's term: for a pre-vote, ours may be lower.
      this.send(makeMessage({ type: respType, to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(makeMessage({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  private stepFollower(m: Message): DropReason | undefined {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NO_ID) return 'no-leader';
        this.send({ ...m, from: NO_ID, to: this.lead });
        return undefined;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return undefined;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return undefined;
      case MessageType.TransferLeader:
        if (this.lead === NO_ID) return 'no-leader';
        this.send({ ...m, to: this.lead });
        return undefined;
      case MessageType.TimeoutNow:
        // The leader asks us to take over now: campaign at once, past pre-vote and leases. If a
        // committed conf change is still unapplied (typically: the removal of that very leader),
        // campaign as soon as it is applied, under the configuration it creates.
        if (this.promotable() && this.hasUnappliedConfChanges()) this.deferredTransfer = true;
        else this.hup(true);
        return undefined;
      case MessageType.ReadIndex:
        if (this.lead === NO_ID) return 'no-leader';
        this.send({ ...m, from: NO_ID, to: this.lead });
        return undefined;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return undefined;
      default:
        return undefined;
    }
  }

  private stepCandidate(m: Message): DropReason | undefined {
    const myVoteResp = this.role === Role.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
      case MessageType.ReadIndex:
      case MessageType.TransferLeader:
        return 'no-leader';
      case MessageType.App:
        this.becomeFollower(m.term, m.from); // a leader of our term exists
        this.handleAppend(m);
        return undefined;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return undefined;
      case myVoteResp: {
        this.tracker.recordVote(m.from, !m.reject);
        const { result } = this.tracker.tallyVotes();
        if (result === VoteResult.Won) {
          if (this.role === Role.PreCandidate) {
            this.campaign(CampaignKind.Election);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === VoteResult.Lost) {
          this.becomeFollower(this.term, NO_ID);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private stepLeader(m: Message): DropReason | undefined {
    switch (m.type) {
      case MessageType.Prop:
        return this.handleProposal(m);
      case MessageType.ReadIndex:
        this.handleReadIndex(m);
        return undefined;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from);
        return undefined;
      default:
        break;
    }
    const pr = this.tracker.progress.get(m.from);
    if (!pr) return undefined; // not (or no longer) a member
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        break;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        break;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) break;
        if (m.reject) pr.pendingSnapshot = 0; // failed: probe from where we were
        pr.becomeProbe();
        // Either way wait for the follower's next answer (or a heartbeat) before sending again.
        pr.probeSent = true;
        break;
      case MessageType.Unreachable:
        // Optimistic pipelining to an unreachable peer only loses messages; probe instead.
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        break;
      default:
        break;
    }
    return undefined;
  }

  // ---- leader: proposals ----------------------------------------------------------------------

  private handleProposal(m: Message): DropReason | undefined {
    if (m.entries.length === 0) return 'empty';
    if (!this.tracker.progress.has(this.id)) return 'not-member';
    if (this.leadTransferee !== NO_ID) return 'leader-transfer';
    let entries = m.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = at(entries, i);
      if (e.type !== EntryType.ConfChange) continue;
      if (this.pendingConfIndex > this.log.applied) {
        // At most one conf change in flight: a local caller is told; a forwarded one is dropped
        // by turning it into an empty entry, as the proposer cannot be answered anyway.
        if (m.from === this.id || m.from === NO_ID) return 'conf-change-pending';
        entries = entries.map((x, j) => (j === i ? { ...x, type: EntryType.Normal, data: EMPTY_BYTES } : x));
      } else {
        this.pendingConfIndex = this.log.lastIndex() + i + 1;
      }
    }
    if (!this.appendEntries(entries, false)) return 'uncommitted-limit';
    // Not sent yet: proposals arriving before the next Ready go out together (flush()).
    this.appendsPending = true;
    return undefined;
  }

  /** Leader appends entries of its term. Returns false if refused by the uncommitted-size limit. */
  private appendEntries(es: readonly Entry[], bypassLimit: boolean): boolean {
    const size = payloadSize(es);
    if (!bypassLimit && this.maxUncommittedSize > 0 && this.uncommittedSize > 0 && size > 0) {
      // Always admit something when nothing is pending, so an oversized entry is not stuck forever.
      if (this.uncommittedSize + size > this.maxUncommittedSize) return false;
    }
    this.uncommittedSize += size;
    const lastIndex = this.log.lastIndex();
    const stamped = es.map((e, i) => ({
      term: this.term,
      index: lastIndex + 1 + i,
      type: e.type,
      data: e.data,
    }));
    const li = this.log.append(stamped);
    // The leader counts itself as having the entries now; that is safe because the caller persists
    // them before handing out the next Ready, whose messages are the first to reveal a new commit.
    this.tracker.progress.get(this.id)?.maybeUpdate(li);
    this.maybeCommit();
    return true;
  }

  /** Called for committed entries handed to the caller: they no longer count as uncommitted. */
  reduceUncommittedSize(entries: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - payloadSize(entries));
  }

  get uncommittedBytes(): number {
    return this.uncommittedSize;
  }

  private maybeCommit(): boolean {
    const committed = this.log.maybeCommit(this.tracker.committed(), this.term);
    if (committed) this.releasePendingReadIndex();
    return committed;
  }

  // ---- leader: replication --------------------------------------------------------------------

  private send(m: Message): void {
    // A forwarded transfer request keeps its `from`: it names the transferee.
    if (m.from === NO_ID) m.from = this.id;
    const carriesOwnTerm =
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResp;
    if (carriesOwnTerm) {
      if (m.term === 0)
        throw new RaftInvariantError(`term should be set when sending ${MessageType[m.type]}`);
    } else if (
      m.type !== MessageType.Prop &&
      m.type !== MessageType.ReadIndex &&
      m.type !== MessageType.TransferLeader
    ) {
      // Forwarded proposals, reads and transfer requests are "local" to the leader: term 0.
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  bcastAppend(): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendAppend(id, true);
  }

  private bcastHeartbeat(context: Uint8Array | undefined): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      this.send(
        makeMessage({
          type: MessageType.Heartbeat,
          to: id,
          commit: Math.min(pr.match, this.log.committed),
          context: context ?? EMPTY_BYTES,
        }),
      );
    }
  }

  /**
   * Send the follower what it lacks, if its progress allows. With sendIfEmpty false an App is sent
   * only when it carries entries. Returns whether a message was sent.
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let entries: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        entries = this.log.entriesFrom(pr.next, this.maxMsgSize);
      } catch (e) {
        if (!(e instanceof CompactedError)) throw e;
      }
    }
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const e of entries) bytes += entrySize(e);
    this.send(
      makeMessage({
        type: MessageType.App,
        to,
        index: prevIndex,
        logTerm: prevTerm,
        entries,
        commit: this.log.committed,
      }),
    );
    pr.sentEntries(entries.length, bytes);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to a peer that answers: a snapshot is big and a dead peer would waste it.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    if (snapshot.metadata.index === 0) throw new RaftInvariantError('need non-empty snapshot');
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send(makeMessage({ type: MessageType.Snap, to, snapshot }));
    return true;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      // m.rejectHint/m.logTerm: the follower's best guess of where our logs may agree.
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === ProgressState.Probe)) {
      if (pr.state === ProgressState.Probe) {
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.log.firstIndex()) {
        // Caught up far enough (by the snapshot or otherwise) that entries can follow.
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Replicate) {
        pr.inflights.freeLE(m.index);
      }
      if (this.maybeCommit()) {
        this.bcastAppend();
      } else if (wasPaused) {
        this.sendAppend(m.from, true);
      }
      // Fill the window: as many more Apps as the flow control allows.
      while (this.sendAppend(m.from, false)) {
        /* keep sending */
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false; // the peer is reachable: a probe may go out again
    // If every App in the window was lost the window would stay full forever; let one more out.
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
    if (m.context.byteLength === 0) return;
    const released = this.readOnly.recvAck(m.from, m.context, (acks) => this.tracker.isQuorum(acks));
    if (released.length === 0) return;
    for (const req of released) this.answerRead(req);
    this.startReadRound();
  }

  // ---- followers ------------------------------------------------------------------------------

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(makeMessage({ type: MessageType.AppResp, to: m.from, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(makeMessage({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Mismatch at m.index. Hint the largest index whose term is <= m.logTerm: every index after
    // it either is missing or has a term the leader's entry at m.index makes certain to conflict.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      makeMessage({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    this.send(makeMessage({ type: MessageType.HeartbeatResp, to: m.from, context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (!snap) return;
    if (this.restore(snap)) {
      this.send(makeMessage({ type: MessageType.AppResp, to: m.from, index: this.log.lastIndex() }));
    } else {
      this.send(makeMessage({ type: MessageType.AppResp, to: m.from, index: this.log.committed }));
    }
  }

  /** Install a snapshot from the leader. Returns false if it brings nothing new. */
  private restore(snap: Snapshot): boolean {
    const { index, term, conf } = snap.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the entries: just learn that they are committed.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snap);
    this.tracker.reset(conf, this.log.lastIndex() + 1);
    const self = this.tracker.progress.get(this.id);
    if (self) self.match = index;
    return true;
  }

  // ---- reads ----------------------------------------------------------------------------------

  private handleReadIndex(m: Message): void {
    const req: ReadRequest = {
      index: this.log.committed,
      from: m.from === NO_ID ? this.id : m.from,
      context: m.context,
    };
    if (this.tracker.voters.size === 1 && this.tracker.voters.has(this.id)) {
      this.answerRead(req); // nobody else can be leader
      return;
    }
    // Until an entry of this term commits, our commit index may lag the previous leader's.
    if (this.log.term(this.log.committed) !== this.term) {
      this.pendingReadIndex.push(m);
      return;
    }
    // The confirmation round starts at the next flush(), so a burst of reads shares one round.
    this.readOnly.add(req);
  }

  /**
   * Send what was batched since the last Ready: one App per follower for all new proposals, one
   * heartbeat round for all new read requests. RaftNode calls this before building a Ready.
   */
  flush(): void {
    if (this.role !== Role.Leader) {
      this.appendsPending = false;
      return;
    }
    if (this.appendsPending) {
      this.appendsPending = false;
      this.bcastAppend();
    }
    this.startReadRound();
  }

  private startReadRound(): void {
    const ctx = this.readOnly.maybeStartRound(this.id);
    if (ctx) this.bcastHeartbeat(ctx);
  }

  private releasePendingReadIndex(): void {
    if (this.pendingReadIndex.length === 0 || this.log.term(this.log.committed) !== this.term) return;
    const pending = this.pendingReadIndex;
    this.pendingReadIndex = [];
    for (const m of pending) this.handleReadIndex(m);
  }

  private answerRead(req: ReadRequest): void {
    if (req.from === this.id) {
      this.readStates.push({ index: req.index, context: req.context });
    } else {
      this.send(
        makeMessage({
          type: MessageType.ReadIndexResp,
          to: req.from,
          index: req.index,
          context: req.context,
        }),
      );
    }
  }

  // ---- leadership transfer --------------------------------------------------------------------

  private handleTransferLeader(transferee: NodeId): void {
    const pr = this.tracker.progress.get(transferee);
    if (!pr || pr.isLearner || !this.tracker.voters.has(transferee)) return;
    if (this.leadTransferee === transferee) return; // already under way
    if (transferee === this.id) {
      this.leadTransferee = NO_ID; // we are the leader already: cancel any other transfer
      return;
    }
    this.leadTransferee = transferee;
    // The transfer must complete within an election timeout or it is abandoned (tickHeartbeat).
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee, true);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(makeMessage({ type: MessageType.TimeoutNow, to }));
  }

  // ---- membership -----------------------------------------------------------------------------

  /** Apply a committed conf change (the caller calls this when it applies the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const next = this.log.lastIndex() + 1;
    const isNew = !this.tracker.progress.has(cc.nodeId);
    switch (cc.type) {
      case ConfChangeType.AddNode:
        this.tracker.addVoter(cc.nodeId, next);
        break;
      case ConfChangeType.AddLearner:
        this.tracker.addLearner(cc.nodeId, next);
        break;
      case ConfChangeType.RemoveNode:
        this.tracker.remove(cc.nodeId);
        break;
    }
    if (this.role !== Role.Leader) return this.tracker.confState();
    if (!this.tracker.voters.has(this.id)) {
      this.stepDownAfterRemoval();
      return this.tracker.confState();
    }
    if (this.leadTransferee !== NO_ID && !this.tracker.voters.has(this.leadTransferee))
      this.leadTransferee = NO_ID;
    // The quorum may have shrunk (commit may advance) and a new peer needs its first App.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendAppend(id, false);
    // A new peer is probed at once (even with nothing new to send) to find where its log stands.
    if (isNew && this.tracker.progress.has(cc.nodeId)) this.sendAppend(cc.nodeId, true);
    return this.tracker.confState();
  }

  /**
   * This leader was removed (or made a learner). Hand over to the most caught-up voter at once
   * rather than leaving the cluster leaderless for an election timeout, then step down.
   */
  private stepDownAfterRemoval(): void {
    let best: NodeId = NO_ID;
    let bestMatch = -1;
    for (const id of this.tracker.voters) {
      const pr = this.tracker.progress.get(id);
      if (pr && pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    // Make sure the remaining voters learn the removal is committed.
    this.bcastHeartbeat(undefined);
    if (best !== NO_ID && bestMatch >= this.log.committed) this.sendTimeoutNow(best);
    this.becomeFollower(this.term, NO_ID);
  }
}
