// A remote machine over SSH in a live cluster (issue 10): Debian's real sshd started here on
// 127.0.0.1 with its own config, port and host key, for a user allowed to use Docker. The host's
// engine is this machine's engine reached through the SSH connection — dockerode never touches
// the local socket for it. Real KV members, agents and engine; real containers.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ShellEvent } from '../../shared/api';
import { SEED_HELLO_SERVICE } from '../../shared/units/seed-fixtures';
import { dockerFor, engineEndpoint } from '../docker';
import { TestSshd, sshdUnavailable } from '../remote/test-sshd';
import { ShellSessions } from '../shell';
import { TaskManager } from '../tasks';
import { ClusterManager } from './manager';
import { eventually, removeLeftovers, runningMains, unitContainers } from './test-helpers';

const PREFIX = 'itest-rm';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
const UNIT = 'hello.service';
const docker = dockerFor(engineEndpoint());
const why = sshdUnavailable();
if (why) console.warn(`remote machine tests skipped: ${why}`);

let dataDir = '';
let tasks: TaskManager;
let manager: ClusterManager;
let sshd: TestSshd | undefined;

async function run(task: { id: string }): Promise<void> {
  const t = await tasks.wait(task.id);
  if (t.state !== 'succeeded') throw new Error(`${t.title}: ${t.state}: ${t.error?.message}`);
}

const ssh = () => ({
  host: sshd!.host,
  port: sshd!.port,
  user: sshd!.user,
  identityFile: sshd!.clientKey,
  dockerSocket: '/var/run/docker.sock',
});

const machine = (name: string) =>
  manager
    .get(CLUSTER)
    .listMachines()
    .find((m) => m.name === name);

/** Runs one command on a target through the shell sessions the API uses; its output and exit code. */
async function shell(target: string, command: string[]): Promise<{ out: string; code: number }> {
  const shells = new ShellSessions();
  let out = '';
  return new Promise((resolve, reject) => {
    shells.open(
      () => manager.get(CLUSTER).shellTarget(target),
      { command, tty: false, cols: 80, rows: 24 },
      (e: ShellEvent) => {
        if (e.type === 'output') out += Buffer.from(e.data, 'base64').toString();
        if (e.type === 'exit') resolve({ out, code: e.code });
      },
      reject,
    );
  });
}

beforeAll(async () => {
  if (why) return;
  await removeLeftovers(docker, PREFIX);
  sshd = await TestSshd.start();
  dataDir = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  tasks = new TaskManager();
  manager = new ClusterManager(dataDir, docker, tasks);
  await run(await manager.create({ name: CLUSTER, machines: 1, channel: 'stable', metadata: {} }));
}, 120_000);

afterAll(async () => {
  if (why) return;
  if (manager) await run(manager.destroy(CLUSTER)).catch(() => undefined);
  await tasks?.shutdown();
  await sshd?.dispose();
  await rm(dataDir, { recursive: true, force: true });
  await removeLeftovers(docker, PREFIX);
}, 90_000);

describe.skipIf(!!why)('an SSH host as a machine', () => {
  it('asks about an unknown host key with its SHA256 fingerprint, and adds nothing', async () => {
    const probe = await manager.probeRemote(CLUSTER, ssh(), undefined);
    expect(probe.hostKey.status).toBe('unknown');
    expect(probe.hostKey.fingerprint).toBe(sshd!.hostFingerprint());
    expect(probe.docker).toBeUndefined();
    const refused = await manager
      .addRemote({ cluster: CLUSTER, ssh: ssh(), metadata: {} })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).message).toContain(sshd!.hostFingerprint());
    expect(`${(refused as ApiError).message} ${(refused as ApiError).hint}`).toMatch(
      /--accept-fingerprint SHA256:/,
    );
    expect(manager.get(CLUSTER).spec.machines).toHaveLength(1);
    await expect(readFile(join(dataDir, 'known_hosts'), 'utf8')).rejects.toThrow();
  });

  it('adds it with the accepted fingerprint; a unit placed there runs through SSH', async () => {
    const task = await manager.addRemote({
      cluster: CLUSTER,
      ssh: ssh(),
      metadata: { where: 'remote' },
      acceptFingerprint: sshd!.hostFingerprint(),
    });
    await run(task);
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toContain(
      `[127.0.0.1]:${sshd!.port} ssh-ed25519 `,
    );
    const remote = machine('core-02')!;
    expect(remote).toMatchObject({ life: 'up', health: 'healthy', metadata: { where: 'remote' } });
    expect(remote.remote).toMatchObject({ state: 'connected', fingerprint: sshd!.hostFingerprint() });
    const control = manager.control(CLUSTER);
    await control.submit(
      [{ name: UNIT, content: `${SEED_HELLO_SERVICE}\n[X-Fleet]\nMachineMetadata=where=remote\n` }],
      false,
    );
    await control.setState([UNIT], 'launched');
    const [main] = await eventually(
      'hello running on core-02',
      () => runningMains(docker, CLUSTER, UNIT),
      (l) => l.length === 1,
      30_000,
    );
    expect(main!.machineId).toBe(remote.id);
    // Its journal came back over SSH.
    await eventually(
      'hello in the journal',
      async () =>
        (await manager.get(CLUSTER).readJournal({ units: [UNIT], lines: 20 })).entries.map((e) => e.text),
      (t) => t.includes('Hello World'),
      15_000,
    );
    // The machine's shell is a real SSH session on the host; the unit's is its container.
    const onHost = await shell('core-02', ['sh', '-c', 'echo "$SSH_CONNECTION"']);
    expect(onHost.code).toBe(0);
    expect(onHost.out).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd!.port}`));
    const inUnit = await shell(UNIT, ['hostname']);
    expect(inUnit.out.trim()).toBe('core-02');
  }, 180_000);

  it('turns unhealthy when sshd stops, its units move after the TTL, and it is fenced on return', async () => {
    const control = manager.control(CLUSTER);
    // A unit free to move: placed on core-02 first.
    await control.destroy([UNIT]);
    await control.submit([{ name: 'roam.service', content: SEED_HELLO_SERVICE }], false);
    await control.setState(['roam.service'], 'launched');
    await eventually(
      'roam running',
      () => runningMains(docker, CLUSTER, 'roam.service'),
      (l) => l.length === 1,
      30_000,
    );
    const remoteId = machine('core-02')!.id;
    if ((await runningMains(docker, CLUSTER, 'roam.service'))[0]!.machineId !== remoteId)
      await control.move('roam.service', remoteId);
    const [stale] = await eventually(
      'roam on core-02',
      () => runningMains(docker, CLUSTER, 'roam.service'),
      (l) => l.length === 1 && l[0]!.machineId === remoteId,
      30_000,
    );

    const t0 = Date.now();
    await sshd!.stop();
    await eventually(
      'core-02 lost',
      () => machine('core-02')!,
      (m) => m.remote?.state === 'lost' && m.health === 'unhealthy',
      15_000,
    );
    const lostMs = Date.now() - t0;
    // The host still runs its copy (nobody can reach it); the cluster runs the unit on core-01.
    const moved = await eventually(
      'roam running on core-01',
      () => runningMains(docker, CLUSTER, 'roam.service'),
      (l) => l.some((c) => c.machineId !== remoteId),
      20_000,
    );
    const movedMs = Date.now() - t0;
    expect(moved.find((c) => c.id === stale!.id)).toBeDefined();
    expect(machine('core-02')!.remote!.retryAt).toBeGreaterThan(0);

    await sshd!.resume();
    await eventually(
      'core-02 back',
      () => machine('core-02')!,
      (m) => m.remote?.state === 'connected' && m.health === 'healthy',
      60_000,
    );
    const backMs = Date.now() - t0;
    console.log(
      `remote link: lost noticed ${lostMs} ms, unit moved ${movedMs} ms, back and fenced ${backMs} ms after sshd stopped`,
    );
    // Fenced: the stale copy on the host is gone; the unit runs once, where it moved.
    const left = (await unitContainers(docker, CLUSTER, 'roam.service')).filter(
      (c) => c.machineId === remoteId,
    );
    expect(left).toEqual([]);
    const now = await runningMains(docker, CLUSTER, 'roam.service');
    expect(now).toHaveLength(1);
    expect(now[0]!.machineId).not.toBe(remoteId);
  }, 180_000);

  it('removes the machine: it leaves the spec and its containers go', async () => {
    const id = machine('core-02')!.id;
    await run(manager.removeMachine(CLUSTER, 'core-02'));
    expect(manager.get(CLUSTER).spec.machines.map((m) => m.hostname)).toEqual(['core-01']);
    const mine = await docker.listContainers({ all: true, filters: { label: [`flotilla.machine=${id}`] } });
    expect(mine.filter((c) => c.Labels['flotilla.role'] === 'unit')).toEqual([]);
  }, 60_000);
  it('refuses a changed host key, loudly, and stays lost until the key is dealt with', async () => {
    await sshd!.replaceHostKey();
    const probe = await manager.probeRemote(CLUSTER, ssh(), undefined);
    expect(probe.hostKey.status).toBe('changed');
    expect(probe.hostKey.fingerprint).toBe(sshd!.hostFingerprint());
    expect(probe.hostKey.knownHostsLine).toBe(1);
    const refused = await manager
      .addRemote({
        cluster: CLUSTER,
        ssh: ssh(),
        hostname: 'core-09',
        metadata: {},
        acceptFingerprint: sshd!.hostFingerprint(),
      })
      .catch((e: unknown) => e as ApiError);
    expect((refused as ApiError).message).toMatch(/changed/i);
    expect(manager.get(CLUSTER).spec.machines.map((m) => m.hostname)).toEqual(['core-01']);
    // Once its owner knows the change is legitimate: forget the old key, and the new one is asked about.
    expect(await manager.forgetHostKey('127.0.0.1', sshd!.port)).toBe(1);
    expect((await manager.probeRemote(CLUSTER, ssh(), undefined)).hostKey.status).toBe('unknown');
  }, 120_000);

  it('creates a cluster with a remote host, checked before anything is made', async () => {
    const other = `${CLUSTER}-b`;
    const nothingOf = async () => {
      expect(manager.list().map((c) => c.name)).not.toContain(other);
      expect(
        await docker.listContainers({ all: true, filters: { label: [`flotilla.cluster=${other}`] } }),
      ).toEqual([]);
      await expect(readFile(join(dataDir, 'clusters', other, 'cluster.json'))).rejects.toThrow();
    };
    const create = (remote: Record<string, unknown>) =>
      manager.create({
        name: other,
        machines: 1,
        channel: 'stable',
        metadata: {},
        remotes: [{ ssh: ssh(), metadata: { where: 'remote' }, ...remote }],
      });
    // The key is unknown (forgotten above): asked about, and nothing is created.
    const unknown = await create({}).catch((e: unknown) => e as ApiError);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).message).toContain(sshd!.hostFingerprint());
    await nothingOf();
    // A name a local machine has.
    const clash = await create({ hostname: 'core-01', acceptFingerprint: sshd!.hostFingerprint() }).catch(
      (e: unknown) => e as ApiError,
    );
    expect((clash as ApiError).message).toMatch(/core-01 is a local machine's name already/);
    await nothingOf();

    await run(await create({ acceptFingerprint: sshd!.hostFingerprint() }));
    const machines = manager.get(other).listMachines();
    expect(machines.map((m) => [m.name, m.kvMember])).toEqual([
      ['core-01', true],
      ['core-02', false],
    ]);
    expect(machines[1]).toMatchObject({
      life: 'up',
      health: 'healthy',
      metadata: { where: 'remote' },
      remote: { state: 'connected', fingerprint: sshd!.hostFingerprint() },
    });
    await run(manager.destroy(other));
    await nothingOf();
  }, 180_000);
});
