// Failover and fencing on a live cluster (issue 6, item 4): a killed machine's units run elsewhere
// within 5 s; when it comes back, its stale copies are gone before it rejoins; a clean stop moves
// units first; and at no moment does a unit run twice. Real Docker, real KV members, real agents.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_HELLO_SERVICE } from '../../shared/units/seed-fixtures';
import { engineEndpoint, dockerFor } from '../docker';
import { TaskManager } from '../tasks';
import { ClusterManager } from './manager';
import { eventually, removeLeftovers, runningMains, unitContainers } from './test-helpers';

const PREFIX = 'itest-fo';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
const UNIT = 'hello.service';
const docker = dockerFor(engineEndpoint());

let dataDir: string;
let tasks: TaskManager;
let manager: ClusterManager;

async function run(task: { id: string }): Promise<void> {
  const t = await tasks.wait(task.id);
  if (t.state !== 'succeeded') throw new Error(`${t.title}: ${t.state}: ${t.error?.message}`);
}

/** Samples the running copies of a unit every 50 ms; `stop()` returns the largest count seen. */
function watchCopies(unit: string): { stop: () => Promise<number> } {
  let max = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      max = Math.max(max, (await runningMains(docker, CLUSTER, unit)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return max;
    },
  };
}

/** The unit's one running copy once it runs on another machine than `machineId`. */
async function runningElsewhere(machineId: string) {
  const seen = await eventually(
    'hello running on another machine',
    async () => ({
      running: await runningMains(docker, CLUSTER, UNIT),
      units: manager.control(CLUSTER).listUnits(),
      containers: await unitContainers(docker, CLUSTER, UNIT),
    }),
    (l) => l.running.length === 1 && l.running[0]!.machineId !== machineId,
    15_000,
  );
  return seen.running[0]!;
}

const hostnameOf = (machineId: string) =>
  manager.get(CLUSTER).spec.machines.find((m) => m.machineId === machineId)?.hostname ??
  `unknown ${machineId}`;

beforeAll(async () => {
  await removeLeftovers(docker, PREFIX);
  dataDir = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  tasks = new TaskManager();
  manager = new ClusterManager(dataDir, docker, tasks);
  await run(await manager.create({ name: CLUSTER, machines: 3, channel: 'stable', metadata: {} }));
  const control = manager.control(CLUSTER);
  await control.submit([{ name: UNIT, content: SEED_HELLO_SERVICE }], false);
  await control.setState([UNIT], 'launched');
  await eventually(
    'hello running',
    () => runningMains(docker, CLUSTER, UNIT),
    (l) => l.length === 1,
    30_000,
  );
}, 120_000);

afterAll(async () => {
  if (manager) await run(manager.destroy(CLUSTER)).catch(() => undefined);
  await tasks?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
  await removeLeftovers(docker, PREFIX);
}, 60_000);

describe('a machine killed under its unit', () => {
  it('has the unit running elsewhere within 5 s, and once back runs no stale copy', async () => {
    const [before] = await runningMains(docker, CLUSTER, UNIT);
    const victim = hostnameOf(before!.machineId);
    const copies = watchCopies(UNIT);
    const t0 = Date.now();
    await run(manager.machineLife(CLUSTER, victim, 'kill'));
    // The unit's container died with its machine (it lives in the machine's PID namespace).
    const stale = (await unitContainers(docker, CLUSTER, UNIT)).find((c) => c.id === before!.id);
    expect(stale?.state).not.toBe('running');
    const after = await runningElsewhere(before!.machineId);
    const failoverMs = Date.now() - t0;
    console.log(`failover: ${failoverMs} ms (${victim} → ${hostnameOf(after.machineId)})`);
    expect(failoverMs).toBeLessThan(5_000);
    expect(
      manager
        .get(CLUSTER)
        .listMachines()
        .find((m) => m.name === victim)?.life,
    ).toBe('dead');

    await run(manager.machineLife(CLUSTER, victim, 'start'));
    // Fenced: nothing of the unit is left on the returning machine, and it runs once, elsewhere.
    const leftovers = (await unitContainers(docker, CLUSTER, UNIT)).filter(
      (c) => c.machineId === before!.machineId,
    );
    expect(leftovers).toEqual([]);
    const now = await runningMains(docker, CLUSTER, UNIT);
    expect(now.map((c) => c.id)).toEqual([after.id]);
    expect(await copies.stop()).toBe(1);
    const back = manager
      .get(CLUSTER)
      .listMachines()
      .find((m) => m.name === victim);
    expect(back?.life).toBe('up');
    await eventually(
      'the returned machine registered again',
      () =>
        manager
          .control(CLUSTER)
          .listMachines()
          .map((m) => m.name),
      (names) => names.includes(victim),
    );
  }, 60_000);
});

describe('a clean machine stop', () => {
  it('moves its units first and never runs one twice', async () => {
    const [before] = await runningMains(docker, CLUSTER, UNIT);
    const host = hostnameOf(before!.machineId);
    const copies = watchCopies(UNIT);
    await run(manager.machineLife(CLUSTER, host, 'stop'));
    const after = await runningElsewhere(before!.machineId);
    expect(await copies.stop()).toBe(1);
    expect(
      manager
        .get(CLUSTER)
        .listMachines()
        .find((m) => m.name === host)?.life,
    ).toBe('stopped');
    // A stopped machine stays stopped when the app comes back.
    await manager.shutdown();
    const again = new ClusterManager(dataDir, docker, tasks);
    await Promise.all((await again.restore()).map((t) => run(t)));
    manager = again;
    expect(
      manager
        .get(CLUSTER)
        .listMachines()
        .find((m) => m.name === host)?.life,
    ).toBe('stopped');
    // The unit was adopted, not started again.
    expect((await runningMains(docker, CLUSTER, UNIT)).map((c) => c.id)).toEqual([after.id]);
    await run(manager.machineLife(CLUSTER, host, 'start'));
    expect(
      manager
        .get(CLUSTER)
        .listMachines()
        .find((m) => m.name === host)?.life,
    ).toBe('up');
  }, 90_000);

  it('is refused when it would cost the KV its quorum', async () => {
    const hosts = manager.get(CLUSTER).spec.machines.map((m) => m.hostname);
    await run(manager.machineLife(CLUSTER, hosts[0]!, 'stop'));
    const t = await tasks.wait(manager.machineLife(CLUSTER, hosts[1]!, 'stop').id);
    expect(t.state).toBe('failed');
    expect(t.error?.message).toMatch(/quorum/);
    await run(manager.machineLife(CLUSTER, hosts[0]!, 'start'));
  }, 60_000);
});
