// Scheduler benchmark: 10,000 units with mixed X-Fleet constraints over 100 machines registered in
// a real KV (machines under leases, as agents register them), placed by Flotilla's engine through
// the etcd3 client. The same engine runs once against a 3-member Flotilla KV (`flotctl kv serve`)
// and once against a 3-member Debian etcd 3.4, one after the other, so the KV's share is visible.
// Measures the time from the engine's election to every placeable unit placed, and KV writes per
// placement (revisions and keys). fleet's documented limit was 1,000 units over 100 machines.
// Run: node bench/run.mjs bench/sched.ts [--units=10000] [--machines=100] [--only=etcd|flotilla]
import { Etcd3 } from 'etcd3';
import { FleetEngine } from '../src/main/fleet/engine/engine';
import { Registry, FLEET_PREFIX } from '../src/main/fleet/registry';
import { startCluster, type ClusterKind } from '../src/main/kv/conformance/clusters';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}
const UNITS = Number(arg('units', '10000'));
const MACHINES = Number(arg('machines', '100'));
const ONLY = arg('only', '');
const KINDS: ClusterKind[] = (['flotilla', 'etcd'] as const).filter((k) => !ONLY || ONLY === k);
const REGIONS = ['eu', 'us', 'ap', 'sa'];

// Distinct 8-character prefixes, so MachineID= short ids name one machine each.
const mid = (n: number) => n.toString(16).padStart(8, '0').repeat(4);

/** A unit file with the constraint mix: plain, metadata, conflicts, MachineOf, MachineID. */
function unitFor(i: number): { name: string; content: string } {
  const head = `[Unit]\nDescription=bench ${i}\n\n[Service]\nExecStart=/bin/sh -c "sleep 1000"\n`;
  const kind = i % 20;
  if (kind < 8) return { name: `plain-${i}.service`, content: head };
  if (kind < 12)
    return {
      name: `meta-${i}.service`,
      content: `${head}\n[X-Fleet]\nMachineMetadata=region=${REGIONS[i % 4]} region=${REGIONS[(i + 1) % 4]}\nMachineMetadata=disk=ssd\n`,
    };
  if (kind < 16)
    // Instances of one of 40 services, each at most once per machine.
    return {
      name: `web${i % 40}@${i}.service`,
      content: `${head}\n[X-Fleet]\nConflicts=web${i % 40}@*.service\n`,
    };
  if (kind < 18)
    return {
      name: `side-${i}.service`,
      content: `${head}\n[X-Fleet]\nMachineOf=plain-${i - (i % 20)}.service\n`,
    };
  return {
    name: `pinned-${i}.service`,
    content: `${head}\n[X-Fleet]\nMachineID=${mid((i % MACHINES) + 1).slice(0, 8)}\n`,
  };
}

async function parallel<T>(items: T[], width: number, fn: (chunk: T[]) => Promise<unknown>): Promise<void> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += 100) chunks.push(items.slice(i, i + 100));
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < chunks.length) await fn(chunks[next++]!);
    }),
  );
}

interface Figures {
  placed: number;
  blocked: number;
  seconds: number;
  revisionsPerPlacement: number;
  keysPerPlacement: number;
}

async function runOn(kind: ClusterKind): Promise<Figures> {
  const cluster = await startCluster(kind);
  const etcd = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
  try {
    const reg = new Registry(etcd);
    const lease = etcd.lease(600);
    const leaseId = await lease.grant();
    for (let n = 1; n <= MACHINES; n++)
      await reg.registerMachine(
        {
          id: mid(n),
          name: `core-${n}`,
          ip: `10.0.${n >> 8}.${n & 255}`,
          version: 'bench',
          metadata: { region: REGIONS[n % 4]!, disk: n % 3 === 0 ? 'hdd' : 'ssd' },
        },
        leaseId,
      );
    const units = Array.from({ length: UNITS }, (_, i) => unitFor(i));
    await parallel(units, 16, (chunk) => reg.submit(chunk, false));
    await parallel(units, 16, (chunk) =>
      reg.setDesired(
        chunk.map((u) => u.name),
        'launched',
      ),
    );

    // Count every key the engine writes, through a watch, from here on.
    let keyWrites = 0;
    const watcher = await etcd.watch().prefix(`${FLEET_PREFIX}job/`).create();
    watcher.on('data', (res) => (keyWrites += res.events.length));
    const before = BigInt((await etcd.kv.range({ key: Buffer.from('bench-rev') })).header.revision);

    const engine = new FleetEngine(reg, { id: 'bench', reconcileIntervalMs: 60_000, leaseTtlSec: 10 });
    const t0 = process.hrtime.bigint();
    engine.start();
    // The first pass places everything placeable (later ones change nothing).
    let placed = 0;
    let blocked = 0;
    while (!engine.lastReconcileAt) {
      const failed = engine.lastPassError;
      if (failed) throw new Error(`the engine's pass failed: ${failed.message}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const { model } = await reg.load();
    for (const j of model.units()) {
      if (j.target) placed++;
      else if (j.blocked) blocked++;
    }
    const after = BigInt((await etcd.kv.range({ key: Buffer.from('bench-rev') })).header.revision);
    await new Promise((r) => setTimeout(r, 300)); // let the watch deliver
    await watcher.cancel();
    await engine.stop();
    await lease.revoke();
    return {
      placed,
      blocked,
      seconds,
      revisionsPerPlacement: Number(after - before) / Math.max(1, placed),
      keysPerPlacement: keyWrites / Math.max(1, placed),
    };
  } finally {
    etcd.close();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const results = new Map<ClusterKind, Figures>();
  for (const kind of KINDS) {
    process.stderr.write(`${kind}: registering ${MACHINES} machines, submitting ${UNITS} units…\n`);
    results.set(kind, await runOn(kind));
  }
  console.log(
    `bench:sched — ${UNITS} units (40% plain, 20% metadata, 20% conflicts, 10% MachineOf, 10% MachineID) over ${MACHINES} machines`,
  );
  console.log(
    "anchor: fleet's documented limit was 1,000 units over 100 machines; target: every unit placed in under 2 s",
  );
  console.log(
    ['KV', 'placed', 'blocked', 'time to place', 'revisions/placement', 'keys/placement'].join('\t'),
  );
  for (const [kind, f] of results)
    console.log(
      [
        kind,
        f.placed,
        f.blocked,
        `${f.seconds.toFixed(2)} s`,
        f.revisionsPerPlacement.toFixed(3),
        f.keysPerPlacement.toFixed(2),
      ].join('\t'),
    );
  const fl = results.get('flotilla');
  const et = results.get('etcd');
  if (fl && et)
    console.log(
      `ratio flotilla/etcd time to place: ${(fl.seconds / et.seconds).toFixed(2)}× (lower is better)`,
    );
  if (fl) console.log(`target (< 2 s on the embedded KV): ${fl.seconds < 2 ? 'met' : 'NOT met'}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
