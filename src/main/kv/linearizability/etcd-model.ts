import type { NonDeterministicModel, Operation } from './types';

/**
 * A model of etcd's KV API as seen through a client (e.g. the `etcd3` npm client), for histories where every
 * request touches one key: put, linearizable get, delete, and single-key transactions (compare-and-set).
 *
 * Revisions, when the recorder captures them, are checked too: etcd's revision is one global counter and
 * the linearization order of writes is revision order, so per key (and therefore per partition) writes
 * carry strictly increasing revisions and a read's header revision is at least that of every write before
 * it and below that of every write after it. The state keeps that lower bound (`floor`).
 *
 * Requests whose outcome is unknown (timeout, connection error: output `{ type: 'unknown' }`) fork: the
 * request may or may not have been applied; if applied, its revision is unknown. By default the partition
 * step also moves their return time to Infinity, so they may take effect at any time after their call.
 */

export type KvCompareOp = '=' | '!=' | '<' | '>';
export type KvCompare =
  | { target: 'value'; op: KvCompareOp; value: string }
  | { target: 'version' | 'mod' | 'create'; op: KvCompareOp; value: number };

/** A request inside a transaction; it acts on the transaction's key. */
export type KvTxnOp = { type: 'put'; value: string } | { type: 'delete' } | { type: 'get' };

export type KvInput =
  | { type: 'get'; key: string }
  | { type: 'put'; key: string; value: string }
  | { type: 'delete'; key: string }
  | { type: 'txn'; key: string; compare: KvCompare[]; success: KvTxnOp[]; failure: KvTxnOp[] };

/** A key-value as returned by etcd. Revision fields are optional (checked when present). */
export interface KvValue {
  value: string;
  version?: number;
  modRevision?: number;
  createRevision?: number;
}

export type KvTxnResult =
  | { type: 'get'; kv: KvValue | null }
  | { type: 'put'; prevKv?: KvValue | null }
  | { type: 'delete'; deleted: number; prevKv?: KvValue | null };

/** `revision` is the response header's revision (after the request, for writes). */
export type KvOutput =
  | { type: 'unknown' }
  | { type: 'get'; kv: KvValue | null; revision?: number }
  | { type: 'put'; revision?: number; prevKv?: KvValue | null }
  | { type: 'delete'; deleted: number; revision?: number; prevKv?: KvValue | null }
  | { type: 'txn'; succeeded: boolean; revision?: number; results?: KvTxnResult[] };

/** What the model knows about one key. `null` revisions: set by a request whose outcome is unknown. */
export interface KvKeyState {
  exists: boolean;
  value: string;
  version: number;
  create: number | null;
  mod: number | null;
  /** Lower bound of the store revision at this point of the linearization. */
  floor: number;
}

export const initialKeyState: KvKeyState = {
  exists: false,
  value: '',
  version: 0,
  create: 0,
  mod: 0,
  floor: 0,
};

export type KvOperation = Operation<KvInput, KvOutput>;

function cmp(actual: number | string, op: KvCompareOp, expected: number | string): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
  }
}

/** true / false, or null when it depends on a revision the model does not know. */
function evalCompare(s: KvKeyState, c: KvCompare): boolean | null {
  if (c.target === 'value') return s.exists ? cmp(s.value, c.op, c.value) : false; // etcd: value compare on a missing key fails
  if (c.target === 'version') return cmp(s.version, c.op, c.value);
  const actual = c.target === 'mod' ? s.mod : s.create;
  return actual === null ? null : cmp(actual, c.op, c.value);
}

function evalCompares(s: KvKeyState, cs: KvCompare[]): boolean | null {
  let unknown = false;
  for (const c of cs) {
    const r = evalCompare(s, c);
    if (r === false) return false;
    if (r === null) unknown = true;
  }
  return unknown ? null : true;
}

/** Checks a returned kv against the state; returns the state with learned revisions, or null if illegal. */
function matchKv(s: KvKeyState, kv: KvValue | null | undefined): KvKeyState | null {
  if (kv === undefined) return s;
  if (kv === null) return s.exists ? null : s;
  if (!s.exists || kv.value !== s.value) return null;
  if (kv.version !== undefined && kv.version !== s.version) return null;
  let next = s;
  if (kv.modRevision !== undefined) {
    if (s.mod === null) next = { ...next, mod: kv.modRevision };
    else if (s.mod !== kv.modRevision) return null;
  }
  if (kv.createRevision !== undefined) {
    if (s.create === null) next = { ...next, create: kv.createRevision };
    else if (s.create !== kv.createRevision) return null;
  }
  return next;
}

/** Read with header revision `rev`: rev ≥ floor and ≥ the key's mod revision; floor becomes rev. */
function readAt(s: KvKeyState, rev: number | undefined): KvKeyState | null {
  if (rev === undefined) return s;
  if (rev < s.floor || (s.mod !== null && s.exists && s.mod > rev)) return null;
  return rev === s.floor ? s : { ...s, floor: rev };
}

function applyPut(s: KvKeyState, value: string, rev: number | null): KvKeyState {
  return {
    exists: true,
    value,
    version: s.exists ? s.version + 1 : 1,
    create: s.exists ? s.create : rev,
    mod: rev,
    floor: rev ?? s.floor,
  };
}

function applyDelete(s: KvKeyState, rev: number | null): KvKeyState {
  if (!s.exists) return s;
  return { exists: false, value: '', version: 0, create: 0, mod: 0, floor: rev ?? s.floor };
}

/** A write at known revision `rev` must come after everything the state has seen. */
function writeRevOk(s: KvKeyState, rev: number | undefined): boolean {
  return rev === undefined || rev > s.floor;
}

/**
 * Executes a transaction branch. `rev`: the header revision (known outcome) or undefined. `results`: the
 * recorded per-request results, checked when given. Returns null if illegal.
 */
function runBranch(
  s: KvKeyState,
  ops: KvTxnOp[],
  rev: number | undefined,
  known: boolean,
  results: KvTxnResult[] | undefined,
): KvKeyState | null {
  const writes = ops.some((o) => o.type === 'put' || (o.type === 'delete' && s.exists));
  if (known && rev !== undefined) {
    if (writes ? !writeRevOk(s, rev) : rev < s.floor) return null;
  }
  const wrev = known ? (rev ?? null) : null;
  let cur: KvKeyState | null = s;
  if (results !== undefined && results.length !== ops.length) return null;
  for (let i = 0; i < ops.length && cur; i++) {
    const o = ops[i]!;
    const r = results?.[i];
    if (r !== undefined && r.type !== o.type) return null;
    if (o.type === 'get') {
      cur = r?.type === 'get' ? matchKv(cur, r.kv) : cur;
    } else if (o.type === 'put') {
      if (r?.type === 'put' && matchKv(cur, r.prevKv) === null) return null;
      cur = applyPut(cur, o.value, wrev);
    } else {
      if (r?.type === 'delete') {
        if (r.deleted !== (cur.exists ? 1 : 0)) return null;
        if (matchKv(cur, r.prevKv) === null) return null;
      }
      cur = applyDelete(cur, wrev);
    }
  }
  if (cur && known && rev !== undefined && !writes) cur = readAt(cur, rev);
  return cur;
}

/** All states possible after `input` with `output` in state `s` (empty: illegal). */
export function stepKey(s: KvKeyState, input: KvInput, output: KvOutput): KvKeyState[] {
  const one = (x: KvKeyState | null): KvKeyState[] => (x ? [x] : []);
  if (output.type === 'unknown') {
    switch (input.type) {
      case 'get':
        return [s];
      case 'put':
        return [s, applyPut(s, input.value, null)];
      case 'delete':
        return [s, applyDelete(s, null)];
      case 'txn': {
        const ev = evalCompares(s, input.compare);
        const out: KvKeyState[] = [s];
        for (const branch of ev === null ? [true, false] : [ev]) {
          const r = runBranch(s, branch ? input.success : input.failure, undefined, false, undefined);
          if (r) out.push(r);
        }
        return out;
      }
    }
  }
  switch (input.type) {
    case 'get': {
      if (output.type !== 'get') return [];
      const m = matchKv(s, output.kv);
      if (!m) return [];
      if (output.kv && output.revision !== undefined && output.kv.modRevision !== undefined) {
        if (output.kv.modRevision > output.revision) return [];
      }
      return one(readAt(m, output.revision));
    }
    case 'put': {
      if (output.type !== 'put') return [];
      if (matchKv(s, output.prevKv) === null || !writeRevOk(s, output.revision)) return [];
      return [applyPut(s, input.value, output.revision ?? null)];
    }
    case 'delete': {
      if (output.type !== 'delete') return [];
      if (output.deleted !== (s.exists ? 1 : 0)) return [];
      if (matchKv(s, output.prevKv) === null) return [];
      if (!s.exists) return one(readAt(s, output.revision));
      if (!writeRevOk(s, output.revision)) return [];
      return [applyDelete(s, output.revision ?? null)];
    }
    case 'txn': {
      if (output.type !== 'txn') return [];
      const ev = evalCompares(s, input.compare);
      if (ev !== null && ev !== output.succeeded) return [];
      return one(
        runBranch(s, output.succeeded ? input.success : input.failure, output.revision, true, output.results),
      );
    }
  }
}

export function describeKvOperation(input: KvInput, output: KvOutput): string {
  const kv = (v: KvValue | null | undefined): string =>
    v === undefined
      ? ''
      : v === null
        ? 'nil'
        : `${JSON.stringify(v.value)}${v.version !== undefined ? ` v${v.version}` : ''}${v.modRevision !== undefined ? ` @${v.modRevision}` : ''}`;
  const rev = (r: number | undefined): string => (r === undefined ? '' : ` (rev ${r})`);
  const cmpText = (c: KvCompare): string =>
    `${c.target}(${input.key}) ${c.op} ${typeof c.value === 'string' ? JSON.stringify(c.value) : c.value}`;
  const opText = (o: KvTxnOp): string =>
    o.type === 'put' ? `put(${JSON.stringify(o.value)})` : o.type === 'delete' ? 'delete()' : 'get()';
  let call: string;
  switch (input.type) {
    case 'get':
      call = `get(${input.key})`;
      break;
    case 'put':
      call = `put(${input.key}, ${JSON.stringify(input.value)})`;
      break;
    case 'delete':
      call = `delete(${input.key})`;
      break;
    case 'txn':
      call = `txn(if ${input.compare.map(cmpText).join(' && ') || 'true'} then [${input.success.map(opText).join(', ')}] else [${input.failure.map(opText).join(', ')}])`;
  }
  let result: string;
  switch (output.type) {
    case 'unknown':
      result = 'unknown (error/timeout)';
      break;
    case 'get':
      result = `${kv(output.kv)}${rev(output.revision)}`;
      break;
    case 'put':
      result = `ok${rev(output.revision)}${output.prevKv !== undefined ? ` prev=${kv(output.prevKv)}` : ''}`;
      break;
    case 'delete':
      result = `deleted=${output.deleted}${rev(output.revision)}`;
      break;
    case 'txn':
      result = `${output.succeeded ? 'succeeded' : 'failed'}${rev(output.revision)}${
        output.results
          ? ` [${output.results.map((r) => (r.type === 'get' ? kv(r.kv) : r.type === 'delete' ? `deleted=${r.deleted}` : 'ok')).join(', ')}]`
          : ''
      }`;
  }
  return `${call} -> ${result}`;
}

export function describeKeyState(s: KvKeyState): string {
  const r = (x: number | null): string => (x === null ? '?' : String(x));
  return s.exists
    ? `${JSON.stringify(s.value)} (version ${s.version}, create ${r(s.create)}, mod ${r(s.mod)}, rev ≥ ${s.floor})`
    : `absent (rev ≥ ${s.floor})`;
}

export interface EtcdModelOptions {
  /**
   * What to do with the return time of requests with an unknown outcome: 'infinity' (default) — they may
   * take effect at any time after their call, as porcupine and etcd's robustness tests do; 'keep' — trust
   * the recorded return time (the request did or did not take effect before it).
   */
  unknownReturn?: 'infinity' | 'keep';
}

/**
 * Resolves writes with unknown outcome against a log of committed changes (e.g. merged from watch streams
 * that started at revision 1, as etcd's robustness tests do): a put whose key/value is in the log did
 * happen, at that revision (the output becomes a successful response carrying it); a put or CAS whose
 * value is not in the log never happened and is dropped. Exact when the log is complete for the keys
 * concerned and written values are unique; it removes the main cost of unknown outcomes. Deletes with an
 * unknown outcome are kept as they are (a delete carries no value to look up).
 */
export function patchUnknownWrites(
  history: readonly KvOperation[],
  committed: readonly { revision: number; key: string; type: 'put' | 'delete'; value?: string }[],
): KvOperation[] {
  const revOf = new Map<string, number>();
  for (const c of committed) if (c.type === 'put') revOf.set(`${c.key}\u0000${c.value ?? ''}`, c.revision);
  // A write committed at revision R took effect before any response (on any key) carrying a revision ≥ R
  // returned: bound its return time there.
  const known = history
    .filter((o) => o.output.type !== 'unknown' && o.output.revision !== undefined && o.return !== Infinity)
    .map((o) => ({ rev: (o.output as { revision: number }).revision, ret: o.return }))
    .sort((a, b) => a.rev - b.rev);
  const suffixMin: number[] = new Array<number>(known.length + 1).fill(Infinity);
  for (let i = known.length - 1; i >= 0; i--) suffixMin[i] = Math.min(suffixMin[i + 1]!, known[i]!.ret);
  const returnBound = (rev: number, call: number): number => {
    let lo = 0;
    let hi = known.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (known[mid]!.rev < rev) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(call, suffixMin[lo]!);
  };
  const out: KvOperation[] = [];
  for (const op of history) {
    if (op.output.type !== 'unknown') {
      out.push(op);
      continue;
    }
    const { input } = op;
    if (input.type === 'put') {
      const rev = revOf.get(`${input.key}\u0000${input.value}`);
      if (rev !== undefined) {
        out.push({ ...op, output: { type: 'put', revision: rev }, return: returnBound(rev, op.call) });
      }
      continue; // not committed: never happened
    }
    if (input.type === 'txn') {
      const onlyPuts = (ops: KvTxnOp[]): boolean => ops.every((o) => o.type !== 'delete');
      if (!onlyPuts(input.success) || !onlyPuts(input.failure)) {
        out.push(op);
        continue;
      }
      const revs = (ops: KvTxnOp[]): (number | undefined)[] =>
        ops
          .filter((o) => o.type === 'put')
          .map((o) => revOf.get(`${input.key}\u0000${o.type === 'put' ? o.value : ''}`));
      const s = revs(input.success);
      const f = revs(input.failure);
      const applied = (r: (number | undefined)[]): boolean => r.length > 0 && r.every((x) => x !== undefined);
      if (applied(s) && !applied(f)) {
        out.push({
          ...op,
          output: { type: 'txn', succeeded: true, revision: s[0] },
          return: returnBound(s[0]!, op.call),
        });
      } else if (applied(f) && !applied(s)) {
        out.push({
          ...op,
          output: { type: 'txn', succeeded: false, revision: f[0] },
          return: returnBound(f[0]!, op.call),
        });
      } else if (
        s.every((x) => x === undefined) &&
        f.every((x) => x === undefined) &&
        s.length + f.length > 0
      ) {
        // No write of it committed: with puts in both branches it never ran; otherwise it ran
        // the read-only branch or not at all, which changes nothing.
        continue;
      } else out.push(op);
      continue;
    }
    out.push(op);
  }
  return out;
}

/** Groups a KV history by key (P-compositionality); drops failed reads; normalizes unknown outcomes. */
export function partitionByKey(
  history: readonly KvOperation[],
  options: EtcdModelOptions = {},
): KvOperation[][] {
  // When the value written by a request with unknown outcome was later observed (values are usually
  // unique), the write took effect before the earliest observing response: bound its return there, which
  // is exact and shrinks the search a lot (etcd's robustness tests patch histories the same way).
  const observedBy = new Map<string, number>();
  const observe = (key: string, kv: KvValue | null | undefined, ret: number): void => {
    if (!kv) return;
    const k = `${key}\u0000${kv.value}`;
    observedBy.set(k, Math.min(observedBy.get(k) ?? Infinity, ret));
  };
  for (const op of history) {
    const out = op.output;
    if (out.type === 'get') observe(op.input.key, out.kv, op.return);
    else if (out.type === 'put' || out.type === 'delete') observe(op.input.key, out.prevKv, op.return);
    else if (out.type === 'txn') {
      for (const r of out.results ?? []) observe(op.input.key, r.type === 'get' ? r.kv : r.prevKv, op.return);
    }
  }
  const writtenValue = (input: KvInput): string | undefined => {
    if (input.type === 'put') return input.value;
    if (input.type !== 'txn') return undefined;
    const puts = [...input.success, ...input.failure].filter((o) => o.type === 'put');
    return puts.length === 1 && puts[0]!.type === 'put' ? puts[0]!.value : undefined;
  };
  const byKey = new Map<string, KvOperation[]>();
  for (const op of history) {
    let o = op;
    if (op.output.type === 'unknown') {
      if (op.input.type === 'get') continue; // a failed read has no effect and no result
      if ((options.unknownReturn ?? 'infinity') === 'infinity') {
        const v = writtenValue(op.input);
        const seen = v === undefined ? Infinity : (observedBy.get(`${op.input.key}\u0000${v}`) ?? Infinity);
        o = { ...op, return: Math.max(op.call, seen) };
      }
    }
    const l = byKey.get(op.input.key);
    if (l) l.push(o);
    else byKey.set(op.input.key, [o]);
  }
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

const hashKeyState = (s: KvKeyState): string =>
  `${s.exists ? 1 : 0}|${s.version}|${s.create ?? '?'}|${s.mod ?? '?'}|${s.floor}|${s.value}`;

/** The etcd KV model: non-deterministic (unknown outcomes fork), partitioned by key. */
export function etcdKvModel(
  options: EtcdModelOptions = {},
): NonDeterministicModel<KvKeyState, KvInput, KvOutput> {
  return {
    kind: 'nondeterministic',
    init: () => initialKeyState,
    step: stepKey,
    partition: (h) => partitionByKey(h, options),
    partitionLabel: (ops) => `key ${JSON.stringify(ops[0]?.input.key ?? '')}`,
    hashState: hashKeyState,
    describeOperation: describeKvOperation,
    describeState: describeKeyState,
  };
}
