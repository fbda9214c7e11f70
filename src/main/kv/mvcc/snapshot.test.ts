import { describe, expect, it } from 'vitest';
import { randomCommands } from './random-commands';
import { MvccStore } from './store';
import { b, expectMvccError, prng, str } from './test-helpers';
import type { WatchResponse } from './watch';

const ALL = new Uint8Array([0]);

describe('snapshot / restore', () => {
  it('a restored store is identical and keeps agreeing as commands continue', () => {
    const cmds = randomCommands(prng(11), 1200);
    const original = new MvccStore();
    cmds.slice(0, 700).forEach((c, i) => original.apply(c, i + 1));
    const restored = new MvccStore();
    restored.restore(original.snapshot());
    expect(restored.hash()).toEqual(original.hash());
    expect(restored.snapshot()).toEqual(original.snapshot());
    expect(restored.appliedIndex).toBe(700);
    expect(restored.currentRevision).toBe(original.currentRevision);
    expect(restored.compactRevision).toBe(original.compactRevision);
    expect(restored.leaseLeases()).toEqual(original.leaseLeases());
    for (const id of original.leaseIds()) {
      expect(restored.leaseTimeToLive({ id, keys: true })).toEqual(
        original.leaseTimeToLive({ id, keys: true }),
      );
    }
    cmds.slice(700).forEach((c, i) => {
      expect(restored.apply(c, 701 + i)).toEqual(original.apply(c, 701 + i));
    });
    expect(restored.hash()).toEqual(original.hash());
  });

  it('history since the compaction survives: past reads and watch replays match', () => {
    const s = new MvccStore();
    s.put({ key: b('a'), value: b('1') }); // 2
    s.put({ key: b('a'), value: b('2') }); // 3
    s.put({ key: b('b'), value: b('x') }); // 4
    s.deleteRange({ key: b('b') }); // 5
    s.put({ key: b('a'), value: b('3') }); // 6
    s.compact({ revision: 3 });
    const r = new MvccStore();
    r.restore(s.snapshot());
    expect(str(r.range({ key: b('a'), revision: 3 }).kvs[0]!.value)).toBe('2');
    expect(r.range({ key: b('b'), revision: 4 }).count).toBe(1);
    expectMvccError(
      () => r.range({ key: b('a'), revision: 2 }),
      'mvcc: required revision has been compacted',
    );
    const replay = (st: MvccStore): WatchResponse | undefined =>
      st.watch({ key: b('a'), rangeEnd: ALL, startRevision: 4, prevKv: true }).next();
    expect(replay(r)).toEqual(replay(s));
    expect(replay(r)!.events).toHaveLength(3);
  });

  it('restore cancels open watchers and can continue numbering revisions', () => {
    const s = new MvccStore();
    s.put({ key: b('a') });
    const w = s.watch({ key: b('a') });
    s.restore(new MvccStore().snapshot());
    expect(w.canceled).toBe(true);
    expect(s.currentRevision).toBe(1);
    expect(s.put({ key: b('x') }).header.revision).toBe(2);
  });

  it('rejects garbage', () => {
    expect(() => new MvccStore().restore(new Uint8Array([1, 2, 3]))).toThrow();
  });

  it('hashKV covers history up to a revision and checks it', () => {
    const s = new MvccStore();
    s.put({ key: b('a') }); // 2
    const at2 = s.hashKV(2);
    s.put({ key: b('b') }); // 3
    expect(s.hashKV(2)).toEqual({ ...at2, header: { revision: 3 } });
    expect(s.hashKV(3).hash).not.toBe(at2.hash);
    expect(s.hashKV(0).hashRevision).toBe(3);
    expectMvccError(() => s.hashKV(4), 'mvcc: required revision is a future revision');
  });
});
