// The configuration (voters, learners), the leader's per-peer progress, and vote counting.
// Membership changes are single-server (one voter added or removed at a time), so any two
// successive majorities overlap and no joint configuration is needed.

import type { ConfState, NodeId } from './types';
import { Progress } from './progress';

export enum VoteResult {
  Pending = 'pending',
  Won = 'won',
  Lost = 'lost',
}

export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    readonly maxInflightMsgs: number,
    readonly maxInflightBytes: number,
  ) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort(cmp), learners: [...this.learners].sort(cmp) };
  }

  /** Replace the whole configuration; every progress starts probing at `nextIndex`. */
  reset(conf: ConfState, nextIndex: number): void {
    this.voters.clear();
    this.learners.clear();
    this.progress.clear();
    for (const id of conf.voters) this.addVoter(id, nextIndex);
    for (const id of conf.learners) this.addLearner(id, nextIndex);
  }

  addVoter(id: NodeId, nextIndex: number): void {
    this.learners.delete(id);
    this.voters.add(id);
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = false;
      return;
    }
    this.progress.set(id, this.newProgress(nextIndex, false));
  }

  addLearner(id: NodeId, nextIndex: number): void {
    if (this.voters.has(id)) return; // demotion needs joint consensus; not supported
    this.learners.add(id);
    if (!this.progress.has(id)) this.progress.set(id, this.newProgress(nextIndex, true));
  }

  remove(id: NodeId): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
    this.votes.delete(id);
  }

  private newProgress(nextIndex: number, isLearner: boolean): Progress {
    const pr = new Progress(nextIndex, this.maxInflightMsgs, this.maxInflightBytes, isLearner);
    // A newly added peer gets the benefit of the doubt, or check-quorum would count it as dead
    // (and a snapshot would never be sent to it) before it ever had a chance to answer.
    pr.recentActive = true;
    return pr;
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  isQuorum(ids: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of this.voters) if (ids.has(id)) n++;
    return n >= this.quorum();
  }

  /** The highest index replicated on a majority of voters. */
  committed(): number {
    if (this.voters.size === 0) return 0;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1] ?? 0;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    let result = VoteResult.Pending;
    if (granted >= q) result = VoteResult.Won;
    else if (this.voters.size - rejected < q) result = VoteResult.Lost;
    return { granted, rejected, result };
  }

  /** Whether a quorum of voters was heard from recently (the leader counts itself). */
  quorumActive(self: NodeId): boolean {
    const active = new Set<NodeId>();
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active.add(id);
    }
    return this.isQuorum(active);
  }
}

function cmp(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
