import { describe, expect, it } from 'vitest';
import { checkOperations, formatCheckResult } from './checker';
import {
  keyedRegisterModel,
  registerModel,
  registerModelNonDeterministic,
  type KeyedRegisterInput,
  type RegisterInput,
  type RegisterOutput,
} from './register';
import { generateKvHistory, injectStaleRead, prng } from './generate';
import type { DeterministicModel, Operation } from './types';

type Op = Operation<RegisterInput, RegisterOutput>;
const w = (clientId: number, value: number, call: number, ret: number): Op => ({
  clientId,
  input: { op: 'write', value },
  call,
  output: undefined,
  return: ret,
});
const r = (clientId: number, value: number | undefined, call: number, ret: number): Op => ({
  clientId,
  input: { op: 'read' },
  call,
  output: value,
  return: ret,
});

describe('checkOperations on a register', () => {
  it('accepts the empty history', () => {
    expect(checkOperations(registerModel, []).result).toBe('ok');
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    // write(100) spans [0,100]; a read inside it may see 100, another read inside may still see 0.
    const h = [w(0, 100, 0, 100), r(1, 100, 25, 75), r(2, 0, 30, 60)];
    expect(checkOperations(registerModel, h).result).toBe('ok');
  });

  it('rejects a read of the old value after another read saw the new one', () => {
    // read 200 finished at 30, so write(200) took effect by 30; a read starting at 40 cannot see 0.
    const h = [w(0, 200, 0, 100), r(1, 200, 10, 30), r(2, 0, 40, 90)];
    const res = checkOperations(registerModel, h);
    expect(res.result).toBe('illegal');
    expect(res.illegal?.unplaceable.op).toBe(h[2]);
    expect(res.illegal?.text).toContain('read() -> 0');
    expect(res.illegal?.longestPrefix.map((p) => p.op)).toEqual([h[0], h[1]]);
  });

  it('rejects a read that sees a value before it was written', () => {
    const h = [r(0, 1, 0, 5), w(1, 1, 6, 10)];
    expect(checkOperations(registerModel, h).result).toBe('illegal');
  });

  it('orders concurrent writes in some single order seen by all readers', () => {
    // Two concurrent writes; reads after both must agree on the winner and never flip back.
    const ok = [w(0, 1, 0, 10), w(1, 2, 0, 10), r(2, 1, 11, 12), r(3, 1, 13, 14)];
    expect(checkOperations(registerModel, ok).result).toBe('ok');
    const flip = [w(0, 1, 0, 10), w(1, 2, 0, 10), r(2, 1, 11, 12), r(3, 2, 13, 14)];
    expect(checkOperations(registerModel, flip).result).toBe('illegal');
    // Readers inside the writes may see both values, in the order of the linearization.
    const inside = [w(0, 1, 0, 10), w(1, 2, 0, 10), r(2, 2, 1, 3), r(3, 1, 4, 6), r(2, 1, 11, 12)];
    expect(checkOperations(registerModel, inside).result).toBe('ok');
    const inside2 = [w(0, 1, 0, 10), w(1, 2, 0, 10), r(2, 2, 1, 3), r(3, 1, 4, 6), r(2, 2, 11, 12)];
    expect(checkOperations(registerModel, inside2).result).toBe('illegal');
  });

  it('treats operations that touch at an instant as concurrent', () => {
    expect(checkOperations(registerModel, [r(0, 1, 0, 5), w(1, 1, 5, 10)]).result).toBe('ok');
  });

  it('handles unknown outcomes (return = Infinity) both ways', () => {
    const unknown: Op = {
      clientId: 0,
      input: { op: 'write', value: 1 },
      call: 0,
      output: undefined,
      return: Infinity,
    };
    // It may take effect...
    expect(checkOperations(registerModel, [unknown, r(1, 1, 10, 11)]).result).toBe('ok');
    // ...or not (yet)...
    expect(checkOperations(registerModel, [unknown, r(1, 0, 10, 11)]).result).toBe('ok');
    // ...late...
    expect(checkOperations(registerModel, [unknown, r(1, 0, 10, 11), r(1, 1, 20, 21)]).result).toBe('ok');
    // ...but once seen it cannot be undone.
    expect(checkOperations(registerModel, [unknown, r(1, 1, 10, 11), r(1, 0, 20, 21)]).result).toBe(
      'illegal',
    );
    // Never before its call.
    const late: Op = { ...unknown, call: 30 };
    expect(checkOperations(registerModel, [late, r(1, 1, 10, 11)]).result).toBe('illegal');
  });

  it('non-deterministic model: an unknown write with a finite return applies before it or never', () => {
    const m = registerModelNonDeterministic;
    const u: Op = { clientId: 0, input: { op: 'write', value: 1 }, call: 0, output: undefined, return: 5 };
    expect(checkOperations(m, [u, r(1, 0, 10, 11)]).result).toBe('ok');
    expect(checkOperations(m, [u, r(1, 1, 10, 11)]).result).toBe('ok');
    expect(checkOperations(m, [u, r(1, 0, 10, 11), r(1, 1, 12, 13)]).result).toBe('illegal');
    expect(checkOperations(m, [u, r(1, 1, 10, 11), r(1, 0, 12, 13)]).result).toBe('illegal');
    // Two unknown writes: the reads may observe 2, then 1 only if 1 was applied after 2.
    const u2: Op = { clientId: 2, input: { op: 'write', value: 2 }, call: 0, output: undefined, return: 5 };
    expect(checkOperations(m, [u, u2, r(1, 2, 10, 11), r(1, 2, 12, 13)]).result).toBe('ok');
    expect(checkOperations(m, [u, u2, r(1, 2, 10, 11), r(1, 1, 12, 13)]).result).toBe('illegal');
    const res = checkOperations(m, [u, u2, r(1, 0, 1, 2), r(1, 2, 10, 11), r(1, 1, 12, 13)]);
    expect(res.illegal?.stateAfterPrefix).toBeDefined();
  });

  it('returns unknown when the time budget runs out', () => {
    // A long sequential history and a clock that jumps a second per reading.
    const h: Op[] = [];
    for (let i = 0; i < 5000; i++)
      h.push(i % 2 ? r(0, i - 1, i * 10, i * 10 + 5) : w(0, i, i * 10, i * 10 + 5));
    let t = 0;
    const res = checkOperations(registerModel, h, { timeoutMs: 1, now: () => (t += 1000) });
    expect(res.result).toBe('unknown');
    expect(res.partitionsChecked).toBe(0);
    expect(checkOperations(registerModel, h).result).toBe('ok');
  });

  it('rejects operations that return before they are called', () => {
    expect(() => checkOperations(registerModel, [r(0, 0, 5, 1)])).toThrow(RangeError);
  });

  it('prints a readable explanation', () => {
    const h = [w(0, 200, 0, 100), r(1, 200, 10, 30), r(2, 0, 40, 90)];
    const text = formatCheckResult(checkOperations(registerModel, h));
    expect(text).toMatch(/^illegal: 1\/1 partitions/);
    expect(text).toContain('longest linearizable prefix (2 operations)');
    expect(text).toContain('cannot place: client 2 [40, 90] read() -> 0');
  });
});

/** A model of all keys at once (no partitioning), to cross-check P-compositionality. */
const wholeMapModel: DeterministicModel<string, KeyedRegisterInput, RegisterOutput> = {
  init: () => '{}',
  step(state, input, output) {
    const m = JSON.parse(state) as Record<string, number>;
    if (input.op === 'write') {
      m[input.key] = input.value;
      return [true, JSON.stringify(Object.fromEntries(Object.entries(m).sort()))];
    }
    return [output === undefined || output === (m[input.key] ?? 0), state];
  },
  hashState: (s) => s,
};

function keyedHistory(seed: number, stale: boolean): Operation<KeyedRegisterInput, RegisterOutput>[] | null {
  const kv = generateKvHistory({
    clients: 3,
    opsPerClient: 6,
    keys: 2,
    seed,
    mix: { get: 0.5, put: 0.5, delete: 0, txn: 0 },
    revisions: false,
  });
  const h = stale ? injectStaleRead(kv, seed) : kv;
  if (!h) return null;
  return h.map((op) => ({
    clientId: op.clientId,
    call: op.call,
    return: op.return,
    input:
      op.input.type === 'put'
        ? { key: op.input.key, op: 'write', value: Number(op.input.value.slice(1)) }
        : { key: op.input.key, op: 'read' },
    output: op.output.type === 'get' ? (op.output.kv ? Number(op.output.kv.value.slice(1)) : 0) : undefined,
  }));
}

describe('P-compositionality', () => {
  it('splits by key and reports the offending key', () => {
    const op = (key: string, o: RegisterInput, out: RegisterOutput, call: number, ret: number) => ({
      clientId: 0,
      input: { key, ...o },
      output: out,
      call,
      return: ret,
    });
    const h = [
      op('a', { op: 'write', value: 1 }, undefined, 0, 1),
      op('b', { op: 'write', value: 2 }, undefined, 2, 3),
      op('a', { op: 'read' }, 1, 4, 5),
      op('b', { op: 'read' }, 0, 6, 7), // stale
    ];
    const res = checkOperations(keyedRegisterModel, h, { checkAllPartitions: true });
    expect(res.result).toBe('illegal');
    expect(res.partitions).toBe(2);
    expect(res.partitionsChecked).toBe(2);
    expect(res.illegalPartitions).toEqual(['key "b"']);
    expect(res.illegal?.partitionLabel).toBe('key "b"');
  });

  it('agrees with checking the whole history as one partition (random histories)', () => {
    let compared = 0;
    for (let seed = 1; seed <= 150; seed++) {
      for (const stale of [false, true]) {
        const h = keyedHistory(seed, stale);
        if (!h) continue;
        const split = checkOperations(keyedRegisterModel, h).result;
        const whole = checkOperations(wholeMapModel, h).result;
        expect(split, `seed ${seed} stale ${stale}`).toBe(whole);
        expect(split).toBe(stale ? 'illegal' : 'ok');
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });
});

describe('randomized register histories', () => {
  const toRegister = (seed: number, stale: boolean) => {
    const kv = generateKvHistory({
      clients: 2 + Math.floor(prng(seed)() * 6),
      opsPerClient: 40,
      keys: 1,
      seed,
      mix: { get: 0.6, put: 0.4, delete: 0, txn: 0 },
      revisions: false,
    });
    const h = stale ? injectStaleRead(kv, seed + 1) : kv;
    if (!h) return null;
    return h.map((op): Op => ({
      clientId: op.clientId,
      call: op.call,
      return: op.return,
      input:
        op.input.type === 'put' ? { op: 'write', value: Number(op.input.value.slice(1)) } : { op: 'read' },
      output: op.output.type === 'get' ? (op.output.kv ? Number(op.output.kv.value.slice(1)) : 0) : undefined,
    }));
  };

  it('simulated linearizable registers pass', () => {
    for (let seed = 1; seed <= 100; seed++) {
      expect(checkOperations(registerModel, toRegister(seed, false)!).result, `seed ${seed}`).toBe('ok');
    }
  });

  it('the same with one injected stale read fail', () => {
    let n = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const h = toRegister(seed, true);
      if (!h) continue;
      n++;
      expect(checkOperations(registerModel, h).result, `seed ${seed}`).toBe('illegal');
    }
    expect(n).toBeGreaterThan(80);
  });
});
