import type Docker from 'dockerode';
import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import {
  ApiError,
  type CallParams,
  type ClusterInfo,
  type EtcdCheck,
  type ExternalEtcd,
  type RemoteMachine,
  type RemoteProbe,
  type SshEndpoint,
  type Task,
} from '../../shared/api';

import {
  parseCloudConfig,
  renderCloudConfig,
  substituteAddresses,
  type CloudConfig,
} from '../../shared/cloudconfig';
import { FleetError } from '../fleet/errors';
import {
  contains,
  DockerMachines,
  freeSubnet,
  gatewayOf,
  machineAddress,
  newMachineId,
  overlaps,
  parseIpv4,
  parseSubnet,
  type Channel,
  type ForwardedPort,
} from '../machines';
import type { TaskManager } from '../tasks';
import {
  bootSettings,
  BOOT_UNITS_STEP,
  parseMachineConfig,
  planBootUnits,
  submitBootUnits,
  type BootSettings,
} from './boot';
import { ClusterHost, type ClusterTiming, type MachineAction } from './host';
import { ClusterStore, type ClusterSpec } from './store';
import { checkExternalEtcd, deleteExternalKeys, externalKvSpec } from './external-kv';
import { makeClusterPki, writePki } from '../kv/tls';
import { checkRemoteDocker, connectSsh, KnownHosts, probeRemoteHost } from '../remote';
import { join } from 'node:path';
import { kvPortsOf } from './kv-layout';
import { BUILTIN_FEED, newestOf } from '../updates/feed';

export type AddRemoteRequest = Omit<CallParams<'machines.addRemote'>, 'ssh'> & { ssh: SshEndpoint };
/** A remote host as the main process takes it (defaults applied). */
type RemoteMachineRequest = Omit<RemoteMachine, 'ssh' | 'metadata'> & {
  ssh: SshEndpoint;
  metadata?: RemoteMachine['metadata'];
};

/** The OS version a new machine of each channel runs: the newest of the built-in feed. */
export const OS_VERSIONS: Record<Channel, string> = {
  stable: newestOf(BUILTIN_FEED, 'stable')!.version,
  beta: newestOf(BUILTIN_FEED, 'beta')!.version,
  alpha: newestOf(BUILTIN_FEED, 'alpha')!.version,
};

/** CoreOS checks about every 45 minutes; an hour here, changed per cluster with updates.setCheckInterval. */
const DEFAULT_UPDATE_CHECK_SEC = 3_600;

export interface CreateClusterRequest {
  name: string;
  machines: number;
  /** Host names are <prefix>-01 …; default core. */
  prefix?: string;
  /** KV members; default 1 for one or two machines, 3 up to five, 5 beyond. */
  members?: number;
  channel: Channel;
  /** Per host name (core-01 …): metadata key → value. */
  metadata: Record<string, Record<string, string>>;
  machineTtlSec?: number;
  rebootStrategy?: 'reboot' | 'etcd-lock' | 'off';
  rebootWindow?: { start: string; length: string };
  /** Keys of the core user on every machine. */
  sshAuthorizedKeys?: string[];
  /** Per host name: guest ports published on 127.0.0.1. */
  forwardedPorts?: Record<string, ForwardedPort[]>;
  /** A user-data every machine boots with, under the generated settings. */
  userData?: string;
  /** Per host name: the final cloud-config as reviewed, instead of the rendered one. */
  cloudConfigs?: Record<string, string>;
  /** Subnet and addresses from addresses(); else picked here. */
  network?: ClusterAddresses;
  /** TLS with client-certificate authentication for the embedded KV. */
  tls?: boolean;
  /** An existing etcd instead of embedded members. */
  etcd?: ExternalEtcd;
  /** SSH hosts that join as machines (no KV member) once the local ones are up. */
  remotes?: RemoteMachineRequest[];
}

export interface ClusterAddresses {
  subnet: string;
  /** Per host name. */
  ips: Record<string, string>;
}

/** Whether 127.0.0.1:port can be bound right now (a port only root may bind counts as free). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE'));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The first of `n` consecutive free loopback ports, away from the usual well-known ranges. */
async function freePortRun(n: number, taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = randomInt(20_000, 32_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = !taken.has(base + i) && (await portFree(base + i));
    if (ok) return base;
  }
  throw new FleetError('CONFLICT', `found no ${n} free consecutive ports on 127.0.0.1 for the KV members`);
}

/**
 * Machine heartbeat TTL: a machine silent this long is gone and its units move. Short, so that a
 * killed machine's units run elsewhere within 5 s even when it took the KV leader with it.
 */
export const DEFAULT_MACHINE_TTL_SEC = 2;

export function defaultMembers(machines: number): number {
  // Two members tolerate no more failures than one, and need both up.
  return machines < 3 ? 1 : machines <= 5 ? 3 : 5;
}

/** The next free `<prefix>-NN` after the cluster's machines (core-04 after core-01 … core-03). */
export function nextHostname(taken: string[]): string {
  const numbered = taken.flatMap((h) => {
    const m = /^(.*)-(\d{2,})$/.exec(h);
    return m ? [{ prefix: m[1]!, n: Number(m[2]) }] : [];
  });
  const prefix = numbered[0]?.prefix ?? 'core';
  let n = Math.max(0, ...numbered.filter((x) => x.prefix === prefix).map((x) => x.n)) + 1;
  while (taken.includes(`${prefix}-${String(n).padStart(2, '0')}`)) n++;
  return `${prefix}-${String(n).padStart(2, '0')}`;
}

/** A remote host's entry in the cluster spec: how to reach it, never its passphrase. */
function remoteMachineSpec(req: RemoteMachineRequest, hostname: string): ClusterSpec['machines'][number] {
  const { host, port, user, dockerSocket, identityFile, jump } = req.ssh;
  return {
    hostname,
    machineId: newMachineId(),
    metadata: req.metadata ?? {},
    kvMember: false,
    up: true,
    remote: {
      host,
      port,
      user,
      dockerSocket,
      ...(identityFile ? { identityFile } : {}),
      ...(jump ? { jump } : {}),
    },
  };
}

interface PlannedRemote {
  machine: ClusterSpec['machines'][number];
  passphrase: string | undefined;
}

/** The same host and engine: one machine container each. */
const sameHost = (a: { host: string; port: number; dockerSocket: string }, b: typeof a) =>
  a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.dockerSocket === b.dockerSocket;

const hostnamesOf = (prefix: string, machines: number): string[] =>
  Array.from({ length: machines }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);

const span = (names: string[]) => (names.length === 1 ? names[0]! : `${names[0]} … ${names.at(-1)}`);

/** A self-picked subnet another process took between looking and creating: pick again. */
const SUBNET_ATTEMPTS = 3;

/** One machine of a cluster being created, its cloud-config read. */
interface PreparedMachine {
  /** Its host name by number (core-01), which the request's keys use. */
  name: string;
  ip: string;
  machineId: string;
  text: string;
  config: CloudConfig;
  settings: BootSettings;
}

/**
 * The clusters this app hosts: created, listed, brought back on start, stopped and destroyed.
 * Commands that name no cluster go to the only one, else the active one.
 */
export class ClusterManager {
  private readonly hosts = new Map<string, ClusterHost>();
  /** Clusters being created (checks under way, nothing made yet): name → subnet once chosen. */
  private readonly pending = new Map<string, string | undefined>();
  private readonly store: ClusterStore;
  private readonly machines: DockerMachines;
  private readonly emitter = new EventEmitter();
  private activeName: string | undefined;
  /** Problems met while restoring (unreadable specs …), for the user to see. */
  readonly problems: string[] = [];

  /** known_hosts of the SSH hosts people added as machines (in the data dir, not ~/.ssh). */
  private readonly knownHosts: KnownHosts;

  constructor(
    dataDir: string,
    private readonly docker: Docker,
    private readonly tasks: TaskManager,
    private readonly timing?: ClusterTiming,
  ) {
    this.store = new ClusterStore(dataDir);
    this.machines = new DockerMachines(docker);
    this.knownHosts = new KnownHosts(join(dataDir, 'known_hosts'));
  }

  /** Loads every saved cluster and starts those that were running (each as a Task). */
  async restore(): Promise<Task[]> {
    const { specs, problems } = await this.store.list();
    this.problems.push(...problems);
    this.activeName = await this.store.active();
    const started: Task[] = [];
    for (const spec of specs) {
      const host = this.newHost(spec);
      this.hosts.set(spec.name, host);
      if (spec.running)
        started.push(
          this.tasks.start({ kind: 'cluster.start', title: `Start cluster ${spec.name}` }, (ctx) =>
            this.tracked(host.start(ctx)),
          ),
        );
    }
    this.changed();
    return started;
  }

  list(): ClusterInfo[] {
    const active = this.defaultName();
    return [...this.hosts.values()]
      .map((h) => h.info(h.name === active))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The whole list after every change: created, state, destroyed. Returns the unsubscribe. */
  onChanged(listener: (clusters: ClusterInfo[]) => void): () => void {
    this.emitter.on('changed', listener);
    return () => this.emitter.off('changed', listener);
  }

  private changed(): void {
    this.emitter.emit('changed', this.list());
  }

  /** A cluster start: subscribers hear of the state it enters now and of the one it ends in. */
  private async tracked(start: Promise<void>): Promise<void> {
    this.changed();
    try {
      await start;
    } finally {
      this.changed();
    }
  }

  private defaultName(): string | undefined {
    if (this.hosts.size === 1) return [...this.hosts.keys()][0];
    return this.activeName && this.hosts.has(this.activeName) ? this.activeName : undefined;
  }

  /** The cluster a command is about. */
  get(name?: string): ClusterHost {
    const n = name ?? this.defaultName();
    if (!n) {
      throw new FleetError(
        'NOT_FOUND',
        this.hosts.size === 0 ? 'There is no cluster yet' : 'Several clusters exist and none is active',
        this.hosts.size === 0
          ? 'Create one: flotctl cluster create demo --machines 3'
          : `Name one with --cluster (${[...this.hosts.keys()].join(', ')})`,
      );
    }
    const host = this.hosts.get(n);
    if (!host) throw new FleetError('NOT_FOUND', `No cluster named ${n}`, 'flotctl cluster list shows them');
    return host;
  }

  /** The running fleet of a cluster, or a clear error while it is not running. */
  control(name?: string) {
    const host = this.get(name);
    if (!host.control)
      throw new FleetError(
        'CONFLICT',
        `Cluster ${host.name} is ${host.state}${host.problem ? `: ${host.problem}` : ''}`,
        host.state === 'creating' || host.state === 'starting'
          ? 'Wait for it to come up (flotctl tasks)'
          : `Start it: flotctl cluster start ${host.name}`,
      );
    return host.control;
  }

  /**
   * The network a new cluster of `machines` would get: a free /24 and each machine's address.
   * Reserves nothing.
   */
  async addresses(machines: number, prefix = 'core'): Promise<ClusterAddresses & { gateway: string }> {
    const subnet = freeSubnet((await this.subnetsInUse()).map((u) => u.subnet));
    const net = parseSubnet(subnet)!;
    return {
      subnet,
      gateway: gatewayOf(net),
      ips: Object.fromEntries(hostnamesOf(prefix, machines).map((h, i) => [h, machineAddress(net, i + 1)])),
    };
  }

  /** Subnets of Docker networks, of this app's clusters (running or not) and of those being created. */
  private async subnetsInUse(): Promise<{ owner: string; subnet: string }[]> {
    const docker = (await this.machines.subnetsInUse()).map((u) => ({
      owner: `Docker network ${u.network}`,
      subnet: u.subnet,
    }));
    const clusters = [...this.hosts.values()].flatMap((h) =>
      h.spec.subnet ? [{ owner: `cluster ${h.name}`, subnet: h.spec.subnet }] : [],
    );
    const pending = [...this.pending].flatMap(([name, subnet]) =>
      subnet ? [{ owner: `cluster ${name} (being created)`, subnet }] : [],
    );
    return [...docker, ...clusters, ...pending];
  }

  /**
   * Creates a cluster; returns the Task that brings it up. Everything is checked first — host
   * names, addresses, forwarded ports, every machine's cloud-config and the units they bring — and
   * a failed check leaves nothing behind. The network is made here (it reserves the subnet), the
   * rest in the Task.
   */
  async create(req: CreateClusterRequest): Promise<Task> {
    if (this.hosts.has(req.name) || this.pending.has(req.name))
      throw new FleetError('CONFLICT', `A cluster named ${req.name} exists already`);
    this.pending.set(req.name, undefined);
    try {
      return await this.createChecked(req);
    } finally {
      this.pending.delete(req.name);
    }
  }

  private async createChecked(req: CreateClusterRequest): Promise<Task> {
    if (req.etcd && req.members !== undefined)
      throw new FleetError(
        'BAD_REQUEST',
        '--members is for embedded KV members; with --etcd the cluster has none',
        'Leave --members out',
      );
    if (req.etcd && req.tls)
      throw new FleetError(
        'BAD_REQUEST',
        '--tls secures the embedded KV; an external etcd takes --etcd-cacert/--etcd-cert/--etcd-key',
        'Leave --tls out',
      );
    const external = req.etcd && externalKvSpec(req.name, req.etcd);
    if (external) {
      // Before anything is made: it answers, it is etcd v3, and the prefix is nobody's.
      const found = await checkExternalEtcd(external);
      if (found.keysUnderPrefix > 0)
        throw new FleetError(
          'CONFLICT',
          `etcd at ${external.endpoints.join(', ')} has ${found.keysUnderPrefix} keys under ${external.prefix} already: another cluster may use them`,
          `Choose another prefix (--etcd-prefix), or if they are a destroyed cluster's leftovers: etcdctl del --prefix ${external.prefix}`,
        );
    }
    const members = external ? 0 : (req.members ?? defaultMembers(req.machines));
    if (members > req.machines)
      throw new FleetError(
        'BAD_REQUEST',
        `--members ${members} is more than --machines ${req.machines}`,
        'Each KV member lives on a machine',
      );
    const prefix = req.prefix ?? 'core';
    const names = hostnamesOf(prefix, req.machines);
    const keyed: [string, Record<string, unknown> | undefined][] = [
      ['metadata', req.metadata],
      ['forwardedPorts', req.forwardedPorts],
      ['cloudConfigs', req.cloudConfigs],
      ['network.ips', req.network?.ips],
    ];
    for (const [what, record] of keyed)
      for (const host of Object.keys(record ?? {}))
        if (!names.includes(host))
          throw new FleetError(
            'BAD_REQUEST',
            `${what} names ${host}, which is not one of this cluster's machines (${span(names)})`,
            `Host names are ${prefix}-01, ${prefix}-02 …`,
          );
    if (req.userData !== undefined) checkUserData(req.userData, names);
    const forwarded = await this.checkForwardedPorts(req.forwardedPorts ?? {});
    const remotes = await this.checkRemotes(req.remotes ?? [], names);

    for (let attempt = 1; ; attempt++) {
      const addresses = req.network
        ? await this.checkNetwork(req.network, names)
        : await this.addresses(req.machines, prefix);
      this.pending.set(req.name, addresses.subnet);
      const kvPorts = await this.pickKvPorts(members, forwarded);
      const etcdEndpoints =
        external?.endpoints ??
        Array.from(
          { length: members },
          (_, i) => `${req.tls ? 'https' : 'http'}://127.0.0.1:${kvPorts.baseClientPort + i}`,
        );
      const prepared = names.map((name) =>
        this.prepareMachine(req, name, addresses.ips[name]!, etcdEndpoints),
      );
      const byName = new Map<string, string>();
      for (const p of prepared) {
        const other = byName.get(p.settings.hostname);
        // The one whose config renamed it is at fault.
        const [culprit, owner] = p.settings.hostname !== p.name ? [p.name, other] : [other, p.name];
        if (other)
          throw new ApiError(
            'BAD_REQUEST',
            `Cloud-config of ${culprit}: hostname ${p.settings.hostname} is ${owner}'s already`,
            { hint: 'Every machine needs a host name of its own.', details: { machine: culprit } },
          );
        byName.set(p.settings.hostname, p.name);
      }
      const units = planBootUnits(
        prepared.map((p) => ({ hostname: p.settings.hostname, machineId: p.machineId, config: p.config })),
      );
      try {
        // Made now, not in the Task: it reserves the subnet, and a clash is this call's error.
        await this.machines.ensureNetwork(req.name, addresses.subnet);
      } catch (err) {
        const clash =
          err instanceof ApiError && err.code === 'CONFLICT' && subnetOf(err) === addresses.subnet;
        if (clash && !req.network && attempt < SUBNET_ATTEMPTS) continue;
        throw err;
      }
      const spec: ClusterSpec = {
        name: req.name,
        createdAt: new Date().toISOString(),
        channel: req.channel,
        osVersion: OS_VERSIONS[req.channel],
        machineTtlSec: req.machineTtlSec ?? DEFAULT_MACHINE_TTL_SEC,
        clusterToken: `flotilla-${req.name}-${randomBytes(6).toString('hex')}`,
        kvPorts,
        subnet: addresses.subnet,
        machines: prepared
          .map((p, i): ClusterSpec['machines'][number] => {
            const ports = req.forwardedPorts?.[p.name];
            const channel = p.settings.channel;
            return {
              hostname: p.settings.hostname,
              machineId: p.machineId,
              metadata: p.settings.metadata,
              kvMember: i < members,
              up: true,
              ip: p.ip,
              ...(channel !== req.channel ? { channel, osVersion: OS_VERSIONS[channel] } : {}),
              ...(ports?.length ? { forwardedPorts: ports } : {}),
            };
          })
          .concat(remotes.map((r) => r.machine)),
        kvRetired: [],
        updateCheckSec: DEFAULT_UPDATE_CHECK_SEC,
        kv: external ?? { kind: 'embedded', tls: req.tls ?? false },
        running: true,
      };
      try {
        if (req.tls) await writePki(join(this.store.dir(spec.name), 'tls'), await makeClusterPki(spec.name));
        await this.store.save(spec);
        for (const p of prepared) await this.store.saveCloudConfig(spec.name, p.settings.hostname, p.text);
      } catch (err) {
        await this.machines.destroyCluster(spec.name).catch(() => undefined);
        await this.store.remove(spec.name).catch(() => undefined);
        throw err;
      }
      if (!this.activeName) {
        this.activeName = spec.name;
        await this.store.setActive(spec.name);
      }
      const host = this.newHost(spec);
      for (const r of remotes) host.rememberPassphrase(r.machine.machineId, r.passphrase);
      this.hosts.set(spec.name, host);
      const task = this.tasks.start(
        { kind: 'cluster.create', title: `Create cluster ${spec.name}` },
        async (ctx) => {
          await this.tracked(host.start(ctx, 'creating', [BOOT_UNITS_STEP]));
          await submitBootUnits(this.control(spec.name), units, ctx);
        },
      );
      return task;
    }
  }

  /**
   * The remote hosts of a new cluster, each checked as machines.addRemote checks one (key,
   * credentials, Docker), one after the other so that an error names its host; their names are
   * the given ones or the next free after the local machines'.
   */
  private async checkRemotes(
    remotes: RemoteMachineRequest[],
    localNames: string[],
  ): Promise<PlannedRemote[]> {
    const taken = [...localNames];
    const out: PlannedRemote[] = [];
    for (const r of remotes) {
      const hostname = r.hostname ?? nextHostname(taken);
      const address = `${r.ssh.user}@${r.ssh.host}:${r.ssh.port}`;
      if (taken.includes(hostname))
        throw new FleetError(
          'BAD_REQUEST',
          `Remote host ${address}: ${hostname} is ${localNames.includes(hostname) ? 'a local machine' : 'another remote host'}'s name already`,
          'Give it another name; nothing was created.',
        );
      const twice = out.find((o) => o.machine.remote && sameHost(o.machine.remote, r.ssh));
      if (twice)
        throw new FleetError(
          'BAD_REQUEST',
          `Remote host ${address} is given twice (${twice.machine.hostname} and ${hostname})`,
          'One machine per host and Docker engine; nothing was created.',
        );
      await this.checkRemote(r);
      taken.push(hostname);
      out.push({ machine: remoteMachineSpec(r, hostname), passphrase: r.ssh.passphrase });
    }
    return out;
  }

  /** The final cloud-config of one machine, read: the reviewed one, else one rendered from the request. */
  private prepareMachine(
    req: CreateClusterRequest,
    name: string,
    ip: string,
    etcdEndpoints: string[],
  ): PreparedMachine {
    const reviewed = req.cloudConfigs?.[name];
    const addresses = { publicIpv4: ip, privateIpv4: ip };
    let text: string;
    try {
      text =
        reviewed !== undefined
          ? substituteAddresses(reviewed, addresses)
          : renderCloudConfig(
              {
                cluster: req.name,
                hostname: name,
                ...addresses,
                channel: req.channel,
                rebootStrategy: req.rebootStrategy ?? 'etcd-lock',
                ...(req.rebootWindow ? { rebootWindow: req.rebootWindow } : {}),
                metadata: req.metadata[name] ?? {},
                sshAuthorizedKeys: req.sshAuthorizedKeys ?? [],
                etcdEndpoints,
              },
              req.userData,
            );
    } catch (err) {
      // Settings a cloud-config cannot carry (the user-data was checked before).
      throw new ApiError('BAD_REQUEST', `Cloud-config of ${name}: ${(err as Error).message}`, {
        hint: 'Fix the settings; nothing was created.',
        details: { machine: name },
      });
    }
    const config = parseMachineConfig(
      name,
      text,
      reviewed !== undefined
        ? `Fix the cloud-config given for ${name}; nothing was created.`
        : 'Fix the settings or the user-data; nothing was created.',
    );
    return {
      name,
      ip,
      machineId: newMachineId(),
      text,
      config,
      settings: bootSettings(name, config, { channel: req.channel }),
    };
  }

  /** A subnet and addresses given by the caller: free still, one address per machine, inside it. */
  private async checkNetwork(network: ClusterAddresses, names: string[]): Promise<ClusterAddresses> {
    const net = parseSubnet(network.subnet);
    if (!net)
      throw new FleetError(
        'BAD_REQUEST',
        `network.subnet ${network.subnet} is not a network address with its prefix length`,
        'Give one like 10.99.3.0/24, or leave network out to get one',
      );
    const clash = (await this.subnetsInUse()).find((u) => overlaps(parseSubnet(u.subnet)!, net));
    if (clash)
      throw new FleetError(
        'CONFLICT',
        `Subnet ${network.subnet} was taken meanwhile: ${clash.owner} uses ${clash.subnet}`,
        'Ask for addresses again (clusters.addresses) and retry',
        { subnet: network.subnet },
      );
    const reserved = new Map<number, string>([
      [net.base, 'the network address'],
      [parseIpv4(gatewayOf(net))!, 'the gateway'],
      [net.base + 2 ** (32 - net.bits) - 1, 'the broadcast address'],
    ]);
    for (const name of names) {
      const text = network.ips[name];
      if (text === undefined)
        throw new FleetError('BAD_REQUEST', `network.ips has no address for ${name}`, 'Give one per machine');
      const ip = parseIpv4(text);
      if (ip === undefined || !contains(net, ip))
        throw new FleetError('BAD_REQUEST', `network.ips: ${name}'s ${text} is not in ${network.subnet}`);
      const taken = reserved.get(ip);
      if (taken)
        throw new FleetError(
          'BAD_REQUEST',
          `network.ips: ${name}'s ${text} is ${taken} of ${network.subnet}`,
        );
      reserved.set(ip, `${name}'s address`);
    }
    return network;
  }

  /**
   * Forwarded host ports: each once, none another cluster of this app forwards or serves its KV on,
   * none taken now. Returns them all.
   */
  private async checkForwardedPorts(forwarded: Record<string, ForwardedPort[]>): Promise<Set<number>> {
    const owners = new Map<number, string>();
    for (const h of this.hosts.values()) {
      for (const m of h.spec.machines)
        for (const p of m.forwardedPorts ?? [])
          owners.set(p.host, `machine ${m.hostname} of cluster ${h.name}`);
      for (const port of kvPortsOf(h.spec)) owners.set(port, `a KV member of cluster ${h.name}`);
    }
    const mine = new Map<number, string>();
    for (const [host, ports] of Object.entries(forwarded)) {
      for (const p of ports) {
        const what = `${host}'s port ${p.guest}`;
        const twice = mine.get(p.host);
        if (twice)
          throw new FleetError(
            'BAD_REQUEST',
            `Host port ${p.host} is forwarded twice: to ${twice} and to ${what}`,
          );
        mine.set(p.host, what);
        const owner = owners.get(p.host);
        if (owner || !(await portFree(p.host)))
          throw new FleetError(
            'CONFLICT',
            `Port 127.0.0.1:${p.host} is taken${owner ? ` by ${owner}` : ''}: ${host} cannot forward it to its port ${p.guest}`,
            'Choose another host port, or stop what listens there; nothing was created',
            { port: p.host, machine: host },
          );
      }
    }
    return new Set(mine.keys());
  }

  async setActive(name: string): Promise<void> {
    this.get(name);
    this.activeName = name;
    await this.store.setActive(name);
  }

  /** Removes every container, network, image and file the cluster made, and nothing else. */
  destroy(name: string): Task {
    const host = this.get(name);
    return this.tasks.start(
      { kind: 'cluster.destroy', title: `Destroy cluster ${name}`, cancellable: false },
      async (ctx) => {
        const kv = host.spec.kv;
        ctx.setSteps([
          'stop services',
          'remote hosts',
          'remove containers and network',
          ...(kv.kind === 'external' ? ['keys in etcd'] : []),
          'remove files',
        ]);
        ctx.step('stop services', 'running');
        await host.detach();
        ctx.step('stop services', 'done');
        ctx.step('remote hosts', 'running');
        const left = await host.destroyRemote();
        ctx.step(
          'remote hosts',
          left.length ? 'failed' : 'done',
          left.length
            ? `not reachable; on each, remove its containers by hand: ${left.join('; ')}`
            : undefined,
        );
        ctx.step('remove containers and network', 'running');
        await this.machines.destroyCluster(name);
        ctx.step('remove containers and network', 'done');
        if (kv.kind === 'external') {
          ctx.step('keys in etcd', 'running');
          const deleted = await deleteExternalKeys(kv);
          ctx.step('keys in etcd', 'done', `${deleted} keys under ${kv.prefix}`);
        }
        ctx.step('remove files', 'running');
        await this.store.remove(name);
        this.hosts.delete(name);
        if (this.activeName === name) this.activeName = undefined;
        ctx.step('remove files', 'done');
        this.changed();
      },
    );
  }

  /** Starts a stopped cluster; its machines come back as they were left (down ones stay down). */
  start(name: string): Task {
    const host = this.get(name);
    if (host.state !== 'stopped' && host.state !== 'failed')
      throw new FleetError('CONFLICT', `Cluster ${name} is ${host.state}`);
    return this.tasks.start({ kind: 'cluster.start', title: `Start cluster ${name}` }, async (ctx) => {
      host.spec.running = true;
      await this.store.save(host.spec);
      await this.tracked(host.start(ctx));
    });
  }

  /** Clean stop: units stop, then agents, KV members and machines; it stays stopped across restarts. */
  stop(name: string): Task {
    const host = this.get(name);
    if (host.state !== 'running' && host.state !== 'failed')
      throw new FleetError('CONFLICT', `Cluster ${name} is ${host.state}`);
    return this.tasks.start(
      { kind: 'cluster.stop', title: `Stop cluster ${name}`, cancellable: false },
      async () => {
        host.spec.running = false;
        await this.store.save(host.spec);
        try {
          await host.stop();
        } finally {
          this.changed();
        }
      },
    );
  }

  /** stop | start | kill | restart of one machine, as a Task. */
  machineLife(cluster: string | undefined, machine: string, action: MachineAction): Task {
    const host = this.get(cluster);
    const m = host.machine(machine);
    return this.tasks.start(
      {
        kind: `machine.${action}`,
        title: `${action[0]!.toUpperCase()}${action.slice(1)} machine ${m.hostname} of ${host.name}`,
        cancellable: false,
      },
      (ctx) => host.machineAction(m.machineId, action, ctx),
    );
  }

  /**
   * Adds or removes a machine's KV member as a task, after the quorum check (refused at once) and,
   * for an add, a check that the new member's ports are not another cluster's.
   */
  kvMembership(cluster: string | undefined, machine: string, action: 'add' | 'remove'): Task {
    const host = this.get(cluster);
    const m = host.checkMembership(machine, action);
    if (action === 'add') {
      for (const h of this.hosts.values()) {
        if (h === host) continue;
        const clash = host.nextMemberPorts().find((p) => kvPortsOf(h.spec).includes(p));
        if (clash !== undefined)
          throw new ApiError('CONFLICT', `Port ${clash} for the new KV member belongs to cluster ${h.name}`, {
            hint: 'Stop or destroy that cluster, or add the member on another cluster layout',
          });
      }
    }
    return this.tasks.start(
      {
        kind: `kv.${action}Member`,
        title:
          action === 'add' ? `Add a KV member on ${m.hostname}` : `Remove the KV member of ${m.hostname}`,
        cancellable: false,
      },
      (ctx) => host.changeMembership(m.machineId, action, ctx),
    );
  }

  /** "Reboot now" or "roll back" of a machine, as a Task (it may wait for the lock and the quorum). */
  updateReboot(cluster: string | undefined, machine: string, action: 'reboot' | 'rollback'): Task {
    const host = this.get(cluster);
    const m = host.machine(machine);
    return this.tasks.start(
      {
        kind: `updates.${action}`,
        title: action === 'reboot' ? `Reboot ${m.hostname}` : `Roll back ${m.hostname}`,
        cancellable: true,
      },
      (ctx) =>
        action === 'reboot'
          ? host.updates.rebootNow(m.machineId, ctx)
          : host.updates.rollback(m.machineId, ctx),
    );
  }

  // ------------------------------------------------------------------ beyond one machine

  /** What answers at an external etcd's endpoints, as clusters.create would reach it. */
  checkEtcd(name: string, etcd: ExternalEtcd): Promise<EtcdCheck> {
    return checkExternalEtcd(externalKvSpec(name, etcd));
  }

  /** An SSH host's key against known_hosts, and once trusted, whether Docker is usable there. */
  probeRemote(
    cluster: string | undefined,
    ssh: SshEndpoint,
    accept: string | undefined,
  ): Promise<RemoteProbe> {
    if (cluster !== undefined) this.get(cluster);
    return probeRemoteHost(ssh, {
      knownHosts: this.knownHosts,
      ...(accept ? { acceptFingerprint: accept } : {}),
    });
  }

  /**
   * Adds an SSH host as a machine. Checked before anything is made — the cluster runs, the name
   * is free, the host key is trusted (an unknown one only with the fingerprint the person
   * accepted, written to known_hosts then; a changed one never), the credentials work and Docker
   * is usable there — then a Task brings it up; a failed bring-up takes it out again.
   */
  async addRemote(req: AddRemoteRequest): Promise<Task> {
    const host = this.get(req.cluster);
    this.control(host.name);
    const hostname = req.hostname ?? nextHostname(host.spec.machines.map((m) => m.hostname));
    if (host.spec.machines.some((m) => m.hostname === hostname))
      throw new FleetError(
        'CONFLICT',
        `Cluster ${host.name} has a machine ${hostname} already`,
        'Give another name (--name)',
      );
    await this.checkRemote(req);
    const machine = remoteMachineSpec(req, hostname);
    const passphrase = req.ssh.passphrase;
    return this.tasks.start(
      {
        kind: 'machines.addRemote',
        title: `Add ${hostname} (${req.ssh.user}@${req.ssh.host}) to ${host.name}`,
      },
      (ctx) => host.addRemoteMachine(machine, passphrase, ctx),
    );
  }

  /**
   * Before a remote host is made a machine: its key is trusted (an unknown one only with the
   * fingerprint the person accepted, written to known_hosts then; a changed one never), the
   * credentials work and Docker is usable there.
   */
  private async checkRemote(req: RemoteMachineRequest): Promise<void> {
    const { client } = await connectSsh(req.ssh, {
      knownHosts: this.knownHosts,
      ...(req.acceptFingerprint ? { acceptFingerprint: req.acceptFingerprint } : {}),
    });
    try {
      const docker = await checkRemoteDocker(client, req.ssh);
      if (!docker.ok)
        throw new ApiError('CONFLICT', docker.problem?.message ?? `Docker is not usable on ${req.ssh.host}`, {
          hint: `${docker.problem?.hint ?? 'Check docker info on that host.'} Nothing was added.`,
        });
    } finally {
      client.end();
    }
  }

  /** Takes a machine without a KV member out of its cluster, as a Task. */
  removeMachine(cluster: string | undefined, machine: string): Task {
    const host = this.get(cluster);
    const m = host.machine(machine);
    return this.tasks.start(
      { kind: 'machines.remove', title: `Remove ${m.hostname} from ${host.name}`, cancellable: false },
      (ctx) => host.removeMachine(m.machineId, ctx),
    );
  }

  /** Drops a host's keys from known_hosts (after a change its owner confirmed). */
  forgetHostKey(host: string, port: number): Promise<number> {
    return this.knownHosts.forget(host, port);
  }

  /** Leaves every cluster running in Docker but stops serving them (app shutdown). */
  async shutdown(): Promise<void> {
    for (const host of this.hosts.values()) await host.detach().catch(() => undefined);
  }

  /** Peer and client port runs no other cluster of this app owns (running or not), nor `taken`. */
  private async pickKvPorts(members: number, taken: Set<number>): Promise<ClusterSpec['kvPorts']> {
    const used = new Set(taken);
    for (const h of this.hosts.values()) for (const port of kvPortsOf(h.spec)) used.add(port);
    const basePeerPort = await freePortRun(members, used);
    for (let i = 0; i < members; i++) used.add(basePeerPort + i);
    return { basePeerPort, baseClientPort: await freePortRun(members, used) };
  }

  private newHost(spec: ClusterSpec): ClusterHost {
    return new ClusterHost(
      spec,
      this.store.dir(spec.name),
      this.docker,
      this.machines,
      (s) => this.store.save(s),
      this.knownHosts,
      this.timing,
    );
  }
}

const subnetOf = (err: ApiError): unknown => (err.details as { subnet?: unknown } | undefined)?.subnet;

/**
 * The user-data on its own: its errors are reported at its own lines (once merged into each
 * machine's cloud-config they would be elsewhere).
 */
function checkUserData(text: string, names: string[]): void {
  const errors = parseCloudConfig(text).diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new ApiError(
    'BAD_REQUEST',
    `User-data of ${span(names)}, line ${first.line}, column ${first.column}: ${first.message}${more}`,
    {
      hint: 'Fix the user-data; nothing was created.',
      details: {
        machine: names[0],
        line: first.line,
        column: first.column,
        message: first.message,
        diagnostics: errors,
      },
    },
  );
}
