import { z } from 'zod';

/** A KV key as the explorer shows it: UTF-8 text (keys that are not valid UTF-8 are shown escaped). */
export const KvKeySchema = z.string().min(1).max(4096);

/** One key with its value and etcd's revisions. */
export const KvEntry = z.object({
  key: z.string(),
  /** The value as UTF-8 text, or base64 when `binary`. */
  value: z.string(),
  /** True when the value is not valid UTF-8 (then `value` is base64). */
  binary: z.boolean(),
  /** Bytes of the value. */
  size: z.number().int(),
  createRevision: z.number().int(),
  modRevision: z.number().int(),
  version: z.number().int(),
  /** The lease the key is attached to, as a decimal string; absent when none. */
  lease: z.string().optional(),
});
export type KvEntry = z.infer<typeof KvEntry>;

/** A page of keys under a prefix, in key order. */
export const KvPage = z.object({
  entries: z.array(KvEntry),
  /** More keys follow; ask again with `after` = the last key. */
  more: z.boolean(),
  /** The store revision the page was read at. */
  revision: z.number().int(),
});
export type KvPage = z.infer<typeof KvPage>;

/** One version of a key, newest first in a history. */
export const KvVersion = z.object({
  modRevision: z.number().int(),
  createRevision: z.number().int(),
  version: z.number().int(),
  value: z.string(),
  binary: z.boolean(),
  lease: z.string().optional(),
});
export type KvVersion = z.infer<typeof KvVersion>;

export const KvHistory = z.object({
  key: z.string(),
  /** Newest first; the current value (if the key exists) is the first. */
  versions: z.array(KvVersion),
  /** Older versions were compacted away before this revision. */
  compactedAt: z.number().int().optional(),
  /** True when the key does not exist now (deleted after its last version shown). */
  deleted: z.boolean(),
});
export type KvHistory = z.infer<typeof KvHistory>;

export const KvLease = z.object({
  /** Decimal string (etcd lease ids are 64-bit). */
  id: z.string(),
  /** Seconds left when read; -1 when it expired in the meantime. */
  ttl: z.number().int(),
  grantedTtl: z.number().int(),
  keys: z.array(z.string()),
  /** Epoch ms of the read, for a countdown. */
  readAt: z.number(),
});
export type KvLease = z.infer<typeof KvLease>;

/** Live changes under a watched prefix, in revision order. */
export const KvWatchBatch = z.object({
  events: z.array(
    z.object({
      type: z.enum(['put', 'delete']),
      /** For a delete: the key with its value removed (`value` empty) and the delete's modRevision. */
      entry: KvEntry,
    }),
  ),
  /** The revision the batch brings the watcher to. */
  revision: z.number().int(),
});
export type KvWatchBatch = z.infer<typeof KvWatchBatch>;

/** Details of a CONFLICT from kv.put / kv.delete: what the key holds now. */
export const KvConflict = z.object({
  key: z.string(),
  expectedModRevision: z.number().int(),
  /** Absent when the key no longer exists. */
  current: KvEntry.optional(),
});
export type KvConflict = z.infer<typeof KvConflict>;

export const RaftRole = z.enum(['leader', 'follower', 'candidate', 'learner', 'down']);
export type RaftRole = z.infer<typeof RaftRole>;

/** One KV member as the Raft health panel shows it. */
export const KvMemberHealth = z.object({
  /** Member id, hex (as etcdctl prints it). */
  id: z.string(),
  name: z.string(),
  /** The machine it lives on (embedded members). */
  machineId: z.string().optional(),
  hostname: z.string().optional(),
  /** Client endpoint host:port. */
  endpoint: z.string().optional(),
  role: RaftRole,
  term: z.number().int(),
  commitIndex: z.number().int(),
  appliedIndex: z.number().int(),
  /** Entries behind the leader's last index (the leader's view of this member's match). */
  lag: z.number().int().optional(),
  /** Milliseconds since the leader last heard from it (the leader itself: absent). */
  lastContactMs: z.number().int().optional(),
  /** Why "remove" or "make leader" is refused now; absent = allowed. */
  refuseRemove: z.string().optional(),
  refuseTransfer: z.string().optional(),
});
export type KvMemberHealth = z.infer<typeof KvMemberHealth>;

/** One second of the cluster's KV: writes applied and how long proposals took to commit. */
export const KvHealthSample = z.object({
  /** Epoch ms at the end of the second. */
  at: z.number(),
  writesPerSecond: z.number(),
  /** Proposal → committed and applied, over the proposals of that second; absent if none. */
  commitLatencyP50Ms: z.number().optional(),
  commitLatencyP99Ms: z.number().optional(),
  revision: z.number().int(),
});
export type KvHealthSample = z.infer<typeof KvHealthSample>;

/** The Raft health panel's state; one payload a second. */
export const KvHealth = z.object({
  /** An external etcd: no Raft controls, no member actions. */
  external: z.boolean(),
  /** Member name of the leader, if one is known. */
  leader: z.string().optional(),
  members: z.array(KvMemberHealth),
  /** Voters, voters reachable, and how many must be for a quorum. */
  quorum: z.object({ voters: z.number().int(), up: z.number().int(), needed: z.number().int() }),
  /** Machines without a member that could host one, with why not when they cannot now. */
  candidates: z.array(
    z.object({ machineId: z.string(), hostname: z.string(), refuseAdd: z.string().optional() }),
  ),
  /** New samples since the last payload (the first payload: the recent history, oldest first). */
  samples: z.array(KvHealthSample),
});
export type KvHealth = z.infer<typeof KvHealth>;
