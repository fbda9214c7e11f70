import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UnitInfo } from '../../shared/api';
import type { FleetControl } from '../fleet/control';
import { LABEL_CLUSTER, machineImageTag, networkName } from '../machines';
import { TaskManager } from '../tasks';
import { ClusterManager, OS_VERSIONS } from './manager';
import {
  dockerSnapshot,
  eventually,
  hostMachineOf,
  machineContainers,
  minus,
  removeLeftovers,
  runningMains,
  tree,
  unitContainers,
  type DockerSnapshot,
  type MachineContainer,
} from './test-helpers';

// Issue 6, "Tests (real Docker engine)": one real 3-machine cluster, driven in-process through
// ClusterManager and FleetControl like the API drives it; every placement is checked on the
// containers Docker runs (labels and the machine whose network namespace they share), not only
// in the registry. Units are destroyed between cases; the last case destroys the cluster and
// checks that nothing of it is left.

const PREFIX = 'itest-live';
const NAME = `${PREFIX}-${randomBytes(2).toString('hex')}`;
const docker = new Docker();
const tasks = new TaskManager();
// Quick passes so the cases do not wait on the 2 s / 5 s defaults.
const TIMING = { engineReconcileMs: 400, agentReconcileMs: 1_000, engineLeaseTtlSec: 2 };
const METADATA = {
  'core-01': { role: 'web', disk: 'ssd' },
  'core-02': { disk: 'ssd' },
  'core-03': { disk: 'hdd' },
};

let dataDir = '';
let manager: ClusterManager | undefined;
let control: FleetControl;
let destroyed = false;
let before: DockerSnapshot;
let beforeTree: string[];
/** host name → machine id, and the machine containers by id. */
const ids: Record<string, string> = {};
let machines: Map<string, MachineContainer>;

const host = (machineId: string | undefined) =>
  Object.keys(ids).find((h) => ids[h] === machineId) ?? `unknown machine ${machineId}`;
const unit = (name: string): UnitInfo | undefined => control.listUnits().find((u) => u.name === name);
const where = async (name: string) =>
  (await runningMains(docker, NAME, name)).map((c) => host(c.machineId)).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A unit whose main process is a busybox container named after the unit (prefix). */
const sleeper = (xfleet: string[] = [], description = 'sleeps') =>
  [
    '[Unit]',
    `Description=${description}`,
    '[Service]',
    'ExecStartPre=-/usr/bin/docker rm -f %p',
    'ExecStart=/usr/bin/docker run --rm --name %p busybox sleep 3600',
    'ExecStop=/usr/bin/docker kill %p',
    ...(xfleet.length ? ['[X-Fleet]', ...xfleet] : []),
    '',
  ].join('\n');

/** The seeds' hello.service as a template, with fleet's own Conflicts= (the seed's X-Conflicts is deprecated). */
const HELLO_TEMPLATE = `[Unit]
Description=Hello World %i
After=docker.service
Requires=docker.service
[Service]
TimeoutStartSec=0
ExecStartPre=-/usr/bin/docker kill busybox-%i
ExecStartPre=-/usr/bin/docker rm busybox-%i
ExecStartPre=/usr/bin/docker pull busybox
ExecStart=/usr/bin/docker run --name busybox-%i busybox /bin/sh -c "while true; do echo Hello World %i; sleep 1; done"
ExecStop=/usr/bin/docker kill busybox-%i
[X-Fleet]
Conflicts=hello@*
`;

async function logsOf(id: string): Promise<string> {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer;
  return Buffer.from(buf).toString('utf8');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(
      `These tests need a running Docker engine and could not reach it (${(err as Error).message}). ` +
        'Start one: apt-get install -y docker.io && dockerd &',
      { cause: err },
    );
  }
  const removed = await removeLeftovers(docker, PREFIX);
  if (removed.length) console.log(`removed leftovers of an earlier run: ${removed.join(', ')}`);
  dataDir = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  before = await dockerSnapshot(docker);
  beforeTree = await tree(dataDir);
  manager = new ClusterManager(dataDir, docker, tasks, TIMING);
  const task = await manager.create({ name: NAME, machines: 3, channel: 'stable', metadata: METADATA });
  const done = await tasks.wait(task.id);
  expect(done.state, `cluster create failed: ${JSON.stringify(done.error)}`).toBe('succeeded');
  control = manager.control(NAME);
  const listed = await eventually(
    'the three agents to register their machines',
    () => control.listMachines(),
    (ms) => ms.length === 3,
  );
  for (const m of listed) ids[m.name] = m.id;
  machines = await machineContainers(docker, NAME);
  expect([...machines.keys()].sort()).toEqual(Object.values(ids).sort());
}, 120_000);

afterEach(async () => {
  if (destroyed || !manager) return;
  const names = control.listUnits().map((u) => u.name);
  if (names.length) await control.destroy(names);
  await eventually(
    'every unit and unit container to be gone',
    async () => ({
      units: control.listUnits().length,
      containers: (await unitContainers(docker, NAME)).length,
    }),
    (s) => s.units === 0 && s.containers === 0,
    30_000,
  );
}, 60_000);

afterAll(async () => {
  if (manager && !destroyed && manager.list().some((c) => c.name === NAME)) {
    await tasks.wait(manager.destroy(NAME).id).catch(() => undefined);
  }
  await manager?.shutdown();
  await tasks.shutdown();
  await removeLeftovers(docker, NAME);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe(`a live cluster on Docker (${NAME})`, () => {
  it('Conflicts: hello@ instances run on different machines; a 4th on 3 machines stays unplaced and says Conflicts', async () => {
    await control.submit([{ name: 'hello@.service', content: HELLO_TEMPLATE }], false);
    // Instances from the template, as fleetctl makes them.
    const content = control.getUnit('hello@.service').content;
    const names = [1, 2, 3, 4].map((i) => `hello@${i}.service`);
    await control.submit(
      names.map((name) => ({ name, content })),
      false,
    );
    await control.setState(names.slice(0, 2), 'launched');

    const [one, two] = await eventually(
      'hello@1 and hello@2 to run',
      async () => [await runningMains(docker, NAME, names[0]!), await runningMains(docker, NAME, names[1]!)],
      ([a, b]) => a!.length === 1 && b!.length === 1,
    );
    expect(one![0]!.machineId).not.toBe(two![0]!.machineId);
    for (const [name, c] of [
      [names[0]!, one![0]!],
      [names[1]!, two![0]!],
    ] as const) {
      expect(await hostMachineOf(docker, c.id, machines), `${name} shares its machine's namespace`).toBe(
        c.machineId,
      );
      expect(c.image).toMatch(/^busybox/);
      const info = await eventually(
        `${name} reported running`,
        () => unit(name),
        (u) => u?.states[0]?.active === 'active',
      );
      expect(info!.machineId).toBe(c.machineId);
      expect(info!.states.map((s) => [s.machineId, s.active, s.sub])).toEqual([
        [c.machineId, 'active', 'running'],
      ]);
    }
    await eventually(
      'hello@1 to greet',
      () => logsOf(one![0]!.id),
      (text) => text.includes('Hello World 1'),
      10_000,
    );

    await control.setState(names.slice(2), 'launched');
    await eventually(
      'a third instance to run and a fourth to be blocked',
      async () => ({
        running: (await unitContainers(docker, NAME)).filter((c) => c.main && c.state === 'running').length,
        blocked: names.filter((n) => unit(n)?.blocked),
      }),
      (s) => s.running === 3 && s.blocked.length === 1,
    );
    await sleep(1_500); // a few engine and agent passes: nothing moves, nothing more starts
    const running = await Promise.all(names.map((n) => runningMains(docker, NAME, n)));
    const placed = names.filter((_, i) => running[i]!.length === 1);
    const unplaced = names.filter((_, i) => running[i]!.length === 0);
    expect(placed).toHaveLength(3);
    expect(unplaced).toHaveLength(1);
    expect(new Set(running.flatMap((r) => r.map((c) => c.machineId))).size).toBe(3);

    const u = unit(unplaced[0]!)!;
    expect(u.machineId).toBeUndefined();
    expect(u.currentState).toBe('inactive');
    expect(u.states).toEqual([]);
    expect(u.blocked?.constraint).toBe('Conflicts');
    expect(u.blocked?.message).toMatch(/Conflicts=hello@\*/);
    expect(u.blocked?.ruledOut.map((r) => r.machineId).sort()).toEqual(Object.values(ids).sort());
    expect(await unitContainers(docker, NAME, unplaced[0]!)).toEqual([]);
  });

  it('MachineOf: b follows a onto its machine; while a is not launched, b is not placed and says why', async () => {
    const b = [
      '[Unit]',
      'Description=follows a (a plain command: runs in the machine image)',
      '[Service]',
      'ExecStart=/bin/sleep 3600',
      'TimeoutStopSec=2',
      '[X-Fleet]',
      'MachineOf=a.service',
      '',
    ].join('\n');
    await control.submit(
      [
        { name: 'a.service', content: sleeper() },
        { name: 'b.service', content: b },
      ],
      false,
    );
    await control.setState(['b.service'], 'launched');
    const blocked = await eventually(
      'b.service to be blocked',
      () => unit('b.service'),
      (u) => !!u?.blocked,
    );
    expect(blocked!.blocked!.constraint).toBe('MachineOf');
    expect(blocked!.blocked!.message).toMatch(/MachineOf=a\.service/);
    expect(blocked!.machineId).toBeUndefined();
    expect(await unitContainers(docker, NAME, 'b.service')).toEqual([]);

    await control.setState(['a.service'], 'launched');
    const [a1, b1] = await eventually(
      'a and b to run',
      async () => [
        await runningMains(docker, NAME, 'a.service'),
        await runningMains(docker, NAME, 'b.service'),
      ],
      ([x, y]) => x!.length === 1 && y!.length === 1,
    );
    expect(b1![0]!.machineId).toBe(a1![0]!.machineId);
    expect(await hostMachineOf(docker, b1![0]!.id, machines)).toBe(a1![0]!.machineId);
    expect(await hostMachineOf(docker, a1![0]!.id, machines)).toBe(a1![0]!.machineId);
    expect(b1![0]!.image).toBe(machineImageTag(OS_VERSIONS.stable));
    expect(unit('b.service')?.blocked).toBeUndefined();
    expect(unit('b.service')?.machineId).toBe(a1![0]!.machineId);

    // a stops being launched: b's constraint breaks, so b is unscheduled and stops as well.
    await control.setState(['a.service'], 'inactive');
    const after = await eventually(
      'b.service to be unscheduled once a.service is not',
      async () => ({ b: await where('b.service'), a: await where('a.service'), info: unit('b.service') }),
      (s) => s.a.length === 0 && s.b.length === 0 && !!s.info?.blocked,
    );
    expect(after.info!.blocked!.constraint).toBe('MachineOf');
    expect(after.info!.blocked!.message).toMatch(/a\.service/);
    expect(after.info!.machineId).toBeUndefined();
  });

  it('MachineMetadata: role=web runs only on the web machine; role=db (no such machine) is unplaced, naming the metadata', async () => {
    await control.submit(
      [
        { name: 'web.service', content: sleeper(['MachineMetadata=role=web']) },
        { name: 'db.service', content: sleeper(['MachineMetadata=role=db']) },
      ],
      false,
    );
    await control.setState(['web.service', 'db.service'], 'launched');
    const web = await eventually(
      'web.service to run',
      () => runningMains(docker, NAME, 'web.service'),
      (l) => l.length === 1,
    );
    expect(host(web[0]!.machineId)).toBe('core-01');
    expect(await hostMachineOf(docker, web[0]!.id, machines)).toBe(ids['core-01']);
    expect(control.listMachines().find((m) => m.id === ids['core-01'])?.metadata.role).toBe('web');

    const db = await eventually(
      'db.service to be blocked',
      () => unit('db.service'),
      (u) => !!u?.blocked,
    );
    expect(db!.blocked!.constraint).toBe('MachineMetadata');
    expect(db!.blocked!.message).toMatch(/role=db/);
    expect(db!.machineId).toBeUndefined();
    await sleep(1_000);
    expect(await unitContainers(docker, NAME, 'db.service')).toEqual([]);
    expect(await where('web.service')).toEqual(['core-01']);
  });

  it('Global: one copy on every machine matching MachineMetadata and none elsewhere; Conflicts keep it off a machine until the conflict goes', async () => {
    await control.submit(
      [
        { name: 'gssd.service', content: sleeper(['Global=true', 'MachineMetadata=disk=ssd']) },
        { name: 'anchor.service', content: sleeper(['MachineMetadata=disk=hdd']) },
        { name: 'gconf.service', content: sleeper(['Global=true', 'Conflicts=anchor.service']) },
      ],
      false,
    );
    await control.setState(['gssd.service', 'anchor.service'], 'launched');
    await eventually(
      'gssd on both ssd machines and anchor on core-03',
      async () => ({ gssd: await where('gssd.service'), anchor: await where('anchor.service') }),
      (s) => s.gssd.length === 2 && s.anchor.length === 1,
    );
    await sleep(1_500); // agents' passes: no copy shows up on the hdd machine
    expect(await where('gssd.service')).toEqual(['core-01', 'core-02']);
    expect(await where('anchor.service')).toEqual(['core-03']);
    for (const c of await runningMains(docker, NAME, 'gssd.service'))
      expect(await hostMachineOf(docker, c.id, machines)).toBe(c.machineId);
    const g = unit('gssd.service')!;
    expect(g.global).toBe(true);
    expect(g.machineId).toBeUndefined();
    expect(g.states.map((s) => [host(s.machineId), s.active, s.sub]).sort()).toEqual([
      ['core-01', 'active', 'running'],
      ['core-02', 'active', 'running'],
    ]);

    // fleet's agents run a global unit only where it conflicts with nothing placed there.
    await control.setState(['gconf.service'], 'launched');
    await eventually(
      'gconf on core-01 and core-02',
      () => where('gconf.service'),
      (w) => w.length === 2,
    );
    await sleep(1_500);
    expect(await where('gconf.service')).toEqual(['core-01', 'core-02']);
    expect(
      await unitContainers(docker, NAME, 'gconf.service').then((l) => l.map((c) => host(c.machineId))),
    ).not.toContain('core-03');
    expect(await where('anchor.service')).toEqual(['core-03']);

    // The conflicting unit goes: the global unit comes to core-03 as well.
    await control.destroy(['anchor.service']);
    await eventually(
      'gconf on all three machines once anchor.service is gone',
      () => where('gconf.service'),
      (w) => w.length === 3,
    );
    expect(await where('gssd.service')).toEqual(['core-01', 'core-02']);
  });

  it('faults: a missing image and a missing command fail their units with the reason, are retried with backoff, and a healthy unit beside them keeps running', async () => {
    const target = ids['core-02']!;
    const pin = `MachineID=${target}`;
    await control.submit([{ name: 'healthy.service', content: sleeper([pin]) }], false);
    await control.setState(['healthy.service'], 'launched');
    const [healthy] = await eventually(
      'healthy.service to run',
      () => runningMains(docker, NAME, 'healthy.service'),
      (l) => l.length === 1,
    );
    expect(healthy!.machineId).toBe(target);
    const startedAt = (await docker.getContainer(healthy!.id).inspect()).State.StartedAt;

    const badImage = [
      '[Service]',
      'ExecStart=/usr/bin/docker run --rm --name x no-such-image-flotilla:1 sleep 3600',
      '[X-Fleet]',
      pin,
      '',
    ].join('\n');
    const badCommand = ['[Service]', 'ExecStart=/usr/bin/no-such-command', '[X-Fleet]', pin, ''].join('\n');
    await control.submit(
      [
        { name: 'bad-image.service', content: badImage },
        { name: 'bad-command.service', content: badCommand },
      ],
      false,
    );
    await control.setState(['bad-image.service', 'bad-command.service'], 'launched');
    const failed = await eventually(
      'both faulty units to be failed',
      () => [unit('bad-image.service'), unit('bad-command.service')],
      (us) => us.every((u) => u?.states[0]?.active === 'failed'),
      30_000,
    );
    for (const u of failed) {
      expect(u!.machineId).toBe(target);
      expect(u!.desiredState).toBe('launched');
      expect(u!.states).toHaveLength(1);
      expect(u!.states[0]).toMatchObject({
        machineId: target,
        load: 'loaded',
        active: 'failed',
        sub: 'failed',
      });
    }
    expect(failed[0]!.states[0]!.reason).toMatch(/no-such-image-flotilla:1/);
    expect(failed[1]!.states[0]!.reason).toMatch(/no-such-command/);

    // Both causes lie outside the units, so the agent starts them again with backoff (1, 2, 4 … s),
    // and says so in the journal each time.
    const failures = async () =>
      (await manager!.get(NAME).readJournal({ units: ['bad-command.service'], lines: 1000 })).entries.filter(
        (e) => e.stream === 'system' && /^Failed to start/.test(e.text),
      ).length;
    await eventually('bad-command.service to be tried again', failures, (n) => n >= 2, 15_000);
    // Between attempts it is failed, with the reason.
    await eventually(
      'bad-command.service failed with its reason',
      () => unit('bad-command.service')?.states[0],
      (st) => st?.active === 'failed' && /no-such-command/.test(st.reason ?? ''),
    );
    // Once the image exists, the next attempt runs it.
    await docker.getImage('busybox:latest').tag({ repo: 'no-such-image-flotilla', tag: '1' });
    try {
      await eventually(
        'bad-image.service to run once its image exists',
        () => runningMains(docker, NAME, 'bad-image.service'),
        (l) => l.length === 1 && l[0]!.machineId === target,
        20_000,
      );
    } finally {
      await docker
        .getImage('no-such-image-flotilla:1')
        .remove()
        .catch(() => undefined);
    }

    // Nothing else on the machine broke.
    const still = await runningMains(docker, NAME, 'healthy.service');
    expect(still.map((c) => c.id)).toEqual([healthy!.id]);
    expect((await docker.getContainer(healthy!.id).inspect()).State.StartedAt).toBe(startedAt);
    expect(unit('healthy.service')?.states.map((s) => [s.machineId, s.active, s.sub])).toEqual([
      [target, 'active', 'running'],
    ]);
    expect((await machineContainers(docker, NAME)).get(target)?.running).toBe(true);
    expect(control.listMachines().map((m) => m.id)).toContain(target);
  });

  // Last: it takes the cluster away.
  it('destroy leaves nothing behind: containers, networks, images, files and KV ports as they were before create', async () => {
    // Units running on every machine, so the destroy has unit containers to remove too.
    await control.submit([{ name: 'everywhere.service', content: sleeper(['Global=true']) }], false);
    await control.setState(['everywhere.service'], 'launched');
    await eventually(
      'everywhere.service on all three machines',
      () => where('everywhere.service'),
      (w) => w.length === 3,
    );
    const spec = manager!.get(NAME).spec;
    const ports = spec.machines
      .filter((m) => m.kvMember)
      .flatMap((_, i) => [spec.kvPorts.basePeerPort + i, spec.kvPorts.baseClientPort + i]);

    const done = await tasks.wait(manager!.destroy(NAME).id);
    destroyed = true;
    expect(done.state, `destroy failed: ${JSON.stringify(done.error)}`).toBe('succeeded');
    expect(manager!.list().map((c) => c.name)).not.toContain(NAME);
    expect(() => manager!.control(NAME)).toThrow(/No cluster named/);

    const after = await dockerSnapshot(docker);
    // Other work may use this engine meanwhile: a new container counts against the cluster only
    // when it is provably the cluster's (label, name, or sharing a machine's namespace / network).
    const newContainers = await Promise.all(
      minus(after.containers, before.containers).map(async (id) => {
        const i = await docker
          .getContainer(id)
          .inspect()
          .catch(() => undefined);
        return {
          id: id.slice(0, 12),
          name: i?.Name ?? '(gone)',
          labels: i?.Config.Labels ?? {},
          networkMode: i?.HostConfig.NetworkMode ?? '',
          networks: Object.keys(i?.NetworkSettings.Networks ?? {}),
        };
      }),
    );
    const ours = newContainers.filter(
      (c) =>
        c.labels[LABEL_CLUSTER] === NAME ||
        c.name.includes(NAME) ||
        [...machines.values()].some((m) => c.networkMode.includes(m.id) || c.networkMode.includes(m.name)) ||
        c.networks.includes(networkName(NAME)),
    );
    if (newContainers.length > ours.length)
      console.log(
        'containers made meanwhile by something else:',
        newContainers.filter((c) => !ours.includes(c)),
      );
    expect(ours, 'containers the destroy left').toEqual([]);
    expect(await unitContainers(docker, NAME)).toEqual([]);
    expect((await machineContainers(docker, NAME)).size).toBe(0);

    const netInfo = new Map(
      (await docker.listNetworks()).map((n) => [n.Id, { name: n.Name, labels: n.Labels ?? {} }]),
    );
    const newNetworks = minus(after.networks, before.networks).map((id) => ({ id, ...netInfo.get(id) }));
    const ourNetworks = newNetworks.filter(
      (n) => n.name === networkName(NAME) || n.labels?.[LABEL_CLUSTER] === NAME,
    );
    if (newNetworks.length > ourNetworks.length)
      console.log(
        'networks made meanwhile by something else:',
        newNetworks.filter((n) => !ourNetworks.includes(n)),
      );
    expect(ourNetworks, 'networks the destroy left').toEqual([]);

    // Images carry no cluster label: any new image a cluster could have made (the machine image,
    // busybox, images of units) counts against it; others are shown.
    const imageInfo = new Map(
      (await docker.listImages({ all: true })).map((i) => [
        i.Id,
        { tags: i.RepoTags ?? [], labels: i.Labels ?? {} },
      ]),
    );
    const newImages = minus(after.images, before.images).map((id) => ({
      id,
      tags: [],
      labels: {},
      ...imageInfo.get(id),
    }));
    const couldBeOurs = (i: { tags: string[]; labels: Record<string, string> }) =>
      i.tags.length === 0 ||
      i.tags.some((t) => /^(flotilla|busybox|no-such-image)/.test(t)) ||
      Object.keys(i.labels).some((k) => k.startsWith('flotilla.'));
    if (newImages.some((i) => !couldBeOurs(i)))
      console.log(
        'images made meanwhile by something else:',
        newImages.filter((i) => !couldBeOurs(i)),
      );
    expect(newImages.filter(couldBeOurs), 'images the cluster left').toEqual([]);

    // The store's root (`clusters/`, beside the `active` file) is the app's, not the cluster's: it may stay.
    const left = (await tree(dataDir)).filter((e) => e !== 'd clusters');
    expect(left, 'files the destroy left in the data dir').toEqual(beforeTree);

    const busy = [];
    for (const p of ports) if (!(await portFree(p))) busy.push(p);
    expect(busy, 'KV ports still bound after the destroy').toEqual([]);
  });
});
