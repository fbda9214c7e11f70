import { describe, expect, it } from 'vitest';
import { MvccStore } from './store';
import { b, expectMvccError, keys, str } from './test-helpers';
import { CompareResult, CompareTarget } from './types';
import type { Compare, RequestOp, TxnResponse } from './types';

const R = CompareResult;
const T = CompareTarget;
const put = (k: string, v = ''): RequestOp => ({ requestPut: { key: b(k), value: b(v) } });
const get = (k: string, rangeEnd?: Uint8Array): RequestOp => ({
  requestRange: { key: b(k), ...(rangeEnd ? { rangeEnd } : {}) },
});
const del = (k: string, end?: string): RequestOp => ({
  requestDeleteRange: { key: b(k), ...(end ? { rangeEnd: b(end) } : {}) },
});

function store(): MvccStore {
  const s = new MvccStore();
  s.leaseGrant({ id: 5n, ttl: 100 });
  s.put({ key: b('a'), value: b('m') }); // 2
  s.put({ key: b('b'), value: b('x'), lease: 5n }); // 3
  s.put({ key: b('b'), value: b('y'), lease: 5n }); // 4: b version 2
  return s;
}

function holds(s: MvccStore, c: Compare): boolean {
  return s.txn({ compare: [c] }).succeeded;
}

describe('txn compares', () => {
  const cases: Array<[string, Compare, boolean]> = [
    ['value equal', { key: b('a'), target: T.VALUE, result: R.EQUAL, value: b('m') }, true],
    ['value greater', { key: b('a'), target: T.VALUE, result: R.GREATER, value: b('l') }, true],
    ['value less', { key: b('a'), target: T.VALUE, result: R.LESS, value: b('l') }, false],
    ['value not equal', { key: b('a'), target: T.VALUE, result: R.NOT_EQUAL, value: b('m') }, false],
    [
      'value on missing key always fails',
      { key: b('zz'), target: T.VALUE, result: R.NOT_EQUAL, value: b('m') },
      false,
    ],
    ['version equal', { key: b('b'), target: T.VERSION, result: R.EQUAL, version: 2 }, true],
    ['version greater', { key: b('b'), target: T.VERSION, result: R.GREATER, version: 1 }, true],
    ['version less', { key: b('b'), target: T.VERSION, result: R.LESS, version: 2 }, false],
    ['missing key has version 0', { key: b('zz'), target: T.VERSION, result: R.EQUAL, version: 0 }, true],
    ['create equal', { key: b('b'), target: T.CREATE, result: R.EQUAL, createRevision: 3 }, true],
    ['create less', { key: b('b'), target: T.CREATE, result: R.LESS, createRevision: 3 }, false],
    ['missing key create 0', { key: b('zz'), target: T.CREATE, result: R.EQUAL, createRevision: 0 }, true],
    ['mod equal', { key: b('b'), target: T.MOD, result: R.EQUAL, modRevision: 4 }, true],
    ['mod greater', { key: b('a'), target: T.MOD, result: R.GREATER, modRevision: 1 }, true],
    ['mod not equal', { key: b('a'), target: T.MOD, result: R.NOT_EQUAL, modRevision: 2 }, false],
    ['lease equal', { key: b('b'), target: T.LEASE, result: R.EQUAL, lease: 5n }, true],
    ['lease none', { key: b('a'), target: T.LEASE, result: R.EQUAL, lease: 0n }, true],
    ['lease greater', { key: b('b'), target: T.LEASE, result: R.GREATER, lease: 4n }, true],
    [
      'range: all keys must hold',
      { key: b('a'), rangeEnd: b('c'), target: T.MOD, result: R.GREATER, modRevision: 1 },
      true,
    ],
    [
      'range: one fails',
      { key: b('a'), rangeEnd: b('c'), target: T.VERSION, result: R.EQUAL, version: 2 },
      false,
    ],
    [
      'range: empty compares as zero',
      { key: b('x'), rangeEnd: b('y'), target: T.VERSION, result: R.LESS, version: 1 },
      true,
    ],
  ];
  for (const [name, c, expected] of cases) {
    it(name, () => {
      expect(holds(store(), c)).toBe(expected);
    });
  }
});

describe('txn execution', () => {
  it('runs success ops in one revision with per-op responses', () => {
    const s = store();
    const resp = s.txn({
      compare: [{ key: b('a'), target: T.VALUE, result: R.EQUAL, value: b('m') }],
      success: [put('c', '1'), get('a'), del('b'), put('d', '2')],
      failure: [put('never')],
    });
    expect(resp.succeeded).toBe(true);
    expect(resp.header.revision).toBe(5);
    expect(resp.responses).toHaveLength(4);
    const [p, r, d] = resp.responses as [
      { responsePut: { header: { revision: number } } },
      { responseRange: { kvs: { value: Uint8Array }[] } },
      { responseDeleteRange: { deleted: number } },
    ];
    expect(p.responsePut.header.revision).toBe(5);
    expect(str(r.responseRange.kvs[0]!.value)).toBe('m');
    expect(d.responseDeleteRange.deleted).toBe(1);
    expect(s.range({ key: b('c') }).kvs[0]!.modRevision).toBe(5);
    expect(s.range({ key: b('d') }).kvs[0]!.modRevision).toBe(5);
    expect(s.range({ key: b('never') }).count).toBe(0);
  });

  it('runs the failure branch when a compare fails', () => {
    const s = store();
    const resp = s.txn({
      compare: [{ key: b('a'), target: T.VERSION, result: R.EQUAL, version: 9 }],
      success: [put('s')],
      failure: [put('f')],
    });
    expect(resp.succeeded).toBe(false);
    expect(keys(s.range({ key: b('f') }).kvs)).toEqual(['f']);
    expect(s.range({ key: b('s') }).count).toBe(0);
  });

  it('reads inside a txn see its earlier writes', () => {
    const s = store();
    const resp = s.txn({ success: [put('n', 'new'), get('n')] });
    const range = (
      resp.responses[1] as { responseRange: { kvs: { value: Uint8Array }[]; header: { revision: number } } }
    ).responseRange;
    expect(str(range.kvs[0]!.value)).toBe('new');
    expect(range.header.revision).toBe(5);
  });

  it('op headers follow etcd: a delete before any change reports the old revision', () => {
    const s = store();
    const resp = s.txn({ success: [del('nothing'), put('n'), del('nothing-either'), get('n')] });
    const revs = resp.responses.map((op) => {
      if ('responseDeleteRange' in op) return op.responseDeleteRange.header.revision;
      if ('responsePut' in op) return op.responsePut.header.revision;
      if ('responseRange' in op) return op.responseRange.header.revision;
      return -1;
    });
    expect(revs).toEqual([4, 5, 5, 5]);
    expect(resp.header.revision).toBe(5);
  });

  it('a read-only txn does not bump the revision', () => {
    const s = store();
    const resp = s.txn({ success: [get('a'), get('b')] });
    expect(resp.header.revision).toBe(4);
    expect(s.currentRevision).toBe(4);
    expect(s.txn({ success: [del('nothing')] }).header.revision).toBe(4);
  });

  it('nested txns decide their branch against the state before the txn', () => {
    const s = store();
    const resp = s.txn({
      success: [
        put('a', 'changed'),
        {
          requestTxn: {
            compare: [{ key: b('a'), target: T.VALUE, result: R.EQUAL, value: b('m') }],
            success: [put('inner-success')],
            failure: [put('inner-failure')],
          },
        },
      ],
    });
    expect(s.range({ key: b('inner-success') }).count).toBe(1);
    expect(s.range({ key: b('inner-failure') }).count).toBe(0);
    const inner = (resp.responses[1] as { responseTxn: TxnResponse }).responseTxn;
    expect(inner.succeeded).toBe(true);
    expect(inner.header.revision).toBe(0); // etcd fills only the outer header
    expect(s.currentRevision).toBe(5);
  });

  it('rejects duplicate puts, puts in deleted ranges, and nested conflicts', () => {
    const s = store();
    const dup = 'etcdserver: duplicate key given in txn request';
    expectMvccError(() => s.txn({ success: [put('k'), put('k')] }), dup);
    expectMvccError(() => s.txn({ success: [del('a', 'z'), put('k')] }), dup);
    expectMvccError(() => s.txn({ success: [put('k'), { requestTxn: { success: [put('k')] } }] }), dup);
    expectMvccError(() => s.txn({ success: [del('k'), { requestTxn: { failure: [put('k')] } }] }), dup);
    // then/else of one nested txn exclude each other; success vs failure of the outer too
    s.txn({ success: [{ requestTxn: { success: [put('k')], failure: [put('k')] } }] });
    s.txn({ success: [put('k')], failure: [put('k')] });
    s.txn({ success: [del('k'), del('k')] });
  });

  it('rejects more than 128 operations', () => {
    const s = store();
    const ops = Array.from({ length: 129 }, (_, i) => put(`k${i}`));
    expectMvccError(() => s.txn({ success: ops }), 'etcdserver: too many operations in txn request');
    expect(s.txn({ success: ops.slice(0, 128) }).succeeded).toBe(true);
  });

  it('checks leases and ignore_* only on the chosen branch, before writing', () => {
    const s = store();
    expectMvccError(
      () => s.txn({ success: [put('ok'), { requestPut: { key: b('x'), lease: 77n } }] }),
      'etcdserver: requested lease not found',
    );
    expect(s.range({ key: b('ok') }).count).toBe(0);
    expect(s.currentRevision).toBe(4);
    s.txn({ success: [put('ok')], failure: [{ requestPut: { key: b('x'), lease: 77n } }] });
    expect(s.range({ key: b('ok') }).count).toBe(1);
    expectMvccError(
      () => s.txn({ success: [{ requestPut: { key: b('nokey'), ignoreValue: true } }] }),
      'etcdserver: key not found',
    );
  });

  it('range ops in a txn check their revision', () => {
    const s = store();
    expectMvccError(
      () => s.txn({ success: [{ requestRange: { key: b('a'), revision: 99 } }] }),
      'mvcc: required revision is a future revision',
    );
    const r = s.txn({ success: [{ requestRange: { key: b('b'), revision: 3 } }] });
    expect(
      str(
        (r.responses[0] as { responseRange: { kvs: { value: Uint8Array }[] } }).responseRange.kvs[0]!.value,
      ),
    ).toBe('x');
  });
});
