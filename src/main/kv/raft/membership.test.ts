import { describe, expect, it } from 'vitest';
import { ConfChangeType, decodeConfChange, encodeConfChange } from './confchange';
import { ProposalDroppedError } from './errors';
import { Role } from './raft';
import { TestCluster } from './testkit';

describe('membership changes', () => {
  it('encodes conf changes losslessly', () => {
    const cc = {
      type: ConfChangeType.RemoveNode,
      nodeId: 0xfedcba9876543210n,
      context: new Uint8Array([1, 2]),
    };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
  });

  it('adds a voter: it catches up and then counts toward the quorum', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, 'before');
    c.stabilize();
    c.addNode(4n, []);
    c.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n });
    c.stabilize();
    for (const id of [1, 2, 3, 4]) expect(c.node(id).status().conf.voters).toEqual([1n, 2n, 3n, 4n]);
    expect(c.appliedOf(4)).toEqual(['before']);
    // With 4 voters the quorum is 3: leader + one follower is no longer enough.
    c.isolate(3);
    c.isolate(4);
    c.propose(1, 'needs-three');
    c.stabilize();
    expect(c.appliedOf(1)).toEqual(['before']);
    c.heal();
    c.tick(1);
    expect(c.appliedOf(1)).toEqual(['before', 'needs-three']);
  });

  it('allows one pending conf change at a time', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n });
    expect(() => c.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 5n })).toThrow(
      ProposalDroppedError,
    );
    c.stabilize();
    c.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 5n }); // applied now: allowed
    c.stabilize();
    expect(c.node(1).status().conf.voters).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('removes a follower: the smaller quorum commits without it', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3n });
    c.stabilize();
    expect(c.node(1).status().conf.voters).toEqual([1n, 2n]);
    c.isolate(3);
    c.propose(1, 'two-of-two');
    c.stabilize();
    expect(c.appliedOf(2)).toEqual(['two-of-two']);
    // the removed node may not campaign
    for (let i = 0; i < 50; i++) c.tick(3);
    expect(c.node(3).status().role).toBe(Role.Follower);
    expect(c.node(1).status().role).toBe(Role.Leader);
  });

  it('removes the leader: it steps down once the change commits, and the rest carry on', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1n });
    c.stabilize();
    expect(c.node(1).status().role).toBe(Role.Follower);
    // It handed over at once (MsgTimeoutNow): no election timeout was needed.
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    const lead = leaders[0];
    expect(lead === 2n || lead === 3n).toBe(true);
    c.isolate(1);
    c.propose(Number(lead), 'without-1');
    c.stabilize();
    expect(c.appliedOf(2)).toEqual(['without-1']);
    expect(c.appliedOf(3)).toEqual(['without-1']);
    expect(c.node(2).status().conf.voters).toEqual([2n, 3n]);
    for (let i = 0; i < 50; i++) c.tick(1);
    expect(c.node(1).status().role).toBe(Role.Follower);
  });

  it('a learner receives the log but neither votes toward commit nor campaigns', () => {
    const c = new TestCluster([1, 2]);
    c.elect(1);
    c.addNode(3n, []);
    c.node(1).proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 3n });
    c.stabilize();
    expect(c.node(1).status().conf.learners).toEqual([3n]);
    c.propose(1, 'x');
    c.stabilize();
    expect(c.appliedOf(3)).toEqual(['x']);
    c.isolate(2);
    c.propose(1, 'y');
    c.stabilize();
    expect(c.appliedOf(3)).toEqual(['x']); // 1 + learner is not a quorum of {1, 2}
    c.isolate(1);
    for (let i = 0; i < 40; i++) c.tick(3);
    expect(c.node(3).status().role).toBe(Role.Follower);
  });
});
