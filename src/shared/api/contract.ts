import { z } from 'zod';
import {
  ClusterInfo,
  Decision,
  EngineInfo,
  MachineInfo,
  MachinesEvent,
  Plan,
  PlanChange,
  SubmitOutcome,
  TargetStateSchema,
  UnitDetail,
  UnitInfo,
  UnitNameSchema,
  MachineIdSchema,
  MoveTarget,
  UnitsEvent,
} from './fleet-model';
import { KvEntry, KvHealth, KvHistory, KvKeySchema, KvLease, KvPage, KvWatchBatch } from './kv-model';
import {
  ChannelSchema,
  RebootLockSchema,
  RebootStrategySchema,
  UpdatesViewSchema,
  WindowSchema,
} from './updates-model';
import { JournalBatch, JournalQuery, MachineRefSchema, ShellEvent, ShellParams } from './machine-model';
import { ActivityEntry, AppInfo, EngineStatus, Task } from './model';
import {
  EtcdCheckSchema,
  ExternalEtcdSchema,
  FingerprintSchema,
  MachineMetadataSchema,
  RemoteMachineSchema,
  RemoteProbeSchema,
  SshEndpointSchema,
  SshHostSchema,
} from './remote-model';

const ClusterName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'must be a cluster name (lower-case letters, digits, dashes)');
/** Which cluster a call is about; absent = the only one, else the active one. */
const clusterParam = { cluster: ClusterName.optional() };
const UnitNames = z.array(UnitNameSchema).min(1).max(10_000);
/** A machine host name: the cluster's prefix and a two-digit number (core-01). */
const MachineHostname = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,40}-\d{2,}$/, 'must be a machine host name like core-01');
const Port = z.number().int().min(1).max(65535);
/** A locksmith group: a name for its own semaphore (…/groups/<group>/semaphore). */
const LockGroup = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be a group name (letters, digits, . _ -)');
const machineParams = z.object({ ...clusterParam, machine: MachineRefSchema }).strict();

/**
 * The API contract: every call and every event the renderer and the CLI may use.
 * The main process implements it once (src/main/api/service.ts); the IPC and HTTP/WebSocket
 * transports carry it unchanged. Params are validated with these schemas where they enter the
 * main process; results are typed by them on the client side.
 */
export const calls = {
  'app.info': { params: z.object({}).strict(), result: AppInfo },
  'docker.status': { params: z.object({}).strict(), result: EngineStatus },
  /** Makes sure an image is present: pull when a registry answers, else build it from the host's
   *  static busybox. Runs as a Task; returns the task id at once. */
  'docker.seedImage': {
    params: z
      .object({
        image: z.literal('busybox').default('busybox'),
        /** Tag to produce (default busybox:latest); tests use their own. */
        tag: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/,
            'must be a docker image reference like name:tag',
          )
          .max(200)
          .optional(),
        /** Skip the registry and build from the host's busybox. */
        offline: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ taskId: z.string() }),
  },
  'tasks.list': { params: z.object({}).strict(), result: z.array(Task) },
  'tasks.get': { params: z.object({ id: z.string().min(1) }).strict(), result: Task },
  'tasks.cancel': {
    params: z.object({ id: z.string().min(1) }).strict(),
    result: z.object({ canceled: z.boolean() }),
  },

  'clusters.list': { params: z.object({}).strict(), result: z.array(ClusterInfo) },
  /**
   * Creates a cluster of machine containers with KV members, agents and the engine; a Task with a
   * step per machine. Each machine boots with a cloud-config: `cloudConfigs[host]` when given (the
   * one a person reviewed), else one rendered from these params merged with `userData`
   * (src/shared/cloudconfig). What it says is honoured: hostname, fleet metadata, update group and
   * reboot strategy, locksmith window, SSH keys, write_files, units.
   */
  'clusters.create': {
    params: z
      .object({
        name: ClusterName,
        machines: z.number().int().min(1).max(50),
        /** Host names are <prefix>-01, <prefix>-02 … (coreos-vagrant's $instance_name_prefix). */
        prefix: z
          .string()
          .regex(
            /^[a-z][a-z0-9-]{0,20}$/,
            'must be lower-case letters, digits or dashes, starting with a letter',
          )
          .default('core'),
        members: z.number().int().min(1).max(7).optional(),
        channel: z.enum(['stable', 'beta', 'alpha']).default('stable'),
        /** Per host name (core-01 …): metadata key → value. */
        metadata: z.record(MachineHostname, MachineMetadataSchema).default({}),
        machineTtlSec: z.number().int().min(1).max(300).optional(),
        rebootStrategy: RebootStrategySchema.default('etcd-lock'),
        /** locksmith's reboot window: start like "Thu 04:00" or "04:00", length like "1h30m". */
        rebootWindow: WindowSchema.optional(),
        /** Public keys for the core user (ssh_authorized_keys). */
        sshAuthorizedKeys: z.array(z.string().min(1).max(16_000)).max(50).default([]),
        /** Per host name: guest port of the machine → host port on 127.0.0.1 (coreos-vagrant's $forwarded_ports). */
        forwardedPorts: z
          .record(MachineHostname, z.array(z.object({ guest: Port, host: Port }).strict()).max(50))
          .default({}),
        /** A user-data every machine boots with, under the generated settings (coreos-vagrant's user-data). */
        userData: z.string().max(1_000_000).optional(),
        /** The final cloud-config per host name, as reviewed; replaces the rendered one. */
        cloudConfigs: z.record(MachineHostname, z.string().max(1_000_000)).optional(),
        /** Subnet and addresses from clusters.addresses (so reviewed configs name the real IPs). */
        network: z
          .object({
            subnet: z
              .string()
              .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be a subnet like 10.99.3.0/24'),
            ips: z.record(
              MachineHostname,
              z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address'),
            ),
          })
          .strict()
          .optional(),
        /**
         * TLS for the embedded KV: a CA made for this cluster signs the members' and clients'
         * certificates; the client ports require a client certificate, members talk over TLS.
         */
        tls: z.boolean().default(false),
        /** Keep the cluster's state in this existing etcd instead of embedded members (no `members`). */
        etcd: ExternalEtcdSchema.optional(),
        /**
         * SSH hosts with Docker that join as machines once the local ones are up (no KV member
         * there). Checked before anything is made, as machines.addRemote checks them.
         */
        remotes: z.array(RemoteMachineSchema).max(20).default([]),
      })
      .strict(),
    result: z.object({ taskId: z.string() }),
  },
  /**
   * Connects to an existing etcd as clusters.create would (TLS, user and password) and says what
   * answered there; a clear error when nothing does or it is not etcd v3.
   */
  'clusters.checkEtcd': {
    params: z.object({ name: ClusterName, etcd: ExternalEtcdSchema }).strict(),
    result: EtcdCheckSchema,
  },
  /**
   * The network a new cluster would get: a free subnet and each machine's address, so a wizard
   * can show cloud-configs with $public_ipv4/$private_ipv4 substituted. Reserves nothing.
   */
  'clusters.addresses': {
    params: z
      .object({
        machines: z.number().int().min(1).max(50),
        prefix: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,20}$/)
          .default('core'),
      })
      .strict(),
    result: z.object({
      subnet: z.string(),
      gateway: z.string(),
      ips: z.record(z.string(), z.string()),
    }),
  },
  /** Removes every container, network, image and file of the cluster; a Task. */
  'clusters.destroy': {
    params: z.object({ name: ClusterName }).strict(),
    result: z.object({ taskId: z.string() }),
  },
  'clusters.setActive': { params: z.object({ name: ClusterName }).strict(), result: z.object({}) },
  /** Starts a stopped cluster (machines, KV members, agents, engine) and adopts its units; a Task. */
  'clusters.start': {
    params: z.object({ name: ClusterName }).strict(),
    result: z.object({ taskId: z.string() }),
  },
  /** Clean stop: units are stopped, then agents, KV members and machines; a Task. */
  'clusters.stop': {
    params: z.object({ name: ClusterName }).strict(),
    result: z.object({ taskId: z.string() }),
  },
  'units.list': { params: z.object(clusterParam).strict(), result: z.array(UnitInfo) },
  /** NOT_FOUND when the unit is not in the registry. */
  'units.get': {
    params: z.object({ ...clusterParam, name: UnitNameSchema }).strict(),
    result: UnitDetail,
  },
  /**
   * Puts unit files in the registry (desired state inactive for new ones). Units are immutable: a
   * different file under an existing name is `differs` and left alone unless `replace` is set.
   * Parse errors fail the whole call with BAD_REQUEST, the diagnostics in details.
   */
  'units.submit': {
    params: z
      .object({
        ...clusterParam,
        units: z
          .array(z.object({ name: UnitNameSchema, content: z.string().max(1_000_000) }).strict())
          .min(1)
          .max(10_000),
        replace: z.boolean().default(false),
      })
      .strict(),
    result: z.object({
      results: z.array(z.object({ name: z.string(), outcome: SubmitOutcome, hash: z.string() })),
    }),
  },
  /** Sets the desired state (fleet's load/start/stop/unload). NOT_FOUND for unknown units. */
  'units.setState': {
    params: z.object({ ...clusterParam, names: UnitNames, state: TargetStateSchema }).strict(),
    result: z.object({ units: z.array(z.object({ name: z.string(), previous: TargetStateSchema })) }),
  },
  'units.destroy': {
    params: z.object({ ...clusterParam, names: UnitNames }).strict(),
    result: z.object({ destroyed: z.array(z.string()) }),
  },
  /** Moves a placed unit (and what must follow it) to a machine; refuses with the plan's problems. */
  'units.move': {
    params: z.object({ ...clusterParam, name: UnitNameSchema, machineId: MachineIdSchema }).strict(),
    result: Plan,
  },
  /** For a drag: may this unit move to each machine of the cluster, and if not, why not. */
  'plan.moveTargets': {
    params: z.object({ ...clusterParam, unit: UnitNameSchema }).strict(),
    result: z.object({ unit: z.string(), targets: z.array(MoveTarget) }),
  },
  /** What a change would do, without doing it. */
  'plan.preview': { params: z.object({ ...clusterParam, change: PlanChange }).strict(), result: Plan },
  /** Every machine of the cluster, up or not, with its life and KV role. */
  'machines.list': { params: z.object(clusterParam).strict(), result: z.array(MachineInfo) },
  /**
   * Machine lifecycle; each a Task. stop: its units move first, then agent, KV member and container
   * stop. kill: sudden death — the container is killed and its KV member and agent vanish without
   * goodbye. start: fences stale unit containers before anything else, then rejoins. restart: stop + start.
   */
  'machines.stop': { params: machineParams, result: z.object({ taskId: z.string() }) },
  'machines.start': { params: machineParams, result: z.object({ taskId: z.string() }) },
  'machines.kill': { params: machineParams, result: z.object({ taskId: z.string() }) },
  'machines.restart': { params: machineParams, result: z.object({ taskId: z.string() }) },
  /**
   * Connects to an SSH host and reports its host key against known_hosts (in the data dir) and,
   * once the key is known or `acceptFingerprint` matches it, whether Docker is usable there.
   * Trusts nothing by itself: a key is written to known_hosts only by machines.addRemote.
   */
  'machines.probeRemote': {
    params: z
      .object({ ...clusterParam, ssh: SshEndpointSchema, acceptFingerprint: FingerprintSchema.optional() })
      .strict(),
    result: RemoteProbeSchema,
  },
  /**
   * Adds an SSH host with Docker as a machine (no KV member): checked first — host key (an
   * unknown one needs `acceptFingerprint`, a changed one is refused), credentials, Docker — then a
   * Task makes its machine container there through dockerode over the SSH connection and starts
   * its agent. Nothing is left behind when it fails.
   */
  'machines.addRemote': {
    params: z.object({ ...clusterParam, ...RemoteMachineSchema.shape }).strict(),
    result: z.object({ taskId: z.string() }),
  },
  /** Removes a machine without a KV member: units move away, its containers go, it leaves the cluster; a Task. */
  'machines.remove': { params: machineParams, result: z.object({ taskId: z.string() }) },
  /** Removes a host's keys from Flotilla's known_hosts (after a legitimate key change). */
  'machines.forgetHostKey': {
    params: z.object({ host: SshHostSchema, port: Port.default(22) }).strict(),
    result: z.object({ removed: z.number().int() }),
  },
  /** Journal entries of the cluster's machines, merged by time. */
  'journal.read': {
    params: z.object({ ...clusterParam, ...JournalQuery.shape }).strict(),
    result: JournalBatch,
  },
  /** Input for a shell session (base64 bytes); `eof` then closes its stdin. */
  'shell.input': {
    params: z
      .object({
        sessionId: z.string().min(1).max(100),
        data: z.string().max(1_000_000).default(''),
        eof: z.boolean().default(false),
      })
      .strict(),
    result: z.object({}),
  },
  'shell.resize': {
    params: z
      .object({
        sessionId: z.string().min(1).max(100),
        cols: z.number().int().min(1).max(1_000),
        rows: z.number().int().min(1).max(1_000),
      })
      .strict(),
    result: z.object({}),
  },
  'engine.status': { params: z.object(clusterParam).strict(), result: EngineInfo },
  /** Keys under a prefix in key order, a page at a time (`after`: the last key of the previous page). */
  'kv.list': {
    params: z
      .object({
        ...clusterParam,
        prefix: z.string().max(4096).default(''),
        after: z.string().max(4096).optional(),
        limit: z.number().int().min(1).max(10_000).default(1_000),
        /** Values left empty (sizes and revisions still given): for a tree of many keys. */
        keysOnly: z.boolean().default(false),
      })
      .strict(),
    result: KvPage,
  },
  /** One key; NOT_FOUND when it does not exist. */
  'kv.get': { params: z.object({ ...clusterParam, key: KvKeySchema }).strict(), result: KvEntry },
  /**
   * Writes a key. With `expectModRevision` the write happens only if the key's mod_revision is
   * still that (0: the key must not exist) — otherwise CONFLICT, details a KvConflict. Never a
   * silent overwrite of someone else's change.
   */
  'kv.put': {
    params: z
      .object({
        ...clusterParam,
        key: KvKeySchema,
        value: z.string().max(1_500_000),
        /** The value is base64 (binary). */
        binary: z.boolean().default(false),
        expectModRevision: z.number().int().min(0).optional(),
        /** Attach to this lease (decimal id). */
        lease: z
          .string()
          .regex(/^\d{1,20}$/)
          .optional(),
      })
      .strict(),
    result: z.object({ revision: z.number().int() }),
  },
  /** Deletes a key, with the same mod_revision check as kv.put (CONFLICT, details a KvConflict). */
  'kv.delete': {
    params: z
      .object({ ...clusterParam, key: KvKeySchema, expectModRevision: z.number().int().min(1).optional() })
      .strict(),
    result: z.object({ revision: z.number().int(), deleted: z.number().int() }),
  },
  /** A key's versions by revision, newest first, back to its creation or the compaction. */
  'kv.history': {
    params: z
      .object({ ...clusterParam, key: KvKeySchema, limit: z.number().int().min(1).max(500).default(50) })
      .strict(),
    result: KvHistory,
  },
  /** Every lease with its TTL left and its keys. */
  'kv.leases': { params: z.object(clusterParam).strict(), result: z.array(KvLease) },
  /** Makes the KV member of a machine the leader; refused (CONFLICT) when it cannot lead now. */
  'kv.transferLeader': {
    params: z.object({ ...clusterParam, machine: MachineRefSchema }).strict(),
    result: z.object({ leader: z.string() }),
  },
  /**
   * Adds a KV member on a machine that has none, or removes one; a Task. Refused (CONFLICT, with
   * why) when it would leave the KV without a quorum, as the health panel's refuse* fields say.
   */
  'kv.addMember': { params: machineParams, result: z.object({ taskId: z.string() }) },
  'kv.removeMember': { params: machineParams, result: z.object({ taskId: z.string() }) },

  /** The Updates page's picture: feed, every machine's partitions and update state, the reboot locks. */
  'updates.status': { params: z.object(clusterParam).strict(), result: UpdatesViewSchema },
  /**
   * Checks for an update now (update_engine_client -check_for_update) on one machine or all that
   * are up; returns at once with the machines asked, the states follow in updates.changed.
   */
  'updates.check': {
    params: z.object({ ...clusterParam, machine: MachineRefSchema.optional() }).strict(),
    result: z.object({ machines: z.array(z.string()) }),
  },
  /**
   * Sets GROUP in /etc/coreos/update.conf of one machine, or of all and the cluster's default; a
   * check follows. A channel whose newest version is older than the running one never downgrades.
   */
  'updates.setChannel': {
    params: z
      .object({ ...clusterParam, machine: MachineRefSchema.optional(), channel: ChannelSchema })
      .strict(),
    result: z.object({ machines: z.array(z.string()) }),
  },
  /** Sets REBOOT_STRATEGY, and the reboot window (null: none), of one machine or all. */
  'updates.setStrategy': {
    params: z
      .object({
        ...clusterParam,
        machine: MachineRefSchema.optional(),
        strategy: RebootStrategySchema,
        window: WindowSchema.nullable().optional(),
      })
      .strict(),
    result: z.object({ machines: z.array(z.string()) }),
  },
  /** Sets SERVER (the feed: `builtin:`, file:///path.json or http(s)://…) of one machine or all. */
  'updates.setServer': {
    params: z
      .object({
        ...clusterParam,
        machine: MachineRefSchema.optional(),
        server: z
          .string()
          .max(2048)
          .regex(
            /^(builtin:|file:\/\/\/.+|https?:\/\/.+)$/,
            'must be builtin:, a file:///… or an http(s)://… URL',
          ),
      })
      .strict(),
    result: z.object({ machines: z.array(z.string()) }),
  },
  /** Seconds between periodic update checks of the cluster's machines (CoreOS: about an hour). */
  'updates.setCheckInterval': {
    params: z.object({ ...clusterParam, seconds: z.number().int().min(1).max(86_400) }).strict(),
    result: z.object({}),
  },
  /**
   * Reboots a machine into its updated partition now: outside its window and whatever its
   * strategy, but still through the reboot lock and never below the KV quorum. A Task.
   */
  'updates.reboot': { params: machineParams, result: z.object({ taskId: z.string() }) },
  /** Boots the other partition (when it holds a version that booted well before). A Task. */
  'updates.rollback': { params: machineParams, result: z.object({ taskId: z.string() }) },

  /** locksmithctl status: the semaphore of a group ('' or absent: the default). */
  'locksmith.status': {
    params: z.object({ ...clusterParam, group: LockGroup.optional() }).strict(),
    result: RebootLockSchema,
  },
  /** locksmithctl lock [id]: takes a holder slot for a machine (CONFLICT when none is free). */
  'locksmith.lock': {
    params: z.object({ ...clusterParam, machine: MachineRefSchema, group: LockGroup.optional() }).strict(),
    result: RebootLockSchema,
  },
  /** locksmithctl unlock [id]: gives a machine's slot back (NOT_FOUND when it holds none). */
  'locksmith.unlock': {
    params: z.object({ ...clusterParam, machine: MachineRefSchema, group: LockGroup.optional() }).strict(),
    result: RebootLockSchema,
  },
  /** locksmithctl set-max N: returns the old and new max. */
  'locksmith.setMax': {
    params: z
      .object({ ...clusterParam, max: z.number().int().min(1).max(1000), group: LockGroup.optional() })
      .strict(),
    result: z.object({ old: z.number().int(), new: z.number().int() }),
  },
} as const;

/**
 * Events are subscriptions: the first payload is the current state where there is one, then every
 * change. A subscription returns an unsubscribe function on the client.
 */
export const events = {
  'docker.status': { params: z.object({}).strict(), payload: EngineStatus },
  /** Every task change; on subscribe, one payload per known task. */
  'tasks.changed': { params: z.object({}).strict(), payload: Task },
  /** The whole cluster list, on subscribe and after every change (state, created, destroyed). */
  'clusters.changed': { params: z.object({}).strict(), payload: z.array(ClusterInfo) },
  /** What people did (recent entries first on subscribe, oldest first; then each new one). */
  'activity.changed': { params: z.object({}).strict(), payload: ActivityEntry },
  'units.changed': { params: z.object(clusterParam).strict(), payload: UnitsEvent },
  'machines.changed': { params: z.object(clusterParam).strict(), payload: MachinesEvent },
  /** The engine's decisions as it takes them (recent ones first on subscribe). */
  'engine.decisions': { params: z.object(clusterParam).strict(), payload: Decision },
  /** A followed journal: the backlog (`lines`, or everything after `after`), then new entries live. */
  'journal.follow': {
    params: z.object({ ...clusterParam, ...JournalQuery.shape }).strict(),
    payload: JournalBatch,
  },
  /** A shell in a machine or unit container: subscribing starts it, unsubscribing ends it. */
  'shell.session': {
    params: z.object({ ...clusterParam, ...ShellParams.shape }).strict(),
    payload: ShellEvent,
  },
  /** Changes under a prefix from `fromRevision` (default: now) on; list first, then watch from its revision + 1. */
  'kv.watch': {
    params: z
      .object({
        ...clusterParam,
        prefix: z.string().max(4096).default(''),
        fromRevision: z.number().int().min(1).optional(),
      })
      .strict(),
    payload: KvWatchBatch,
  },
  /** The Raft health panel: members and the last seconds' samples, then a payload every second. */
  'kv.health': { params: z.object(clusterParam).strict(), payload: KvHealth },
  /** The Updates page: the whole picture on subscribe and after every change. */
  'updates.changed': { params: z.object(clusterParam).strict(), payload: UpdatesViewSchema },
} as const;

export type CallName = keyof typeof calls;
export type EventName = keyof typeof events;
export type CallParams<M extends CallName> = z.input<(typeof calls)[M]['params']>;
export type CallResult<M extends CallName> = z.output<(typeof calls)[M]['result']>;
export type EventParams<E extends EventName> = z.input<(typeof events)[E]['params']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]['payload']>;

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** What a client of the API looks like, whatever the transport. */
export interface ApiClient {
  call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>>;
  subscribe<E extends EventName>(
    event: E,
    params: EventParams<E>,
    onPayload: (payload: EventPayload<E>) => void,
    onError?: (err: Error) => void,
  ): () => void;
}
