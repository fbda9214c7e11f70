// Updates on a live 3-machine cluster (issue 9): flipping stable → alpha with etcd-lock and max 1
// rolls every machine to alpha one at a time — the KV keeps its quorum and every acknowledged
// write, and the unit pair keeps one copy running throughout; a version whose boot check fails
// rolls back by itself; alpha → stable does not downgrade; a machine outside its reboot window
// waits, and "reboot now" does not. Real Docker, real KV members, real agents.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feed, MachineUpdate, UpdatesView } from '../../shared/api';
import { engineEndpoint, dockerFor } from '../docker';
import { TaskManager } from '../tasks';
import { ClusterManager } from '../clusters/manager';
import { fleetKvClient } from '../fleet/kv-client';
import { eventually, removeLeftovers, runningMains } from '../clusters/test-helpers';
import { BUILTIN_FEED } from './feed';

const PREFIX = 'itest-upd';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
const STABLE = '4459.2.1';
const ALPHA = '4516.0.0';
const docker = dockerFor(engineEndpoint());

// A pair that never shares a machine: while one machine reboots, the other copy still runs.
const PAIR = ['pair@1.service', 'pair@2.service'];
const PAIR_UNIT = [
  '[Unit]',
  'Description=Pair %i',
  '',
  '[Service]',
  `ExecStart=/bin/sh -c "trap 'exit 0' TERM; while true; do echo pair %i; sleep 1 & wait $!; done"`,
  '',
  '[X-Fleet]',
  'Conflicts=pair@*.service',
  '',
].join('\n');

let dataDir: string;
let tasks: TaskManager;
let manager: ClusterManager;

const updates = () => manager.get(CLUSTER).updates;
const machineOf = (v: UpdatesView, host: string): MachineUpdate =>
  v.machines.find((m) => m.hostname === host)!;

async function run(task: { id: string }): Promise<void> {
  const t = await tasks.wait(task.id);
  if (t.state !== 'succeeded') throw new Error(`${t.title}: ${t.state}: ${t.error?.message}`);
}

/** A feed file: the built-in feed with `extra` releases on top of alpha. */
async function feedFile(name: string, extra: Feed['channels']['alpha']): Promise<string> {
  const feed: Feed = {
    channels: { ...BUILTIN_FEED.channels, alpha: [...extra, ...BUILTIN_FEED.channels.alpha] },
  };
  const file = join(dataDir, name);
  await writeFile(file, JSON.stringify(feed));
  return pathToFileURL(file).href;
}

beforeAll(async () => {
  await removeLeftovers(docker, PREFIX);
  dataDir = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  tasks = new TaskManager();
  manager = new ClusterManager(dataDir, docker, tasks);
  await run(await manager.create({ name: CLUSTER, machines: 3, channel: 'stable', metadata: {} }));
  const control = manager.control(CLUSTER);
  await control.submit(
    PAIR.map((name) => ({ name, content: PAIR_UNIT })),
    false,
  );
  await control.setState(PAIR, 'launched');
  await eventually(
    'both copies running',
    async () => (await Promise.all(PAIR.map((u) => runningMains(docker, CLUSTER, u)))).map((l) => l.length),
    (n) => n[0] === 1 && n[1] === 1,
    30_000,
  );
}, 180_000);

afterAll(async () => {
  if (manager?.list().some((c) => c.name === CLUSTER))
    await tasks.wait(manager.destroy(CLUSTER).id).catch(() => undefined);
  await manager?.shutdown().catch(() => undefined);
  await removeLeftovers(docker, PREFIX);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 90_000);

describe(`updates of cluster ${CLUSTER}`, () => {
  it('stable → alpha with etcd-lock, max 1: one reboot at a time, quorum and writes kept, the pair always running', async () => {
    const u = updates();
    await u.setStrategy(undefined, 'etcd-lock', null);
    expect(u.view().machines.map((m) => [m.osVersion, m.conf.group, m.conf.rebootStrategy])).toEqual([
      [STABLE, 'stable', 'etcd-lock'],
      [STABLE, 'stable', 'etcd-lock'],
      [STABLE, 'stable', 'etcd-lock'],
    ]);

    // The timeline: every view, with who was down for a reboot and who held the lock.
    const timeline: { at: number; down: string[]; holders: number }[] = [];
    const off = u.subscribe((v) =>
      timeline.push({
        at: Date.now(),
        down: v.machines
          .filter((m) => ['rebooting', 'checking', 'rolling-back'].includes(m.reboot))
          .map((m) => m.hostname),
        holders: v.locks.find((l) => l.group === '')?.holders.length ?? 0,
      }),
    );

    // A writer through the cluster's own endpoints: what it was told is stored must stay stored.
    const spec = manager.get(CLUSTER).spec;
    const endpoints = [0, 1, 2].map((i) => `127.0.0.1:${spec.kvPorts.baseClientPort + i}`);
    const kv = fleetKvClient(endpoints);
    const acked: string[] = [];
    let failures = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await kv.put(`/writer/${String(i).padStart(6, '0')}`).value(String(i));
          acked.push(String(i));
        } catch {
          failures++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // The pair, sampled: at least one copy runs at every moment.
    let fewest = 2;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const running = (await Promise.all(PAIR.map((p) => runningMains(docker, CLUSTER, p)))).flat();
        fewest = Math.min(fewest, running.length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      await u.setChannel(undefined, 'alpha');
      const done = await eventually(
        'every machine on alpha, rebooted and idle',
        () => u.view(),
        (v) =>
          v.machines.every(
            (m) =>
              m.osVersion === ALPHA && m.reboot === 'none' && m.status.currentOp === 'UPDATE_STATUS_IDLE',
          ),
        300_000,
      );
      for (const m of done.machines) {
        expect(m.conf.group).toBe('alpha');
        const active = m.partitions.find((p) => p.active)!;
        const other = m.partitions.find((p) => !p.active)!;
        expect(active).toMatchObject({ version: ALPHA, successful: true });
        expect(other).toMatchObject({ version: STABLE, successful: true });
      }
      // The last one gives the lock back after its good boot.
      await eventually(
        'the reboot lock seen free',
        () => timeline.at(-1)?.holders,
        (h) => h === 0,
        10_000,
      );
    } finally {
      off();
      writing = false;
      sampling = false;
      await writer;
      await sampler;
    }

    // Never two machines down for a reboot at once, never two lock holders; all three rebooted.
    expect(Math.max(...timeline.map((t) => t.down.length))).toBe(1);
    expect(Math.max(...timeline.map((t) => t.holders))).toBe(1);
    expect(new Set(timeline.flatMap((t) => t.down))).toEqual(new Set(['core-01', 'core-02', 'core-03']));
    expect(timeline.at(-1)!.holders).toBe(0);
    expect(fewest).toBeGreaterThanOrEqual(1);

    // Every acknowledged write is there, read back linearizably (a fresh client: the writer's
    // has members it saw go down marked as broken for a while).
    kv.close();
    const reader = fleetKvClient(endpoints);
    const stored = await reader.getAll().prefix('/writer/').strings();
    reader.close();
    const missing = acked.filter((i) => stored[`/writer/${i.padStart(6, '0')}`] !== i);
    expect(acked.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
    console.log(
      `roll: ${acked.length} writes acknowledged, ${failures} refused while a leader changed; ${timeline.length} views`,
    );

    // The machine itself says so: its os-release and update.conf.
    const host = manager.get(CLUSTER);
    const osRelease = await host['machines'].readFile(CLUSTER, 'core-02', '/usr/lib/os-release');
    expect(osRelease).toContain(`VERSION_ID=${ALPHA}`);
    const conf = await host['machines'].readFile(CLUSTER, 'core-02', '/etc/coreos/update.conf');
    expect(conf).toMatch(/^GROUP=alpha$/m);
    expect(conf).toMatch(/^REBOOT_STRATEGY=etcd-lock$/m);
    // …and its journal, as update-engine.service.
    const journal = await host.readJournal({
      machine: 'core-02',
      units: ['update-engine.service'],
      lines: 50,
    });
    expect(journal.entries.map((e) => e.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`reboots into ${ALPHA}`),
        `runs ${ALPHA} (was ${STABLE})`,
      ]),
    );
  }, 360_000);

  it('alpha → stable does not downgrade: the machine waits and says why', async () => {
    const u = updates();
    await u.setChannel('core-01', 'stable');
    const v = await eventually(
      'core-01 checked on stable',
      () => u.view(),
      (x) =>
        machineOf(x, 'core-01').conf.group === 'stable' &&
        /no downgrade/.test(machineOf(x, 'core-01').message ?? ''),
      20_000,
    );
    const m = machineOf(v, 'core-01');
    expect(m.osVersion).toBe(ALPHA);
    expect(m.status.currentOp).toBe('UPDATE_STATUS_IDLE');
    expect(m.message).toContain(`older than the running ${ALPHA}`);
    expect(m.reboot).toBe('none');
  });

  it('a version whose boot check fails rolls back to the previous partition by itself', async () => {
    const u = updates();
    const server = await feedFile('broken-feed.json', [
      {
        version: '4520.0.0',
        date: '2026-11-20',
        notes: 'Broken on purpose',
        size: 1000,
        bootCheck: 'echo disk on fire; exit 3\n',
      },
    ]);
    await u.setServer('core-02', server);
    const v = await eventually(
      'core-02 back on its previous version after a failed boot',
      () => u.view(),
      (x) =>
        machineOf(x, 'core-02').lastRollback?.from === '4520.0.0' &&
        machineOf(x, 'core-02').reboot === 'none',
      120_000,
    );
    const m = machineOf(v, 'core-02');
    expect(m.osVersion).toBe(ALPHA);
    expect(m.lastRollback).toMatchObject({ from: '4520.0.0', to: ALPHA, manual: false });
    expect(m.lastRollback!.reason).toContain('exited with 3: disk on fire');
    expect(m.partitions.find((p) => p.version === '4520.0.0')).toMatchObject({
      priority: 0,
      successful: false,
    });
    expect(m.partitions.find((p) => p.active)).toMatchObject({ version: ALPHA, successful: true });
    // The lock went back after the good boot; the next check does not try 4520.0.0 again.
    expect(v.locks.find((l) => l.group === '')!.holders).toEqual([]);
    u.check('core-02');
    const again = await eventually(
      'core-02 checked again',
      () => u.view(),
      (x) => /failed on this machine before/.test(machineOf(x, 'core-02').message ?? ''),
      20_000,
    );
    expect(machineOf(again, 'core-02').osVersion).toBe(ALPHA);
  }, 150_000);

  it('outside its reboot window a machine waits with the update ready; "reboot now" does not wait', async () => {
    const u = updates();
    const inThreeHours = new Date(Date.now() + 3 * 3_600_000);
    const start = `${String(inThreeHours.getHours()).padStart(2, '0')}:${String(inThreeHours.getMinutes()).padStart(2, '0')}`;
    await u.setStrategy('core-03', 'etcd-lock', { start, length: '1h' });
    const server = await feedFile('good-feed.json', [
      { version: '4521.0.0', date: '2026-11-21', notes: 'Good', size: 1000 },
    ]);
    await u.setServer('core-03', server);
    const waiting = await eventually(
      'core-03 waiting for its window',
      () => u.view(),
      (x) => machineOf(x, 'core-03').reboot === 'waiting-window',
      60_000,
    );
    const m = machineOf(waiting, 'core-03');
    expect(m.status).toMatchObject({
      currentOp: 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
      newVersion: '4521.0.0',
    });
    expect(m.message).toContain(`${start} for 1h`);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(machineOf(u.view(), 'core-03')).toMatchObject({ osVersion: ALPHA, reboot: 'waiting-window' });

    await run(manager.updateReboot(CLUSTER, 'core-03', 'reboot'));
    const after = machineOf(u.view(), 'core-03');
    expect(after.osVersion).toBe('4521.0.0');
    expect(after.partitions.find((p) => p.active)).toMatchObject({ version: '4521.0.0', successful: true });
  }, 150_000);

  it('a rollback by hand boots the other partition, and that version is not installed again', async () => {
    const u = updates();
    await run(manager.updateReboot(CLUSTER, 'core-03', 'rollback'));
    const m = machineOf(u.view(), 'core-03');
    expect(m.osVersion).toBe(ALPHA);
    expect(m.lastRollback).toMatchObject({ from: '4521.0.0', to: ALPHA, manual: true });
    expect(m.partitions.find((p) => p.active)).toMatchObject({ version: ALPHA, successful: true });
    expect(m.reboot).toBe('none');
    u.check('core-03');
    const after = await eventually(
      'core-03 checked after the rollback',
      () => u.view(),
      (x) => /was rolled back by hand here/.test(machineOf(x, 'core-03').message ?? ''),
      20_000,
    );
    expect(machineOf(after, 'core-03').osVersion).toBe(ALPHA);
    expect(u.view().locks.find((l) => l.group === '')!.holders).toEqual([]);
  }, 120_000);
});
