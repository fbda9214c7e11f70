import { describe, expect, it } from 'vitest';
import { prefixEnd } from './bytes';
import { MvccStore } from './store';
import { b, expectMvccError, keys, str } from './test-helpers';
import { SortOrder, SortTarget } from './types';

const ALL = new Uint8Array([0]);

function seeded(): MvccStore {
  const s = new MvccStore();
  // rev 2..6
  s.put({ key: b('foo'), value: b('c') });
  s.put({ key: b('foo/a'), value: b('b') });
  s.put({ key: b('foo/b'), value: b('a') });
  s.put({ key: b('fop'), value: b('e') });
  s.put({ key: b('foo/a'), value: b('d') }); // foo/a version 2, mod 6
  return s;
}

describe('range', () => {
  it('single key, missing key', () => {
    const s = seeded();
    const r = s.range({ key: b('foo') });
    expect(keys(r.kvs)).toEqual(['foo']);
    expect(r.count).toBe(1);
    expect(r.header.revision).toBe(6);
    expect(s.range({ key: b('nope') })).toMatchObject({ kvs: [], count: 0, more: false });
  });

  it('prefix, from-key and everything', () => {
    const s = seeded();
    expect(keys(s.range({ key: b('foo/'), rangeEnd: prefixEnd(b('foo/')) }).kvs)).toEqual(['foo/a', 'foo/b']);
    expect(keys(s.range({ key: b('foo/b'), rangeEnd: ALL }).kvs)).toEqual(['foo/b', 'fop']);
    expect(keys(s.range({ key: ALL, rangeEnd: ALL }).kvs)).toEqual(['foo', 'foo/a', 'foo/b', 'fop']);
    expect(keys(s.range({ key: b('foo'), rangeEnd: b('foo/b') }).kvs)).toEqual(['foo', 'foo/a']);
    expect(s.range({ key: b('z'), rangeEnd: b('a') }).kvs).toEqual([]);
  });

  it('prefixEnd follows clientv3 (0xff carries, all-0xff means no end)', () => {
    expect(Array.from(prefixEnd(new Uint8Array([0x61, 0xff])))).toEqual([0x62]);
    expect(Array.from(prefixEnd(new Uint8Array([0xff, 0xff])))).toEqual([0]);
  });

  it('limit sets more and count is the total', () => {
    const s = seeded();
    const r = s.range({ key: ALL, rangeEnd: ALL, limit: 2 });
    expect(keys(r.kvs)).toEqual(['foo', 'foo/a']);
    expect(r.more).toBe(true);
    expect(r.count).toBe(4);
    const all = s.range({ key: ALL, rangeEnd: ALL, limit: 4 });
    expect(all.more).toBe(false);
  });

  it('sorts by every target, ascending and descending; non-key targets default to ascending', () => {
    const s = seeded();
    const q = (sortTarget: SortTarget, sortOrder: SortOrder): string[] =>
      keys(s.range({ key: ALL, rangeEnd: ALL, sortTarget, sortOrder }).kvs);
    expect(q(SortTarget.KEY, SortOrder.DESCEND)).toEqual(['fop', 'foo/b', 'foo/a', 'foo']);
    expect(q(SortTarget.KEY, SortOrder.NONE)).toEqual(['foo', 'foo/a', 'foo/b', 'fop']);
    expect(q(SortTarget.VALUE, SortOrder.ASCEND)).toEqual(['foo/b', 'foo', 'foo/a', 'fop']);
    expect(q(SortTarget.VALUE, SortOrder.NONE)).toEqual(['foo/b', 'foo', 'foo/a', 'fop']);
    expect(q(SortTarget.MOD, SortOrder.DESCEND)).toEqual(['foo/a', 'fop', 'foo/b', 'foo']);
    expect(q(SortTarget.CREATE, SortOrder.ASCEND)).toEqual(['foo', 'foo/a', 'foo/b', 'fop']);
    expect(q(SortTarget.CREATE, SortOrder.DESCEND)).toEqual(['fop', 'foo/b', 'foo/a', 'foo']);
    // ties on version keep key order
    expect(q(SortTarget.VERSION, SortOrder.DESCEND)).toEqual(['foo/a', 'foo', 'foo/b', 'fop']);
  });

  it('sort with limit sorts everything before truncating', () => {
    const s = seeded();
    const r = s.range({
      key: ALL,
      rangeEnd: ALL,
      sortTarget: SortTarget.VALUE,
      sortOrder: SortOrder.DESCEND,
      limit: 1,
    });
    expect(keys(r.kvs)).toEqual(['fop']);
    expect(r.more).toBe(true);
  });

  it('count_only and keys_only', () => {
    const s = seeded();
    expect(s.range({ key: b('foo'), rangeEnd: prefixEnd(b('foo')), countOnly: true })).toMatchObject({
      kvs: [],
      count: 3,
      more: false,
    });
    const r = s.range({ key: b('foo'), keysOnly: true });
    expect(r.kvs[0]!.value.length).toBe(0);
    expect(r.kvs[0]!.modRevision).toBe(2);
    expect(str(s.range({ key: b('foo') }).kvs[0]!.value)).toBe('c'); // stored value untouched
  });

  it('min/max mod and create revision filters', () => {
    const s = seeded();
    const r = (extra: object): string[] => keys(s.range({ key: ALL, rangeEnd: ALL, ...extra }).kvs);
    expect(r({ minModRevision: 5 })).toEqual(['foo/a', 'fop']);
    expect(r({ maxModRevision: 4 })).toEqual(['foo', 'foo/b']);
    expect(r({ minCreateRevision: 3, maxCreateRevision: 4 })).toEqual(['foo/a', 'foo/b']);
    const limited = s.range({ key: ALL, rangeEnd: ALL, minModRevision: 3, limit: 1 });
    expect(keys(limited.kvs)).toEqual(['foo/a']);
    expect(limited.more).toBe(true);
    expect(limited.count).toBe(4);
  });

  it('reads at past revisions', () => {
    const s = seeded();
    s.deleteRange({ key: b('foo') }); // 7
    expect(keys(s.range({ key: ALL, rangeEnd: ALL, revision: 3 }).kvs)).toEqual(['foo', 'foo/a']);
    expect(str(s.range({ key: b('foo/a'), revision: 5 }).kvs[0]!.value)).toBe('b');
    expect(str(s.range({ key: b('foo/a'), revision: 6 }).kvs[0]!.value)).toBe('d');
    expect(s.range({ key: b('foo'), revision: 6 }).count).toBe(1);
    expect(s.range({ key: b('foo') }).count).toBe(0);
    expect(s.range({ key: b('foo'), revision: 1 }).count).toBe(0);
    // header revision is the current revision, not the one read at
    expect(s.range({ key: b('foo'), revision: 3 }).header.revision).toBe(7);
  });

  it('future and compacted revisions fail with etcd texts', () => {
    const s = seeded();
    const e = expectMvccError(
      () => s.range({ key: b('foo'), revision: 7 }),
      'mvcc: required revision is a future revision',
    );
    expect(e.code).toBe('OutOfRange');
    s.compact({ revision: 4 });
    expectMvccError(
      () => s.range({ key: b('foo'), revision: 3 }),
      'mvcc: required revision has been compacted',
    );
    expect(keys(s.range({ key: ALL, rangeEnd: ALL, revision: 4 }).kvs)).toEqual(['foo', 'foo/a', 'foo/b']);
  });

  it('rejects an empty key', () => {
    expectMvccError(
      () => new MvccStore().range({ key: new Uint8Array(0) }),
      'etcdserver: key is not provided',
    );
  });

  it('binary keys order as unsigned bytes', () => {
    const s = new MvccStore();
    for (const k of [[0x80], [0x01], [0xff, 0x00], [0x7f]]) s.put({ key: new Uint8Array(k) });
    const got = s.range({ key: ALL, rangeEnd: ALL }).kvs.map((kv) => Array.from(kv.key));
    expect(got).toEqual([[0x01], [0x7f], [0x80], [0xff, 0x00]]);
  });
});
