import type Docker from 'dockerode';
import type { Etcd3 } from 'etcd3';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  KvHealth,
  ClusterInfo,
  JournalBatch,
  JournalQuery,
  MachineInfo,
  MachineLife,
  MachinesEvent,
  TaskStep,
} from '../../shared/api';
import { withDefaultSuffix } from '../../shared/units';
import { VERSION } from '../../shared/version';
import { DockerUnitHost, removeMachineUnits, UNIT_LABELS, unitLabelFilter } from '../fleet/agent/docker-host';
import { FleetAgent } from '../fleet/agent/agent';
import { FleetControl } from '../fleet/control';
import { fleetKvClient, type KvAccess } from '../fleet/kv-client';
import { FleetEngine } from '../fleet/engine/engine';
import { FleetError } from '../fleet/errors';
import { Registry } from '../fleet/registry';
import { seedBusybox } from '../docker';
import { ClusterJournals, type ResolvedJournalQuery } from '../journal';
import { ClusterRunner } from '../kv/cluster';
import { clientTls, memberTls, PKI_FILES, readPki, type ClusterPki } from '../kv/tls';
import { memberIdOf } from '../kv/member';
import { KvServer } from '../kv/server';
import {
  containerName,
  DockerMachines,
  machineImageTag,
  networkName,
  overlay,
  type Channel,
  type MachineSpec as DockerMachineSpec,
} from '../machines';
import { RemoteLink, type KnownHosts, type LinkHandlers } from '../remote';
import type { ShellTarget } from '../shell';
import { SILENT_TASK, type TaskContext } from '../tasks';
import { bootFiles, cloudConfigPath, parseMachineConfig } from './boot';
import { KvExplorer } from './kv-explorer';
import { assignKvSlots, kvSlotOf, kvSlots, newMemberName, nextKvSlot } from './kv-layout';
import { KvHealthSampler, refusals, type CandidateView, type MemberView } from './kv-health';
import type { ClusterSpec } from './store';
import { ClusterUpdates, type UpdatesHost } from '../updates/cluster-updates';
import {
  etcdctlFiles,
  explainEtcdError,
  externalAccess,
  ExternalKvHealth,
  writeEtcdctlFiles,
} from './external-kv';

/** Engine and agent timing for local clusters: quick enough to see, slow enough to be calm. */
export interface ClusterTiming {
  engineReconcileMs: number;
  agentReconcileMs: number;
}

const DEFAULT_TIMING: ClusterTiming = {
  engineReconcileMs: 2_000,
  agentReconcileMs: 5_000,
};

type MachineSpec = ClusterSpec['machines'][number];

interface MachineSlot {
  spec: MachineSpec;
  life: MachineLife;
  /** The engine the machine runs on: the local one, or a remote host's through its SSH link. */
  docker: Docker;
  machines: DockerMachines;
  /** A remote machine's SSH connection (connects, notices loss, retries with backoff). */
  link: RemoteLink | undefined;
  /** Counts the link's connections; the one a bring-up was done for is not brought up twice. */
  linkEpoch: number;
  broughtUp: number;
  ip: string;
  /** Index in the KV runner for a machine that hosts a member. */
  kvIndex: number | undefined;
  server: KvServer | undefined;
  agent: FleetAgent | undefined;
  engine: FleetEngine | undefined;
  /** One KV session each for the agent and the engine: their leases and watches stay apart. */
  clients: Etcd3[];
  /** Lifecycle operations on one machine run one at a time. */
  busy: Promise<void>;
}

export type MachineAction = 'stop' | 'start' | 'kill' | 'restart';

/** The steps of each machine while a cluster comes up: `core-01: image` … */
const MACHINE_STEPS = ['image', 'container', 'KV member', 'agent'] as const;

const machineStep =
  (ctx: TaskContext, hostname: string) =>
  (step: (typeof MACHINE_STEPS)[number], state: TaskStep['state'], detail?: string) =>
    ctx.step(`${hostname}: ${step}`, state, detail);

/** A burst of changes (a kill: life, KV role, registry) reaches the board as one upsert per machine. */
const BOARD_COALESCE_MS = 50;

interface BoardListener {
  emit: (e: MachinesEvent) => void;
  /** What this listener was last sent, as JSON per machine id: only real changes go out. */
  sent: Map<string, string>;
}

/**
 * One running cluster in this process: its machine containers, its KV members (the machines'
 * etcd), and on every machine an agent and an engine candidate, all talking to the KV through the
 * etcd3 client. A machine's member, agent and engine share the machine's life (DESIGN.md
 * decision 3): machine down ⇒ all three down. Start is idempotent: after an app restart it adopts
 * what is there.
 */
export class ClusterHost {
  private kv: ClusterRunner | undefined;
  /** Client URLs of the members (shared by their servers for forwarding and MemberList). */
  private readonly directory = new Map<bigint, string>();
  private client: Etcd3 | undefined;
  private slots: MachineSlot[] = [];
  readonly journals: ClusterJournals;
  control: FleetControl | undefined;
  state: ClusterInfo['state'] = 'stopped';
  problem: string | undefined;
  private readonly boardListeners = new Set<BoardListener>();
  private boardTimer: NodeJS.Timeout | undefined;
  /** The fleet control whose registry the board follows (machines appear and vanish there). */
  private followed: { control: FleetControl; off: () => void } | undefined;

  /** update_engine and locksmithd of every machine; they live as long as the host. */
  readonly updates: ClusterUpdates;
  /** Passphrases of remote machines' key files, for this run of the app only (never saved). */
  private readonly passphrases = new Map<string, string>();
  /** Machines whose downtime a reboot has reserved (the KV quorum guard counts them as down). */
  private readonly downtime = new Set<string>();

  /** The cluster's certificates when its embedded KV speaks TLS (read at start). */
  private pki: ClusterPki | undefined;
  /** The KV page's health of an external etcd (no Raft of ours to sample). */
  private externalHealth: ExternalKvHealth | undefined;

  /** The Raft panel's samples live as long as the host: reopening the panel shows the last minutes. */
  private readonly health = new KvHealthSampler(
    () => this.kvViews(),
    () => (this.kv?.running() ?? []).flatMap((r) => r.member.drainCommitLatencies()),
  );

  constructor(
    readonly spec: ClusterSpec,
    private readonly dir: string,
    private readonly docker: Docker,
    private readonly machines: DockerMachines,
    /** Persists the spec (machines going down or up survive an app restart). */
    private readonly save: (spec: ClusterSpec) => Promise<void>,
    /** Flotilla's known_hosts: remote machines' host keys are checked against it on every connect. */
    private readonly knownHosts: KnownHosts,
    private readonly timing: ClusterTiming = DEFAULT_TIMING,
  ) {
    this.journals = new ClusterJournals(join(dir, 'journal'));
    assignKvSlots(spec);
    this.updates = new ClusterUpdates(this.updatesHost());
  }

  get name(): string {
    return this.spec.name;
  }

  /** Client endpoints of every member, running or not (or the external etcd's): clients fail over between them. */
  private get allEndpoints(): string[] {
    if (this.spec.kv.kind === 'external') return this.spec.kv.endpoints;
    return kvSlots(this.spec)
      .filter((s) => !s.retired)
      .map((s) => `127.0.0.1:${this.spec.kvPorts.baseClientPort + s.slot}`);
  }

  /** Endpoints of the members running now (an external etcd's as given). */
  get endpoints(): string[] {
    if (this.spec.kv.kind === 'external') return this.spec.kv.endpoints;
    return this.slots.flatMap((s) => (s.server ? [s.server.endpoint] : []));
  }

  info(active: boolean): ClusterInfo {
    return {
      name: this.name,
      active,
      state: this.state,
      machines: this.spec.machines.length,
      endpoints: this.endpoints,
      channel: this.spec.channel,
      createdAt: this.spec.createdAt,
      ...(this.problem ? { problem: this.problem } : {}),
      kv: this.kvInfo(),
    };
  }

  private kvInfo(): ClusterInfo['kv'] {
    const kv = this.spec.kv;
    if (kv.kind === 'external')
      return {
        kind: 'external',
        endpoints: kv.endpoints,
        prefix: kv.prefix,
        tls: externalAccess(kv).tls !== undefined,
        auth: kv.username !== undefined,
        ...etcdctlFiles(join(this.dir, 'etcd'), kv),
        ...(kv.username !== undefined ? { username: kv.username } : {}),
      };
    if (!kv.tls) return { kind: 'embedded' };
    const file = (name: string) => join(this.dir, 'tls', name);
    return {
      kind: 'embedded',
      tls: {
        caFile: file(PKI_FILES.caCert),
        certFile: file(PKI_FILES.clientCert),
        keyFile: file(PKI_FILES.clientKey),
      },
    };
  }

  /** How this cluster's clients reach its KV: TLS with the client certificate, or the external etcd's access. */
  private kvAccess(): KvAccess {
    const kv = this.spec.kv;
    if (kv.kind === 'external') return externalAccess(kv);
    return this.pki ? { tls: clientTls(this.pki) } : {};
  }

  private kvClient(): Etcd3 {
    return fleetKvClient(this.allEndpoints, this.kvAccess());
  }

  /**
   * Brings everything up; steps are reported per machine (`core-01: image`, `: container`,
   * `: KV member`, `: agent`) after the network, and `finalSteps` — the caller's, after this —
   * are announced last. Machines marked down stay down.
   */
  async start(
    ctx: TaskContext,
    phase: 'creating' | 'starting' = 'starting',
    finalSteps: string[] = [],
  ): Promise<void> {
    this.state = phase;
    try {
      ctx.setSteps([
        'network',
        ...this.spec.machines.flatMap((m) => MACHINE_STEPS.map((s) => `${m.hostname}: ${s}`)),
        ...finalSteps,
      ]);
      ctx.step('network', 'running');
      await this.machines.ensureNetwork(this.name, this.spec.subnet);
      ctx.step('network', 'done', this.spec.subnet ?? networkName(this.name));
      this.slots = [];
      let busybox: string | undefined;
      for (const m of this.spec.machines) {
        const slot = this.newSlot(m);
        this.slots.push(slot);
        ctx.throwIfCanceled();
        const step = machineStep(ctx, m.hostname);
        if (!m.up) {
          for (const s of MACHINE_STEPS) step(s, 'skipped', 'down (flotctl machine start brings it back)');
          continue;
        }
        if (m.remote) {
          // Its SSH link opens once fleet runs (below): a host that does not answer keeps retrying
          // and never holds the cluster back.
          slot.life = 'stopped';
          for (const s of MACHINE_STEPS.slice(0, 3))
            step(s, 'skipped', `remote host ${remoteAddress(m.remote)}`);
          continue;
        }
        step('image', 'running');
        const osVersion = m.osVersion ?? this.spec.osVersion;
        await this.machines.ensureImage(osVersion);
        // Units' `docker run busybox …` lines need busybox; no registry is assumed (decision 5).
        busybox ??= (await seedBusybox(this.docker, SILENT_TASK, { tag: 'busybox:latest', offline: false }))
          .source;
        step('image', 'done', `${machineImageTag(osVersion)}; busybox ${busybox}`);
        step('container', 'running');
        slot.ip = (await this.machines.create(await this.machineSpec(m))).ip;
        step('container', 'done', slot.ip);
      }
      for (const slot of this.slots) {
        if (slot.life !== 'starting') continue;
        const step = machineStep(ctx, slot.spec.hostname);
        const kv = this.spec.kv;
        if (kv.kind === 'external') step('KV member', 'skipped', `external etcd ${kv.endpoints.join(',')}`);
        else if (slot.kvIndex === undefined) step('KV member', 'skipped', 'no KV member on this machine');
        else step('KV member', 'running');
      }
      if (this.spec.kv.kind === 'external') await writeEtcdctlFiles(join(this.dir, 'etcd'), this.spec.kv);
      await this.startKv();
      this.client = this.kvClient();
      if (this.spec.kv.kind === 'external') {
        const kv = this.spec.kv;
        // Fails here, clearly, rather than in every agent's first heartbeat.
        await this.client.maintenance.status().catch((err: unknown) => {
          throw explainEtcdError(err, kv.endpoints);
        });
      }
      for (const slot of this.slots) {
        if (slot.server === undefined) continue;
        const leader = this.kv!.member(slot.kvIndex!).isLeader;
        machineStep(ctx, slot.spec.hostname)('KV member', 'done', leader ? 'joined, leader' : 'joined');
      }
      this.control = new FleetControl(new Registry(this.client), () => this.engines());
      await this.control.start();
      for (const slot of this.slots) {
        if (slot.life !== 'starting') continue;
        const step = machineStep(ctx, slot.spec.hostname);
        step('agent', 'running');
        // Resolves once the agent has registered the machine.
        await this.startMachineServices(slot);
        slot.life = 'up';
        step('agent', 'done', 'registered');
      }
      for (const slot of this.slots) {
        if (!slot.spec.remote || !slot.spec.up) continue;
        const step = machineStep(ctx, slot.spec.hostname);
        step('agent', 'running', 'connecting over SSH');
        try {
          await this.connectRemote(slot);
          step('agent', 'done', `connected to ${remoteAddress(slot.spec.remote)}`);
        } catch (err) {
          // Not the cluster's failure: the link retries with backoff and brings it up when it can.
          step('agent', 'skipped', `${(err as Error).message} (retrying)`);
        }
      }
      this.state = 'running';
      this.problem = undefined;
      await this.updates.start();
    } catch (err) {
      this.state = 'failed';
      this.problem = (err as Error).message;
      await this.stopServices();
      throw err;
    }
  }

  /** What the machine container is made of: the spec, and the cloud-config it boots with. */
  private async machineSpec(m: MachineSpec): Promise<DockerMachineSpec> {
    const channel = m.channel ?? this.spec.channel;
    const boot = await this.bootOf(m.hostname, channel);
    if (m.updateConf === undefined) {
      // First boot: update.conf as the cloud-config wrote it becomes the machine's own from now on.
      const fromCloudConfig = boot.bootFiles?.find((f) => f.name === 'etc/coreos/update.conf')?.content;
      m.updateConf = fromCloudConfig?.toString() ?? `GROUP=${channel}\n`;
      await this.save(this.spec);
    }
    return {
      cluster: this.name,
      hostname: m.hostname,
      machineId: m.machineId,
      osVersion: m.osVersion ?? this.spec.osVersion,
      channel,
      metadata: m.metadata,
      // A remote host's engine picks the address on its own network there.
      ...(m.ip && !m.remote ? { ip: m.ip } : {}),
      ...(m.forwardedPorts && !m.remote ? { forwardedPorts: m.forwardedPorts } : {}),
      ...boot,
      bootFiles: overlay(boot.bootFiles ?? [], await this.updates.bootFiles(m)),
    };
  }

  /**
   * The files and settings of a machine's saved cloud-config, read afresh at every boot as
   * coreos-cloudinit does; nothing for machines of clusters made before cloud-configs.
   */
  private async bootOf(
    hostname: string,
    channel: Channel,
  ): Promise<Pick<DockerMachineSpec, 'bootFiles' | 'hostnameIsLocalhost'>> {
    const file = cloudConfigPath(this.dir, hostname);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    const config = parseMachineConfig(hostname, text, `Fix ${file}, then start the machine again.`);
    return {
      bootFiles: bootFiles(hostname, config, channel, text),
      hostnameIsLocalhost: config.manageEtcHosts === 'localhost',
    };
  }

  private engines(): FleetEngine[] {
    return this.slots.flatMap((s) => (s.engine ? [s.engine] : []));
  }

  /**
   * Every member starts (a founder must find its peers where their logs say), then the members
   * of machines that are down stop again: they come back from their WAL with their machine.
   */
  private async startKv(): Promise<void> {
    if (this.spec.kv.kind === 'external') return;
    if (this.spec.kv.tls) this.pki ??= await readPki(join(this.dir, 'tls'));
    const members = this.slots.filter((s) => s.kvIndex !== undefined);
    const layout = kvSlots(this.spec);
    this.kv = await ClusterRunner.start({
      size: layout.length,
      baseDir: join(this.dir, 'kv'),
      clusterToken: this.spec.clusterToken,
      names: layout.map((s) => s.name),
      retired: layout.filter((s) => s.retired).map((s) => s.slot),
      basePort: this.spec.kvPorts.basePeerPort,
      // A 50 ms tick (election timeout 0.5–1 s) for members on one host: when a machine dies with
      // the KV leader, a new leader takes over fast enough for its units to run elsewhere within
      // 5 s (the dead machine's lease restarts its TTL on the new leader, as in etcd).
      member: { tickMs: 50, ...(this.pki ? { peerTls: memberTls(this.pki) } : {}) },
    });
    this.kv.onRoleChange(() => this.machinesChanged());
    for (const slot of members) {
      if (slot.life === 'stopped') await this.kv.stop(slot.kvIndex!);
      else await this.startServer(slot);
    }
    await this.kv.waitForLeader(15_000);
  }

  private async startServer(slot: MachineSlot): Promise<void> {
    const i = slot.kvIndex!;
    const s = new KvServer({
      member: this.kv!.member(i),
      directory: this.directory,
      port: this.spec.kvPorts.baseClientPort + i,
      ...(this.pki ? { tls: memberTls(this.pki) } : {}),
    });
    await s.start();
    slot.server = s;
  }

  /** The agent and engine candidate of one machine, each with its own KV session. */
  private async startMachineServices(slot: MachineSlot): Promise<void> {
    // Before the agent registers, so the board follows this registry by then.
    this.machinesChanged();
    const m = slot.spec;
    const agentClient = this.kvClient();
    const engineClient = this.kvClient();
    slot.clients = [agentClient, engineClient];
    const machine: MachineInfo = {
      id: m.machineId,
      name: m.hostname,
      ip: slot.ip,
      metadata: m.metadata,
      version: VERSION,
    };
    const host = new DockerUnitHost({
      docker: slot.docker,
      cluster: this.name,
      machineId: m.machineId,
      hostname: m.hostname,
      machineContainer: containerName(this.name, m.hostname),
      image: machineImageTag(m.osVersion ?? this.spec.osVersion),
      journal: this.journals.machine(m.machineId, m.hostname),
    });
    slot.agent = new FleetAgent(new Registry(agentClient), {
      machine,
      host,
      ttlSec: this.spec.machineTtlSec,
      reconcileIntervalMs: this.timing.agentReconcileMs,
    });
    await slot.agent.start();
    slot.engine = new FleetEngine(new Registry(engineClient), {
      id: m.machineId,
      reconcileIntervalMs: this.timing.engineReconcileMs,
      // As short as the machines' TTL: an engine that died with its machine is replaced as soon
      // as the machine itself is declared gone.
      leaseTtlSec: this.spec.machineTtlSec,
    });
    slot.engine.start();
    // Callers mark the machine up as soon as this resolves, before the board's flush runs.
    this.machinesChanged();
  }

  // ------------------------------------------------------------------------------ machines

  /** A machine by host name (core-02), full id or unique id prefix. */
  machine(ref: string): MachineSpec {
    const byName = this.spec.machines.find((m) => m.hostname === ref || m.machineId === ref);
    if (byName) return byName;
    const byPrefix = /^[0-9a-f]+$/.test(ref)
      ? this.spec.machines.filter((m) => m.machineId.startsWith(ref))
      : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    throw new FleetError(
      byPrefix.length > 1 ? 'BAD_REQUEST' : 'NOT_FOUND',
      byPrefix.length > 1
        ? `Machine id prefix ${ref} matches ${byPrefix.length} machines of cluster ${this.name}`
        : `Cluster ${this.name} has no machine ${ref}`,
      `Machines: ${this.spec.machines.map((m) => `${m.hostname} (${m.machineId.slice(0, 8)})`).join(', ')}`,
    );
  }

  private slotOf(ref: string): MachineSlot {
    const m = this.machine(ref);
    const slot = this.slots.find((s) => s.spec === m);
    if (!slot || this.state !== 'running')
      throw new FleetError(
        'CONFLICT',
        `Cluster ${this.name} is ${this.state}`,
        `flotctl cluster start ${this.name}`,
      );
    return slot;
  }

  /** The KV explorer over this cluster's etcd3 client. */
  kvExplorer(): KvExplorer {
    if (!this.client || this.state !== 'running')
      throw new FleetError(
        'CONFLICT',
        `Cluster ${this.name} is ${this.state}`,
        `flotctl cluster start ${this.name}`,
      );
    return new KvExplorer(this.client);
  }

  subscribeKvHealth(emit: (h: KvHealth) => void): () => void {
    const kv = this.spec.kv;
    if (kv.kind === 'external') return (this.externalHealth ??= new ExternalKvHealth(kv)).subscribe(emit);
    return this.health.subscribe(emit);
  }

  /** The machines with a KV member (and their member's status) and those without one. */
  private kvViews(): { members: MemberView[]; candidates: CandidateView[] } {
    const running = new Map(this.kv?.running().map((r) => [r.index, r.member]));
    const members: MemberView[] = [];
    const candidates: CandidateView[] = [];
    for (const slot of this.slots) {
      const base = {
        machineId: slot.spec.machineId,
        hostname: slot.spec.hostname,
        machineUp: slot.life === 'up',
      };
      if (slot.kvIndex === undefined) {
        candidates.push(base);
        continue;
      }
      const member = running.get(slot.kvIndex);
      members.push({
        ...base,
        endpoint: slot.server?.endpoint,
        status: member?.status(),
        id: memberIdOf(slot.spec.kvName ?? slot.spec.hostname, this.spec.clusterToken),
      });
    }
    return { members, candidates };
  }

  /**
   * Checks that a machine's member may be added or removed now (throws CONFLICT with the quorum
   * rule's reason); the change itself is `changeMembership`, run as a task.
   */
  checkMembership(ref: string, action: 'add' | 'remove'): MachineSpec {
    const slot = this.slotOf(ref);
    const views = this.kvViews();
    const r = refusals(views.members);
    const member = views.members.find((m) => m.machineId === slot.spec.machineId);
    const candidate = views.candidates.find((c) => c.machineId === slot.spec.machineId);
    if (action === 'remove' && !member)
      throw new FleetError('CONFLICT', `${slot.spec.hostname} has no KV member`);
    if (action === 'add' && !candidate)
      throw new FleetError('CONFLICT', `${slot.spec.hostname} already has a KV member`);
    const why = action === 'remove' ? r.remove(member!) : r.add(candidate!);
    if (why) throw new FleetError('CONFLICT', why);
    return slot.spec;
  }

  /** The client and peer ports a new member would take (the manager checks nobody else has them). */
  nextMemberPorts(): number[] {
    const slot = nextKvSlot(this.spec);
    return [this.spec.kvPorts.basePeerPort + slot, this.spec.kvPorts.baseClientPort + slot];
  }

  /**
   * Adds a KV member on a machine or removes its member, through the leader (one at a time per
   * machine, as lifecycle actions). A removed member's slot and name stay reserved (kv-layout.ts)
   * and its data is deleted; the layout is saved before the change is reported done.
   */
  changeMembership(ref: string, action: 'add' | 'remove', ctx: TaskContext = SILENT_TASK): Promise<void> {
    const slot = this.slotOf(ref);
    return this.serially(slot, async () => {
      this.checkMembership(ref, action);
      if (action === 'add') await this.addMember(slot, ctx);
      else await this.removeMember(slot, ctx);
      this.machinesChanged();
    });
  }

  private async addMember(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    ctx.setSteps(['join', 'client port', 'save']);
    ctx.step('join', 'running');
    const name = newMemberName(this.spec, slot.spec.hostname);
    const index = await this.kv!.addMember(name);
    if (index !== nextKvSlot(this.spec))
      throw new Error(`KV slot ${index} for ${name} does not match the layout (${nextKvSlot(this.spec)})`);
    ctx.step('join', 'done', `${name}, slot ${index}`);
    ctx.step('client port', 'running');
    slot.kvIndex = index;
    await this.startServer(slot);
    ctx.step('client port', 'done', slot.server?.endpoint);
    ctx.step('save', 'running');
    Object.assign(slot.spec, { kvMember: true, kvSlot: index, kvName: name });
    await this.save(this.spec);
    ctx.step('save', 'done');
  }

  private async removeMember(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    const index = slot.kvIndex!;
    const name = slot.spec.kvName ?? slot.spec.hostname;
    ctx.setSteps(['leadership', 'remove', 'save', 'data']);
    // A leader removing itself would stop leading only once the change commits: hand over first.
    await this.handOverLeadership(slot, ctx);
    ctx.step('remove', 'running');
    await this.closeServer(slot);
    await this.kv!.removeMember(index);
    slot.kvIndex = undefined;
    ctx.step('remove', 'done');
    ctx.step('save', 'running');
    delete slot.spec.kvSlot;
    delete slot.spec.kvName;
    slot.spec.kvMember = false;
    this.spec.kvRetired.push({ name, slot: index });
    await this.save(this.spec);
    ctx.step('save', 'done');
    ctx.step('data', 'running');
    await rm(this.kv!.dataDir(index), { recursive: true, force: true });
    ctx.step('data', 'done');
  }

  /**
   * When the machine's member leads, makes a member that can lead take over first (etcd does so
   * on a clean shutdown): writes then go on without waiting out an election.
   */
  private async handOverLeadership(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    const views = this.kvViews();
    const me = views.members.find((m) => m.machineId === slot.spec.machineId);
    const heir = views.members.find(
      (m) => m !== me && m.status?.running && !refusals(views.members).transfer(m),
    );
    if (me?.status?.role !== 'leader' || !heir) {
      ctx.step('leadership', 'skipped');
      return;
    }
    ctx.step('leadership', 'running');
    try {
      await this.kv!.member(slot.kvIndex!).transferLeadership(heir.id);
      ctx.step('leadership', 'done', `to ${heir.hostname}`);
    } catch (err) {
      // Not fatal: the others elect a leader when this one stops.
      ctx.step('leadership', 'skipped', (err as Error).message);
    }
  }

  /** Hands the KV leadership to a machine's member; refused with why when it cannot lead now. */
  async transferLeader(ref: string): Promise<string> {
    const slot = this.slotOf(ref);
    const views = this.kvViews();
    const target = views.members.find((m) => m.machineId === slot.spec.machineId);
    if (!target)
      throw new FleetError(
        'CONFLICT',
        `${slot.spec.hostname} has no KV member`,
        'Make a machine with a member the leader',
      );
    const r = refusals(views.members);
    const why = r.transfer(target);
    if (why) throw new FleetError('CONFLICT', why);
    const leader = this.kv!.member(
      this.slots.find((s) => s.spec.machineId === r.leader!.machineId)!.kvIndex!,
    );
    await leader.transferLeadership(target.id);
    return slot.spec.hostname;
  }

  /**
   * Every machine of the cluster, up or not; what the registry knows wins for those that are up.
   * Health: up and registered (heartbeating) = healthy, up but not registered = unhealthy.
   */
  listMachines(): MachineInfo[] {
    // A control still loading the registry (the cluster is starting) knows no machine yet.
    const listed = this.control?.live.started ? this.control.listMachines() : [];
    const registered = new Map(listed.map((m) => [m.id, m]));
    const members = new Map(this.kv?.running().map((r) => [r.index, r.member]));
    const leader = this.kv?.leader();
    return this.spec.machines.map((m) => {
      const slot = this.slots.find((s) => s.spec === m);
      const known = registered.get(m.machineId);
      const life = slot?.life ?? 'stopped';
      const member = slot?.kvIndex === undefined ? undefined : members.get(slot.kvIndex);
      return {
        ...(known ?? {
          id: m.machineId,
          name: m.hostname,
          ip: slot?.ip ?? '',
          metadata: m.metadata,
          version: VERSION,
        }),
        life,
        kvMember: m.kvMember,
        kvRole: member === undefined ? 'none' : member === leader ? 'leader' : 'follower',
        health: life !== 'up' ? 'down' : known ? 'healthy' : 'unhealthy',
        channel: m.channel ?? this.spec.channel,
        osVersion: m.osVersion ?? this.spec.osVersion,
        ...(m.remote
          ? {
              remote: slot?.link?.state() ?? {
                address: remoteAddress(m.remote),
                state: 'lost' as const,
                problem: m.up ? 'not connected' : 'the machine is stopped (machine start connects it)',
              },
            }
          : {}),
      };
    });
  }

  /**
   * machines.changed: a snapshot of listMachines(), then an upsert for each machine whose entry
   * changed — registry, life, KV role, health. The host outlives cluster stops and starts, and so
   * does the subscription.
   */
  subscribeMachines(emit: (e: MachinesEvent) => void): () => void {
    const machines = this.listMachines();
    const listener: BoardListener = {
      emit,
      sent: new Map(machines.map((m) => [m.id, JSON.stringify(m)])),
    };
    emit({ kind: 'snapshot', machines });
    this.boardListeners.add(listener);
    this.followRegistry();
    return () => {
      this.boardListeners.delete(listener);
      if (this.boardListeners.size > 0) return;
      clearTimeout(this.boardTimer);
      this.boardTimer = undefined;
      this.followed?.off();
      this.followed = undefined;
    };
  }

  /** Something a board shows may have changed: listeners hear of it once the burst is over. */
  private machinesChanged(): void {
    if (this.boardListeners.size === 0) return;
    this.followRegistry();
    this.boardTimer ??= setTimeout(() => this.flushBoard(), BOARD_COALESCE_MS);
  }

  /** Follows machines appearing in and vanishing from the registry of the control running now. */
  private followRegistry(): void {
    const control = this.control;
    if (this.followed?.control === control) return;
    this.followed?.off();
    this.followed = control && {
      control,
      off: control.live.onChange((k) => {
        if (k === 'resync' || k.kind === 'machine') this.machinesChanged();
      }),
    };
  }

  private flushBoard(): void {
    this.boardTimer = undefined;
    const machines = this.listMachines();
    const ids = new Set(machines.map((m) => m.id));
    for (const l of this.boardListeners) {
      const send = (e: MachinesEvent) => {
        try {
          l.emit(e);
        } catch {
          // One subscriber's failure is not the others'.
        }
      };
      for (const m of machines) {
        const json = JSON.stringify(m);
        if (l.sent.get(m.id) === json) continue;
        l.sent.set(m.id, json);
        send({ kind: 'upsert', machine: m });
      }
      for (const id of l.sent.keys()) {
        if (ids.has(id)) continue;
        l.sent.delete(id);
        send({ kind: 'remove', id });
      }
    }
  }

  /** Runs a lifecycle action on one machine (one at a time per machine). */
  machineAction(ref: string, action: MachineAction, ctx: TaskContext = SILENT_TASK): Promise<void> {
    const slot = this.slotOf(ref);
    return this.lifecycle(slot, () => this.act(slot, action, ctx));
  }

  /** Runs `work` on a machine after what is already queued for it: one thing at a time per machine. */
  private serially(slot: MachineSlot, work: () => Promise<void>): Promise<void> {
    const run = slot.busy.then(work);
    slot.busy = run.catch(() => undefined);
    return run;
  }

  /**
   * A change of a machine's life. Each sets the life before its first await: the board hears of
   * it now, and again when it is over (done or failed), as do the machine's updates.
   */
  private lifecycle(slot: MachineSlot, change: () => Promise<void>): Promise<void> {
    return this.serially(slot, async () => {
      const changing = change();
      this.machinesChanged();
      await changing.finally(() => {
        this.machinesChanged();
        this.updates.machineChanged(slot.spec.machineId);
      });
    });
  }

  private async act(slot: MachineSlot, action: MachineAction, ctx: TaskContext): Promise<void> {
    if (action === 'kill') return this.killMachine(slot, ctx);
    if (action === 'stop') {
      await this.stopMachine(slot, ctx);
      return this.closeLink(slot);
    }
    if (action === 'start') return this.startMachine(slot, ctx);
    await this.stopMachine(slot, ctx);
    await this.startMachine(slot, ctx);
  }

  private async setUp(slot: MachineSlot, up: boolean): Promise<void> {
    if (slot.spec.up === up) return;
    slot.spec.up = up;
    await this.save(this.spec);
  }

  /**
   * Sudden death: the agent and the engine stop without a word (their leases just expire), the
   * KV member crashes, and the machine's container is killed — its units with it, as they live in
   * the machine's PID namespace.
   */
  private async killMachine(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    if (slot.life === 'dead' || slot.life === 'stopped') return;
    ctx.setSteps(['kill']);
    ctx.step('kill', 'running');
    slot.life = 'dead';
    await this.setUp(slot, false);
    await Promise.all([slot.agent?.kill(), slot.engine?.kill()]);
    this.dropServices(slot);
    if (slot.kvIndex !== undefined) {
      await this.kv?.kill(slot.kvIndex);
      await this.closeServer(slot);
    }
    if (this.reachable(slot)) await slot.machines.kill(this.name, slot.spec.hostname);
    await this.closeLink(slot);
    ctx.step('kill', 'done');
  }

  /**
   * Clean stop: the engine resigns, the agent stops and unloads its units and leaves (the engine
   * places them elsewhere at once), then the KV member and the container stop.
   */
  private async stopMachine(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    if (slot.life === 'dead' || slot.life === 'stopped') return;
    this.assertQuorumWithout(slot);
    ctx.setSteps(['units', 'leadership', 'kv member', 'machine']);
    slot.life = 'stopping';
    await this.setUp(slot, false);
    ctx.step('units', 'running');
    await slot.engine?.stop();
    await slot.agent?.stop();
    this.dropServices(slot);
    ctx.step('units', 'done');
    if (slot.kvIndex !== undefined) await this.handOverLeadership(slot, ctx);
    else ctx.step('leadership', 'skipped');
    ctx.step('kv member', 'running');
    if (slot.kvIndex !== undefined) {
      await this.closeServer(slot);
      await this.kv?.stop(slot.kvIndex);
    }
    ctx.step('kv member', slot.kvIndex === undefined ? 'skipped' : 'done');
    ctx.step('machine', 'running');
    const reachable = this.reachable(slot);
    if (reachable) await slot.machines.stop(this.name, slot.spec.hostname);
    slot.life = 'stopped';
    ctx.step('machine', reachable ? 'done' : 'skipped', reachable ? undefined : 'its SSH link is lost');
  }

  /** Refuses a clean stop that would leave the KV without a quorum (a kill is a fault: allowed). */
  private assertQuorumWithout(slot: MachineSlot): void {
    if (slot.kvIndex === undefined) return;
    const members = this.slots.filter((s) => s.kvIndex !== undefined);
    const running = members.filter((s) => s.server && s !== slot).length;
    if (running < Math.floor(members.length / 2) + 1)
      throw new FleetError(
        'CONFLICT',
        `Stopping ${slot.spec.hostname} would leave ${running} of ${members.length} KV members running: the cluster would lose its quorum`,
        `Start another machine first, or stop the whole cluster: flotctl cluster stop ${this.name}`,
      );
  }

  /**
   * Back from the dead: stale unit containers go before anything else (the cluster has placed
   * those units elsewhere meanwhile — fleet never fenced, see fleet #440), then the container, the
   * KV member (from its WAL) and the agent and engine.
   */
  private async startMachine(slot: MachineSlot, ctx: TaskContext): Promise<void> {
    if (slot.life === 'up' || slot.life === 'starting') return;
    if (slot.spec.remote) {
      await this.setUp(slot, true);
      await this.connectRemote(slot, ctx);
      return;
    }
    ctx.setSteps(['fence stale units', 'machine', 'kv member', 'agent and engine']);
    slot.life = 'starting';
    try {
      ctx.step('fence stale units', 'running');
      const fenced = await removeMachineUnits(slot.docker, this.name, slot.spec.machineId);
      ctx.step('fence stale units', 'done', `${fenced} container${fenced === 1 ? '' : 's'} removed`);
      ctx.step('machine', 'running');
      slot.ip = (await slot.machines.create(await this.machineSpec(slot.spec))).ip;
      ctx.step('machine', 'done', slot.ip);
      ctx.step('kv member', 'running');
      if (slot.kvIndex !== undefined) {
        await this.kv!.restart(slot.kvIndex);
        await this.startServer(slot);
      }
      ctx.step('kv member', slot.kvIndex === undefined ? 'skipped' : 'done');
      ctx.step('agent and engine', 'running');
      await this.startMachineServices(slot);
      ctx.step('agent and engine', 'done');
      slot.life = 'up';
      await this.setUp(slot, true);
    } catch (err) {
      slot.life = 'dead';
      await Promise.all([slot.agent?.kill(), slot.engine?.kill()]);
      this.dropServices(slot);
      throw err;
    }
  }

  private async closeServer(slot: MachineSlot): Promise<void> {
    const s = slot.server;
    slot.server = undefined;
    await s?.close();
  }

  private dropServices(slot: MachineSlot): void {
    for (const c of slot.clients) c.close();
    slot.clients = [];
    slot.agent = undefined;
    slot.engine = undefined;
  }

  // ------------------------------------------------------------------------------ remote machines

  private newSlot(m: MachineSpec): MachineSlot {
    return {
      spec: m,
      life: m.up ? 'starting' : 'stopped',
      docker: this.docker,
      machines: this.machines,
      link: undefined,
      linkEpoch: 0,
      broughtUp: 0,
      ip: '',
      kvIndex: kvSlotOf(this.spec, m),
      server: undefined,
      agent: undefined,
      engine: undefined,
      clients: [],
      busy: Promise.resolve(),
    };
  }

  /** Whether the machine's engine can be reached now (always for local machines). */
  private reachable(slot: MachineSlot): boolean {
    return !slot.spec.remote || slot.link?.state().state === 'connected';
  }

  private slotByName(hostname: string): MachineSlot {
    const slot = this.slots.find((s) => s.spec.hostname === hostname);
    if (!slot) throw new FleetError('NOT_FOUND', `Cluster ${this.name} has no machine ${hostname}`);
    return slot;
  }

  private async closeLink(slot: MachineSlot): Promise<void> {
    const link = slot.link;
    slot.link = undefined;
    await link?.close();
  }

  /**
   * Opens a remote machine's SSH link and brings the machine up over it; rejects with the first
   * connection's error (the link keeps retrying with backoff and brings it up once it answers).
   * Each later connection — after a loss — brings it up again, stale units fenced first.
   */
  private async connectRemote(slot: MachineSlot, ctx: TaskContext = SILENT_TASK): Promise<void> {
    await this.closeLink(slot);
    /** Whether the caller brings up the first connection (in its own task) or the link does. */
    let callerBringsUp = true;
    const link = this.newLink(slot.spec, {
      onUp: (docker) => {
        const epoch = ++slot.linkEpoch;
        slot.docker = docker;
        slot.machines = new DockerMachines(docker);
        this.machinesChanged();
        if (epoch === 1 && callerBringsUp) return;
        void this.lifecycle(slot, () => this.bringUpRemote(slot, epoch, SILENT_TASK)).catch(() => undefined);
      },
      onDown: (reason) => {
        this.machinesChanged();
        void this.serially(slot, () => this.remoteLost(slot, reason));
      },
      onChange: () => this.machinesChanged(),
    });
    slot.link = link;
    slot.linkEpoch = 0;
    slot.life = 'starting';
    this.machinesChanged();
    try {
      await link.start();
    } catch (err) {
      // The link retries with backoff and brings the machine up once the host answers.
      callerBringsUp = false;
      slot.life = 'dead';
      throw err;
    }
    await this.bringUpRemote(slot, 1, ctx);
  }

  /**
   * A remote machine up over a fresh connection: stale unit containers go first (the cluster
   * placed those units elsewhere while the link was lost), then the cluster network there, the
   * machine image and busybox (built over the connection: no registry is assumed), the machine
   * container, the agent and the engine.
   */
  private async bringUpRemote(slot: MachineSlot, epoch: number, ctx: TaskContext): Promise<void> {
    if (!slot.spec.up || slot.broughtUp === epoch || slot.link?.state().state !== 'connected') return;
    const m = slot.spec;
    const steps = ['fence stale units', 'network', 'image', 'machine', 'agent and engine'];
    ctx.setSteps(steps);
    slot.life = 'starting';
    try {
      if (slot.agent || slot.engine) {
        await Promise.all([slot.agent?.kill(), slot.engine?.kill()]);
        this.dropServices(slot);
      }
      ctx.step('fence stale units', 'running');
      const fenced = await removeMachineUnits(slot.docker, this.name, m.machineId);
      ctx.step('fence stale units', 'done', `${fenced} container${fenced === 1 ? '' : 's'} removed`);
      if (fenced)
        this.journalLine(
          slot.spec,
          `fenced ${fenced} stale unit container${fenced === 1 ? '' : 's'} after the SSH link came back`,
        );
      ctx.step('network', 'running');
      await slot.machines.ensureNetwork(this.name);
      ctx.step('network', 'done');
      ctx.step('image', 'running');
      const osVersion = m.osVersion ?? this.spec.osVersion;
      await slot.machines.ensureImage(osVersion);
      await seedBusybox(slot.docker, SILENT_TASK, { tag: 'busybox:latest', offline: true });
      ctx.step('image', 'done', machineImageTag(osVersion));
      ctx.step('machine', 'running');
      slot.ip = (await slot.machines.create(await this.machineSpec(m))).ip;
      ctx.step('machine', 'done', slot.ip);
      ctx.step('agent and engine', 'running');
      await this.startMachineServices(slot);
      ctx.step('agent and engine', 'done');
      slot.broughtUp = epoch;
      slot.life = 'up';
    } catch (err) {
      slot.life = 'dead';
      await Promise.all([slot.agent?.kill(), slot.engine?.kill()]);
      this.dropServices(slot);
      this.journalLine(slot.spec, `could not come up over SSH: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * The link is lost: the machine may well run on, but nothing here can reach it. Its agent and
   * engine stop without a word, as in a crash: the heartbeat lapses (the machine turns
   * unhealthy) and after the TTL its units run elsewhere. It is fenced when the link returns.
   */
  private async remoteLost(slot: MachineSlot, reason: string): Promise<void> {
    if (!slot.agent && !slot.engine) return;
    await Promise.all([slot.agent?.kill(), slot.engine?.kill()]);
    this.dropServices(slot);
    this.journalLine(
      slot.spec,
      `SSH link lost: ${reason}; units move after the ${this.spec.machineTtlSec} s TTL`,
    );
    this.machinesChanged();
  }

  /** A line of the machine's own (or of `unit`'s) in its journal, as systemd would log it. */
  private journalLine(m: Pick<MachineSpec, 'machineId' | 'hostname'>, text: string, unit?: string): void {
    try {
      this.journals
        .machine(m.machineId, m.hostname)
        .write({ ...(unit ? { unit } : {}), stream: 'system', text });
    } catch {
      // The journals are closing with the cluster: the line has nowhere to go.
    }
  }

  /** The passphrase of a remote machine's key file, kept in memory only (never in the spec). */
  rememberPassphrase(machineId: string, passphrase: string | undefined): void {
    if (passphrase !== undefined) this.passphrases.set(machineId, passphrase);
  }

  /**
   * A remote machine joins: saved first (its bring-up reads the spec), then connected and
   * brought up; when that fails it leaves the spec again and whatever it made there goes.
   */
  async addRemoteMachine(m: MachineSpec, passphrase: string | undefined, ctx: TaskContext): Promise<void> {
    if (this.state !== 'running')
      throw new FleetError(
        'CONFLICT',
        `Cluster ${this.name} is ${this.state}`,
        `flotctl cluster start ${this.name}`,
      );
    this.rememberPassphrase(m.machineId, passphrase);
    this.spec.machines.push(m);
    await this.save(this.spec);
    const slot = this.newSlot(m);
    this.slots.push(slot);
    try {
      await this.lifecycle(slot, () => this.connectRemote(slot, ctx));
    } catch (err) {
      if (this.reachable(slot)) {
        await removeMachineUnits(slot.docker, this.name, m.machineId).catch(() => undefined);
        await slot.machines.remove(this.name, m.hostname).catch(() => undefined);
      }
      await this.closeLink(slot);
      this.slots = this.slots.filter((s) => s !== slot);
      this.spec.machines = this.spec.machines.filter((x) => x !== m);
      this.passphrases.delete(m.machineId);
      await this.save(this.spec);
      this.machinesChanged();
      throw err;
    }
  }

  /**
   * Removes the cluster's containers, network and unused machine images on every remote host it
   * can reach (the cluster is being destroyed); returns the hosts it could not reach.
   */
  async destroyRemote(): Promise<string[]> {
    const left: string[] = [];
    for (const m of this.spec.machines) {
      if (!m.remote) continue;
      const link = this.newLink(m);
      try {
        await link.start();
        await new DockerMachines(link.docker()).destroyCluster(this.name);
      } catch (err) {
        left.push(
          `${remoteAddress(m.remote)} (${(err as Error).message}): docker rm -f $(docker ps -aq --filter label=flotilla.cluster=${this.name})`,
        );
      } finally {
        await link.close();
      }
    }
    return left;
  }

  private newLink(m: MachineSpec, handlers: LinkHandlers = {}): RemoteLink {
    const passphrase = this.passphrases.get(m.machineId);
    return new RemoteLink({
      endpoint: { ...m.remote!, ...(passphrase !== undefined ? { passphrase } : {}) },
      knownHosts: this.knownHosts,
      ...handlers,
    });
  }

  /**
   * Takes a machine without a KV member out of the cluster: a clean stop (its units move), its
   * containers removed where it runs, its link closed, and it leaves the spec.
   */
  removeMachine(ref: string, ctx: TaskContext = SILENT_TASK): Promise<void> {
    const slot = this.slotOf(ref);
    if (slot.kvIndex !== undefined)
      throw new FleetError(
        'CONFLICT',
        `${slot.spec.hostname} hosts a KV member`,
        `Remove its member first: flotctl kv member remove ${slot.spec.hostname}`,
      );
    return this.lifecycle(slot, async () => {
      await this.stopMachine(slot, ctx);
      if (this.reachable(slot)) {
        await removeMachineUnits(slot.docker, this.name, slot.spec.machineId);
        await slot.machines.remove(this.name, slot.spec.hostname);
      }
      await this.closeLink(slot);
      this.spec.machines = this.spec.machines.filter((m) => m !== slot.spec);
      this.slots = this.slots.filter((s) => s !== slot);
      await this.save(this.spec);
    });
  }

  // ------------------------------------------------------------------------------ updates

  /**
   * A reboot into another /usr partition: a clean stop (units move, the KV member stops), the
   * container goes, and a new one is made from the version the machine's record now names; its
   * KV member comes back from its WAL and its agent registers again.
   */
  private rebootMachine(machineId: string, ctx: TaskContext): Promise<void> {
    const slot = this.slotOf(machineId);
    return this.lifecycle(slot, async () => {
      await this.stopMachine(slot, ctx);
      // A remote machine's link is still open here: its container is made afresh there too.
      if (this.reachable(slot)) await slot.machines.remove(this.name, slot.spec.hostname);
      await this.startMachine(slot, ctx);
    });
  }

  /**
   * Reserves a machine's downtime for a reboot unless the KV would lose its quorum: the members
   * up, minus this one and those other reboots reserved, must still be a majority. Reservations
   * are taken synchronously in this process, which hosts every member, so two reboots cannot
   * both pass the check whatever the reboot lock's max is.
   */
  private reserveDowntime(machineId: string): string | undefined {
    if (this.downtime.has(machineId)) return undefined;
    const slot = this.slots.find((s) => s.spec.machineId === machineId);
    if (!slot) return `Machine ${machineId} is not part of cluster ${this.name}`;
    if (slot.kvIndex !== undefined) {
      const members = this.slots.filter((s) => s.kvIndex !== undefined);
      const others = members.filter((s) => s !== slot);
      const upAfter = others.filter((s) => s.server && !this.downtime.has(s.spec.machineId));
      const quorum = Math.floor(members.length / 2) + 1;
      if (upAfter.length < quorum) {
        const away = others.filter((s) => !upAfter.includes(s)).map((s) => s.spec.hostname);
        return `Rebooting ${slot.spec.hostname} now would leave ${upAfter.length} of ${members.length} KV members up, below the quorum of ${quorum}: waiting for ${away.join(', ')} to be back`;
      }
    }
    this.downtime.add(machineId);
    return undefined;
  }

  private updatesHost(): UpdatesHost {
    return {
      name: this.name,
      spec: this.spec,
      machine: (ref) => this.machine(ref),
      isUp: (id) => this.slots.some((s) => s.spec.machineId === id && s.life === 'up'),
      save: () => this.save(this.spec),
      readFile: (hostname, path) => this.slotByName(hostname).machines.readFile(this.name, hostname, path),
      writeFiles: (hostname, files) =>
        this.slotByName(hostname).machines.writeMachineFiles(this.name, hostname, files),
      run: (hostname, argv) => this.slotByName(hostname).machines.run(this.name, hostname, argv),
      ensureImage: async (version, ctx) => {
        await this.machines.ensureImage(version, ctx);
      },
      imageVersion: (version) => this.machines.imageVersion(version),
      reboot: (id, ctx) => this.rebootMachine(id, ctx),
      reserveDowntime: (id) => this.reserveDowntime(id),
      releaseDowntime: (id) => {
        this.downtime.delete(id);
      },
      kv: () => this.client,
      log: (machineId, hostname, text) =>
        this.journalLine({ machineId, hostname }, text, 'update-engine.service'),
    };
  }

  // ------------------------------------------------------------------------------ journal, shell

  private resolveQuery(q: JournalQuery): ResolvedJournalQuery {
    const { machine, ...rest } = q;
    const out: ResolvedJournalQuery = { ...rest };
    if (machine !== undefined) out.machineIds = [this.machine(machine).machineId];
    if (q.units) out.units = q.units.map(withDefaultSuffix);
    return out;
  }

  readJournal(q: JournalQuery): Promise<JournalBatch> {
    return this.journals.read(this.resolveQuery(q));
  }

  followJournal(q: JournalQuery, emit: (b: JournalBatch) => void): () => void {
    return this.journals.follow(this.resolveQuery(q), emit);
  }

  /** A machine's container, or the main container of a unit wherever it runs. */
  async shellTarget(target: string): Promise<ShellTarget> {
    let machine: MachineSpec | undefined;
    try {
      machine = this.machine(target);
    } catch (err) {
      // Not a machine: then a unit (an ambiguous id prefix stays an error).
      if ((err as FleetError).apiCode !== 'NOT_FOUND') throw err;
    }
    if (machine) {
      const slot = this.slots.find((s) => s.spec === machine);
      if (slot?.life !== 'up')
        throw new FleetError(
          'CONFLICT',
          `Machine ${machine.hostname} is ${slot?.life ?? 'stopped'}`,
          `flotctl machine start ${machine.hostname}`,
        );
      if (machine.remote) {
        // A real SSH shell on the host itself (DESIGN.md decision 4), over the machine's link.
        const client = slot.link?.state().state === 'connected' ? slot.link.client() : undefined;
        if (!client)
          throw new FleetError(
            'CONFLICT',
            `The SSH link of ${machine.hostname} is ${slot.link?.state().state ?? 'closed'}${slot.link?.state().problem ? `: ${slot.link.state().problem}` : ''}`,
            'It reconnects by itself; flotctl machine list shows when it is back',
          );
        return {
          kind: 'ssh',
          client,
          description: `${remoteAddress(machine.remote)} (machine ${machine.hostname})`,
        };
      }
      const container = containerName(this.name, machine.hostname);
      return {
        kind: 'container',
        docker: this.docker,
        container,
        description: `machine ${machine.hostname} (${container})`,
      };
    }
    const unit = withDefaultSuffix(target);
    // The unit's main container, on whichever engine its machine runs (local or over SSH).
    const engines = [...new Set(this.slots.filter((s) => this.reachable(s)).map((s) => s.docker))];
    let c: Docker.ContainerInfo | undefined;
    let docker = this.docker;
    for (const engine of engines) {
      const found = await engine.listContainers({
        filters: {
          label: unitLabelFilter({ cluster: this.name, unit, main: true }),
          status: ['running'],
        },
      });
      c = found[0];
      docker = engine;
      if (c) break;
    }
    if (!c)
      throw new FleetError(
        'NOT_FOUND',
        `Cluster ${this.name} has no machine ${target}, and no unit ${unit} with a running container`,
        `flotctl machine list shows the machines; flotctl status ${unit} says where a unit is`,
      );
    const host =
      this.spec.machines.find((m) => m.machineId === c.Labels[UNIT_LABELS.machine])?.hostname ?? '?';
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
    return { kind: 'container', docker, container: c.Id, description: `${unit} on ${host} (${name})` };
  }

  // ------------------------------------------------------------------------------ stop

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
    // Remote machines stop while their links are open; local ones once the KV is down.
    const stopMachine = (slot: MachineSlot) =>
      this.reachable(slot)
        ? slot.machines.stop(this.name, slot.spec.hostname).catch(() => undefined)
        : undefined;
    for (const slot of this.slots) if (slot.spec.remote) await stopMachine(slot);
    await this.stopServices();
    for (const slot of this.slots) if (!slot.spec.remote) await stopMachine(slot);
    this.state = 'stopped';
  }

  private async stopServices(): Promise<void> {
    await this.updates.stop();
    for (const slot of this.slots) await this.closeLink(slot);
    this.externalHealth?.stop();
    this.externalHealth = undefined;
    for (const slot of this.slots) {
      this.dropServices(slot);
      if (slot.life !== 'dead') slot.life = 'stopped';
    }
    await this.control?.stop().catch(() => undefined);
    this.control = undefined;
    this.client?.close();
    this.client = undefined;
    await Promise.all(this.slots.map((s) => s.server?.close()));
    for (const s of this.slots) s.server = undefined;
    await this.kv?.close();
    this.kv = undefined;
    await this.journals.close();
    this.machinesChanged();
  }
}

/** user@host:port of a remote machine, as people write it for ssh. */
export function remoteAddress(r: { user: string; host: string; port: number }): string {
  return `${r.user}@${r.host}${r.port === 22 ? '' : `:${r.port}`}`;
}
