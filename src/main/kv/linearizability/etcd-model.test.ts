import { describe, expect, it } from 'vitest';
import { checkOperations, formatCheckResult } from './checker';
import {
  etcdKvModel,
  partitionByKey,
  patchUnknownWrites,
  type KvCompare,
  type KvInput,
  type KvOperation,
  type KvOutput,
  type KvValue,
} from './etcd-model';
import { generateKvHistory, generateKvRun, injectStaleRead } from './generate';

const model = etcdKvModel();
const op = (clientId: number, input: KvInput, output: KvOutput, call: number, ret: number): KvOperation => ({
  clientId,
  input,
  output,
  call,
  return: ret,
});
const put = (c: number, key: string, value: string, call: number, ret: number, revision?: number) =>
  op(c, { type: 'put', key, value }, { type: 'put', revision }, call, ret);
const get = (c: number, key: string, kv: KvValue | null, call: number, ret: number, revision?: number) =>
  op(c, { type: 'get', key }, { type: 'get', kv, revision }, call, ret);
const del = (c: number, key: string, deleted: number, call: number, ret: number, revision?: number) =>
  op(c, { type: 'delete', key }, { type: 'delete', deleted, revision }, call, ret);
const unknownPut = (c: number, key: string, value: string, call: number, ret = call + 1) =>
  op(c, { type: 'put', key, value }, { type: 'unknown' }, call, ret);
const cas = (
  c: number,
  key: string,
  compare: KvCompare,
  value: string,
  succeeded: boolean | 'unknown',
  call: number,
  ret: number,
  extra: { revision?: number; kv?: KvValue | null } = {},
) =>
  op(
    c,
    { type: 'txn', key, compare: [compare], success: [{ type: 'put', value }], failure: [{ type: 'get' }] },
    succeeded === 'unknown'
      ? { type: 'unknown' }
      : {
          type: 'txn',
          succeeded,
          revision: extra.revision,
          results: succeeded
            ? [{ type: 'put' }]
            : extra.kv !== undefined
              ? [{ type: 'get', kv: extra.kv }]
              : undefined,
        },
    call,
    ret,
  );
const check = (h: KvOperation[]) => checkOperations(model, h).result;

describe('etcd KV model: basics', () => {
  it('put then get, delete then get', () => {
    expect(
      check([
        put(0, 'a', '1', 0, 1),
        get(1, 'a', { value: '1' }, 2, 3),
        del(0, 'a', 1, 4, 5),
        get(1, 'a', null, 6, 7),
      ]),
    ).toBe('ok');
    expect(check([get(1, 'a', null, 0, 1), del(0, 'a', 0, 2, 3)])).toBe('ok');
    expect(check([put(0, 'a', '1', 0, 1), del(0, 'a', 0, 2, 3)])).toBe('illegal');
  });

  it('detects a stale read', () => {
    const h = [put(0, 'a', '1', 0, 1), put(0, 'a', '2', 2, 3), get(1, 'a', { value: '1' }, 4, 5)];
    const res = checkOperations(model, h);
    expect(res.result).toBe('illegal');
    expect(res.illegal?.partitionLabel).toBe('key "a"');
    expect(res.illegal?.unplaceable.text).toContain('get(a) -> "1"');
    expect(formatCheckResult(res)).toContain('state after prefix: "2"');
  });

  it('detects a lost write: an acked put never visible while later reads see the older value', () => {
    const h = [
      put(0, 'a', 'old', 0, 1),
      put(1, 'a', 'new', 2, 3), // acknowledged
      get(2, 'a', { value: 'old' }, 10, 11),
      get(0, 'a', { value: 'old' }, 20, 21),
    ];
    expect(check(h)).toBe('illegal');
    // The same put with an unknown outcome may legitimately be lost.
    h[1] = unknownPut(1, 'a', 'new', 2, 3);
    expect(check(h)).toBe('ok');
  });

  it('concurrent overlapping writes and reads', () => {
    const h = [
      put(0, 'a', 'x', 0, 10),
      put(1, 'a', 'y', 1, 9),
      get(2, 'a', { value: 'x' }, 2, 3),
      get(3, 'a', { value: 'y' }, 4, 5),
      get(2, 'a', { value: 'y' }, 11, 12),
    ];
    expect(check(h)).toBe('ok');
    h.push(get(3, 'a', { value: 'x' }, 13, 14));
    expect(check(h)).toBe('illegal');
  });

  it('unknown outcomes both ways (applied at any time after the call, or never)', () => {
    expect(check([unknownPut(0, 'a', '1', 0), get(1, 'a', { value: '1' }, 100, 101)])).toBe('ok');
    expect(check([unknownPut(0, 'a', '1', 0), get(1, 'a', null, 100, 101)])).toBe('ok');
    expect(
      check([unknownPut(0, 'a', '1', 0), get(1, 'a', null, 100, 101), get(1, 'a', { value: '1' }, 200, 201)]),
    ).toBe('ok');
    expect(
      check([unknownPut(0, 'a', '1', 0), get(1, 'a', { value: '1' }, 100, 101), get(1, 'a', null, 200, 201)]),
    ).toBe('illegal');
    expect(check([get(1, 'a', { value: '1' }, 0, 1), unknownPut(0, 'a', '1', 5)])).toBe('illegal');
    // Failed reads are dropped.
    expect(check([op(0, { type: 'get', key: 'a' }, { type: 'unknown' }, 0, 1)])).toBe('ok');
    // With 'keep', an unknown outcome must have happened before its recorded return (or never).
    const keep = etcdKvModel({ unknownReturn: 'keep' });
    const h = [unknownPut(0, 'a', '1', 0, 5), get(1, 'a', null, 10, 11), get(1, 'a', { value: '1' }, 20, 21)];
    expect(checkOperations(keep, h).result).toBe('illegal');
    expect(checkOperations(model, h).result).toBe('ok');
  });

  it('unknown delete', () => {
    const ud = op(0, { type: 'delete', key: 'a' }, { type: 'unknown' }, 2, 3);
    expect(check([put(0, 'a', '1', 0, 1), ud, get(1, 'a', null, 10, 11)])).toBe('ok');
    expect(check([put(0, 'a', '1', 0, 1), ud, get(1, 'a', { value: '1' }, 10, 11)])).toBe('ok');
    expect(
      check([put(0, 'a', '1', 0, 1), ud, get(1, 'a', null, 10, 11), get(1, 'a', { value: '1' }, 12, 13)]),
    ).toBe('illegal');
  });
});

describe('etcd KV model: txn compare-and-set', () => {
  const eqValue = (value: string): KvCompare => ({ target: 'value', op: '=', value });
  it('succeeds only when the compare holds', () => {
    expect(
      check([
        put(0, 'a', '1', 0, 1),
        cas(1, 'a', eqValue('1'), '2', true, 2, 3),
        get(0, 'a', { value: '2' }, 4, 5),
      ]),
    ).toBe('ok');
    expect(check([put(0, 'a', '1', 0, 1), cas(1, 'a', eqValue('0'), '2', true, 2, 3)])).toBe('illegal');
    expect(check([put(0, 'a', '1', 0, 1), cas(1, 'a', eqValue('1'), '2', false, 2, 3)])).toBe('illegal');
    // A value compare on a missing key fails (etcd semantics).
    expect(check([cas(1, 'a', eqValue(''), '2', false, 0, 1, { kv: null })])).toBe('ok');
  });

  it('two concurrent CAS from the same value: only one may win', () => {
    const base = put(0, 'a', '1', 0, 1);
    expect(
      check([base, cas(1, 'a', eqValue('1'), 'x', true, 2, 5), cas(2, 'a', eqValue('1'), 'y', true, 2, 5)]),
    ).toBe('illegal');
    expect(
      check([
        base,
        cas(1, 'a', eqValue('1'), 'x', true, 2, 5),
        cas(2, 'a', eqValue('1'), 'y', false, 2, 5, { kv: { value: 'x' } }),
      ]),
    ).toBe('ok');
    // The failure branch's get must be consistent.
    expect(
      check([
        base,
        cas(1, 'a', eqValue('1'), 'x', true, 2, 5),
        cas(2, 'a', eqValue('1'), 'y', false, 2, 5, { kv: { value: '1' } }),
      ]),
    ).toBe('illegal');
  });

  it('compares on version and mod revision', () => {
    const v1: KvCompare = { target: 'version', op: '=', value: 1 };
    expect(check([put(0, 'a', '1', 0, 1, 5), cas(1, 'a', v1, '2', true, 2, 3, { revision: 6 })])).toBe('ok');
    expect(
      check([
        put(0, 'a', '1', 0, 1, 5),
        put(0, 'a', '2', 1, 2, 6),
        cas(1, 'a', v1, '3', true, 3, 4, { revision: 7 }),
      ]),
    ).toBe('illegal');
    const mod5: KvCompare = { target: 'mod', op: '=', value: 5 };
    expect(check([put(0, 'a', '1', 0, 1, 5), cas(1, 'a', mod5, '2', true, 2, 3, { revision: 6 })])).toBe(
      'ok',
    );
    expect(check([put(0, 'a', '1', 0, 1, 4), cas(1, 'a', mod5, '2', true, 2, 3, { revision: 6 })])).toBe(
      'illegal',
    );
    // version(a) = 0: "create if absent".
    const absent: KvCompare = { target: 'version', op: '=', value: 0 };
    expect(
      check([
        cas(1, 'a', absent, 'x', true, 0, 1),
        cas(2, 'a', absent, 'y', false, 2, 3, { kv: { value: 'x' } }),
      ]),
    ).toBe('ok');
  });

  it('a mod-revision compare after an unknown put can go either way', () => {
    const mod5: KvCompare = { target: 'mod', op: '=', value: 5 };
    const h = [unknownPut(0, 'a', '1', 0), cas(1, 'a', mod5, '2', true, 10, 11, { revision: 6 })];
    expect(check(h)).toBe('ok');
    const h2 = [unknownPut(0, 'a', '1', 0), cas(1, 'a', mod5, '2', false, 10, 11, { kv: { value: '1' } })];
    expect(check(h2)).toBe('ok');
  });

  it('an unknown CAS may have applied', () => {
    const base = put(0, 'a', '1', 0, 1);
    const u = cas(1, 'a', eqValue('1'), '2', 'unknown', 2, 3);
    expect(check([base, u, get(0, 'a', { value: '2' }, 10, 11)])).toBe('ok');
    expect(check([base, u, get(0, 'a', { value: '1' }, 10, 11)])).toBe('ok');
    // After a put of 3 that finished before the CAS started, the CAS (expecting 1) cannot have applied.
    expect(check([base, put(0, 'a', '3', 1.5, 1.8), u, get(0, 'a', { value: '2' }, 10, 11)])).toBe('illegal');
    expect(check([base, put(0, 'a', '3', 1.5, 1.8), u, get(0, 'a', { value: '3' }, 10, 11)])).toBe('ok');
  });
});

describe('etcd KV model: revisions', () => {
  it('writes carry increasing revisions, reads see consistent ones', () => {
    expect(
      check([put(0, 'a', '1', 0, 1, 2), get(1, 'a', { value: '1', modRevision: 2, version: 1 }, 2, 3, 2)]),
    ).toBe('ok');
    expect(check([put(0, 'a', '1', 0, 1, 2), get(1, 'a', { value: '1', modRevision: 3 }, 2, 3, 3)])).toBe(
      'illegal',
    );
    expect(check([put(0, 'a', '1', 0, 1, 2), get(1, 'a', { value: '1', version: 2 }, 2, 3)])).toBe('illegal');
    // A later write with a lower revision.
    expect(check([put(0, 'a', '1', 0, 1, 5), put(0, 'a', '2', 2, 3, 4)])).toBe('illegal');
    // A read whose header revision is below an earlier write's.
    expect(check([put(0, 'a', '1', 0, 1, 5), get(1, 'a', { value: '1' }, 2, 3, 4)])).toBe('illegal');
    // A write after a read must have a higher revision than the read's header.
    expect(check([get(1, 'a', null, 0, 1, 9), put(0, 'a', '1', 2, 3, 9)])).toBe('illegal');
    expect(check([get(1, 'a', null, 0, 1, 9), put(0, 'a', '1', 2, 3, 10)])).toBe('ok');
  });

  it('learns the revision of a write with unknown outcome from a later read', () => {
    const h = [
      unknownPut(0, 'a', '1', 0),
      get(1, 'a', { value: '1', modRevision: 7, createRevision: 7, version: 1 }, 10, 11, 8),
      get(1, 'a', { value: '1', modRevision: 7 }, 12, 13, 8),
    ];
    expect(check(h)).toBe('ok');
    h.push(get(1, 'a', { value: '1', modRevision: 6 }, 14, 15, 9));
    expect(check(h)).toBe('illegal');
  });
});

describe('etcd KV model: partitioning', () => {
  it('partitions by key, drops failed reads, moves unknown returns to Infinity', () => {
    const h = [
      put(0, 'b', '1', 0, 1),
      put(0, 'a', '1', 0, 1),
      op(1, { type: 'get', key: 'a' }, { type: 'unknown' }, 0, 1),
      unknownPut(1, 'b', '2', 2, 3),
    ];
    const parts = partitionByKey(h);
    expect(parts.map((p) => p.map((o) => o.input.key))).toEqual([['a'], ['b', 'b']]);
    expect(parts[1]![1]!.return).toBe(Infinity);
    expect(partitionByKey(h, { unknownReturn: 'keep' })[1]![1]!.return).toBe(3);
    const res = checkOperations(model, h);
    expect(res).toMatchObject({ result: 'ok', partitions: 2, partitionsChecked: 2 });
  });

  it('writes on other keys do not hide a stale read', () => {
    const h = [
      put(0, 'a', '1', 0, 1),
      put(0, 'b', 'x', 1, 2),
      put(0, 'a', '2', 2, 3),
      get(1, 'b', { value: 'x' }, 3, 4),
      get(1, 'a', { value: '1' }, 4, 5),
    ];
    const res = checkOperations(model, h);
    expect(res.result).toBe('illegal');
    expect(res.illegalPartitions).toEqual(['key "a"']);
  });
});

describe('etcd KV model: generated histories', () => {
  it('randomized linearizable histories pass; with one stale read they fail', () => {
    let stale = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const h = generateKvHistory({ clients: 5, opsPerClient: 50, keys: 3, seed, unknownRate: 0.05 });
      expect(checkOperations(model, h).result, `seed ${seed}`).toBe('ok');
      const bad = injectStaleRead(h, seed);
      if (!bad) continue;
      stale++;
      const res = checkOperations(model, bad);
      expect(res.result, `seed ${seed} stale`).toBe('illegal');
    }
    expect(stale).toBeGreaterThan(50);
  });

  it('also without revisions in the responses', () => {
    for (let seed = 100; seed <= 140; seed++) {
      const h = generateKvHistory({
        clients: 5,
        opsPerClient: 40,
        keys: 2,
        seed,
        unknownRate: 0.03,
        revisions: false,
      });
      expect(checkOperations(model, h).result, `seed ${seed}`).toBe('ok');
      const bad = injectStaleRead(h, seed);
      if (bad) expect(checkOperations(model, bad).result, `seed ${seed} stale`).toBe('illegal');
    }
  });

  it('performance: 10 clients × 1,000 ops over 20 keys', () => {
    const h = generateKvHistory({ clients: 10, opsPerClient: 1000, keys: 20, seed: 42, unknownRate: 0.02 });
    const t0 = performance.now();
    const res = checkOperations(model, h, { timeoutMs: 60_000 });
    const ms = performance.now() - t0;
    console.log(
      `linearizability: ${h.length} ops, ${res.partitions} partitions checked in ${ms.toFixed(0)} ms`,
    );
    expect(res.result).toBe('ok');
    expect(res.partitionsChecked).toBe(20);
    const bad = injectStaleRead(h, 7)!;
    const t1 = performance.now();
    const res2 = checkOperations(model, bad, { timeoutMs: 60_000 });
    console.log(
      `linearizability: same with a stale read → ${res2.result} in ${(performance.now() - t1).toFixed(0)} ms`,
    );
    expect(res2.result).toBe('illegal');
  });
});

describe('etcd KV model: resolving unknown writes with the committed log', () => {
  it('keeps committed unknown puts with their revision and drops the others', () => {
    const h = [
      unknownPut(0, 'a', 'x', 0),
      unknownPut(1, 'a', 'y', 0),
      op(2, { type: 'delete', key: 'a' }, { type: 'unknown' }, 0, 1),
    ];
    const patched = patchUnknownWrites(h, [{ revision: 3, key: 'a', type: 'put', value: 'y' }]);
    expect(patched).toHaveLength(2);
    expect(patched[0]).toMatchObject({
      input: { value: 'y' },
      output: { type: 'put', revision: 3 },
      return: Infinity,
    });
    expect(patched[1]!.input.type).toBe('delete');
    // Bounded by the first response carrying a revision at or past the write's.
    const withRead = [...h, get(3, 'b', null, 10, 20, 5), get(3, 'b', null, 30, 40, 2)];
    expect(
      patchUnknownWrites(withRead, [{ revision: 3, key: 'a', type: 'put', value: 'y' }])[0]!.return,
    ).toBe(20);
  });

  it('resolves unknown CAS by its written value', () => {
    const c = cas(0, 'a', { target: 'value', op: '=', value: '1' }, '2', 'unknown', 2, 3);
    expect(patchUnknownWrites([c], [{ revision: 9, key: 'a', type: 'put', value: '2' }])[0]!.output).toEqual({
      type: 'txn',
      succeeded: true,
      revision: 9,
    });
    expect(patchUnknownWrites([c], [])).toEqual([]);
  });

  it('makes refuting stale reads in histories with many unknown outcomes fast', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { history, committed } = generateKvRun({
        clients: 10,
        opsPerClient: 300,
        keys: 3,
        seed,
        unknownRate: 0.05,
      });
      const patched = patchUnknownWrites(history, committed);
      expect(checkOperations(model, patched).result, `seed ${seed}`).toBe('ok');
      const bad = injectStaleRead(patched, seed);
      if (bad) expect(checkOperations(model, bad).result, `seed ${seed} stale`).toBe('illegal');
    }
  });
});
