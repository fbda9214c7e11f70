import type {
  CheckOptions,
  CheckResult,
  DeterministicModel,
  IllegalExplanation,
  LinearizedStep,
  Model,
  Operation,
} from './types';

/** A fixed-size bitset of linearized operation ids (one bit per operation in the partition). */
class Bits {
  readonly words: Uint32Array;
  constructor(n: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array(Math.max(1, (n + 31) >>> 5));
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }
  cloneWith(i: number): Bits {
    const b = new Bits(0, this.words.slice());
    b.set(i);
    return b;
  }
  hash(): number {
    let h = 0x811c9dc5;
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      h = Math.imul(h ^ w[i]!, 0x01000193);
      h = (h ^ (h >>> 15)) >>> 0;
    }
    return h;
  }
  equals(o: Bits): boolean {
    const a = this.words;
    const b = o.words;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
}

/**
 * A node of the doubly linked list of call/return entries, sorted by time. A call node points at its
 * return node (`match`); return nodes have `match === null`. "Lifting" an operation unlinks both of its
 * nodes; backtracking relinks them (they remember their neighbours).
 */
interface Node {
  id: number;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

/** Internal deterministic model over an opaque state, with a cache key function. */
interface Det<S, I, O> {
  init: S;
  step(state: S, input: I, output: O): [boolean, S];
  equal(a: S, b: S): boolean;
  key?: (s: S) => string;
  describe(s: S): string;
}

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Turns either model form into a deterministic one (non-deterministic: over de-duplicated state sets). */
function toDet<S, I, O>(model: Model<S, I, O>): Det<unknown, I, O> {
  const describeState = model.describeState ?? ((s: S) => safeString(s));
  const hash = model.hashState;
  const eq: (a: S, b: S) => boolean =
    model.equal ?? (hash ? (a: S, b: S) => hash(a) === hash(b) : (a: S, b: S) => Object.is(a, b));
  if (model.kind === 'nondeterministic') {
    const dedupe = (states: S[]): S[] => {
      if (hash) {
        const seen = new Map<string, S>();
        for (const s of states) {
          const k = hash(s);
          if (!seen.has(k)) seen.set(k, s);
        }
        return [...seen.values()];
      }
      const out: S[] = [];
      for (const s of states) if (!out.some((o) => eq(o, s))) out.push(s);
      return out;
    };
    const det: Det<S[], I, O> = {
      init: [model.init()],
      step(states, input, output) {
        const next: S[] = [];
        for (const s of states) for (const n of model.step(s, input, output)) next.push(n);
        const d = dedupe(next);
        return [d.length > 0, d];
      },
      equal(a, b) {
        if (a.length !== b.length) return false;
        return a.every((x) => b.some((y) => eq(x, y)));
      },
      key: hash
        ? (ss) =>
            ss
              .map((s) => hash(s))
              .sort()
              .join('\u0001')
        : undefined,
      describe(ss) {
        return ss.length === 1 ? describeState(ss[0]!) : `one of {${ss.map(describeState).join(' | ')}}`;
      },
    };
    return det as Det<unknown, I, O>;
  }
  const m = model as DeterministicModel<S, I, O>;
  const det: Det<S, I, O> = {
    init: m.init(),
    step: (s, i, o) => m.step(s, i, o),
    equal: eq,
    key: hash,
    describe: describeState,
  };
  return det as Det<unknown, I, O>;
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

class Timeout extends Error {}

interface SingleResult {
  ok: boolean;
  /** Longest linearizable prefix (operation indices into the partition). */
  longest: number[];
}

/** Builds the sorted, linked entry list of a partition; returns the sentinel head. */
function buildList<I, O>(ops: readonly Operation<I, O>[]): Node {
  const entries: { time: number; isReturn: boolean; id: number }[] = [];
  ops.forEach((op, id) => {
    entries.push({ time: op.call, isReturn: false, id });
    entries.push({ time: op.return, isReturn: true, id });
  });
  // By time (Infinity-safe); at equal times calls first (touching operations count as concurrent).
  entries.sort((a, b) => {
    const d = a.time === b.time ? 0 : a.time < b.time ? -1 : 1;
    return d || Number(a.isReturn) - Number(b.isReturn) || a.id - b.id;
  });
  const head: Node = { id: -1, match: null, prev: null, next: null };
  const returns = new Map<number, Node>();
  let last = head;
  const nodes: Node[] = [];
  for (const e of entries) {
    const n: Node = { id: e.id, match: null, prev: last, next: null };
    if (e.isReturn) returns.set(e.id, n);
    last.next = n;
    last = n;
    nodes.push(n);
  }
  for (let i = 0; i < entries.length; i++) {
    if (!entries[i]!.isReturn) nodes[i]!.match = returns.get(entries[i]!.id)!;
  }
  return head;
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev; // a call always has its return after it
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

interface CacheEntry {
  bits: Bits;
  state: unknown;
  key: string | undefined;
}

/** WGL search over one partition. Throws Timeout when the deadline passes. */
function checkSingle<I, O>(
  det: Det<unknown, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
  now: () => number,
): SingleResult {
  const n = ops.length;
  if (n === 0) return { ok: true, longest: [] };
  const head = buildList(ops);
  const linearized = new Bits(n);
  const cache = new Map<number, CacheEntry[]>();
  const stack: { node: Node; state: unknown }[] = [];
  let longest: number[] = [];
  let state = det.init;
  let entry = head.next!;
  let iterations = 0;

  const seen = (bits: Bits, s: unknown, key: string | undefined): boolean => {
    const h = bits.hash();
    const bucket = cache.get(h);
    if (bucket) {
      for (const c of bucket) {
        if (!c.bits.equals(bits)) continue;
        if (key !== undefined ? c.key === key : det.equal(c.state, s)) return true;
      }
      bucket.push({ bits, state: s, key });
    } else {
      cache.set(h, [{ bits, state: s, key }]);
    }
    return false;
  };

  while (head.next !== null) {
    if ((++iterations & 1023) === 0 && now() > deadline) throw new Timeout();
    if (entry.match !== null) {
      // A call entry: try to linearize its operation here.
      const op = ops[entry.id]!;
      const [ok, next] = det.step(state, op.input, op.output);
      if (ok) {
        const bits = linearized.cloneWith(entry.id);
        if (!seen(bits, next, det.key?.(next))) {
          stack.push({ node: entry, state });
          state = next;
          linearized.set(entry.id);
          lift(entry);
          entry = head.next!;
          continue;
        }
      }
      entry = entry.next!;
    } else {
      // A return entry: its operation is not linearized yet and nothing more can be. Backtrack.
      if (stack.length > longest.length) longest = stack.map((c) => c.node.id);
      const top = stack.pop();
      if (!top) return { ok: false, longest };
      state = top.state;
      linearized.clear(top.node.id);
      unlift(top.node);
      entry = top.node.next!;
    }
  }
  return { ok: true, longest: stack.map((c) => c.node.id) };
}

function explain<S, I, O>(
  model: Model<S, I, O>,
  det: Det<unknown, I, O>,
  ops: readonly Operation<I, O>[],
  partitionIndex: number,
  partitionLabel: string,
  longest: number[],
): IllegalExplanation<I, O> {
  const describeOp = (op: Operation<I, O>): string => {
    const body = model.describeOperation
      ? model.describeOperation(op.input, op.output)
      : `${safeString(op.input)} -> ${safeString(op.output)}`;
    const ret = op.return === Infinity ? '∞ (unknown outcome)' : String(op.return);
    return `client ${op.clientId} [${op.call}, ${ret}] ${body}`;
  };
  const prefix: LinearizedStep<I, O>[] = [];
  let state = det.init;
  for (const id of longest) {
    const op = ops[id]!;
    state = det.step(state, op.input, op.output)[1];
    prefix.push({ op, text: describeOp(op), stateAfter: det.describe(state) });
  }
  const placed = new Set(longest);
  const remaining = ops.map((_, i) => i).filter((i) => !placed.has(i));
  let stuck = remaining[0]!;
  for (const i of remaining) if (ops[i]!.return < ops[stuck]!.return) stuck = i;
  const stuckOp = ops[stuck]!;
  const candidates = remaining
    .filter((i) => ops[i]!.call <= stuckOp.return)
    .sort((a, b) => ops[a]!.call - ops[b]!.call)
    .map((i) => ({ op: ops[i]!, text: describeOp(ops[i]!) }));
  const stateAfterPrefix = det.describe(state);
  const lines = [
    `not linearizable: partition ${partitionLabel} (${ops.length} operations)`,
    `longest linearizable prefix (${prefix.length} operations):`,
    ...prefix.map((p, i) => `  ${i + 1}. ${p.text}   => ${p.stateAfter}`),
    `state after prefix: ${stateAfterPrefix}`,
    `cannot place: ${describeOp(stuckOp)}`,
    `candidates at that point (none leads to a full linearization):`,
    ...candidates.map((c) => `  - ${c.text}`),
  ];
  return {
    partitionIndex,
    partitionLabel,
    partitionSize: ops.length,
    longestPrefix: prefix,
    stateAfterPrefix,
    unplaceable: { op: stuckOp, text: describeOp(stuckOp) },
    candidates,
    text: lines.join('\n'),
  };
}

/**
 * Checks that `history` is linearizable with respect to `model`. The history is split with
 * `model.partition` (P-compositionality: a history is linearizable iff each independent part is), and
 * each part is searched with the WGL algorithm: entries in a linked list, a cache of (linearized set,
 * state) pairs already explored, backtracking.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const now = options.now ?? defaultNow;
  const start = now();
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  for (const op of history) {
    if (!(op.call <= op.return)) {
      throw new RangeError(`operation of client ${op.clientId} returns before it is called`);
    }
  }
  const parts = model.partition ? model.partition(history) : [history.slice()];
  const det = toDet(model);
  const labelOf = (ops: readonly Operation<I, O>[], i: number): string =>
    model.partitionLabel ? model.partitionLabel(ops) : `#${i}`;
  let checked = 0;
  const illegalPartitions: string[] = [];
  let illegal: IllegalExplanation<I, O> | undefined;
  let timedOut = false;
  for (let i = 0; i < parts.length; i++) {
    const ops = parts[i]!;
    let r: SingleResult;
    try {
      r = checkSingle(det, ops, deadline, now);
    } catch (e) {
      if (e instanceof Timeout) {
        timedOut = true;
        break;
      }
      throw e;
    }
    checked++;
    if (!r.ok) {
      const label = labelOf(ops, i);
      illegalPartitions.push(label);
      illegal ??= explain(model, det, ops, i, label, r.longest);
      if (!options.checkAllPartitions) break;
    }
  }
  return {
    result: illegal ? 'illegal' : timedOut ? 'unknown' : 'ok',
    partitions: parts.length,
    partitionsChecked: checked,
    illegalPartitions,
    illegal,
    elapsedMs: now() - start,
  };
}

/** A printable summary of a check result. */
export function formatCheckResult<I, O>(r: CheckResult<I, O>): string {
  const head = `${r.result}: ${r.partitionsChecked}/${r.partitions} partitions checked in ${r.elapsedMs.toFixed(1)} ms`;
  return r.illegal ? `${head}\n${r.illegal.text}` : head;
}
