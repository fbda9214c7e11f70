import { describe, expect, it } from 'vitest';
import { MessageType } from './types';
import { Role } from './raft';
import { TestCluster } from './testkit';
import { makeMessage } from './util';

describe('leader election', () => {
  it('elects the campaigning node and everyone follows it', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    expect(c.leaders()).toEqual([1n]);
    for (const id of [2, 3]) {
      const s = c.node(id).status();
      expect(s.role).toBe(Role.Follower);
      expect(s.lead).toBe(1n);
      expect(s.term).toBe(c.node(1).status().term);
    }
    // the 3 bootstrap entries and the new leader's empty entry are committed everywhere
    expect(c.node(3).status().commit).toBe(4);
  });

  it('elects exactly one leader from ticks alone', () => {
    const c = new TestCluster([1, 2, 3, 4, 5]);
    for (let i = 0; i < 40 && c.leaders().length === 0; i++) c.tickAll();
    expect(c.leaders()).toHaveLength(1);
    const lead = c.leaders()[0];
    for (const n of c.nodes.values()) expect(n.status().lead).toBe(lead);
  });

  it('a single node elects itself at once', () => {
    const c = new TestCluster([1]);
    c.elect(1);
    expect(c.leaders()).toEqual([1n]);
    expect(c.node(1).status().commit).toBe(2);
  });

  it('recovers from a split vote in a later term', () => {
    const c = new TestCluster([1, 2, 3, 4], { preVote: false });
    // 1 and 2 campaign at the same moment; each wins one more vote: 2 of 4 is no quorum.
    c.holdIf = () => true;
    c.node(1).campaign();
    c.node(2).campaign();
    c.stabilize();
    c.holdIf = undefined;
    const held = c.held.splice(0);
    // 3 hears from 1 first, 4 from 2 first
    const order = [
      ...held.filter((m) => (m.from === 1n && m.to === 3n) || (m.from === 2n && m.to === 4n)),
      ...held,
    ];
    for (const m of order) c.deliver(m);
    c.stabilize();
    // each got 2 of 4 votes: neither won, and term 1 has no leader
    expect(c.leaders()).toEqual([]);
    expect(c.node(1).status().vote).toBe(1n);
    expect(c.node(3).status().vote).toBe(1n);
    expect(c.node(4).status().vote).toBe(2n);
    for (let i = 0; i < 60 && c.leaders().length === 0; i++) c.tickAll();
    expect(c.leaders()).toHaveLength(1);
    expect(c.node(Number(c.leaders()[0])).status().term).toBeGreaterThan(2);
  });

  it('rejects a candidate whose log is behind', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    c.propose(1, 'a');
    c.stabilize();
    c.heal();
    c.isolate(1);
    c.node(3).campaign(); // pre-vote with a shorter log: 2 refuses
    c.stabilize();
    expect(c.node(3).status().role).not.toBe(Role.Leader);
    c.node(2).campaign();
    c.stabilize();
    expect(c.node(2).status().role).toBe(Role.Leader);
  });
});

describe('pre-vote and check-quorum', () => {
  it('an isolated node does not inflate its term with pre-vote, and does not disrupt on return', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) c.tickAll();
    expect(c.node(3).status().term).toBe(term);
    c.heal();
    for (let i = 0; i < 30; i++) c.tickAll();
    expect(c.leaders()).toEqual([1n]);
    expect(c.node(1).status().term).toBe(term);
    expect(c.node(3).status().lead).toBe(1n);
  });

  it('without pre-vote the isolated node does inflate its term (the contrast)', () => {
    const c = new TestCluster([1, 2, 3], { preVote: false });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) c.tickAll();
    expect(c.node(3).status().term).toBeGreaterThan(term + 2);
  });

  it('a partitioned leader steps down after an election timeout (check-quorum)', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(1);
    // Activity is sampled once per election timeout, so it takes at most two to notice.
    c.tick(1, 9);
    expect(c.node(1).status().role).toBe(Role.Leader);
    c.tick(1, 11);
    expect(c.node(1).status().role).toBe(Role.Follower);
    for (let i = 0; i < 40 && c.leaders().length === 0; i++) {
      c.tick(2);
      c.tick(3);
    }
    const [lead] = c.leaders();
    expect(lead === 2n || lead === 3n).toBe(true);
    c.heal();
    for (let i = 0; i < 5; i++) c.tickAll();
    expect(c.node(1).status().lead).toBe(lead);
    expect(c.leaders()).toEqual([lead]);
  });

  it('without check-quorum the partitioned leader stays leader', () => {
    const c = new TestCluster([1, 2, 3], { checkQuorum: false });
    c.elect(1);
    c.isolate(1);
    c.tick(1, 30);
    expect(c.node(1).status().role).toBe(Role.Leader);
  });

  it("followers in a live leader's lease ignore a higher-term vote request", () => {
    const c = new TestCluster([1, 2, 3], { preVote: false });
    c.elect(1);
    const term = c.node(1).status().term;
    for (const to of [1n, 2n]) {
      const st = c.node(Number(to)).status();
      c.node(Number(to)).step(
        makeMessage({
          type: MessageType.Vote,
          from: 3n,
          to,
          term: term + 5,
          index: st.lastIndex,
          logTerm: term,
        }),
      );
    }
    c.stabilize();
    expect(c.node(1).status().term).toBe(term);
    expect(c.node(2).status().term).toBe(term);
    expect(c.node(2).status().lead).toBe(1n);
    expect(c.leaders()).toEqual([1n]);
    // Once the lease has run out (no heartbeats reach node 2), the same request is honoured.
    c.isolate(1);
    c.tick(2, 10);
    const st = c.node(2).status();
    c.node(2).step(
      makeMessage({
        type: MessageType.Vote,
        from: 3n,
        to: 2n,
        term: term + 5,
        index: st.lastIndex,
        logTerm: term,
      }),
    );
    expect(c.node(2).status().term).toBe(term + 5);
  });
});
