// etcdctl conformance: the same script (etcdctl-script.ts) against a real 3-member etcd 3.4 and a
// 3-member Flotilla cluster (`flotctl kv serve`); every step's normalized exit code, stdout and
// stderr must be identical. The Flotilla half fails loudly — never skips — when `flotctl kv serve`
// cannot run. FLOTILLA_CONFORMANCE_PRINT=1 prints every normalized etcd result (to extend the script).
// FLOTILLA_CONFORMANCE_SELFTEST=1 puts a second real etcd cluster in Flotilla's place: it proves the
// normalization leaves nothing random behind (two etcd clusters must compare equal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCluster } from './clusters';
import { startCluster, startEtcdCluster } from './clusters';
import type { StepOutcome } from './etcdctl-script';
import { STEPS, runScript } from './etcdctl-script';

let etcd: StepOutcome[] = [];
let ours: StepOutcome[] | Error = new Error('not run');

function show(o: StepOutcome['norm']): string {
  return JSON.stringify(o, null, 2);
}

describe('etcdctl conformance: Flotilla vs etcd 3.4', () => {
  const clusters: RunningCluster[] = [];
  beforeAll(async () => {
    const e = await startEtcdCluster();
    clusters.push(e);
    etcd = await runScript(e.endpoints);
    await e.stop();
    try {
      const f = await startCluster(process.env.FLOTILLA_CONFORMANCE_SELFTEST ? 'etcd' : 'flotilla');
      clusters.push(f);
      ours = await runScript(f.endpoints);
      await f.stop();
    } catch (err) {
      ours = err as Error;
    }
    if (process.env.FLOTILLA_CONFORMANCE_PRINT) {
      for (const [i, s] of STEPS.entries())
        console.log(`### ${s.name}: etcdctl ${s.args.join(' ')}\n${show(etcd[i]!.norm)}`);
    }
  }, 110_000);
  afterAll(async () => {
    for (const c of clusters) await c.stop();
  });

  it('the script does what it means on real etcd', () => {
    const bad: string[] = [];
    for (const [i, s] of STEPS.entries()) {
      const r = etcd[i]!.raw;
      const x = s.expect;
      if (!x) continue;
      if (x.code !== undefined && r.code !== x.code) bad.push(`${s.name}: exit ${r.code}, want ${x.code}`);
      if (x.stdout && !x.stdout.test(r.stdout))
        bad.push(`${s.name}: stdout ${JSON.stringify(r.stdout)} !~ ${x.stdout}`);
      if (x.stderr && !x.stderr.test(r.stderr))
        bad.push(`${s.name}: stderr ${JSON.stringify(r.stderr)} !~ ${x.stderr}`);
    }
    expect(bad).toEqual([]);
  });

  it.each(STEPS.map((s, i) => [s.name, i] as const))('%s', (_name, i) => {
    if (ours instanceof Error) throw ours;
    const step = STEPS[i]!;
    const cmd = `etcdctl ${step.args.join(' ')}${step.input !== undefined ? ` <<< ${JSON.stringify(step.input.slice(0, 200))}` : ''}`;
    expect(
      ours[i]!.norm,
      `${cmd}\n--- etcd 3.4 (normalized) ---\n${show(etcd[i]!.norm)}\n--- flotilla (normalized) ---\n${show(ours[i]!.norm)}`,
    ).toEqual(etcd[i]!.norm);
  });
});
