import Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SystemdState } from '../../../shared/units/types';
import { seedBusybox } from '../../docker/seed';
import { TaskManager } from '../../tasks';
import { DockerUnitHost, UNIT_LABELS } from './docker-host';
import type { HostedUnit } from './unit-host';
import { SEED_HELLO_SERVICE } from '../../../shared/units/seed-fixtures';

// Against the real local engine. A throwaway "machine" (busybox sleeping) per run; every unit
// container carries the fixed test cluster label, so leftovers of a crashed run are found and
// removed at the start.
const CLUSTER = 'flotilla-int-dockerhost';
const TEST_LABEL = 'flotilla.test';
const run = randomBytes(3).toString('hex');
const MACHINE_ID = `m${run}${'0'.repeat(26)}`;
const HOSTNAME = `core-${run}`;
const MACHINE = `flotilla-int-dockerhost-machine-${run}`;
const IMAGE = 'busybox:latest';
const docker = new Docker();
let builtImage = false;
const hosts: DockerUnitHost[] = [];

async function removeByLabel(labels: string[]): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: labels } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

const unitContainers = (unit?: string) =>
  docker.listContainers({
    all: true,
    filters: {
      label: [
        `${UNIT_LABELS.cluster}=${CLUSTER}`,
        `${UNIT_LABELS.machine}=${MACHINE_ID}`,
        ...(unit ? [`${UNIT_LABELS.unit}=${unit}`] : []),
      ],
    },
  });

function unit(name: string, content: string): HostedUnit {
  return { name, content, hash: createHash('sha1').update(content).digest('hex') };
}

function newHost(): { host: DockerUnitHost; seen: Map<string, string[]> } {
  const host = new DockerUnitHost({
    docker,
    cluster: CLUSTER,
    machineId: MACHINE_ID,
    hostname: HOSTNAME,
    machineContainer: MACHINE,
    image: IMAGE,
    pullTimeoutMs: 5000,
  });
  hosts.push(host);
  const seen = new Map<string, string[]>();
  host.onStateChange((n, s?: SystemdState) => {
    const list = seen.get(n) ?? [];
    list.push(s ? `${s.active}/${s.sub}` : 'unloaded');
    seen.set(n, list);
  });
  return { host, seen };
}

const triple = (host: DockerUnitHost, name: string) => {
  const s = host.state(name);
  return s ? `${s.load}/${s.active}/${s.sub}` : undefined;
};

beforeAll(async () => {
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`]);
  await removeByLabel([`${TEST_LABEL}=docker-host`]);
  const present = await docker
    .getImage(IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!present) {
    const tm = new TaskManager();
    const t = tm.start({ kind: 'seed', title: 'seed' }, (ctx) =>
      seedBusybox(docker, ctx, { tag: IMAGE, offline: true }),
    );
    const done = await tm.wait(t.id);
    if (done.state !== 'succeeded') throw new Error(`cannot seed ${IMAGE}: ${done.error?.message}`);
    builtImage = true;
  }
  const machine = await docker.createContainer({
    name: MACHINE,
    Image: IMAGE,
    Hostname: HOSTNAME,
    Cmd: [
      'sh',
      '-c',
      'mkdir -p /etc && echo COREOS_PUBLIC_IPV4=10.0.0.7 > /etc/environment && exec sleep 3600',
    ],
    Labels: { [TEST_LABEL]: 'docker-host' },
    HostConfig: { NetworkMode: 'none', Init: true },
  });
  await machine.start();
});

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`, `${UNIT_LABELS.machine}=${MACHINE_ID}`]);
});

afterAll(async () => {
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`]);
  await removeByLabel([`${TEST_LABEL}=docker-host`]);
  if (builtImage) {
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

const HELLO = SEED_HELLO_SERVICE;

describe('DockerUnitHost on the real engine', () => {
  it("runs the seeds' hello.service: a labelled container in the machine's netns; stop removes it", async () => {
    const { host, seen } = newHost();
    await host.load(unit('hello.service', HELLO));
    expect(triple(host, 'hello.service')).toBe('loaded/inactive/dead');
    await host.start('hello.service');
    expect(triple(host, 'hello.service')).toBe('loaded/active/running');
    expect(host.lastError('hello.service')).toBeUndefined();
    expect(seen.get('hello.service')).toEqual([
      'inactive/dead',
      'activating/start-pre',
      'activating/start',
      'active/running',
    ]);

    const name = `flotilla-${CLUSTER}-${HOSTNAME}-busybox1`;
    const info = await docker.getContainer(name).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels).toMatchObject({
      [UNIT_LABELS.cluster]: CLUSTER,
      [UNIT_LABELS.machine]: MACHINE_ID,
      [UNIT_LABELS.unit]: 'hello.service',
      [UNIT_LABELS.role]: 'unit',
    });
    const machine = await docker.getContainer(MACHINE).inspect();
    expect([`container:${MACHINE}`, `container:${machine.Id}`]).toContain(info.HostConfig.NetworkMode);
    await expect
      .poll(async () => ((await docker.getContainer(name).logs({ stdout: true })) as Buffer).toString(), {
        timeout: 5000,
      })
      .toContain('Hello World');

    await host.stop('hello.service');
    expect(triple(host, 'hello.service')).toBe('loaded/inactive/dead');
    expect(seen.get('hello.service')?.slice(-2)).toEqual(['deactivating/stop', 'inactive/dead']);
    expect(await unitContainers('hello.service')).toHaveLength(0);
  });

  it('fails the unit with the reason: main exits non-zero, image missing, -p in a shared netns', async () => {
    const { host } = newHost();
    await host.load(
      unit('boom.service', '[Service]\nExecStart=/bin/sh -c "echo boom >&2; sleep 0.3; exit 3"\n'),
    );
    await host.load(
      unit('noimage.service', '[Service]\nExecStart=/usr/bin/docker run flotilla-no-such-image true\n'),
    );
    await host.load(
      unit('port.service', '[Service]\nExecStart=/usr/bin/docker run -p 8080:80 busybox true\n'),
    );
    await host.load(unit('bad.service', '[Service]\nExecStart=/usr/bin/docker exec x ls\n'));
    await Promise.all(['boom', 'noimage', 'port', 'bad'].map((n) => host.start(`${n}.service`)));

    await expect.poll(() => triple(host, 'boom.service'), { timeout: 10_000 }).toBe('loaded/failed/failed');
    expect(host.lastError('boom.service')).toMatch(
      /Main process exited, code=exited, status=3; last output: boom/,
    );
    expect(triple(host, 'noimage.service')).toBe('loaded/failed/failed');
    expect(host.lastError('noimage.service')).toMatch(
      /Unable to find image 'flotilla-no-such-image:latest' locally, and pulling it failed/,
    );
    expect(triple(host, 'port.service')).toBe('loaded/failed/failed');
    expect(host.lastError('port.service')).toMatch(/-p\/--publish cannot be used/);
    expect(host.lastError('bad.service')).toMatch(/docker exec is not supported; supported: run, kill/);
    expect(await unitContainers()).toHaveLength(0);
  });

  it('tolerates failures of `-` lines, fails on others; Environment and EnvironmentFile reach commands', async () => {
    const { host } = newHost();
    await host.load(
      unit(
        'tolerant.service',
        [
          '[Service]',
          'Type=oneshot',
          'RemainAfterExit=yes',
          'Environment="GREETING=hello world"',
          'EnvironmentFile=/etc/environment',
          'EnvironmentFile=-/etc/missing',
          'ExecStartPre=-/bin/false',
          'ExecStartPre=-/usr/bin/docker kill nothing-here',
          'ExecStart=/bin/sh -c \'test "$GREETING" = "hello world"\'',
          'ExecStart=/bin/test ${COREOS_PUBLIC_IPV4} = 10.0.0.7',
        ].join('\n'),
      ),
    );
    await host.load(
      unit(
        'strict.service',
        '[Service]\nExecStartPre=/usr/bin/docker kill nothing-here\nExecStart=/bin/sleep 30\n',
      ),
    );
    await host.start('tolerant.service');
    expect(host.lastError('tolerant.service')).toBeUndefined();
    expect(triple(host, 'tolerant.service')).toBe('loaded/active/exited');
    await host.start('strict.service');
    expect(triple(host, 'strict.service')).toBe('loaded/failed/failed');
    expect(host.lastError('strict.service')).toMatch(
      /ExecStartPre failed \(code=exited, status=1\).*No such container/,
    );
    await host.stop('tolerant.service');
    expect(triple(host, 'tolerant.service')).toBe('loaded/inactive/dead');
  });

  it('Type=oneshot: activating/start until it exits, then inactive/dead', async () => {
    const { host, seen } = newHost();
    await host.load(
      unit(
        'once.service',
        '[Service]\nType=oneshot\nExecStart=/bin/sh -c "sleep 0.2"\nExecStart=/bin/true\n',
      ),
    );
    await host.start('once.service');
    expect(triple(host, 'once.service')).toBe('loaded/inactive/dead');
    expect(seen.get('once.service')).toEqual([
      'inactive/dead',
      'activating/start-pre',
      'activating/start',
      'deactivating/stop',
      'inactive/dead',
    ]);
    expect(await unitContainers('once.service')).toHaveLength(0);
  });

  it('Restart=on-failure restarts the main process after RestartSec', async () => {
    const { host, seen } = newHost();
    await host.load(
      unit(
        'flaky.service',
        '[Service]\nRestart=on-failure\nRestartSec=0.2\nExecStart=/usr/bin/docker run --rm busybox sh -c "sleep 0.5; exit 2"\n',
      ),
    );
    await host.start('flaky.service');
    expect(triple(host, 'flaky.service')).toBe('loaded/active/running');
    await expect
      .poll(() => seen.get('flaky.service')?.filter((s) => s === 'active/running').length, {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(seen.get('flaky.service')).toContain('activating/auto-restart');
    expect(host.lastError('flaky.service')).toMatch(/status=2/);
    await host.stop('flaky.service');
    expect(triple(host, 'flaky.service')).toMatch(/loaded\/(inactive\/dead|failed\/failed)/);
    expect(await unitContainers('flaky.service')).toHaveLength(0);
  });

  it('recover() adopts a running main container without a second one, and removes orphans', async () => {
    const content =
      '[Service]\nTimeoutStopSec=1\nExecStartPre=-/usr/bin/docker rm -f keeper\nExecStart=/usr/bin/docker run --name keeper busybox sleep 300\n';
    const first = newHost().host;
    await first.load(unit('keeper.service', content));
    await first.load(unit('ghost.service', '[Service]\nExecStart=/bin/sleep 300\n'));
    await first.start('keeper.service');
    await first.start('ghost.service');
    expect(triple(first, 'keeper.service')).toBe('loaded/active/running');
    const [before] = await unitContainers('keeper.service');
    expect(await unitContainers('ghost.service')).toHaveLength(1);
    await first.close(); // the app goes away; containers stay

    const { host } = newHost();
    await host.load(unit('keeper.service', content));
    await host.recover();
    expect(triple(host, 'keeper.service')).toBe('loaded/active/running');
    await host.start('keeper.service'); // already active: nothing new
    const after = await unitContainers('keeper.service');
    expect(after.map((c) => c.Id)).toEqual([before?.Id]);
    expect(await unitContainers('ghost.service')).toHaveLength(0);

    // The adopted container is watched: when it dies the unit sees it.
    await docker.getContainer(`flotilla-${CLUSTER}-${HOSTNAME}-keeper`).kill();
    await expect.poll(() => triple(host, 'keeper.service'), { timeout: 10_000 }).toBe('loaded/failed/failed');
    expect(host.lastError('keeper.service')).toMatch(/status=9\/KILL/);
    expect(await unitContainers()).toHaveLength(0);
  });

  it('load with a new hash stops and replaces a running unit; unload forgets it', async () => {
    const { host, seen } = newHost();
    const v1 = unit('swap.service', '[Service]\nTimeoutStopSec=1\nExecStart=/bin/sleep 300\n');
    await host.load(v1);
    await host.start('swap.service');
    expect(triple(host, 'swap.service')).toBe('loaded/active/running');
    await host.load(v1); // same hash: nothing happens
    expect(triple(host, 'swap.service')).toBe('loaded/active/running');
    await host.load(unit('swap.service', '[Service]\nTimeoutStopSec=1\nExecStart=/bin/sleep 301\n'));
    expect(triple(host, 'swap.service')).toBe('loaded/inactive/dead');
    expect(await unitContainers('swap.service')).toHaveLength(0);
    await host.load(unit('broken.service', '[Service]\nType=simple\n'));
    expect(triple(host, 'broken.service')).toBe('error/inactive/dead');
    expect(host.lastError('broken.service')).toMatch(/no ExecStart=/);
    await host.unload('swap.service');
    expect(host.state('swap.service')).toBeUndefined();
    expect(host.loaded()).toEqual(['broken.service']);
    expect(seen.get('swap.service')?.at(-1)).toBe('unloaded');
  });

  it('an engine that is not there fails the unit with the reason, never an unhandled rejection', async () => {
    const host = new DockerUnitHost({
      docker: new Docker({ host: '127.0.0.1', port: 1, protocol: 'http' }),
      cluster: CLUSTER,
      machineId: MACHINE_ID,
      hostname: HOSTNAME,
      machineContainer: MACHINE,
      image: IMAGE,
    });
    hosts.push(host);
    await host.load(unit('hello.service', HELLO));
    await host.start('hello.service');
    expect(triple(host, 'hello.service')).toBe('loaded/failed/failed');
    expect(host.lastError('hello.service')).toMatch(/ECONNREFUSED/);
  });
});
