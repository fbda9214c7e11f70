import { describe, expect, it } from 'vitest';
import { MvccStore } from './store';
import { b, expectMvccError, str } from './test-helpers';

describe('MvccStore writes', () => {
  it('starts at revision 1 and bumps once per changing write', () => {
    const s = new MvccStore();
    expect(s.currentRevision).toBe(1);
    expect(s.put({ key: b('a'), value: b('1') }).header.revision).toBe(2);
    expect(s.put({ key: b('b'), value: b('2') }).header.revision).toBe(3);
    expect(s.currentRevision).toBe(3);
  });

  it('tracks create_revision, mod_revision and version; delete resets version', () => {
    const s = new MvccStore();
    s.put({ key: b('k'), value: b('v1') }); // 2
    s.put({ key: b('k'), value: b('v2') }); // 3
    let kv = s.range({ key: b('k') }).kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version, str(kv.value)]).toEqual([2, 3, 2, 'v2']);
    expect(s.deleteRange({ key: b('k') }).header.revision).toBe(4);
    expect(s.range({ key: b('k') }).kvs).toEqual([]);
    s.put({ key: b('k'), value: b('v3') }); // 5
    kv = s.range({ key: b('k') }).kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version]).toEqual([5, 5, 1]);
  });

  it('a delete of nothing does not bump the revision', () => {
    const s = new MvccStore();
    s.put({ key: b('a') });
    const resp = s.deleteRange({ key: b('zzz') });
    expect(resp.deleted).toBe(0);
    expect(resp.header.revision).toBe(2);
    expect(s.currentRevision).toBe(2);
  });

  it('deletes a range in one revision with prev_kv', () => {
    const s = new MvccStore();
    for (const k of ['a', 'b', 'c', 'd']) s.put({ key: b(k), value: b(k.toUpperCase()) });
    const resp = s.deleteRange({ key: b('b'), rangeEnd: b('d'), prevKv: true });
    expect(resp.deleted).toBe(2);
    expect(resp.header.revision).toBe(6);
    expect(resp.prevKvs.map((kv) => str(kv.value))).toEqual(['B', 'C']);
    expect(s.range({ key: b('a'), rangeEnd: new Uint8Array([0]) }).kvs.map((kv) => str(kv.key))).toEqual([
      'a',
      'd',
    ]);
  });

  it('put returns prev_kv when asked', () => {
    const s = new MvccStore();
    expect(s.put({ key: b('k'), value: b('1'), prevKv: true }).prevKv).toBeUndefined();
    const resp = s.put({ key: b('k'), value: b('2'), prevKv: true });
    expect(str(resp.prevKv!.value)).toBe('1');
    expect(s.put({ key: b('k'), value: b('3') }).prevKv).toBeUndefined();
  });

  it('ignore_value keeps the value, ignore_lease keeps the lease', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 7n, ttl: 10 });
    s.put({ key: b('k'), value: b('v'), lease: 7n });
    s.put({ key: b('k'), ignoreValue: true, ignoreLease: true });
    const kv = s.range({ key: b('k') }).kvs[0]!;
    expect(str(kv.value)).toBe('v');
    expect(kv.lease).toBe(7n);
    expect(kv.version).toBe(2);
    s.put({ key: b('k'), value: b('w'), ignoreLease: true });
    expect(s.range({ key: b('k') }).kvs[0]!.lease).toBe(7n);
    s.put({ key: b('k'), ignoreValue: true });
    expect(s.range({ key: b('k') }).kvs[0]!.lease).toBe(0n);
    expect(str(s.range({ key: b('k') }).kvs[0]!.value)).toBe('w');
  });

  it('rejects bad puts with etcd texts and changes nothing', () => {
    const s = new MvccStore();
    expectMvccError(
      () => s.put({ key: b('k'), value: b('x'), ignoreValue: true }),
      'etcdserver: value is provided',
    );
    expectMvccError(
      () => s.put({ key: b('k'), lease: 5n, ignoreLease: true }),
      'etcdserver: lease is provided',
    );
    expectMvccError(() => s.put({ key: b('missing'), ignoreValue: true }), 'etcdserver: key not found');
    expectMvccError(() => s.put({ key: b('missing'), ignoreLease: true }), 'etcdserver: key not found');
    expectMvccError(() => s.put({ key: b('k'), lease: 99n }), 'etcdserver: requested lease not found');
    expectMvccError(() => s.put({ key: new Uint8Array(0) }), 'etcdserver: key is not provided');
    expect(s.currentRevision).toBe(1);
  });

  it('apply() returns results tagged with the request id, errors included', () => {
    const s = new MvccStore();
    const ok = s.apply({ type: 'put', requestId: 42n, request: { key: b('a'), value: b('1') } }, 1);
    expect(ok).toMatchObject({
      requestId: 42n,
      type: 'put',
      ok: true,
      response: { header: { revision: 2 } },
    });
    const bad = s.apply({ type: 'leaseRevoke', requestId: 43n, request: { id: 1n } }, 2);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.message).toBe('etcdserver: requested lease not found');
      expect(bad.error.code).toBe('NotFound');
    }
    expect(s.appliedIndex).toBe(2);
  });

  it('copies keys so callers may reuse their buffers', () => {
    const s = new MvccStore();
    const key = b('abc');
    s.put({ key, value: b('1') });
    key[0] = 'z'.charCodeAt(0);
    expect(s.range({ key: b('abc') }).count).toBe(1);
  });
});
