import { z } from 'zod';

// Updates as CoreOS does them (../shared/reference/coreos.md §3): a release feed per channel, two
// /usr partitions per machine, update_engine's states, and locksmith's reboot semaphore in the KV.

export const ChannelSchema = z.enum(['stable', 'beta', 'alpha']);

/** REBOOT_STRATEGY of update.conf (cloud-config's best-effort is etcd-lock when etcd runs: always here). */
export const RebootStrategySchema = z.enum(['reboot', 'etcd-lock', 'off']);
export type RebootStrategy = z.infer<typeof RebootStrategySchema>;

/** update_engine's CURRENT_OP values (update_attempter.cc), as update_engine_client -status prints them. */
export const UpdateOpSchema = z.enum([
  'UPDATE_STATUS_IDLE',
  'UPDATE_STATUS_CHECKING_FOR_UPDATE',
  'UPDATE_STATUS_UPDATE_AVAILABLE',
  'UPDATE_STATUS_DOWNLOADING',
  'UPDATE_STATUS_VERIFYING',
  'UPDATE_STATUS_FINALIZING',
  'UPDATE_STATUS_UPDATED_NEED_REBOOT',
  'UPDATE_STATUS_REPORTING_ERROR_EVENT',
]);
export type UpdateOp = z.infer<typeof UpdateOpSchema>;

/** One OS version of a channel. */
export const ReleaseSchema = z.object({
  /** Dotted numbers, e.g. 4459.2.1; higher is newer (compared number by number). */
  version: z.string().regex(/^\d+(\.\d+){0,3}$/, 'must be numbers separated by dots, like 4459.2.1'),
  /** Release day, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day like 2026-11-02'),
  /** Release notes: plain text, one change per line. */
  notes: z.string().max(20_000),
  /** The update payload's size in bytes (update_engine's NEW_SIZE). */
  size: z.number().int().min(0),
  /**
   * The boot check of this version's image (/usr/lib/flotilla/boot-check, a busybox sh script run
   * in the machine after it boots from this version; exit 0 = good). Absent: the standard check.
   */
  bootCheck: z.string().max(10_000).optional(),
});
export type Release = z.infer<typeof ReleaseSchema>;

/** A feed: per channel its versions, newest first. The file/URL format is exactly this object. */
export const FeedSchema = z.object({
  channels: z.object({
    stable: z.array(ReleaseSchema),
    beta: z.array(ReleaseSchema),
    alpha: z.array(ReleaseSchema),
  }),
});
export type Feed = z.infer<typeof FeedSchema>;

/** The feed a machine's SERVER points at, as last read. */
export const FeedStateSchema = z.object({
  /** SERVER of update.conf: `builtin:` (Flotilla's own feed), a file:// URL or an http(s):// URL. */
  server: z.string(),
  feed: FeedSchema,
  /** Epoch ms of the last successful read. */
  loadedAt: z.number(),
  /** Why the last read failed (the previous feed stays in use). */
  problem: z.string().optional(),
});
export type FeedState = z.infer<typeof FeedStateSchema>;

/** One of a machine's two /usr partitions with CoreOS's GPT attributes (manual-rollbacks.md). */
export const PartitionSchema = z.object({
  label: z.enum(['USR-A', 'USR-B']),
  /** The OS version written to it; null when never written. */
  version: z.string().nullable(),
  /** Boot order: the highest priority with tries left or successful boots. 0 = never. */
  priority: z.number().int().min(0).max(15),
  /** Boot attempts left before it counts as failed (a new update gets 1). */
  tries: z.number().int().min(0).max(15),
  /** Booted and checked good once. */
  successful: z.boolean(),
  /** The machine runs from it now. */
  active: z.boolean(),
});
export type Partition = z.infer<typeof PartitionSchema>;

/** What /etc/coreos/update.conf in the machine says (read at every check: it is the source of truth). */
export const UpdateConfSchema = z.object({
  group: ChannelSchema,
  server: z.string(),
  rebootStrategy: RebootStrategySchema,
  /** locksmith's reboot window: "Thu 04:00" or "04:00", and its length "1h30m"; both or neither. */
  windowStart: z.string().optional(),
  windowLength: z.string().optional(),
  /** locksmith group (LOCKSMITHD_GROUP): its own semaphore; absent = the default one. */
  lockGroup: z.string().optional(),
});
export type UpdateConf = z.infer<typeof UpdateConfSchema>;

/** update_engine_client -status (LAST_CHECKED_TIME, PROGRESS, CURRENT_OP, NEW_VERSION, NEW_SIZE). */
export const UpdateStatusSchema = z.object({
  /** Epoch seconds of the last check; 0 = never. */
  lastCheckedTime: z.number().int(),
  /** 0..1 within the current op. */
  progress: z.number().min(0).max(1),
  currentOp: UpdateOpSchema,
  /** The version on offer or being installed; '0.0.0.0' when none (as update_engine prints). */
  newVersion: z.string(),
  newSize: z.number().int(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;

/** Where a machine's reboot stands (locksmithd's side). */
export const RebootStateSchema = z.enum([
  /** Nothing to reboot for. */
  'none',
  /** Updated, but REBOOT_STRATEGY=off: only "reboot now" reboots it. */
  'held',
  /** Updated; waits for its reboot window. */
  'waiting-window',
  /** Updated; waits for a holder slot of the reboot lock. */
  'waiting-lock',
  /** Holds the lock but waits: rebooting now would leave the KV without a quorum. */
  'waiting-quorum',
  /** Units moving away, the machine going down and coming back from the new partition. */
  'rebooting',
  /** Booted: the boot check runs (container, version, KV member, agent, boot-check script). */
  'checking',
  /** The boot check failed: booting the previous partition again. */
  'rolling-back',
]);
export type RebootState = z.infer<typeof RebootStateSchema>;

export const RollbackSchema = z.object({
  at: z.number(),
  /** The version that failed its boot check (or was rolled back by hand). */
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  manual: z.boolean(),
});
export type Rollback = z.infer<typeof RollbackSchema>;

/** One machine's update picture. */
export const MachineUpdateSchema = z.object({
  machineId: z.string(),
  hostname: z.string(),
  /** Running, stopped or dead (a machine that is down does not check). */
  up: z.boolean(),
  /** The version it runs (its active partition's). */
  osVersion: z.string(),
  conf: UpdateConfSchema,
  partitions: z.array(PartitionSchema).length(2),
  status: UpdateStatusSchema,
  reboot: RebootStateSchema,
  /** A sentence on why it waits or what it does (no downgrade, window, lock holders, quorum…). */
  message: z.string().optional(),
  /** The newest version of its channel, when the feed has one. */
  available: z.string().optional(),
  /** Epoch ms of the next periodic check. */
  nextCheckAt: z.number().optional(),
  lastError: z.string().optional(),
  lastRollback: RollbackSchema.optional(),
});
export type MachineUpdate = z.infer<typeof MachineUpdateSchema>;

/** locksmith's semaphore: {"semaphore":1,"max":1,"holders":[]} at its key. */
export const RebootLockSchema = z.object({
  /** '' = the default group. */
  group: z.string(),
  key: z.string(),
  semaphore: z.number().int(),
  max: z.number().int(),
  /** Machine ids, sorted. */
  holders: z.array(z.string()),
});
export type RebootLock = z.infer<typeof RebootLockSchema>;

/** The Updates page: the feed, every machine, the reboot locks. */
export const UpdatesViewSchema = z.object({
  cluster: z.string(),
  /** The cluster's default channel (new machines, "all machines" switches). */
  channel: ChannelSchema,
  /** Seconds between periodic checks. */
  checkIntervalSec: z.number().int(),
  feed: FeedStateSchema,
  machines: z.array(MachineUpdateSchema),
  locks: z.array(RebootLockSchema),
});
export type UpdatesView = z.infer<typeof UpdatesViewSchema>;

/** Reboot window start: "04:00" (every day) or "Thu 04:00"; length like "1h30m" (locksmith's format). */
export const WindowSchema = z
  .object({
    start: z
      .string()
      .regex(
        /^((Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01]\d|2[0-3]):[0-5]\d$/,
        'must be a time like 04:00 or Thu 04:00',
      ),
    length: z
      .string()
      .regex(/^(\d+h)?(\d+m)?$/, 'must be a duration like 1h30m')
      .min(2, 'must be a duration like 1h30m'),
  })
  .strict();
export type RebootWindow = z.infer<typeof WindowSchema>;
