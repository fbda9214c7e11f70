import type Docker from 'dockerode';
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import type { ClusterInfo, Task } from '../../shared/api';
import { FleetError } from '../fleet/errors';
import { DockerMachines, newMachineId, type Channel } from '../machines';
import type { TaskManager } from '../tasks';
import { ClusterHost, type ClusterTiming, type MachineAction } from './host';
import { ClusterStore, type ClusterSpec } from './store';

/** The OS version a new machine of each channel runs (the updates issue moves them). */
export const OS_VERSIONS: Record<Channel, string> = {
  stable: '4459.2.1',
  beta: '4487.1.0',
  alpha: '4516.0.0',
};

export interface CreateClusterRequest {
  name: string;
  machines: number;
  /** KV members; default 1 for one machine, 3 up to five, 5 beyond. */
  members?: number;
  channel: Channel;
  /** Per host name (core-01 …): metadata key → value. */
  metadata: Record<string, Record<string, string>>;
  machineTtlSec?: number;
}

/** Whether 127.0.0.1:port can be bound right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
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
  return machines === 1 ? 1 : machines <= 5 ? 3 : 5;
}

const hostnameOf = (i: number) => `core-${String(i + 1).padStart(2, '0')}`;

/**
 * The clusters this app hosts: created, listed, brought back on start, stopped and destroyed.
 * Commands that name no cluster go to the only one, else the active one.
 */
export class ClusterManager {
  private readonly hosts = new Map<string, ClusterHost>();
  private readonly store: ClusterStore;
  private readonly machines: DockerMachines;
  private activeName: string | undefined;
  /** Problems met while restoring (unreadable specs …), for the user to see. */
  readonly problems: string[] = [];

  constructor(
    dataDir: string,
    private readonly docker: Docker,
    private readonly tasks: TaskManager,
    private readonly timing?: ClusterTiming,
  ) {
    this.store = new ClusterStore(dataDir);
    this.machines = new DockerMachines(docker);
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
            host.start(ctx),
          ),
        );
    }
    return started;
  }

  list(): ClusterInfo[] {
    const active = this.defaultName();
    return [...this.hosts.values()]
      .map((h) => h.info(h.name === active))
      .sort((a, b) => a.name.localeCompare(b.name));
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

  /** Creates a cluster; returns the Task that brings it up. */
  async create(req: CreateClusterRequest): Promise<Task> {
    if (this.hosts.has(req.name))
      throw new FleetError('CONFLICT', `A cluster named ${req.name} exists already`);
    const members = req.members ?? defaultMembers(req.machines);
    if (members > req.machines)
      throw new FleetError(
        'BAD_REQUEST',
        `--members ${members} is more than --machines ${req.machines}`,
        'Each KV member lives on a machine',
      );
    for (const host of Object.keys(req.metadata)) {
      const i = Number(/^core-(\d+)$/.exec(host)?.[1] ?? 0);
      if (i < 1 || i > req.machines)
        throw new FleetError(
          'BAD_REQUEST',
          `metadata names ${host}, which is not one of core-01 … ${hostnameOf(req.machines - 1)}`,
        );
    }
    const spec: ClusterSpec = {
      name: req.name,
      createdAt: new Date().toISOString(),
      channel: req.channel,
      osVersion: OS_VERSIONS[req.channel],
      machineTtlSec: req.machineTtlSec ?? DEFAULT_MACHINE_TTL_SEC,
      clusterToken: `flotilla-${req.name}-${randomBytes(6).toString('hex')}`,
      kvPorts: await this.pickKvPorts(members),
      machines: Array.from({ length: req.machines }, (_, i) => ({
        hostname: hostnameOf(i),
        machineId: newMachineId(),
        metadata: req.metadata[hostnameOf(i)] ?? {},
        kvMember: i < members,
        up: true,
      })),
      running: true,
    };
    await this.store.save(spec);
    if (!this.activeName) {
      this.activeName = spec.name;
      await this.store.setActive(spec.name);
    }
    const host = this.newHost(spec);
    this.hosts.set(spec.name, host);
    return this.tasks.start({ kind: 'cluster.create', title: `Create cluster ${spec.name}` }, (ctx) =>
      host.start(ctx, 'creating'),
    );
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
        ctx.setSteps(['stop services', 'remove containers and network', 'remove files']);
        ctx.step('stop services', 'running');
        await host.detach();
        ctx.step('stop services', 'done');
        ctx.step('remove containers and network', 'running');
        await this.machines.destroyCluster(name);
        ctx.step('remove containers and network', 'done');
        ctx.step('remove files', 'running');
        await this.store.remove(name);
        this.hosts.delete(name);
        if (this.activeName === name) this.activeName = undefined;
        ctx.step('remove files', 'done');
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
      await host.start(ctx);
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
        await host.stop();
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

  /** Leaves every cluster running in Docker but stops serving them (app shutdown). */
  async shutdown(): Promise<void> {
    for (const host of this.hosts.values()) await host.detach().catch(() => undefined);
  }

  /** Peer and client port runs no other cluster of this app owns (running or not). */
  private async pickKvPorts(members: number): Promise<ClusterSpec['kvPorts']> {
    const used = new Set<number>();
    for (const h of this.hosts.values()) {
      const n = h.spec.machines.filter((m) => m.kvMember).length;
      for (let i = 0; i < n; i++) {
        used.add(h.spec.kvPorts.basePeerPort + i);
        used.add(h.spec.kvPorts.baseClientPort + i);
      }
    }
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
      this.timing,
    );
  }
}
