// Runs the simulation over many seeds for the test files. Environment:
//   RAFT_SIM_SEEDS=N   seeds per cluster size (default 600: 1,200 runs in all);
//   RAFT_SIM_SEED=S    exactly seed S, with a readable trace of events on stdout;
//   RAFT_SIM_TRACE=messages  with RAFT_SIM_SEED, also trace every message delivered.

import { expect } from 'vitest';
import { runSimulation, type SimStats } from './simulation';

export const DEFAULT_SEEDS = 600;
export const STEPS = 2000;

export function runSeeds(size: number): void {
  const single = process.env.RAFT_SIM_SEED;
  const count = Number(process.env.RAFT_SIM_SEEDS ?? DEFAULT_SEEDS);
  const seeds = single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, i) => i + 1);
  const trace = single !== undefined ? (line: string) => console.log(line) : undefined;
  const traceMessages = single !== undefined && process.env.RAFT_SIM_TRACE === 'messages';
  const totals: Partial<Record<keyof SimStats, number>> = {};
  const failures: string[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    try {
      const stats = runSimulation({ seed, size, steps: STEPS, membership: true, trace, traceMessages });
      for (const [k, v] of Object.entries(stats) as [keyof SimStats, number][])
        totals[k] = (totals[k] ?? 0) + v;
    } catch (e) {
      const msg =
        `raft sim seed ${seed} (size ${size}) failed: ${(e as Error).message}\n` +
        `  replay: RAFT_SIM_SEED=${seed} npx vitest run --project unit src/main/kv/raft/sim/${size === 3 ? 'three' : 'five'}-node`;
      console.error(msg);
      failures.push(msg);
      if (failures.length >= 5) break;
    }
  }
  const ms = Math.round(performance.now() - started);
  console.log(`raft sim size ${size}: ${seeds.length} seeds in ${ms} ms; totals ${JSON.stringify(totals)}`);
  expect(failures).toEqual([]);
  // A run that idles proves nothing: make sure the faults and features were exercised.
  if (single === undefined && seeds.length >= 50) {
    expect(totals.acked ?? 0).toBeGreaterThan(seeds.length * 20);
    expect(totals.crashes ?? 0).toBeGreaterThan(0);
    expect(totals.partitions ?? 0).toBeGreaterThan(0);
    expect(totals.snapshotsSent ?? 0).toBeGreaterThan(0);
    expect(totals.readsServed ?? 0).toBeGreaterThan(0);
    expect(totals.confChanges ?? 0).toBeGreaterThan(0);
    expect(totals.transfers ?? 0).toBeGreaterThan(0);
  }
}
