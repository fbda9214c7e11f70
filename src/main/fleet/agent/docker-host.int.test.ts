import Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../shared/api';
import type { SystemdState } from '../../../shared/units/types';
import { seedBusybox } from '../../docker/seed';
import { ClusterJournals } from '../../journal';
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
const journals: ClusterJournals[] = [];
const tempDirs: string[] = [];
/** Extra machines and networks some tests make (all carry TEST_LABEL; removed in afterAll). */
const NETWORK = `flotilla-int-dockerhost-net-${run}`;

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

/** A journal dir of its own per test (real files), closed and removed after the test. */
async function newJournals(dir?: string): Promise<ClusterJournals> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'jtest-dockerhost-')));
  if (!dir) tempDirs.push(d);
  const j = new ClusterJournals(d);
  journals.push(j);
  return j;
}

interface Machine {
  id: string;
  hostname: string;
  container: string;
}
const DEFAULT_MACHINE: Machine = { id: MACHINE_ID, hostname: HOSTNAME, container: MACHINE };

function newHost(opts: { journal?: ClusterJournals; machine?: Machine } = {}): {
  host: DockerUnitHost;
  seen: Map<string, string[]>;
} {
  const m = opts.machine ?? DEFAULT_MACHINE;
  const host = new DockerUnitHost({
    docker,
    cluster: CLUSTER,
    machineId: m.id,
    hostname: m.hostname,
    machineContainer: m.container,
    image: IMAGE,
    pullTimeoutMs: 5000,
    ...(opts.journal ? { journal: opts.journal.machine(m.id, m.hostname) } : {}),
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

async function journalOf(j: ClusterJournals, unitName: string): Promise<JournalEntry[]> {
  return (await j.read({ units: [unitName], lines: 1_000_000 })).entries;
}

const texts = (entries: JournalEntry[], stream?: JournalEntry['stream']) =>
  entries.filter((e) => !stream || e.stream === stream).map((e) => e.text);

/** Another machine container (the default one lives for the whole file). */
async function newMachine(suffix: string, network?: string): Promise<Machine> {
  const hostname = `core-${run}${suffix}`;
  const container = `${MACHINE}-${suffix}`;
  const c = await docker.createContainer({
    name: container,
    Image: IMAGE,
    Hostname: hostname,
    Cmd: ['sleep', '3600'],
    Labels: { [TEST_LABEL]: 'docker-host' },
    HostConfig: { NetworkMode: network ?? 'none', Init: true },
  });
  await c.start();
  return { id: `m${run}${suffix}`.padEnd(32, '0'), hostname, container };
}

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const triple = (host: DockerUnitHost, name: string) => {
  const s = host.state(name);
  return s ? `${s.load}/${s.active}/${s.sub}` : undefined;
};

beforeAll(async () => {
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`]);
  await removeByLabel([`${TEST_LABEL}=docker-host`]);
  for (const n of await docker.listNetworks({ filters: { label: [`${TEST_LABEL}=docker-host`] } })) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
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
  for (const j of journals.splice(0)) await j.close();
  for (const d of tempDirs.splice(0)) await rm(d, { recursive: true, force: true });
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`, `${UNIT_LABELS.role}=unit`]);
});

afterAll(async () => {
  await removeByLabel([`${UNIT_LABELS.cluster}=${CLUSTER}`]);
  await removeByLabel([`${TEST_LABEL}=docker-host`]);
  const nets = await docker.listNetworks({ filters: { label: [`${TEST_LABEL}=docker-host`] } });
  for (const n of nets) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
  if (builtImage) {
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

const HELLO = SEED_HELLO_SERVICE;

describe('DockerUnitHost on the real engine', () => {
  it("runs the seeds' hello.service: a labelled container in the machine's namespaces, its output in the journal", async () => {
    const journal = await newJournals();
    const { host, seen } = newHost({ journal });
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
    expect([`container:${MACHINE}`, `container:${machine.Id}`]).toContain(info.HostConfig.PidMode);

    // The journal: systemd's lines, then the container's output with Docker's timestamps.
    await expect
      .poll(async () => texts(await journalOf(journal, 'hello.service'), 'stdout').length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(2);
    const entries = await journalOf(journal, 'hello.service');
    const system = texts(entries, 'system');
    expect(system.slice(0, 2)).toEqual(['Starting Hello World...', 'Started Hello World.']);
    const hello = entries.filter((e) => e.stream === 'stdout');
    expect(new Set(hello.map((e) => e.text))).toEqual(new Set(['Hello World']));
    for (const e of entries) {
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(e).toMatchObject({ machineId: MACHINE_ID, hostname: HOSTNAME, unit: 'hello.service' });
    }
    // A second apart, as the loop prints them; and not before the unit was started.
    const [t0, t1] = hello.map((e) => Date.parse(e.time));
    expect((t1 as number) - (t0 as number)).toBeGreaterThan(700);
    const started = entries.find((e) => e.text === 'Starting Hello World...') as JournalEntry;
    expect(t0).toBeGreaterThanOrEqual(Date.parse(started.time) - 1000);

    await host.stop('hello.service');
    expect(triple(host, 'hello.service')).toBe('loaded/inactive/dead');
    expect(seen.get('hello.service')?.slice(-2)).toEqual(['deactivating/stop', 'inactive/dead']);
    expect(await unitContainers('hello.service')).toHaveLength(0);
    expect(texts(await journalOf(journal, 'hello.service'), 'system').slice(-2)).toEqual([
      'Stopping Hello World...',
      'Stopped Hello World.',
    ]);
  });

  it('fails the unit with the reason, in its state and its journal: exit code, image missing, command not found', async () => {
    const journal = await newJournals();
    const { host } = newHost({ journal });
    await host.load(
      unit(
        'boom.service',
        '[Unit]\nDescription=Boom\n[Service]\nExecStart=/bin/sh -c "echo out; echo boom >&2; sleep 0.3; exit 3"\n',
      ),
    );
    await host.load(
      unit('noimage.service', '[Service]\nExecStart=/usr/bin/docker run flotilla-no-such-image true\n'),
    );
    await host.load(unit('nocmd.service', '[Service]\nExecStart=/usr/bin/flotilla-no-such-command\n'));
    await host.load(unit('bad.service', '[Service]\nExecStart=/usr/bin/docker exec x ls\n'));
    await Promise.all(['boom', 'noimage', 'nocmd', 'bad'].map((n) => host.start(`${n}.service`)));

    await expect.poll(() => triple(host, 'boom.service'), { timeout: 10_000 }).toBe('loaded/failed/failed');
    expect(host.lastError('boom.service')).toMatch(
      /Main process exited, code=exited, status=3\/NOTIMPLEMENTED; last output: .*boom/,
    );
    expect(host.retryable('boom.service')).toBe(false);
    const boom = await journalOf(journal, 'boom.service');
    expect(texts(boom, 'stdout')).toEqual(['out']);
    expect(texts(boom, 'stderr')).toEqual(['boom']);
    expect(texts(boom, 'system')).toEqual([
      'Starting Boom...',
      'Started Boom.',
      'boom.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED',
      "boom.service: Failed with result 'exit-code'.",
    ]);

    expect(triple(host, 'noimage.service')).toBe('loaded/failed/failed');
    expect(host.lastError('noimage.service')).toMatch(
      /Unable to find image 'flotilla-no-such-image:latest' locally, and pulling it failed/,
    );
    expect(host.retryable('noimage.service')).toBe(true);
    expect(texts(await journalOf(journal, 'noimage.service'), 'system')).toEqual([
      'Starting noimage.service...',
      expect.stringMatching(
        /^noimage.service: ExecStart: Unable to find image 'flotilla-no-such-image:latest' locally/,
      ),
      "noimage.service: Failed with result 'resources'.",
      'Failed to start noimage.service.',
    ]);

    expect(triple(host, 'nocmd.service')).toBe('loaded/failed/failed');
    expect(host.retryable('nocmd.service')).toBe(true);
    const nocmd = texts(await journalOf(journal, 'nocmd.service'), 'system');
    expect(nocmd[1]).toMatch(
      /^nocmd.service: ExecStart: .*flotilla-no-such-command.*no such file or directory/,
    );
    expect(nocmd.slice(-1)).toEqual(['Failed to start nocmd.service.']);

    expect(host.lastError('bad.service')).toMatch(/docker exec is not supported; supported: run, kill/);
    expect(texts(await journalOf(journal, 'bad.service'), 'system')[1]).toMatch(
      /^bad.service: ExecStart: docker exec is not supported/,
    );
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
      /ExecStartPre failed \(code=exited, status=1\/FAILURE\).*No such container/,
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

  it('Restart=on-failure restarts the main process after RestartSec, saying so in the journal', async () => {
    const journal = await newJournals();
    const { host, seen } = newHost({ journal });
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
    await expect
      .poll(async () => texts(await journalOf(journal, 'flaky.service'), 'system').slice(0, 8))
      .toEqual([
        'Starting flaky.service...',
        'Started flaky.service.',
        'flaky.service: Main process exited, code=exited, status=2/INVALIDARGUMENT',
        "flaky.service: Failed with result 'exit-code'.",
        'flaky.service: Scheduled restart job, restart counter is at 1.',
        'Stopped flaky.service.',
        'Starting flaky.service...',
        'Started flaky.service.',
      ]);
    await host.stop('flaky.service');
    expect(triple(host, 'flaky.service')).toMatch(/loaded\/(inactive\/dead|failed\/failed)/);
    expect(await unitContainers('flaky.service')).toHaveLength(0);
  });

  it('recover() adopts a running main container without a second one, resumes its output, removes orphans', async () => {
    const content =
      '[Service]\nTimeoutStopSec=1\nExecStartPre=-/usr/bin/docker rm -f keeper\nExecStart=/usr/bin/docker run --name keeper busybox sh -c "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done"\n';
    const dir = await mkdtemp(join(tmpdir(), 'jtest-dockerhost-'));
    tempDirs.push(dir);
    const journal1 = await newJournals(dir);
    const first = newHost({ journal: journal1 }).host;
    await first.load(unit('keeper.service', content));
    await first.load(unit('ghost.service', '[Service]\nExecStart=/bin/sleep 300\n'));
    await first.start('keeper.service');
    await first.start('ghost.service');
    expect(triple(first, 'keeper.service')).toBe('loaded/active/running');
    const [before] = await unitContainers('keeper.service');
    expect(await unitContainers('ghost.service')).toHaveLength(1);
    await expect
      .poll(async () => texts(await journalOf(journal1, 'keeper.service'), 'stdout').length)
      .toBeGreaterThan(3);
    await first.close(); // the app goes away; containers stay
    await journal1.close();
    await new Promise((r) => setTimeout(r, 500)); // it keeps ticking while nobody reads

    const journal = await newJournals(dir);
    const { host } = newHost({ journal });
    await host.load(unit('keeper.service', content));
    await host.recover();
    expect(triple(host, 'keeper.service')).toBe('loaded/active/running');
    await host.start('keeper.service'); // already active: nothing new
    const after = await unitContainers('keeper.service');
    expect(after.map((c) => c.Id)).toEqual([before?.Id]);
    expect(await unitContainers('ghost.service')).toHaveLength(0);
    // Its output goes on in the journal from where the first run stopped: every tick once.
    const ticks = async () =>
      texts(await journalOf(journal, 'keeper.service'), 'stdout').map((t) => Number(t.split(' ')[1]));
    const seenBefore = (await ticks()).length;
    await expect.poll(async () => (await ticks()).length, { timeout: 5000 }).toBeGreaterThan(seenBefore + 15);
    const all = await ticks();
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));

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
    const journal = await newJournals();
    const host = new DockerUnitHost({
      docker: new Docker({ host: '127.0.0.1', port: 1, protocol: 'http' }),
      cluster: CLUSTER,
      machineId: MACHINE_ID,
      hostname: HOSTNAME,
      machineContainer: MACHINE,
      image: IMAGE,
      journal: journal.machine(MACHINE_ID, HOSTNAME),
    });
    hosts.push(host);
    await host.load(unit('hello.service', HELLO));
    await host.start('hello.service');
    expect(triple(host, 'hello.service')).toBe('loaded/failed/failed');
    expect(host.lastError('hello.service')).toMatch(/ECONNREFUSED/);
    expect(host.retryable('hello.service')).toBe(true);
    expect(texts(await journalOf(journal, 'hello.service'), 'system')).toEqual([
      'Starting Hello World...',
      expect.stringMatching(/^hello.service: Docker engine: .*ECONNREFUSED/),
      "hello.service: Failed with result 'resources'.",
      'Failed to start Hello World.',
    ]);
  });

  it('a burst of 20,000 lines reaches the journal whole and in order', async () => {
    const journal = await newJournals();
    const { host } = newHost({ journal });
    const N = 20_000;
    await host.load(unit('burst.service', `[Service]\nType=oneshot\nExecStart=/bin/seq 1 ${N}\n`));
    const t0 = Date.now();
    await host.start('burst.service');
    const elapsed = Date.now() - t0;
    expect(host.lastError('burst.service')).toBeUndefined();
    const entries = await journalOf(journal, 'burst.service');
    const out = entries.filter((e) => e.stream === 'stdout');
    expect(out.map((e) => e.text)).toEqual(Array.from({ length: N }, (_, i) => String(i + 1)));
    expect(texts(entries, 'system')).toEqual([
      'Starting burst.service...',
      'burst.service: Deactivated successfully.',
      'Finished burst.service.',
    ]);
    // Output before systemd's lines about the end: the unit finished only once all was read.
    expect(entries.at(-3)?.text).toBe(String(N));
    const span = (Date.parse(out.at(-1)!.time) - Date.parse(out[0]!.time)) / 1000;
    console.log(
      `burst: ${N} lines printed in ${span.toFixed(3)} s by Docker's timestamps (${Math.round(N / Math.max(span, 0.001))} lines/s); start() to all in the journal ${elapsed} ms (${Math.round((N * 1000) / elapsed)} lines/s)`,
    );
  });

  it('killing the machine container kills every unit process in its PID namespace', async () => {
    const m = await newMachine('k');
    const journal = await newJournals();
    const { host } = newHost({ journal, machine: m });
    await host.load(unit('sleeper.service', '[Service]\nExecStart=/bin/sleep 300\n'));
    await host.load(unit('runner.service', '[Service]\nExecStart=/usr/bin/docker run busybox sleep 300\n'));
    await host.start('sleeper.service');
    await host.start('runner.service');
    expect(triple(host, 'sleeper.service')).toBe('loaded/active/running');
    expect(triple(host, 'runner.service')).toBe('loaded/active/running');
    const units = await docker.listContainers({ filters: { label: [`${UNIT_LABELS.machine}=${m.id}`] } });
    expect(units).toHaveLength(2);

    await docker.getContainer(m.container).kill(); // SIGKILL to the machine's PID 1
    for (const c of units) {
      await expect
        .poll(
          async () =>
            (
              await docker
                .getContainer(c.Id)
                .inspect()
                .catch(() => undefined)
            )?.State.Running ?? false,
          {
            timeout: 10_000,
          },
        )
        .toBe(false);
    }
    for (const n of ['sleeper.service', 'runner.service']) {
      await expect.poll(() => triple(host, n), { timeout: 10_000 }).toBe('loaded/failed/failed');
      expect(host.lastError(n)).toMatch(/code=killed, status=9\/KILL/);
      expect(texts(await journalOf(journal, n), 'system')).toContain(
        `${n}: Main process exited, code=killed, status=9/KILL`,
      );
      expect(texts(await journalOf(journal, n), 'system')).toContain(`${n}: Failed with result 'signal'.`);
    }
  });

  it("docker run -p publishes on the machine's network; a port already taken fails the unit with the reason", async () => {
    await docker.createNetwork({ Name: NETWORK, Labels: { [TEST_LABEL]: 'docker-host' } });
    const m = await newMachine('p', NETWORK);
    const port = await freePort();
    const journal = await newJournals();
    const { host } = newHost({ journal, machine: m });
    const web = (name: string) =>
      unit(
        name,
        `[Service]\nExecStart=/usr/bin/docker run -p 127.0.0.1:${port}:8080 busybox sh -c "mkdir -p /www; echo hello from $(hostname) > /www/index.html; exec httpd -f -p 8080 -h /www"\n`,
      );
    await host.load(web('web.service'));
    await host.start('web.service');
    expect(triple(host, 'web.service')).toBe('loaded/active/running');
    const [c] = await docker.listContainers({ filters: { label: [`${UNIT_LABELS.unit}=web.service`] } });
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.HostConfig.NetworkMode).toBe(NETWORK);
    const machine = await docker.getContainer(m.container).inspect();
    expect([`container:${m.container}`, `container:${machine.Id}`]).toContain(info.HostConfig.PidMode);
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/index.html`).catch(() => undefined))?.text(), {
        timeout: 5000,
      })
      .toBe(`hello from ${m.hostname}\n`);

    await host.load(web('web2.service'));
    await host.start('web2.service');
    expect(triple(host, 'web2.service')).toBe('loaded/failed/failed');
    expect(host.lastError('web2.service')).toMatch(/port is already allocated/);
    expect(host.retryable('web2.service')).toBe(true);
    expect(texts(await journalOf(journal, 'web2.service'), 'system')).toContainEqual(
      expect.stringMatching(
        /^web2.service: ExecStart: .*Bind for 127.0.0.1:\d+ failed: port is already allocated/,
      ),
    );

    // A machine without a network has nowhere to publish: said, not half-done.
    const { host: lonely } = newHost({ journal });
    await lonely.load(
      unit('lonely.service', `[Service]\nExecStart=/usr/bin/docker run -p ${port}:80 busybox true\n`),
    );
    await lonely.start('lonely.service');
    expect(lonely.lastError('lonely.service')).toMatch(
      /-p\/--publish needs a network, and the machine core-\w+ has none/,
    );
  });
});
