import { z } from 'zod';

/** A machine named by a user: its host name (core-02), its full id, or a unique id prefix. */
export const MachineRefSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be a machine host name (core-02), id or id prefix');

/** Where a machine is in its life, as the cluster host drives it. */
export const MachineLife = z.enum(['starting', 'up', 'stopping', 'stopped', 'dead']);
export type MachineLife = z.infer<typeof MachineLife>;

/** One line of a machine's journal. */
export const JournalEntry = z.object({
  /** Opaque resume point just after this entry (pass it as `after`). */
  cursor: z.string(),
  /** RFC 3339 with microseconds, UTC. */
  time: z.string(),
  /** Per machine, strictly increasing: the order within a machine's journal. */
  seq: z.number().int(),
  machineId: z.string(),
  hostname: z.string(),
  /** Absent for the machine's own lines (agent messages). */
  unit: z.string().optional(),
  /** What a process printed (stdout/stderr) or what systemd/the agent says about it (system). */
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const JournalQuery = z.object({
  /** Only this machine's journal (default: every machine of the cluster). */
  machine: MachineRefSchema.optional(),
  /** Only these units (template instances by their full name). */
  units: z.array(z.string().min(1).max(255)).max(100).optional(),
  /** The last N entries (default 100; with `after`, the first N after it). */
  lines: z.number().int().min(0).max(1_000_000).optional(),
  /** Resume after this cursor (from an entry or an earlier answer). */
  after: z.string().max(10_000).optional(),
});
export type JournalQuery = z.infer<typeof JournalQuery>;

/** A batch of a followed journal; `notices` say things like "hello.service moved to core-02". */
export const JournalBatch = z.object({
  entries: z.array(JournalEntry),
  /** Resume point after the batch (covers every machine of the query). */
  cursor: z.string(),
  notices: z.array(z.string()).default([]),
});
export type JournalBatch = z.infer<typeof JournalBatch>;

/** An interactive shell or one command inside a machine or a unit's container. */
export const ShellParams = z.object({
  /** A machine (host name, id, prefix) or a unit name (its main container on its machine). */
  target: z.string().min(1).max(255),
  /** Command argv; absent = an interactive login shell. Never passed through a shell. */
  command: z.array(z.string().max(10_000)).max(1_000).optional(),
  tty: z.boolean().default(true),
  cols: z.number().int().min(1).max(1_000).default(80),
  rows: z.number().int().min(1).max(1_000).default(24),
});

export const ShellEvent = z.discriminatedUnion('type', [
  /** First payload: the session exists; input and resize name it. */
  z.object({ type: z.literal('started'), sessionId: z.string(), description: z.string() }),
  /** Output bytes (base64); with a TTY stdout and stderr are one stream. */
  z.object({ type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
  z.object({ type: z.literal('exit'), code: z.number().int() }),
]);
export type ShellEvent = z.infer<typeof ShellEvent>;
