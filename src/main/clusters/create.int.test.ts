import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ClusterInfo, type Task } from '../../shared/api';
import { renderCloudConfig } from '../../shared/cloudconfig';
import { LABEL_CLUSTER } from '../machines';
import { TaskManager } from '../tasks';
import { ClusterManager, OS_VERSIONS } from './manager';
import { eventually, machineContainers, removeLeftovers, runningMains } from './test-helpers';

// clusters.create with cloud-configs on a real engine: one 3-machine cluster made with a host
// name prefix, metadata, an SSH key, reboot settings, a forwarded port, a user-data (a file and a
// unit for every machine) and one reviewed cloud-config that renames its machine, moves it to
// another channel and brings a unit of its own. Then what must be refused before anything is made.

const PREFIX = 'itest-boot';
const NAME = `${PREFIX}-${randomBytes(2).toString('hex')}`;
const OTHER = `${NAME}-x`;
const docker = new Docker();
const tasks = new TaskManager();
const TIMING = { engineReconcileMs: 400, agentReconcileMs: 1_000 };
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZsb3RpbGxhLWl0ZXN0LWtleS1ub3QtYS1yZWFsLW9uZQ itest@flotilla';
const WINDOW = { start: 'Thu 04:00', length: '1h30m' };
const HELLO = "ExecStart=/bin/sh -c 'while true; do echo hi; sleep 1; done'";
const USER_DATA = `#cloud-config
write_files:
  - path: /etc/flotilla-itest.conf
    permissions: "0640"
    content: |
      address=$private_ipv4
coreos:
  units:
    - name: hello.service
      command: start
      content: |
        [Service]
        ${HELLO}
`;
/** The unit of the reviewed config: answers on the forwarded guest port. */
const PONG = `    - name: pong.service
      command: start
      content: |
        [Service]
        ExecStart=/bin/sh -c 'while true; do echo pong | nc -l -p 8080; done'
`;

let dataDir = '';
let manager: ClusterManager;
let hostPort = 0;
let created: Task;
let addresses: Awaited<ReturnType<ClusterManager['addresses']>>;
const lists: ClusterInfo[][] = [];

async function exec(container: string, cmd: string[]): Promise<string> {
  const ex = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  docker.modem.demuxStream(
    stream,
    new PassThrough().on('data', (c: Buffer) => out.push(c)),
    new PassThrough().on('data', (c: Buffer) => err.push(c)),
  );
  await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  const { ExitCode } = await ex.inspect();
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} in ${container}: ${Buffer.concat(err).toString()}`);
  return Buffer.concat(out).toString();
}

const container = (host: string) => `flotilla-${NAME}-${host}`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** What 127.0.0.1:port answers, or the error met. */
function answer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.setTimeout(2_000, () => s.destroy());
    s.on('close', () => resolve(got));
  });
}

/** Nothing of a cluster named `name`: no container, network or directory. */
async function traces(name: string) {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [`${LABEL_CLUSTER}=${name}`] } }),
    docker.listNetworks({ filters: { name: [`flotilla-${name}`] } }),
  ]);
  const dir = await stat(join(dataDir, 'clusters', name)).then(
    () => true,
    () => false,
  );
  return { containers: containers.length, networks: networks.length, dir };
}

beforeAll(async () => {
  await docker.ping();
  const removed = await removeLeftovers(docker, PREFIX);
  if (removed.length) console.log(`removed leftovers of an earlier run: ${removed.join(', ')}`);
  dataDir = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  manager = new ClusterManager(dataDir, docker, tasks, TIMING);
  manager.onChanged((l) => lists.push(l));
  hostPort = await freePort();
  addresses = await manager.addresses(3, 'node');
  // The reviewed config of node-03, as a wizard would show it and a person edit it.
  const reviewed = renderCloudConfig(
    {
      cluster: NAME,
      hostname: 'node-03',
      publicIpv4: '$public_ipv4',
      privateIpv4: '$private_ipv4',
      channel: 'stable',
      rebootStrategy: 'off',
      metadata: { disk: 'ssd' },
      sshAuthorizedKeys: [KEY],
      etcdEndpoints: [],
    },
    USER_DATA,
  )
    .replace('hostname: node-03', 'hostname: web\nmanage_etc_hosts: localhost')
    .replace('group: stable', 'group: beta')
    .replace('  units:\n', `  units:\n${PONG}`);
  created = await manager.create({
    name: NAME,
    machines: 3,
    prefix: 'node',
    channel: 'stable',
    metadata: { 'node-01': { role: 'web' } },
    rebootStrategy: 'reboot',
    rebootWindow: WINDOW,
    sshAuthorizedKeys: [KEY],
    forwardedPorts: { 'node-03': [{ guest: 8080, host: hostPort }] },
    userData: USER_DATA,
    cloudConfigs: { 'node-03': reviewed },
    network: addresses,
  });
  created = await tasks.wait(created.id);
}, 180_000);

afterAll(async () => {
  if (manager?.list().some((c) => c.name === NAME)) await tasks.wait(manager.destroy(NAME).id);
  await removeLeftovers(docker, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
  // Only what is ours: other clusters may come and go on this engine meanwhile.
  expect(await traces(NAME)).toEqual({ containers: 0, networks: 0, dir: false });
}, 60_000);

describe('a cluster made from cloud-configs', () => {
  it('comes up with a step per machine, all done, under the final host names', () => {
    expect(created.state, JSON.stringify(created.error)).toBe('succeeded');
    const hosts = ['node-01', 'node-02', 'web'];
    expect(created.steps.map((s) => s.name)).toEqual([
      'network',
      ...hosts.flatMap((h) => [`${h}: image`, `${h}: container`, `${h}: KV member`, `${h}: agent`]),
      'units from cloud-config',
    ]);
    expect(created.steps.filter((s) => s.state !== 'done')).toEqual([]);
    expect(created.steps.find((s) => s.name === 'network')?.detail).toBe(addresses.subnet);
    const kv = created.steps.filter((s) => s.name.endsWith(': KV member')).map((s) => s.detail);
    expect(kv.sort()).toEqual(['joined', 'joined', 'joined, leader']);
    expect(created.steps.at(-1)?.detail).toMatch(
      /^hello\.service started on every machine; pong\.service started on web; provided by Flotilla: etcd2\.service, fleet\.service$/,
    );
  });

  it('told subscribers it was creating, then running, with channel and creation time', () => {
    const states = lists.map((l) => l.find((c) => c.name === NAME)?.state);
    expect(states[0]).toBe('creating');
    expect(states.at(-1)).toBe('running');
    expect(lists.at(-1)?.find((c) => c.name === NAME)).toMatchObject({
      channel: 'stable',
      createdAt: expect.stringMatching(/^\d{4}-/),
    });
  });

  it('gives each machine its static address on the subnet clusters.addresses offered', async () => {
    expect(addresses.ips).toEqual({
      'node-01': addresses.subnet.replace('0/24', '101'),
      'node-02': addresses.subnet.replace('0/24', '102'),
      'node-03': addresses.subnet.replace('0/24', '103'),
    });
    const net = await docker.getNetwork(`flotilla-${NAME}`).inspect();
    expect(net.IPAM?.Config).toEqual([{ Subnet: addresses.subnet, Gateway: addresses.gateway }]);
    const ips = manager
      .get(NAME)
      .listMachines()
      .map((m) => [m.name, m.ip]);
    expect(ips).toEqual([
      ['node-01', addresses.ips['node-01']],
      ['node-02', addresses.ips['node-02']],
      ['web', addresses.ips['node-03']],
    ]);
    expect((await exec(container('web'), ['hostname'])).trim()).toBe('web');
  });

  it('writes update.conf, authorized_keys, write_files and user_data into the machines', async () => {
    const c = container('node-01');
    const ip = addresses.ips['node-01']!;
    expect(await exec(c, ['cat', '/etc/coreos/update.conf'])).toBe(
      'GROUP=stable\nREBOOT_STRATEGY=reboot\nLOCKSMITHD_REBOOT_WINDOW_START=Thu 04:00\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=1h30m\n',
    );
    expect(await exec(c, ['cat', '/home/core/.ssh/authorized_keys'])).toBe(`${KEY}\n`);
    expect(await exec(c, ['stat', '-c', '%a', '/home/core/.ssh', '/home/core/.ssh/authorized_keys'])).toBe(
      '700\n600\n',
    );
    expect(await exec(c, ['cat', '/etc/flotilla-itest.conf'])).toBe(`address=${ip}\n`);
    expect(await exec(c, ['stat', '-c', '%a', '/etc/flotilla-itest.conf'])).toBe('640\n');
    const userData = await exec(c, ['cat', '/var/lib/coreos-install/user_data']);
    expect(userData).toContain(`public-ip: ${ip}`);
    expect(userData).not.toContain('$public_ipv4');
    expect(await readFile(join(dataDir, 'clusters', NAME, 'cloud-config', 'node-01.yaml'), 'utf8')).toBe(
      userData,
    );
  });

  it('honours the reviewed config: host name, /etc/hosts, channel and OS version, its reboot strategy', async () => {
    const c = container('web');
    expect(await exec(c, ['cat', '/etc/hosts'])).toMatch(/^127\.0\.0\.1\s+web$/m);
    expect(await exec(c, ['cat', '/etc/coreos/update.conf'])).toBe('GROUP=beta\nREBOOT_STRATEGY=off\n');
    expect(await exec(c, ['cat', '/etc/os-release'])).toContain(`VERSION=${OS_VERSIONS.beta}\n`);
    expect(manager.get(NAME).spec.machines.map((m) => [m.hostname, m.channel, m.osVersion])).toEqual([
      ['node-01', undefined, undefined],
      ['node-02', undefined, undefined],
      ['web', 'beta', OS_VERSIONS.beta],
    ]);
    expect(await exec(c, ['cat', '/var/lib/coreos-install/user_data'])).toContain(
      `public-ip: ${addresses.ips['node-03']}`,
    );
  });

  it('registers every machine with the metadata its config says', async () => {
    const control = manager.control(NAME);
    const machines = await eventually(
      'three registered machines',
      () => control.listMachines(),
      (ms) => ms.length === 3,
    );
    expect(machines.map((m) => [m.name, m.metadata])).toEqual([
      ['node-01', { role: 'web' }],
      ['node-02', {}],
      ['web', { disk: 'ssd' }],
    ]);
  });

  it('runs the units of the cloud-configs where they were named; the forwarded port answers', async () => {
    const ids = Object.fromEntries(manager.get(NAME).spec.machines.map((m) => [m.hostname, m.machineId]));
    const hello = await eventually(
      'hello.service on every machine',
      async () => (await runningMains(docker, NAME, 'hello.service')).map((c) => c.machineId).sort(),
      (on) => on.length === 3,
      30_000,
    );
    expect(hello).toEqual(Object.values(ids).sort());
    const pong = await eventually(
      'pong.service on web',
      async () => (await runningMains(docker, NAME, 'pong.service')).map((c) => c.machineId),
      (on) => on.length === 1,
      30_000,
    );
    expect(pong).toEqual([ids.web]);
    const info = await docker.getContainer(container('web')).inspect();
    expect(info.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }],
    });
    expect(
      await eventually(
        'pong on the forwarded port',
        () => answer(hostPort),
        (a) => a === 'pong\n',
      ),
    ).toBe('pong\n');
  });

  it('keeps the address and the files across a kill and a start', async () => {
    const machines = await machineContainers(docker, NAME);
    expect(machines.size).toBe(3);
    await tasks.wait(manager.machineLife(NAME, 'node-02', 'kill').id);
    const started = await tasks.wait(manager.machineLife(NAME, 'node-02', 'start').id);
    expect(started.state, JSON.stringify(started.error)).toBe('succeeded');
    const info = await docker.getContainer(container('node-02')).inspect();
    expect(info.NetworkSettings.Networks[`flotilla-${NAME}`]?.IPAddress).toBe(addresses.ips['node-02']);
    expect(await exec(container('node-02'), ['cat', '/home/core/.ssh/authorized_keys'])).toBe(`${KEY}\n`);
  }, 60_000);
});

describe('what clusters.create refuses before making anything', () => {
  const base = { name: OTHER, machines: 2, prefix: 'node', channel: 'stable' as const, metadata: {} };

  async function refused(req: Parameters<ClusterManager['create']>[0]): Promise<ApiError> {
    const err = await manager.create(req).then(
      () => undefined,
      (e: unknown) => ApiError.from(e),
    );
    expect(err, 'create should have failed').toBeDefined();
    expect(await traces(OTHER)).toEqual({ containers: 0, networks: 0, dir: false });
    expect(manager.list().map((c) => c.name)).not.toContain(OTHER);
    return err!;
  }

  it('a cloud-config with an error: BAD_REQUEST naming machine, line and column', async () => {
    const err = await refused({
      ...base,
      cloudConfigs: { 'node-02': '#cloud-config\nhostname: b\ncoreos:\n  units: [\n  - x: :\n' },
    });
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/^Cloud-config of node-02, line 5, column 3: YAML: /);
    expect(err.details).toMatchObject({ machine: 'node-02', line: 5, column: 3 });
  });

  it('a forwarded port someone holds: CONFLICT naming the port and the machine', async () => {
    const port = await freePort();
    const holder: Server = await new Promise((resolve) => {
      const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      const err = await refused({ ...base, forwardedPorts: { 'node-01': [{ guest: 80, host: port }] } });
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toBe(`Port 127.0.0.1:${port} is taken: node-01 cannot forward it to its port 80`);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('host names that are not this cluster’s, a subnet in use, two machines of one name', async () => {
    let err = await refused({ ...base, metadata: { 'core-01': { a: 'b' } } });
    expect(err.message).toBe(
      "metadata names core-01, which is not one of this cluster's machines (node-01 … node-02)",
    );
    err = await refused({
      ...base,
      network: {
        subnet: addresses.subnet,
        ips: { 'node-01': addresses.ips['node-01']!, 'node-02': addresses.ips['node-02']! },
      },
    });
    expect(err.message).toBe(
      `Subnet ${addresses.subnet} was taken meanwhile: Docker network flotilla-${NAME} uses ${addresses.subnet}`,
    );
    err = await refused({
      ...base,
      cloudConfigs: { 'node-01': '#cloud-config\nhostname: node-02\n' },
    });
    expect(err.message).toBe("Cloud-config of node-01: hostname node-02 is node-02's already");
  });
});
