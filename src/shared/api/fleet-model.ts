import { z } from 'zod';
import { ClusterKvSchema, RemoteLinkSchema } from './remote-model';
import { MachineLife } from './machine-model';

// What the API says about units, machines and the engine's decisions. The scheduler in
// src/main/fleet produces these; the CLI and the GUI read them.

export const TargetStateSchema = z.enum(['inactive', 'loaded', 'launched']);

/** A unit name as fleet accepts it (`.service` is added by clients when no suffix is given). */
export const UnitNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.[a-z]+$/,
    'must be a unit name like hello.service or hello@1.service',
  );

export const MachineIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9a-f]+$/, 'must be a machine id (hex) or its prefix');

export const FleetOptionsSchema = z.object({
  machineId: z.string().optional(),
  machineOf: z.array(z.string()),
  machineMetadata: z.record(z.string(), z.array(z.string())),
  conflicts: z.array(z.string()),
  global: z.boolean(),
  replaces: z.array(z.string()),
});

export const MachineInfo = z.object({
  /** 32 hex characters, like /etc/machine-id. */
  id: z.string(),
  /** Host name, e.g. core-01. */
  name: z.string(),
  ip: z.string(),
  metadata: z.record(z.string(), z.string()),
  version: z.string(),
  /** Set by machines.list (the cluster host knows it; the registry only has machines that are up). */
  life: MachineLife.optional(),
  /** Whether one of the cluster's KV members lives on this machine. */
  kvMember: z.boolean().optional(),
  /** Role of the machine's KV member right now (none: no member, or it is down). */
  kvRole: z.enum(['leader', 'follower', 'none']).optional(),
  /** up + heartbeating = healthy; up but its heartbeat lapsed = unhealthy; otherwise down. */
  health: z.enum(['healthy', 'unhealthy', 'down']).optional(),
  /** Update channel (GROUP of /etc/coreos/update.conf) and the OS version it runs. */
  channel: z.enum(['stable', 'beta', 'alpha']).optional(),
  osVersion: z.string().optional(),
  /** An SSH host (machines.addRemote): where it is and how its connection is. */
  remote: RemoteLinkSchema.optional(),
});
export type MachineInfo = z.infer<typeof MachineInfo>;

/** What an agent reports for a unit on its machine (systemd's LOAD/ACTIVE/SUB). */
export const UnitMachineState = z.object({
  machineId: z.string(),
  load: z.string(),
  active: z.string(),
  sub: z.string(),
  /** Hash of the unit the agent runs (may lag behind after a --replace). */
  hash: z.string(),
  /** Why it failed, when it did (e.g. "Main process exited, code=exited, status=1/FAILURE"). */
  reason: z.string().optional(),
  /** Epoch ms when ACTIVE/SUB took their current values on this machine. */
  since: z.number().optional(),
});
export type UnitMachineState = z.infer<typeof UnitMachineState>;

/** Which X-Fleet constraint stopped a placement. */
export const ConstraintName = z.enum([
  'MachineID',
  'MachineOf',
  'MachineMetadata',
  'Conflicts',
  'Replaces',
  'Global',
  'NoMachines',
]);
export type ConstraintName = z.infer<typeof ConstraintName>;

/** Why a unit cannot be placed: the deciding constraint and every machine ruled out, with why. */
export const BlockedReason = z.object({
  constraint: ConstraintName,
  /** One sentence a user can act on, e.g. "MachineOf=db.service: db.service is not scheduled". */
  message: z.string(),
  ruledOut: z.array(z.object({ machineId: z.string(), constraint: ConstraintName, detail: z.string() })),
});
export type BlockedReason = z.infer<typeof BlockedReason>;

export const UnitInfo = z.object({
  name: z.string(),
  /** SHA1 of the unit file (40 hex). */
  hash: z.string(),
  description: z.string().optional(),
  desiredState: TargetStateSchema,
  /** fleet's current state: inactive (not placed), loaded (placed), launched (its agent runs it). */
  currentState: TargetStateSchema,
  /** Where the engine placed it; absent for global and unplaced units. */
  machineId: z.string().optional(),
  global: z.boolean(),
  options: FleetOptionsSchema,
  /** One per machine that reports the unit. */
  states: z.array(UnitMachineState),
  /** Present while the unit wants to run but cannot be placed. */
  blocked: BlockedReason.optional(),
});
export type UnitInfo = z.infer<typeof UnitInfo>;

export const UnitDetail = UnitInfo.extend({ content: z.string() });
export type UnitDetail = z.infer<typeof UnitDetail>;

export const Decision = z.object({
  /** Epoch ms. */
  at: z.number(),
  unit: z.string(),
  action: z.enum(['schedule', 'unschedule', 'blocked']),
  machineId: z.string().optional(),
  reason: z.string(),
});
export type Decision = z.infer<typeof Decision>;

export const EngineInfo = z.object({
  /** Machine id or engine id of the leader, if one is elected. */
  leader: z.string().optional(),
  /** Epoch ms of the last completed reconciliation. */
  lastReconcileAt: z.number().optional(),
  /** The most recent decisions, newest last. */
  decisions: z.array(Decision),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

/** A change to preview with the plan API. */
export const PlanChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('start'), unit: UnitNameSchema, content: z.string().max(1_000_000).optional() }),
  z.object({ kind: z.literal('stop'), unit: UnitNameSchema }),
  z.object({ kind: z.literal('move'), unit: UnitNameSchema, machineId: MachineIdSchema }),
  z.object({ kind: z.literal('edit'), unit: UnitNameSchema, content: z.string().max(1_000_000) }),
  z.object({ kind: z.literal('removeMachine'), machineId: MachineIdSchema }),
]);
export type PlanChange = z.infer<typeof PlanChange>;

export const PlanStep = z.object({ unit: z.string(), machineId: z.string(), reason: z.string() });
export const Plan = z.object({
  /** False when the change itself cannot be made (the unit or machine is unknown, the move breaks a constraint …). */
  valid: z.boolean(),
  problems: z.array(z.string()),
  stops: z.array(PlanStep),
  starts: z.array(PlanStep),
  blocked: z.array(z.object({ unit: z.string(), reason: BlockedReason })),
});
export type Plan = z.infer<typeof Plan>;

export const ClusterInfo = z.object({
  name: z.string(),
  /** The cluster commands go to when none is named. */
  active: z.boolean(),
  state: z.enum(['creating', 'starting', 'running', 'stopped', 'failed']),
  machines: z.number(),
  /** KV client endpoints (host:port). */
  endpoints: z.array(z.string()),
  channel: z.enum(['stable', 'beta', 'alpha']).optional(),
  createdAt: z.string().optional(),
  /** Why it failed, when it did. */
  problem: z.string().optional(),
  /** Embedded KV members (TLS or not) or an external etcd. */
  kv: ClusterKvSchema.optional(),
});
export type ClusterInfo = z.infer<typeof ClusterInfo>;

/** Live list events: a snapshot first, then one change at a time. */
export const UnitsEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), units: z.array(UnitInfo) }),
  z.object({ kind: z.literal('upsert'), unit: UnitInfo }),
  z.object({ kind: z.literal('remove'), name: z.string() }),
]);
export type UnitsEvent = z.infer<typeof UnitsEvent>;

export const MachinesEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), machines: z.array(MachineInfo) }),
  z.object({ kind: z.literal('upsert'), machine: MachineInfo }),
  z.object({ kind: z.literal('remove'), id: z.string() }),
]);
export type MachinesEvent = z.infer<typeof MachinesEvent>;

/** Whether a unit may move to a machine, and if not the constraint that forbids it. */
export const MoveTarget = z.object({
  machineId: z.string(),
  allowed: z.boolean(),
  /** The deciding constraint when refused: an X-Fleet one, Global, or State (not started, machine down). */
  constraint: z.union([ConstraintName, z.literal('State')]).optional(),
  /** Why not, one sentence each (e.g. "Conflicts=hello@*: core-02 runs hello@1.service"). */
  problems: z.array(z.string()),
  /** Units that move along (MachineOf followers). */
  followers: z.array(z.string()),
});
export type MoveTarget = z.infer<typeof MoveTarget>;

/** Outcome of submitting one unit. */
export const SubmitOutcome = z.enum(['created', 'unchanged', 'replaced', 'differs']);
export type SubmitOutcome = z.infer<typeof SubmitOutcome>;
