import { describe, expect, it } from 'vitest';
import { MvccStore } from './store';
import { b, expectMvccError, keys, str } from './test-helpers';

const ALL = new Uint8Array([0]);

describe('compaction', () => {
  it('keeps the latest version <= rev of each live key and drops deleted keys', () => {
    const s = new MvccStore();
    s.put({ key: b('a'), value: b('1') }); // 2
    s.put({ key: b('a'), value: b('2') }); // 3
    s.put({ key: b('gone'), value: b('x') }); // 4
    s.deleteRange({ key: b('gone') }); // 5
    s.put({ key: b('a'), value: b('3') }); // 6
    const resp = s.compact({ revision: 5 });
    expect(resp.header.revision).toBe(6);
    expect(s.compactRevision).toBe(5);
    expect(s.currentRevision).toBe(6); // compaction is not a write
    expect(str(s.range({ key: b('a'), revision: 5 }).kvs[0]!.value)).toBe('2');
    expect(str(s.range({ key: b('a') }).kvs[0]!.value)).toBe('3');
    expect(s.range({ key: b('gone'), revision: 5 }).count).toBe(0);
    expect(s.index.get(b('gone'))).toBeUndefined(); // its history is gone entirely
    expect(s.index.get(b('a'))!.records.map((r) => r.main)).toEqual([3, 6]);
    expectMvccError(
      () => s.range({ key: b('a'), revision: 4 }),
      'mvcc: required revision has been compacted',
    );
  });

  it('compacting a compacted or future revision fails with etcd texts', () => {
    const s = new MvccStore();
    s.put({ key: b('a') });
    s.put({ key: b('a') });
    expectMvccError(() => s.compact({ revision: 4 }), 'mvcc: required revision is a future revision');
    s.compact({ revision: 3 });
    expectMvccError(() => s.compact({ revision: 3 }), 'mvcc: required revision has been compacted');
    expectMvccError(() => s.compact({ revision: 2 }), 'mvcc: required revision has been compacted');
    const r = s.apply({ type: 'compaction', requestId: 1n, request: { revision: 2 } }, 10);
    expect(r.ok).toBe(false);
  });

  it('versions and create revisions survive compaction', () => {
    const s = new MvccStore();
    for (let i = 0; i < 5; i++) s.put({ key: b('k'), value: b(String(i)) }); // 2..6
    s.compact({ revision: 6 });
    s.put({ key: b('k'), value: b('x') }); // 7
    const kv = s.range({ key: b('k') }).kvs[0]!;
    expect([kv.createRevision, kv.version, kv.modRevision]).toEqual([2, 6, 7]);
  });

  it('a key deleted then recreated after the compaction point keeps only the new generation', () => {
    const s = new MvccStore();
    s.put({ key: b('k') }); // 2
    s.deleteRange({ key: b('k') }); // 3
    s.put({ key: b('k'), value: b('n') }); // 4
    s.compact({ revision: 3 });
    expect(s.index.get(b('k'))!.records.map((r) => r.main)).toEqual([4]);
    expect(s.range({ key: b('k'), revision: 3 }).count).toBe(0);
    expect(keys(s.range({ key: ALL, rangeEnd: ALL }).kvs)).toEqual(['k']);
  });
});
