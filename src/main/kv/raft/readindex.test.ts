import { describe, expect, it } from 'vitest';
import { MessageType } from './types';
import { NoLeaderError } from './errors';
import { TestCluster, text } from './testkit';

const contexts = (c: TestCluster, id: bigint) =>
  (c.readStates.get(id) ?? []).map((r) => new TextDecoder().decode(r.context));

describe('ReadIndex', () => {
  it('one heartbeat round confirms a batch of reads on the leader', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, 'w');
    c.stabilize();
    const since = c.sent.length;
    for (const ctx of ['r1', 'r2', 'r3']) c.node(1).readIndex(text(ctx));
    c.stabilize();
    expect(contexts(c, 1n)).toEqual(['r1', 'r2', 'r3']);
    for (const rs of c.readStates.get(1n) ?? []) expect(rs.index).toBe(c.node(1).status().commit);
    // one round: one heartbeat per follower
    expect(c.sentOfType(MessageType.Heartbeat, since)).toHaveLength(2);
  });

  it('is not answered without a quorum', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(1);
    c.node(1).readIndex(text('lonely'));
    c.stabilize();
    c.tick(1, 5);
    expect(contexts(c, 1n)).toEqual([]);
  });

  it('answers a read forwarded by a follower', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, 'w');
    c.stabilize();
    c.node(3).readIndex(text('from-3'));
    c.stabilize();
    expect(contexts(c, 3n)).toEqual(['from-3']);
    expect(c.readStates.get(3n)?.[0]?.index).toBe(c.node(1).status().commit);
  });

  it('throws NoLeaderError when there is no leader', () => {
    const c = new TestCluster([1, 2, 3]);
    expect(() => c.node(1).readIndex(text('x'))).toThrow(NoLeaderError);
  });

  it('a new leader serves reads only once an entry of its term is committed', () => {
    // (no check-quorum, so node 2 may win while node 1 is still in its lease)
    const c = new TestCluster([1, 2, 3], { checkQuorum: false });
    c.elect(1);
    c.propose(1, 'w1');
    c.stabilize();
    // Node 2 wins an election but its first entry does not reach anyone yet.
    c.holdIf = (m) => m.type === MessageType.App && m.from === 2n;
    c.elect(2);
    expect(c.leaders()).toEqual([2n]);
    const commitBefore = c.node(2).status().commit;
    c.node(2).readIndex(text('early'));
    c.stabilize();
    c.tick(2, 3); // heartbeats flow and are acknowledged, yet the read waits
    expect(contexts(c, 2n)).toEqual([]);
    c.release();
    expect(contexts(c, 2n)).toEqual(['early']);
    const rs = c.readStates.get(2n)?.[0];
    expect(rs?.index).toBeGreaterThan(commitBefore);
    expect(rs?.index).toBe(c.node(2).status().commit);
  });

  it('a single-node cluster answers at once', () => {
    const c = new TestCluster([1]);
    c.elect(1);
    c.node(1).readIndex(text('solo'));
    c.stabilize();
    expect(contexts(c, 1n)).toEqual(['solo']);
  });
});
