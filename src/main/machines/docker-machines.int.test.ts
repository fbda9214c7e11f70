import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStep } from '../../shared/api';
import type { TaskContext } from '../tasks';
import {
  DockerMachines,
  freeSubnet,
  LABEL_CLUSTER,
  LABEL_MACHINE_IMAGE,
  newMachineId,
  type MachineRuntime,
  type MachineSpec,
} from '.';

// Against the real local engine (DOCKER_HOST honoured). Every cluster made here is named
// `tmach-<run>-…` and its machines run a throw-away OS version `9999.<n>.0`, so a run touches
// nothing of anybody else's and leftovers of crashed runs are recognisable.
const PREFIX = 'tmach-';
const TEST_VERSION_PREFIX = '9999.';
const run = randomBytes(4).toString('hex');
const A = `${PREFIX}${run}-a`;
const B = `${PREFIX}${run}-b`;
const C = `${PREFIX}${run}-c`;
const VERSION = `${TEST_VERSION_PREFIX}${parseInt(run, 16) % 1_000_000}.0`;
const TAG = `flotilla-machine:${VERSION}`;

const docker = new Docker();
const machines = new DockerMachines(docker);

const spec = (cluster: string, hostname: string, extra: Partial<MachineSpec> = {}): MachineSpec => ({
  cluster,
  hostname,
  machineId: newMachineId(),
  osVersion: VERSION,
  channel: 'beta',
  metadata: {},
  ...extra,
});

async function exec(containerId: string, cmd: string[]): Promise<{ code: number; out: string; err: string }> {
  const ex = await docker
    .getContainer(containerId)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const o = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const e = new PassThrough().on('data', (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, o, e);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const { ExitCode } = await ex.inspect();
  return { code: ExitCode ?? -1, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
}

async function cat(rt: MachineRuntime, path: string): Promise<string> {
  const r = await exec(rt.containerId, ['cat', path]);
  expect(r.code, `cat ${path}: ${r.err}`).toBe(0);
  return r.out;
}

const kv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

interface Snapshot {
  containers: Set<string>;
  networks: Set<string>;
  images: Set<string>;
}
async function snapshot(): Promise<Snapshot> {
  const [c, n, i] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listNetworks(),
    docker.listImages({ all: true }),
  ]);
  return {
    containers: new Set(c.map((x) => x.Id)),
    networks: new Set(n.map((x) => x.Id)),
    images: new Set(i.map((x) => x.Id)),
  };
}

async function clusterLeftovers(cluster: string) {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [`${LABEL_CLUSTER}=${cluster}`] } }),
    docker.listNetworks({ filters: { label: [`${LABEL_CLUSTER}=${cluster}`] } }),
  ]);
  return { containers: containers.length, networks: networks.length };
}

/** Leftovers of crashed earlier runs: clusters named tmach-*, unused test images 9999.*. */
async function removeLeftovers(): Promise<void> {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [LABEL_CLUSTER] } }),
    docker.listNetworks({ filters: { label: [LABEL_CLUSTER] } }),
  ]);
  const clusters = new Set(
    [
      ...containers.map((c) => c.Labels[LABEL_CLUSTER]),
      ...networks.map((n) => n.Labels?.[LABEL_CLUSTER]),
    ].filter((c): c is string => !!c?.startsWith(PREFIX)),
  );
  for (const c of clusters) await machines.destroyCluster(c);
  const images = await docker.listImages({ filters: { label: [LABEL_MACHINE_IMAGE] } });
  for (const img of images) {
    if (!img.Labels?.[LABEL_MACHINE_IMAGE]?.startsWith(TEST_VERSION_PREFIX)) continue;
    for (const t of img.RepoTags ?? [img.Id])
      await docker
        .getImage(t)
        .remove()
        .catch(() => undefined);
  }
}

function recordingTask(): TaskContext & { steps: Map<string, TaskStep['state']>; messages: string[] } {
  const steps = new Map<string, TaskStep['state']>();
  const messages: string[] = [];
  return {
    signal: new AbortController().signal,
    steps,
    messages,
    progress: (_f, m) => {
      if (m) messages.push(m);
    },
    setSteps: (names) => names.forEach((n) => steps.set(n, 'pending')),
    step: (n, s) => steps.set(n, s),
    throwIfCanceled: () => undefined,
  };
}

let before: Snapshot;
const rt: Record<string, MachineRuntime> = {};
let specs: Record<string, MachineSpec> = {};

beforeAll(async () => {
  await removeLeftovers();
  before = await snapshot();
});

afterAll(async () => {
  await machines.destroyCluster(A).catch(() => undefined);
  await machines.destroyCluster(B).catch(() => undefined);
  await machines.destroyCluster(C).catch(() => undefined);
  await docker
    .getImage(TAG)
    .remove()
    .catch(() => undefined);
});

describe('DockerMachines on the real engine', () => {
  it('rejects bad names, ids, channels and metadata with a clear error', async () => {
    for (const cluster of ['Bad', '-a', 'a'.repeat(32), 'a_b', '', 'a b']) {
      await expect(machines.create(spec(cluster, 'core-01'))).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('Invalid cluster name'),
      });
      await expect(machines.ensureNetwork(cluster)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(machines.list(cluster)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    for (const hostname of ['Core-01', 'core_01', '-x', 'x-', '', 'a;rm -rf /']) {
      await expect(machines.create(spec(A, hostname))).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('Invalid hostname'),
      });
      await expect(machines.stop(A, hostname)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(machines.create(spec(A, 'core-01', { machineId: 'ABC' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(machines.create(spec(A, 'core-01', { osVersion: '1.0; ls' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      machines.create(spec(A, 'core-01', { channel: 'nightly' as MachineSpec['channel'] })),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(machines.create(spec(A, 'core-01', { metadata: { 'a=b': 'x' } }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(machines.create(spec(A, 'core-01', { metadata: { a: 'x\ny=z' } }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(newMachineId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newMachineId()).not.toBe(newMachineId());
    // Nothing was made by any of that.
    expect(await clusterLeftovers(A)).toEqual({ containers: 0, networks: 0 });
  });

  it('builds the machine image once, FROM scratch with the host busybox, labelled', async () => {
    const ctx = recordingTask();
    const [id, again] = await Promise.all([
      machines.ensureImage(VERSION, ctx),
      machines.ensureImage(VERSION),
    ]);
    expect(again).toBe(id);
    expect(ctx.steps.get('build the machine image')).toBe('done');
    const info = await docker.getImage(TAG).inspect();
    expect(info.Id).toBe(id);
    expect(info.Config.Labels?.[LABEL_MACHINE_IMAGE]).toBe(VERSION);
    const present = recordingTask();
    expect(await machines.ensureImage(VERSION, present)).toBe(id);
    expect(present.steps.get('build the machine image')).toBe('skipped');
  });

  it('creates a 2-machine cluster (and a second cluster) with hostnames, labels, network and addresses', async () => {
    specs = {
      a1: spec(A, 'core-01', {
        metadata: { region: 'us-east', evil: `$(touch /tmp/pwned); 'x" \\ \`id\` a=b` },
      }),
      a2: spec(A, 'core-02', { metadata: { region: 'us-west', disk: 'ssd' } }),
      b1: spec(B, 'core-01', { channel: 'alpha' }),
    };
    const [a1, a2, b1] = await Promise.all([
      machines.create(specs.a1!),
      machines.create(specs.a2!),
      machines.create(specs.b1!),
    ]);
    Object.assign(rt, { a1, a2, b1 });
    for (const [k, r] of Object.entries(rt)) {
      const s = specs[k]!;
      expect(r).toMatchObject({
        hostname: s.hostname,
        machineId: s.machineId,
        containerName: `flotilla-${s.cluster}-${s.hostname}`,
        running: true,
      });
      expect(r.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const info = await docker.getContainer(r.containerId).inspect();
      expect(info.Config.Hostname).toBe(s.hostname);
      expect(info.Config.Image).toBe(TAG);
      expect(info.Config.Labels).toMatchObject({
        'flotilla.cluster': s.cluster,
        'flotilla.machine': s.machineId,
        'flotilla.role': 'machine',
        'flotilla.hostname': s.hostname,
      });
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`flotilla-${s.cluster}`]);
      expect(info.NetworkSettings.Networks[`flotilla-${s.cluster}`]?.IPAddress).toBe(r.ip);
    }
    const net = await docker.getNetwork(`flotilla-${A}`).inspect();
    expect(net.Driver).toBe('bridge');
    expect(net.Labels).toEqual({ 'flotilla.cluster': A });
    expect(await machines.ensureNetwork(A)).toBe(net.Id);
    expect((await machines.list(A)).map((m) => [m.hostname, m.ip, m.running])).toEqual([
      ['core-01', rt.a1!.ip, true],
      ['core-02', rt.a2!.ip, true],
    ]);
    expect(await machines.inspect(A, 'core-02')).toEqual(rt.a2);
    expect(await machines.inspect(A, 'core-09')).toBeUndefined();
  });

  it('carries the OS files: hostname, os-release, update.conf, environment, machine-id, metadata', async () => {
    for (const k of ['a1', 'a2', 'b1']) {
      const r = rt[k]!;
      const s = specs[k]!;
      expect((await exec(r.containerId, ['hostname'])).out.trim()).toBe(s.hostname);
      const os = kv(await cat(r, '/etc/os-release'));
      expect(os).toMatchObject({
        NAME: '"Flotilla Container Linux"',
        ID: 'coreos',
        VERSION,
        VERSION_ID: VERSION,
      });
      expect(os.PRETTY_NAME).toContain(VERSION);
      expect(os.BUILD_ID).toBeTruthy();
      expect(kv(await cat(r, '/usr/share/coreos/update.conf'))).toMatchObject({ GROUP: 'stable' });
      expect(kv(await cat(r, '/usr/share/coreos/update.conf')).SERVER).toMatch(/^https?:\/\//);
      expect(kv(await cat(r, '/etc/coreos/update.conf'))).toEqual({ GROUP: s.channel });
      expect(kv(await cat(r, '/etc/environment'))).toEqual({
        COREOS_PUBLIC_IPV4: r.ip,
        COREOS_PRIVATE_IPV4: r.ip,
      });
      expect(await cat(r, '/etc/machine-id')).toBe(`${s.machineId}\n`);
      expect(kv(await cat(r, '/etc/flotilla/metadata'))).toEqual(s.metadata);
    }
    // The metadata value went in as bytes: nothing of it ran.
    expect((await exec(rt.a1!.containerId, ['test', '-e', '/tmp/pwned'])).code).toBe(1);
    // PID 1 is the idle busybox shell.
    expect((await exec(rt.a1!.containerId, ['cat', '/proc/1/cmdline'])).out).toContain('/bin/sh');
  });

  it('machines of a cluster reach each other by address and by hostname; other clusters are apart', async () => {
    const byIp = await exec(rt.a1!.containerId, ['ping', '-c1', '-W2', rt.a2!.ip]);
    expect(byIp.code, byIp.out + byIp.err).toBe(0);
    const byName = await exec(rt.a2!.containerId, ['ping', '-c1', '-W2', 'core-01']);
    expect(byName.code, byName.out + byName.err).toBe(0);
    expect(byName.out).toContain(rt.a1!.ip);
    // B's core-01 is not A's core-01.
    const across = await exec(rt.b1!.containerId, ['ping', '-c1', '-W1', rt.a1!.ip]);
    expect(across.code).not.toBe(0);
  });

  it('stops promptly on SIGTERM, starts again with a fresh /etc/environment, dies on kill', async () => {
    const t0 = Date.now();
    await machines.stop(A, 'core-02');
    expect(Date.now() - t0).toBeLessThan(5000);
    let info = await docker.getContainer(rt.a2!.containerId).inspect();
    expect(info.State.Running).toBe(false);
    expect(info.State.ExitCode).toBe(0); // its own exit on SIGTERM, not the engine's SIGKILL
    expect(await machines.inspect(A, 'core-02')).toMatchObject({ running: false, ip: '' });
    await machines.stop(A, 'core-02'); // again: nothing to do

    const started = await machines.start(A, 'core-02');
    expect(started).toMatchObject({ running: true, containerId: rt.a2!.containerId });
    expect(kv(await cat(started, '/etc/environment')).COREOS_PRIVATE_IPV4).toBe(started.ip);
    rt.a2 = started;

    await machines.kill(A, 'core-01');
    info = await docker.getContainer(rt.a1!.containerId).inspect();
    expect(info.State.Running).toBe(false);
    expect(info.State.ExitCode).toBe(137);
    expect((await machines.list(A)).map((m) => [m.hostname, m.running])).toEqual([
      ['core-01', false],
      ['core-02', true],
    ]);
    await machines.kill(A, 'core-01'); // again: nothing to do
    await expect(machines.stop(A, 'core-09')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(machines.start(B, 'core-02')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('create is idempotent: the same machine is reused (and started); another id under that name is refused', async () => {
    const [again, twice] = await Promise.all([machines.create(specs.a1!), machines.create(specs.a1!)]);
    expect(again).toMatchObject({ containerId: rt.a1!.containerId, running: true });
    expect(twice.containerId).toBe(rt.a1!.containerId);
    expect(kv(await cat(again, '/etc/environment')).COREOS_PUBLIC_IPV4).toBe(again.ip);
    rt.a1 = again;
    expect((await machines.create(specs.a2!)).containerId).toBe(rt.a2!.containerId);
    await expect(machines.create({ ...specs.a1!, machineId: newMachineId() })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await machines.list(A)).length).toBe(2);
  });

  it('a static address on a fixed subnet, files of its own, a forwarded port — refused while another holds it', async () => {
    const subnet = freeSubnet((await machines.subnetsInUse()).map((u) => u.subnet));
    const ip = subnet.replace(/0\/24$/, '101');
    await machines.ensureNetwork(C, subnet);
    await expect(machines.ensureNetwork(C, '10.98.0.0/24')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`not on cluster ${C}'s 10.98.0.0/24`),
    });
    const holder: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (holder.address() as { port: number }).port;
    const c1 = spec(C, 'web', {
      ip,
      forwardedPorts: [{ guest: 8080, host: port }],
      bootFiles: [{ name: 'etc/coreos/update.conf', content: 'GROUP=beta\nREBOOT_STRATEGY=off\n' }],
      hostnameIsLocalhost: true,
    });
    try {
      await expect(machines.create(c1)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `Port 127.0.0.1:${port} is taken: machine web cannot forward it to its port 8080.`,
      });
      expect(await clusterLeftovers(C)).toEqual({ containers: 0, networks: 1 });
    } finally {
      await new Promise((r) => holder.close(r));
    }
    const made = await machines.create(c1);
    expect(made.ip).toBe(ip);
    expect(await cat(made, '/etc/coreos/update.conf')).toBe('GROUP=beta\nREBOOT_STRATEGY=off\n');
    expect(await cat(made, '/etc/hosts')).toMatch(/^127\.0\.0\.1\s+web$/m);
    await machines.kill(C, 'web');
    expect((await machines.start(C, 'web')).ip).toBe(ip);
    await expect(machines.create({ ...c1, bootFiles: [{ name: 'etc/../../x' }] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await machines.destroyCluster(C);
  });

  it('destroyCluster removes the cluster’s containers, network and unused images — and nothing else', async () => {
    // A unit container the agent would have started on core-01: labelled with the cluster.
    const unit = await docker.createContainer({
      Image: TAG,
      Cmd: ['sleep', '60'],
      Labels: {
        'flotilla.cluster': A,
        'flotilla.unit': 'hello.service',
        'flotilla.machine': specs.a1!.machineId,
      },
      HostConfig: { NetworkMode: `container:${rt.a1!.containerId}` },
    });
    await unit.start();

    await machines.destroyCluster(A);
    expect(await clusterLeftovers(A)).toEqual({ containers: 0, networks: 0 });
    await expect(docker.getNetwork(`flotilla-${A}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // B lives on, and so does the image its machine runs.
    expect(await machines.inspect(B, 'core-01')).toMatchObject({ running: true, ip: rt.b1!.ip });
    expect((await docker.getImage(TAG).inspect()).Id).toBeTruthy();
    await machines.destroyCluster(A); // again: nothing to do

    await machines.destroyCluster(B);
    expect(await clusterLeftovers(B)).toEqual({ containers: 0, networks: 0 });
    await expect(docker.getImage(TAG).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const after = await snapshot();
    for (const kind of ['containers', 'networks', 'images'] as const) {
      const gone = [...before[kind]].filter((id) => !after[kind].has(id));
      expect(gone, `${kind} that were there before and are gone now`).toEqual([]);
    }
    expect(await machines.list(A)).toEqual([]);
  });
});
