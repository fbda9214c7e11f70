import { describe, expect, it } from 'vitest';
import { MessageType } from './types';
import { Role } from './raft';
import { NoLeaderError, ProposalDroppedError, RaftInvariantError } from './errors';
import { ProgressState } from './progress';
import { TestCluster, storageWithTerms, text } from './testkit';

describe('log replication', () => {
  it('commits and applies proposals on every node, in order', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    for (const s of ['a', 'b', 'c']) c.propose(1, s);
    c.stabilize();
    for (const id of [1, 2, 3]) expect(c.appliedOf(id)).toEqual(['a', 'b', 'c']);
  });

  it('a follower forwards proposals to the leader', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.propose(3, 'from-3');
    c.stabilize();
    expect(c.sentOfType(MessageType.Prop).map((m) => [m.from, m.to])).toEqual([[3n, 1n]]);
    for (const id of [1, 2, 3]) expect(c.appliedOf(id)).toEqual(['from-3']);
  });

  it('refuses a proposal with NoLeaderError when no leader is known', () => {
    const c = new TestCluster([1, 2, 3]);
    expect(() => c.propose(2, 'x')).toThrow(NoLeaderError);
    try {
      c.propose(2, 'x');
    } catch (e) {
      expect(e).toBeInstanceOf(ProposalDroppedError);
      expect((e as ProposalDroppedError).reason).toBe('no-leader');
    }
  });

  it('batches proposals made between Readies into one App per follower', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    const since = c.sent.length;
    for (let i = 0; i < 5; i++) c.propose(1, `p${i}`);
    c.stabilize();
    const apps = c.sentOfType(MessageType.App, since).filter((m) => m.entries.length > 0);
    expect(apps).toHaveLength(2);
    for (const m of apps) expect(m.entries).toHaveLength(5);
    expect(c.appliedOf(2)).toHaveLength(5);
  });

  it('repairs a divergent follower log with few round trips (reject hints)', () => {
    // Raft paper figure 7: the leader (term 8 after election) and follower (f).
    const c = new TestCluster([]);
    c.addNode(1n, [1n, 2n, 3n], storageWithTerms([1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 7));
    c.addNode(2n, [1n, 2n, 3n], storageWithTerms([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], 7));
    c.addNode(3n, [1n, 2n, 3n], storageWithTerms([1, 1, 1], 7));
    c.elect(1);
    expect(c.leaders()).toEqual([1n]);
    c.propose(1, 'after');
    c.stabilize();
    const leaderLog = c.node(1).logSlice(1, c.node(1).status().lastIndex + 1);
    for (const id of [2, 3]) {
      const st = c.node(id).status();
      expect(st.lastIndex).toBe(12);
      expect(
        c
          .node(id)
          .logSlice(1, 13)
          .map((e) => e.term),
      ).toEqual(leaderLog.map((e) => e.term));
    }
    expect(c.appliedOf(2).slice(-1)).toEqual(['after']);
    // Without hints node 2 would need one rejection per divergent entry (8); with them, one per term.
    const rejections = c.sentOfType(MessageType.AppResp).filter((m) => m.from === 2n && m.reject);
    expect(rejections.length).toBeLessThanOrEqual(2);
  });

  it('never commits an entry of an older term by counting replicas (figure 8)', () => {
    // Node 1 holds an uncommitted entry 2 of term 2; 2 and 3 only entry 1.
    const c = new TestCluster([], { maxSizePerMsg: 1 }); // one entry per App
    c.addNode(1n, [1n, 2n, 3n], storageWithTerms([1, 2], 2, 1), { maxSizePerMsg: 1 });
    c.addNode(2n, [1n, 2n, 3n], storageWithTerms([1], 2, 1), { maxSizePerMsg: 1 });
    c.addNode(3n, [1n, 2n, 3n], storageWithTerms([1], 2, 1), { maxSizePerMsg: 1 });
    // Entry 3 (the new leader's, term 3) gets lost on the way; entry 2 goes through.
    c.rewrite = (m) =>
      m.type === MessageType.App ? { ...m, entries: m.entries.filter((e) => e.index < 3) } : m;
    c.elect(1);
    expect(c.node(1).status().term).toBe(3);
    for (const id of [2, 3]) expect(c.node(id).termAt(2)).toBe(2);
    const st = c.node(1).status();
    expect(st.progress?.get(2n)?.match).toBe(2);
    expect(st.progress?.get(3n)?.match).toBe(2);
    // A majority holds entry 2, but it is from term 2: not committed.
    expect(st.commit).toBe(1);
    // Once entry 3 (term 3) reaches a majority, both commit.
    c.rewrite = undefined;
    c.tick(1);
    expect(c.node(1).status().commit).toBe(3);
    expect(c.node(2).status().commit).toBe(3);
  });
});

describe('flow control', () => {
  it('bounds the App messages in flight to a replicating follower (maxInflightMsgs)', () => {
    const c = new TestCluster([1, 2, 3], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    c.elect(1);
    expect(c.node(1).status().progress?.get(2n)?.state).toBe(ProgressState.Replicate);
    c.holdIf = (m) => m.type === MessageType.App && m.to === 2n;
    for (let i = 0; i < 10; i++) {
      c.propose(1, `p${i}`);
      c.stabilize();
    }
    // (empty Apps that only carry the commit index are not counted: they hold no entries)
    expect(c.held.filter((m) => m.entries.length > 0)).toHaveLength(2);
    expect(c.node(1).status().progress?.get(2n)?.inflight).toBe(2);
    expect(c.appliedOf(3)).toHaveLength(10); // 1 and 3 are a quorum
    c.release();
    expect(c.appliedOf(2)).toHaveLength(10);
  });

  it('bounds the bytes in flight (maxInflightBytes)', () => {
    const c = new TestCluster([1, 2, 3], { maxInflightMsgs: 100, maxInflightBytes: 200, maxSizePerMsg: 1 });
    c.elect(1);
    c.holdIf = (m) => m.type === MessageType.App && m.to === 2n;
    const payload = 'x'.repeat(84); // 100 bytes with the entry overhead
    for (let i = 0; i < 6; i++) {
      c.propose(1, payload);
      c.stabilize();
    }
    expect(c.held.filter((m) => m.entries.length > 0)).toHaveLength(2);
    expect(c.node(1).status().progress?.get(2n)?.inflightBytes).toBe(200);
    c.release();
    expect(c.appliedOf(2)).toHaveLength(6);
  });

  it('splits entries by maxSizePerMsg', () => {
    const c = new TestCluster([1, 2, 3], { maxSizePerMsg: 250 });
    c.elect(1);
    const since = c.sent.length;
    for (let i = 0; i < 10; i++) c.propose(1, 'y'.repeat(84));
    c.stabilize();
    const apps = c.sentOfType(MessageType.App, since).filter((m) => m.entries.length > 0 && m.to === 2n);
    expect(apps.length).toBe(5);
    for (const m of apps) expect(m.entries.length).toBe(2);
    expect(c.appliedOf(2)).toHaveLength(10);
  });

  it('sends one App at a time to a probing follower', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.node(1).reportUnreachable(3n);
    expect(c.node(1).status().progress?.get(3n)?.state).toBe(ProgressState.Probe);
    c.holdIf = (m) => m.type === MessageType.App && m.to === 3n;
    for (let i = 0; i < 5; i++) {
      c.propose(1, `p${i}`);
      c.stabilize();
    }
    expect(c.held).toHaveLength(1);
    c.release();
    c.tick(1); // the heartbeat round lets the next probe out; it carries the rest
    expect(c.appliedOf(3)).toHaveLength(5);
    expect(c.node(1).status().progress?.get(3n)?.state).toBe(ProgressState.Replicate);
  });

  it('refuses proposals beyond maxUncommittedEntriesSize until entries commit', () => {
    const c = new TestCluster([1, 2, 3], { maxUncommittedEntriesSize: 100 });
    c.elect(1);
    c.holdIf = (m) => m.type === MessageType.App;
    for (let i = 0; i < 3; i++) c.propose(1, 'z'.repeat(30));
    let refused: unknown;
    try {
      c.propose(1, 'z'.repeat(30));
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ProposalDroppedError);
    expect((refused as ProposalDroppedError).reason).toBe('uncommitted-limit');
    c.stabilize();
    c.release();
    expect(c.appliedOf(1)).toHaveLength(3);
    c.propose(1, 'z'.repeat(30));
    c.stabilize();
    expect(c.appliedOf(2)).toHaveLength(4);
    expect(c.node(1).status().role).toBe(Role.Leader);
  });
});

describe('misc', () => {
  it('text helper round-trips', () => {
    expect(new TextDecoder().decode(text('abc'))).toBe('abc');
  });
});

describe('the Ready contract', () => {
  it('refuses a second Ready before the first is advanced (its committed entries would be overtaken)', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, 'a');
    c.stabilize();
    const n = c.node(1);
    c.propose(1, 'b');
    expect(n.hasReady()).toBe(true);
    const rd = n.ready();
    expect(rd.entries).toHaveLength(1);
    expect(() => n.ready()).toThrow(RaftInvariantError);
    c.storage(1).append(rd.entries);
    n.advance(rd);
    c.propose(1, 'c'); // after advance() the next Ready is handed out again
    expect(() => n.advance(n.ready())).not.toThrow();
  });
});
