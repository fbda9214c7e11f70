// KV core benchmark: proposals/s and commit latency of a 3-member in-process cluster with real
// WAL fsync, at 1 / 16 / 256 concurrent proposers, next to this disk's fdatasync latency (the
// physical floor of a commit).
// Run: node bench/run.mjs bench/kv-core.ts [--seconds=5] [--levels=1,16,256] [--snapshot-count=10000]
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterRunner } from '../src/main/kv/cluster';
import type { Member } from '../src/main/kv/member';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}

const SECONDS = Number(arg('seconds', '5'));
const LEVELS = arg('levels', '1,16,256').split(',').map(Number);
const SNAPSHOT_COUNT = Number(arg('snapshot-count', '10000'));
const VALUE_BYTES = 256;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** p50/p99 of a 1 KiB append + fdatasync on a temp file in the OS temp dir (where the WAL goes). */
function fsyncFloor(ms: number): { p50: number; p99: number; n: number } {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const buf = Buffer.alloc(1024, 7);
  const lat: number[] = [];
  const end = Date.now() + ms;
  try {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  lat.sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), n: lat.length };
}

interface LevelResult {
  proposers: number;
  ops: number;
  errors: number;
  rate: number;
  p50: number;
  p99: number;
  entriesPerSync: number;
}

async function runLevel(c: ClusterRunner, proposers: number): Promise<LevelResult> {
  const leader: Member = await c.waitForLeader();
  const before = { ...leader.metrics };
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  const enc = new TextEncoder();
  await Promise.all(
    Array.from({ length: proposers }, async (_, p) => {
      const value = new Uint8Array(VALUE_BYTES).map((_, i) => (i * 31 + p) & 0xff);
      for (let i = 0; Date.now() < end; i++) {
        const key = enc.encode(`bench/${p}/${i % 1000}`);
        const t0 = process.hrtime.bigint();
        try {
          await leader.put({ key, value });
          lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const syncs = leader.metrics.walSyncs - before.walSyncs;
  const entries = leader.metrics.entriesPersisted - before.entriesPersisted;
  // Keep memory flat between levels: history is not what we measure.
  await leader.compact({ revision: leader.store.currentRevision });
  return {
    proposers,
    ops: lat.length,
    errors,
    rate: lat.length / SECONDS,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    entriesPerSync: syncs > 0 ? entries / syncs : 0,
  };
}

const pad = (s: string, n: number): string => s.padStart(n);
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(
    `kv-core: 3 members in one process (127.0.0.1), real WAL fdatasync, ${VALUE_BYTES}-byte values, ${SECONDS} s per level`,
  );
  const floor = fsyncFloor(1500);
  const c = await ClusterRunner.start({
    size: 3,
    member: { tickMs: 100, requestTimeoutMs: 10_000, snapshotCount: SNAPSHOT_COUNT },
  });
  const rows: LevelResult[] = [];
  try {
    await c.waitForLeader();
    for (const level of LEVELS) rows.push(await runLevel(c, level));
  } finally {
    await c.close();
  }
  const head = [
    'proposers',
    'proposals/s',
    'commit p50 ms',
    'commit p99 ms',
    'entries/fsync',
    'fdatasync p50 ms',
    'fdatasync p99 ms',
  ];
  const widths = head.map((h) => Math.max(h.length, 10));
  console.log(head.map((h, i) => pad(h, widths[i]!)).join('  '));
  for (const r of rows) {
    const cells = [
      String(r.proposers),
      r.rate.toFixed(0),
      f2(r.p50),
      f2(r.p99),
      r.entriesPerSync.toFixed(1),
      f2(floor.p50),
      f2(floor.p99),
    ];
    console.log(cells.map((x, i) => pad(x, widths[i]!)).join('  '));
    if (r.errors > 0) console.log(`  (${r.errors} failed proposals at ${r.proposers} proposers)`);
  }
  console.log(`fdatasync floor: ${floor.n} samples of 1 KiB append + fdatasync in ${tmpdir()}`);
  console.log(`snapshot every ${SNAPSHOT_COUNT} entries; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
