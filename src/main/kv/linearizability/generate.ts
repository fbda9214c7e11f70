import type { KvInput, KvOperation, KvOutput, KvValue } from './etcd-model';
import { prng } from '../raft/prng';

export { prng };

/**
 * Generators of histories for tests and benchmarks: clients issue requests with random timing against a
 * simulated linearizable etcd (each request takes effect at a random instant inside its interval), so the
 * resulting histories are linearizable by construction. Deterministic for a given seed.
 */

export interface GenerateOptions {
  clients: number;
  opsPerClient: number;
  keys: number;
  seed: number;
  /** Probability that a write's outcome is unknown to the client (it may or may not apply, maybe later). */
  unknownRate?: number;
  /** Mix: probabilities of get / put / delete / txn (normalized). Default 0.5 / 0.3 / 0.05 / 0.15. */
  mix?: { get: number; put: number; delete: number; txn: number };
  /** Max think time between a client's requests, and max request duration. */
  maxGap?: number;
  maxDuration?: number;
  /** Record revisions in responses (default true). */
  revisions?: boolean;
}

interface Pending {
  clientId: number;
  input: KvInput;
  call: number;
  return: number;
  at: number;
  unknown: boolean;
  applied: boolean;
}

interface Stored {
  value: string;
  version: number;
  create: number;
  mod: number;
}

export function generateKvHistory(o: GenerateOptions): KvOperation[] {
  return generateKvRun(o).history;
}

/** A generated history and the log of every change committed to the simulated store (ground truth). */
export function generateKvRun(o: GenerateOptions): {
  history: KvOperation[];
  committed: { revision: number; key: string; type: 'put' | 'delete'; value?: string }[];
} {
  const committed: { revision: number; key: string; type: 'put' | 'delete'; value?: string }[] = [];
  const rnd = prng(o.seed);
  const mix = o.mix ?? { get: 0.5, put: 0.3, delete: 0.05, txn: 0.15 };
  const total = mix.get + mix.put + mix.delete + mix.txn;
  const maxGap = o.maxGap ?? 5;
  const maxDuration = o.maxDuration ?? 20;
  const withRev = o.revisions ?? true;
  const pending: Pending[] = [];
  let valueSeq = 0;
  const recent: string[] = [];
  for (let c = 0; c < o.clients; c++) {
    let t = rnd() * maxGap;
    for (let j = 0; j < o.opsPerClient; j++) {
      const call = t + rnd() * maxGap;
      const dur = 0.5 + rnd() * maxDuration;
      const ret = call + dur;
      t = ret;
      const key = `k${Math.floor(rnd() * o.keys)}`;
      const x = rnd() * total;
      let input: KvInput;
      if (x < mix.get) input = { type: 'get', key };
      else if (x < mix.get + mix.put) input = { type: 'put', key, value: `v${++valueSeq}` };
      else if (x < mix.get + mix.put + mix.delete) input = { type: 'delete', key };
      else {
        const expect = recent.length > 0 && rnd() < 0.8 ? recent[Math.floor(rnd() * recent.length)]! : 'none';
        input = {
          type: 'txn',
          key,
          compare: [{ target: 'value', op: '=', value: expect }],
          success: [{ type: 'put', value: `v${++valueSeq}` }],
          failure: [{ type: 'get' }],
        };
      }
      if (input.type === 'put') recent.push(input.value);
      if (recent.length > 8) recent.shift();
      const unknown = input.type !== 'get' && rnd() < (o.unknownRate ?? 0);
      const applied = !unknown || rnd() < 0.5;
      // Known outcome: takes effect strictly inside [call, return]. Unknown: any time after the call.
      const at = unknown ? call + rnd() * dur * 3 : call + (0.01 + 0.98 * rnd()) * dur;
      pending.push({ clientId: c, input, call, return: ret, at, unknown, applied });
    }
  }
  const order = [...pending].sort((a, b) => a.at - b.at);
  const store = new Map<string, Stored>();
  let rev = 1;
  const outputs = new Map<Pending, KvOutput>();
  const kvOf = (s: Stored | undefined): KvValue | null =>
    s
      ? withRev
        ? { value: s.value, version: s.version, modRevision: s.mod, createRevision: s.create }
        : { value: s.value }
      : null;
  const r = (): { revision?: number } => (withRev ? { revision: rev } : {});
  const put = (key: string, value: string): void => {
    rev++;
    committed.push({ revision: rev, key, type: 'put', value });
    const cur = store.get(key);
    store.set(key, { value, version: (cur?.version ?? 0) + 1, create: cur?.create ?? rev, mod: rev });
  };
  for (const p of order) {
    if (!p.applied) {
      outputs.set(p, { type: 'unknown' });
      continue;
    }
    const cur = store.get(p.input.key);
    let out: KvOutput;
    switch (p.input.type) {
      case 'get':
        out = { type: 'get', kv: kvOf(cur), ...r() };
        break;
      case 'put':
        put(p.input.key, p.input.value);
        out = { type: 'put', ...r() };
        break;
      case 'delete':
        if (cur) {
          rev++;
          committed.push({ revision: rev, key: p.input.key, type: 'delete' });
          store.delete(p.input.key);
        }
        out = { type: 'delete', deleted: cur ? 1 : 0, ...r() };
        break;
      case 'txn': {
        const c = p.input.compare[0]!;
        const ok = cur !== undefined && c.target === 'value' && cur.value === c.value;
        if (ok) {
          const s = p.input.success[0]!;
          if (s.type === 'put') put(p.input.key, s.value);
          out = { type: 'txn', succeeded: true, ...r(), results: [{ type: 'put' }] };
        } else {
          out = { type: 'txn', succeeded: false, ...r(), results: [{ type: 'get', kv: kvOf(cur) }] };
        }
        break;
      }
    }
    outputs.set(p, p.unknown ? { type: 'unknown' } : out);
  }
  const history = pending.map((p) => ({
    clientId: p.clientId,
    input: p.input,
    call: p.call,
    output: outputs.get(p)!,
    return: p.return,
  }));
  return { history, committed };
}

/**
 * Makes one read stale: finds a get that started after a write W2 returned, where W2 started after an
 * earlier write W1 returned (so W1 < W2 < get in every linearization), and makes the get return W1's value.
 * Values are unique, so the history is then not linearizable. Returns null if no such read exists.
 */
export function injectStaleRead(history: readonly KvOperation[], seed: number): KvOperation[] | null {
  const rnd = prng(seed);
  const gets = history
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.input.type === 'get' && op.output.type === 'get');
  const start = Math.floor(rnd() * Math.max(1, gets.length));
  for (let n = 0; n < gets.length; n++) {
    const { op: g, i } = gets[(start + n) % gets.length]!;
    const puts = history.filter(
      (w) =>
        w.input.key === g.input.key && w.input.type === 'put' && w.output.type === 'put' && w.return < g.call,
    );
    for (const w2 of puts) {
      const w1 = puts.find((w) => w.return < w2.call);
      if (!w1 || w1.input.type !== 'put') continue;
      if (g.output.type === 'get' && g.output.kv?.value === w1.input.value) continue;
      const copy = history.slice();
      copy[i] = { ...g, output: { type: 'get', kv: { value: w1.input.value } } };
      return copy;
    }
  }
  return null;
}
