import type Docker from 'dockerode';
import type { Etcd3 } from 'etcd3';
import { join } from 'node:path';
import type { ClusterInfo, MachineInfo } from '../../shared/api';
import { VERSION } from '../../shared/version';
import { DockerUnitHost } from '../fleet/agent/docker-host';
import { FleetAgent } from '../fleet/agent/agent';
import { FleetControl } from '../fleet/control';
import { fleetKvClient } from '../fleet/kv-client';
import { FleetEngine } from '../fleet/engine/engine';
import { Registry } from '../fleet/registry';
import { seedBusybox } from '../docker';
import { ClusterRunner } from '../kv/cluster';
import { KvServer } from '../kv/server';
import { containerName, machineImageTag, type DockerMachines } from '../machines';
import { SILENT_TASK, type TaskContext } from '../tasks';
import type { ClusterSpec } from './store';

/** Engine and agent timing for local clusters: quick enough to see, slow enough to be calm. */
export interface ClusterTiming {
  engineReconcileMs: number;
  agentReconcileMs: number;
  engineLeaseTtlSec: number;
}

const DEFAULT_TIMING: ClusterTiming = {
  engineReconcileMs: 2_000,
  agentReconcileMs: 5_000,
  engineLeaseTtlSec: 5,
};

interface MachineSlot {
  spec: ClusterSpec['machines'][number];
  agent: FleetAgent | undefined;
  engine: FleetEngine | undefined;
  /** One KV session each for the agent and the engine: their leases and watches stay apart. */
  clients: Etcd3[];
  ip: string;
}

/**
 * One running cluster in this process: its machine containers, its KV members (the machines'
 * etcd), and on every machine an agent and an engine candidate, all talking to the KV through the
 * etcd3 client. Start is idempotent: after an app restart it adopts what is there.
 */
export class ClusterHost {
  private kv: ClusterRunner | undefined;
  private servers: KvServer[] = [];
  private client: Etcd3 | undefined;
  private slots: MachineSlot[] = [];
  control: FleetControl | undefined;
  state: ClusterInfo['state'] = 'stopped';
  problem: string | undefined;

  constructor(
    readonly spec: ClusterSpec,
    private readonly dir: string,
    private readonly docker: Docker,
    private readonly machines: DockerMachines,
    private readonly timing: ClusterTiming = DEFAULT_TIMING,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get endpoints(): string[] {
    return this.servers.map((s) => s.endpoint);
  }

  info(active: boolean): ClusterInfo {
    return {
      name: this.name,
      active,
      state: this.state,
      machines: this.spec.machines.length,
      endpoints: this.endpoints,
    };
  }

  /** Brings everything up; steps are reported per machine. */
  async start(ctx: TaskContext, phase: 'creating' | 'starting' = 'starting'): Promise<void> {
    this.state = phase;
    try {
      ctx.setSteps([
        'machine image',
        'network',
        ...this.spec.machines.map((m) => `machine ${m.hostname}`),
        'kv members',
        'agents and engine',
      ]);
      ctx.step('machine image', 'running');
      await this.machines.ensureImage(this.spec.osVersion);
      // Units' `docker run busybox …` lines need busybox; no registry is assumed (decision 5).
      const busybox = await seedBusybox(this.docker, SILENT_TASK, { tag: 'busybox:latest', offline: false });
      ctx.step('machine image', 'done', `${machineImageTag(this.spec.osVersion)}; busybox ${busybox.source}`);
      ctx.step('network', 'running');
      await this.machines.ensureNetwork(this.name);
      ctx.step('network', 'done');
      this.slots = [];
      for (const m of this.spec.machines) {
        ctx.throwIfCanceled();
        ctx.step(`machine ${m.hostname}`, 'running');
        const rt = await this.machines.create({
          cluster: this.name,
          hostname: m.hostname,
          machineId: m.machineId,
          osVersion: this.spec.osVersion,
          channel: this.spec.channel,
          metadata: m.metadata,
        });
        this.slots.push({ spec: m, agent: undefined, engine: undefined, clients: [], ip: rt.ip });
        ctx.step(`machine ${m.hostname}`, 'done', rt.ip);
      }
      ctx.step('kv members', 'running');
      await this.startKv();
      ctx.step('kv members', 'done', this.endpoints.join(','));
      ctx.step('agents and engine', 'running');
      this.client = this.newClient();
      this.control = new FleetControl(new Registry(this.client), () => this.engines());
      await this.control.start();
      for (const slot of this.slots) await this.startMachineServices(slot);
      ctx.step('agents and engine', 'done');
      this.state = 'running';
      this.problem = undefined;
    } catch (err) {
      this.state = 'failed';
      this.problem = (err as Error).message;
      await this.stopServices();
      throw err;
    }
  }

  private engines(): FleetEngine[] {
    return this.slots.flatMap((s) => (s.engine ? [s.engine] : []));
  }

  private newClient(): Etcd3 {
    return fleetKvClient(this.endpoints);
  }

  private async startKv(): Promise<void> {
    const members = this.spec.machines.filter((m) => m.kvMember);
    this.kv = await ClusterRunner.start({
      size: members.length,
      baseDir: join(this.dir, 'kv'),
      clusterToken: this.spec.clusterToken,
      names: members.map((m) => m.hostname),
      basePort: this.spec.kvPorts.basePeerPort,
    });
    const directory = new Map<bigint, string>();
    for (let i = 0; i < members.length; i++) {
      const s = new KvServer({
        member: this.kv.member(i),
        directory,
        port: this.spec.kvPorts.baseClientPort + i,
      });
      await s.start();
      this.servers.push(s);
    }
    await this.kv.waitForLeader(15_000);
  }

  /** The agent and engine candidate of one machine, each with its own KV session. */
  private async startMachineServices(slot: MachineSlot): Promise<void> {
    const m = slot.spec;
    const agentClient = this.newClient();
    const engineClient = this.newClient();
    slot.clients = [agentClient, engineClient];
    const machine: MachineInfo = {
      id: m.machineId,
      name: m.hostname,
      ip: slot.ip,
      metadata: m.metadata,
      version: VERSION,
    };
    const host = new DockerUnitHost({
      docker: this.docker,
      cluster: this.name,
      machineId: m.machineId,
      hostname: m.hostname,
      machineContainer: containerName(this.name, m.hostname),
      image: machineImageTag(this.spec.osVersion),
    });
    slot.agent = new FleetAgent(new Registry(agentClient), {
      machine,
      host,
      ttlSec: this.spec.machineTtlSec,
      reconcileIntervalMs: this.timing.agentReconcileMs,
    });
    await slot.agent.start();
    slot.engine = new FleetEngine(new Registry(engineClient), {
      id: `${m.machineId}`,
      reconcileIntervalMs: this.timing.engineReconcileMs,
      leaseTtlSec: this.timing.engineLeaseTtlSec,
    });
    slot.engine.start();
  }

  /**
   * Stops fleet and the KV but leaves machines and their unit containers running: the app is
   * going away, not the cluster; the next start adopts them.
   */
  async detach(): Promise<void> {
    for (const slot of this.slots) {
      await slot.engine?.stop();
      await slot.agent?.kill();
    }
    await this.stopServices();
    this.state = 'stopped';
  }

  /** Clean cluster stop: agents unload their units (fleet's purge), then machines stop. */
  async stop(): Promise<void> {
    for (const slot of this.slots) await slot.engine?.stop();
    for (const slot of this.slots) await slot.agent?.stop();
    await this.stopServices();
    for (const m of this.spec.machines)
      await this.machines.stop(this.name, m.hostname).catch(() => undefined);
    this.state = 'stopped';
  }

  private async stopServices(): Promise<void> {
    for (const slot of this.slots) {
      for (const c of slot.clients) c.close();
      slot.clients = [];
      slot.agent = undefined;
      slot.engine = undefined;
    }
    await this.control?.stop().catch(() => undefined);
    this.control = undefined;
    this.client?.close();
    this.client = undefined;
    await Promise.all(this.servers.map((s) => s.close()));
    this.servers = [];
    await this.kv?.close();
    this.kv = undefined;
  }
}
