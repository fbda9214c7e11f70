import { describe, expect, it } from 'vitest';
import { Inflights, Progress, ProgressState } from './progress';
import { ProgressTracker, VoteResult } from './tracker';
import { Prng } from './prng';

describe('Inflights', () => {
  it('is full by count or by bytes, and frees up to an acknowledged index', () => {
    const byCount = new Inflights(2, 0);
    byCount.add(5, 10);
    expect(byCount.full()).toBe(false);
    byCount.add(7, 10);
    expect(byCount.full()).toBe(true);
    byCount.freeLE(5);
    expect(byCount.full()).toBe(false);
    expect(byCount.count).toBe(1);

    const byBytes = new Inflights(100, 50);
    byBytes.add(1, 30);
    expect(byBytes.full()).toBe(false);
    byBytes.add(2, 30);
    expect(byBytes.full()).toBe(true);
    byBytes.freeLE(2);
    expect(byBytes.totalBytes).toBe(0);
  });
});

describe('Progress', () => {
  it('probe sends one at a time; replicate pipelines; stale rejections are ignored', () => {
    const pr = new Progress(11, 4, 0, false);
    expect(pr.state).toBe(ProgressState.Probe);
    pr.sentEntries(3, 30);
    expect(pr.isPaused()).toBe(true);
    // rejection of prev=10 with a hint: the follower's log may match at 4
    expect(pr.maybeDecrTo(10, 4)).toBe(true);
    expect(pr.next).toBe(5);
    expect(pr.isPaused()).toBe(false);
    expect(pr.maybeDecrTo(10, 4)).toBe(false); // stale: we no longer probe at 10
    expect(pr.maybeUpdate(8)).toBe(true);
    pr.becomeReplicate();
    expect(pr.next).toBe(9);
    pr.sentEntries(2, 20);
    pr.sentEntries(2, 20);
    expect(pr.next).toBe(13);
    expect(pr.inflights.count).toBe(2);
    expect(pr.maybeDecrTo(7, 7)).toBe(false); // at or below match: stale
    pr.becomeSnapshot(40);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(41); // after a snapshot, at least past it
  });
});

describe('ProgressTracker', () => {
  it('computes the quorum commit index and tallies votes', () => {
    const t = new ProgressTracker(10, 0);
    t.reset({ voters: [1n, 2n, 3n, 4n, 5n], learners: [6n] }, 1);
    const matches: [bigint, number][] = [
      [1n, 9],
      [2n, 7],
      [3n, 5],
      [4n, 3],
      [5n, 1],
      [6n, 100],
    ];
    for (const [id, m] of matches) {
      const pr = t.progress.get(id);
      if (pr) pr.match = m;
    }
    expect(t.committed()).toBe(5); // the learner's 100 does not count
    t.recordVote(1n, true);
    t.recordVote(2n, false);
    t.recordVote(3n, true);
    expect(t.tallyVotes().result).toBe(VoteResult.Pending);
    t.recordVote(4n, false);
    t.recordVote(5n, false);
    expect(t.tallyVotes().result).toBe(VoteResult.Lost);
  });
});

describe('Prng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 5 }, () => a.int(1000));
    expect(Array.from({ length: 5 }, () => b.int(1000))).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.int(1000))).not.toEqual(seqA);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
