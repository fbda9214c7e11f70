import { describe, expect, it } from 'vitest';
import { MessageType } from './types';
import { ProposalDroppedError } from './errors';
import { Role } from './raft';
import { TestCluster } from './testkit';

describe('leadership transfer', () => {
  it('hands leadership to an up-to-date follower', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    const term = c.node(1).status().term;
    c.node(1).transferLeadership(2n);
    c.stabilize();
    expect(c.leaders()).toEqual([2n]);
    expect(c.node(2).status().term).toBe(term + 1);
    expect(c.sentOfType(MessageType.TimeoutNow)).toHaveLength(1);
  });

  it('catches a lagging target up first, refusing proposals meanwhile', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 3; i++) c.propose(1, `v${i}`);
    c.stabilize();
    c.heal();
    c.holdIf = (m) => m.to === 3n;
    c.node(1).transferLeadership(3n);
    c.stabilize();
    expect(c.sentOfType(MessageType.TimeoutNow)).toHaveLength(0); // not caught up yet
    expect(() => c.propose(1, 'during')).toThrow(ProposalDroppedError);
    c.release();
    expect(c.leaders()).toEqual([3n]);
    expect(c.appliedOf(3)).toEqual(['v0', 'v1', 'v2']);
  });

  it('abandons a transfer that does not finish within an election timeout', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    c.node(1).transferLeadership(3n);
    c.stabilize();
    expect(c.node(1).status().leadTransferee).toBe(3n);
    c.tick(1, 10);
    expect(c.node(1).status().leadTransferee).toBe(0n);
    expect(c.leaders()).toEqual([1n]);
    c.propose(1, 'accepted-again');
    c.stabilize();
    expect(c.appliedOf(2)).toEqual(['accepted-again']);
  });

  it('a follower forwards the request to the leader', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.node(3).transferLeadership(3n);
    c.stabilize();
    expect(c.leaders()).toEqual([3n]);
    expect(c.node(1).status().role).toBe(Role.Follower);
  });

  it("the target campaigns past the other followers' leases", () => {
    const c = new TestCluster([1, 2, 3], { preVote: true, checkQuorum: true });
    c.elect(1);
    c.tickAll(2); // followers are well inside their lease
    c.node(1).transferLeadership(2n);
    c.stabilize();
    expect(c.leaders()).toEqual([2n]);
  });
});
