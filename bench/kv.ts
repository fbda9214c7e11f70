// KV benchmark, Flotilla vs etcd: the same load through the etcd3 client — puts of 256-byte values
// and linearizable gets, from 1, 16 and 256 concurrent callers — against a 3-member Flotilla cluster
// (`flotctl kv serve`, fsync on) and a 3-member Debian etcd 3.4 on loopback (fsync on, its default),
// started one after the other in this run (never both at once: they would share the 2 cores).
// Prints ops/s and p50/p99 side by side with the ratio Flotilla/etcd (ops/s: higher is better;
// latency: lower is better).
// Run: node bench/run.mjs bench/kv.ts [--seconds=5] [--levels=1,16,256] [--only=etcd|flotilla]
import { cpus } from 'node:os';
import { Etcd3 } from 'etcd3';
import type { ClusterKind, RunningCluster } from '../src/main/kv/conformance/clusters';
import { startCluster } from '../src/main/kv/conformance/clusters';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}

const SECONDS = Number(arg('seconds', '5'));
const LEVELS = arg('levels', '1,16,256').split(',').map(Number);
const ONLY = arg('only', '');
const VALUE_BYTES = 256;
const KINDS: ClusterKind[] = (['etcd', 'flotilla'] as const).filter((k) => !ONLY || ONLY === k);
type Op = 'put' | 'get';
const OPS: Op[] = ['put', 'get'];

interface Result {
  ops: number;
  errors: number;
  rate: number;
  p50: number;
  p99: number;
  firstError?: string;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function runLevel(client: Etcd3, op: Op, callers: number, seconds: number): Promise<Result> {
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      const value = Buffer.alloc(VALUE_BYTES, (c * 31) & 0xff);
      for (let i = 0; Date.now() < end; i++) {
        const key = `bench/${c}/${i % 100}`;
        const s = process.hrtime.bigint();
        try {
          if (op === 'put') await client.put(key).value(value).exec();
          else await client.get(key).exec(); // linearizable: etcd3's default (serializable off)
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message;
        }
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    ops: lat.length,
    errors,
    rate: lat.length / elapsed,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    ...(firstError ? { firstError } : {}),
  };
}

async function benchCluster(kind: ClusterKind): Promise<Map<string, Result> | string> {
  let cluster: RunningCluster;
  try {
    cluster = await startCluster(kind);
  } catch (e) {
    return (e as Error).message;
  }
  const client = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
  const out = new Map<string, Result>();
  try {
    // Keys for the gets exist (written by the put levels); a short warm-up opens the channels.
    await runLevel(client, 'put', 16, 1);
    for (const callers of LEVELS) {
      for (const op of OPS) {
        const r = await runLevel(client, op, callers, SECONDS);
        out.set(`${op}/${callers}`, r);
        process.stderr.write(
          `${kind.padEnd(8)} ${op} ×${String(callers).padEnd(3)} ${r.rate.toFixed(0)} ops/s p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms` +
            (r.errors ? ` errors ${r.errors} (${r.firstError})` : '') +
            '\n',
        );
      }
    }
  } finally {
    client.close();
    await cluster.stop();
  }
  return out;
}

function cell(r: Result | undefined): string[] {
  if (!r) return ['n/a', 'n/a', 'n/a'];
  return [r.rate.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2)];
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !Number.isFinite(a / b) ? 'n/a' : `${(a / b).toFixed(2)}×`;
}

void (async () => {
  const results = new Map<ClusterKind, Map<string, Result> | string>();
  for (const kind of KINDS) results.set(kind, await benchCluster(kind));
  const e = results.get('etcd');
  const f = results.get('flotilla');
  const em = typeof e === 'object' ? e : undefined;
  const fm = typeof f === 'object' ? f : undefined;
  console.log(
    `\nKV through the etcd3 client, 3 members on loopback, fsync on, ${VALUE_BYTES}-byte values, ${SECONDS} s per level` +
      ` (${process.platform}, ${cpus().length} cores)`,
  );
  const head = [
    'op',
    'callers',
    'etcd ops/s',
    'p50 ms',
    'p99 ms',
    'flotilla ops/s',
    'p50 ms',
    'p99 ms',
    'ops/s F/E',
    'p50 F/E',
    'p99 F/E',
  ];
  const rows: string[][] = [head];
  for (const op of OPS) {
    for (const callers of LEVELS) {
      const k = `${op}/${callers}`;
      const a = em?.get(k);
      const b = fm?.get(k);
      rows.push([
        op === 'get' ? 'get (linearizable)' : 'put',
        String(callers),
        ...cell(a),
        ...cell(b),
        ratio(b?.rate, a?.rate),
        ratio(b?.p50, a?.p50),
        ratio(b?.p99, a?.p99),
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const errs = [...(em?.entries() ?? []), ...(fm?.entries() ?? [])].filter(([, r]) => r.errors > 0);
  if (errs.length)
    console.log(`\nerrors: ${errs.map(([k, r]) => `${k}: ${r.errors} (${r.firstError})`).join('; ')}`);
  for (const [kind, r] of results) {
    if (typeof r === 'string') console.log(`\n${kind} could not run: ${r}`);
  }
  process.exit(0);
})();
