import { describe, expect, it } from 'vitest';
import { EntryType, MessageType } from './types';
import { ConfChangeType } from './confchange';
import { MemoryStorage } from './storage';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors';
import { ProgressState } from './progress';
import { TestCluster, text } from './testkit';

describe('MemoryStorage', () => {
  const entry = (index: number, term: number) => ({
    index,
    term,
    type: EntryType.Normal,
    data: text(`${index}`),
  });

  it('serves entries and terms, and refuses what it lacks', () => {
    const s = new MemoryStorage();
    s.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(2);
    expect(s.entries(1, 4, Infinity).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(s.entries(1, 4, 1).map((e) => e.index)).toEqual([1]); // at least one entry
    expect(() => s.entries(1, 5, Infinity)).toThrow(UnavailableError);
    // a conflicting append replaces the tail
    s.append([entry(3, 3), entry(4, 3)]);
    expect(s.entries(1, 5, Infinity).map((e) => e.term)).toEqual([1, 1, 3, 3]);
  });

  it('snapshots, compacts and installs snapshots', () => {
    const s = new MemoryStorage();
    s.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
    expect(() => s.compact(2)).toThrow(); // beyond the latest snapshot
    s.createSnapshot(3, { voters: [1n], learners: [] }, text('state'));
    s.compact(2);
    expect(s.firstIndex()).toBe(3);
    expect(s.term(2)).toBe(1); // the anchor keeps its term
    expect(() => s.term(1)).toThrow(CompactedError);
    expect(() => s.entries(2, 4, Infinity)).toThrow(CompactedError);
    expect(() => s.createSnapshot(3, { voters: [1n], learners: [] }, text('x'))).toThrow(
      SnapshotOutOfDateError,
    );
    s.applySnapshot({
      metadata: { index: 10, term: 4, conf: { voters: [1n, 2n], learners: [] } },
      data: text('new'),
    });
    expect(s.firstIndex()).toBe(11);
    expect(s.lastIndex()).toBe(10);
    expect(s.initialState().confState.voters).toEqual([1n, 2n]);
    s.append([entry(11, 4)]);
    expect(s.lastIndex()).toBe(11);
  });
});

describe('snapshots and catch-up', () => {
  it('catches up a lagging follower with a snapshot, then entries', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 20; i++) c.propose(1, `v${i}`);
    c.stabilize();
    c.snapshotAndCompact(1);
    c.propose(1, 'after-snapshot');
    c.stabilize();
    expect(c.storage(1).firstIndex()).toBeGreaterThan(2);
    const since = c.sent.length;
    c.heal();
    for (let i = 0; i < 5; i++) c.tickAll();
    expect(c.sentOfType(MessageType.Snap, since)).toHaveLength(1);
    expect(c.appliedOf(3)).toEqual(c.appliedOf(1));
    expect(c.appliedOf(3).at(-1)).toBe('after-snapshot');
    expect(c.storage(3).snapshot().metadata.index).toBe(c.storage(1).snapshot().metadata.index);
    expect(c.node(1).status().progress?.get(3n)?.state).toBe(ProgressState.Replicate);
  });

  it('a snapshot that fails to arrive is retried after it is reported failed', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.propose(1, `v${i}`);
    c.stabilize();
    c.snapshotAndCompact(1);
    c.heal();
    let dropped = 0;
    c.dropIf = (m) => m.type === MessageType.Snap && dropped++ === 0;
    for (let i = 0; i < 10; i++) c.tickAll();
    expect(dropped).toBeGreaterThanOrEqual(2);
    expect(c.appliedOf(3)).toEqual(c.appliedOf(1));
  });

  it('catches up a new member from a snapshot', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 10; i++) c.propose(1, `v${i}`);
    c.stabilize();
    c.snapshotAndCompact(1);
    c.addNode(4n, []); // a fresh node knows no peers; it waits to hear from the leader
    c.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n });
    c.stabilize();
    for (let i = 0; i < 3; i++) c.tickAll();
    expect(c.sentOfType(MessageType.Snap).filter((m) => m.to === 4n).length).toBeGreaterThanOrEqual(1);
    expect(c.appliedOf(4)).toEqual(c.appliedOf(1));
    expect(c.node(4).status().conf.voters).toEqual([1n, 2n, 3n, 4n]);
  });

  it('restarts from storage: state, log and configuration come back', () => {
    const c = new TestCluster([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 4; i++) c.propose(1, `v${i}`);
    c.stabilize();
    const before = c.node(2).status();
    c.snapshotAndCompact(2, before.applied - 1);
    // Restart node 2 from its storage; it replays from its snapshot index.
    const storage = c.storage(2);
    c.applied.set(2n, JSON.parse(new TextDecoder().decode(storage.snapshot().data)) as string[]);
    c.addNode(2n, [1n, 2n, 3n], storage);
    const after = c.node(2).status();
    expect(after.term).toBe(before.term);
    expect(after.commit).toBe(before.commit);
    expect(after.lastIndex).toBe(before.lastIndex);
    c.propose(1, 'later');
    c.stabilize();
    expect(c.appliedOf(2)).toEqual(['v0', 'v1', 'v2', 'v3', 'later']);
  });
});
