// What the Updates page and the board's badge say about update_engine and locksmith states, in
// words, and when each action makes sense. Pure: no React, no API.
import {
  calls,
  WindowSchema,
  type Feed,
  type MachineUpdate,
  type Partition,
  type RebootState,
  type RebootStrategy,
  type Release,
  type UpdateOp,
  type UpdatesView,
} from '../../../shared/api';
import type { ZodType } from 'zod';

export type Channel = keyof Feed['channels'];
export const CHANNELS: readonly Channel[] = ['stable', 'beta', 'alpha'];
export const CHANNEL_HINT: Record<Channel, string> = {
  stable: 'tested releases',
  beta: 'the next stable, for early warning',
  alpha: 'the newest, changes often',
};

export const STRATEGIES: readonly RebootStrategy[] = ['etcd-lock', 'reboot', 'off'];
export const STRATEGY_HINT: Record<RebootStrategy, string> = {
  'etcd-lock': 'one machine at a time, under the KV reboot lock',
  reboot: 'each machine as soon as it is updated',
  off: 'never on its own: only "Reboot now" reboots',
};

/** update_engine_client prints this NEW_VERSION when nothing is on offer. */
export const NO_VERSION = '0.0.0.0';

const OP_LABEL: Record<UpdateOp, string> = {
  UPDATE_STATUS_IDLE: 'Idle',
  UPDATE_STATUS_CHECKING_FOR_UPDATE: 'Checking for an update',
  UPDATE_STATUS_UPDATE_AVAILABLE: 'Update available',
  UPDATE_STATUS_DOWNLOADING: 'Downloading',
  UPDATE_STATUS_VERIFYING: 'Verifying the download',
  UPDATE_STATUS_FINALIZING: 'Finalizing the partition',
  UPDATE_STATUS_UPDATED_NEED_REBOOT: 'Updated: needs a reboot',
  UPDATE_STATUS_REPORTING_ERROR_EVENT: 'Reporting an error',
};
export const opLabel = (op: UpdateOp): string => OP_LABEL[op];

/** The ops whose PROGRESS means something (writing the passive partition). */
export function opInProgress(op: UpdateOp): boolean {
  return (
    op === 'UPDATE_STATUS_DOWNLOADING' ||
    op === 'UPDATE_STATUS_VERIFYING' ||
    op === 'UPDATE_STATUS_FINALIZING'
  );
}

const REBOOT_LABEL: Record<RebootState, string> = {
  none: 'Nothing to reboot for',
  held: 'Held: reboots are off, reboot by hand',
  'waiting-window': 'Waiting for its reboot window',
  'waiting-lock': 'Waiting for the reboot lock',
  'waiting-quorum': 'Waiting: rebooting now would break the KV quorum',
  rebooting: 'Rebooting',
  checking: 'Checking the new boot',
  'rolling-back': 'Rolling back',
};
export const rebootLabel = (r: RebootState): string => REBOOT_LABEL[r];

/** States in which the machine is already going down or coming back. */
const BOOTING: ReadonlySet<RebootState> = new Set(['rebooting', 'checking', 'rolling-back']);

/** Compares dotted versions number by number (4459.2.1 < 4516.0.0); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export const activePartition = (m: MachineUpdate): Partition | undefined =>
  m.partitions.find((p) => p.active);
export const passivePartition = (m: MachineUpdate): Partition | undefined =>
  m.partitions.find((p) => !p.active);

/** Why "Reboot now" is not offered, or undefined when it is: only an installed update waits for one. */
export function rebootRefusal(m: MachineUpdate): string | undefined {
  if (!m.up) return `${m.hostname} is down`;
  if (BOOTING.has(m.reboot)) return `${m.hostname} is ${rebootLabel(m.reboot).toLowerCase()}`;
  if (m.status.currentOp !== 'UPDATE_STATUS_UPDATED_NEED_REBOOT')
    return 'no installed update waits for a reboot';
  return undefined;
}

/**
 * The partition a rollback would boot, or why there is none: the passive one, when it holds a
 * version that booted and passed its check before (CoreOS's manual rollback, `cgpt prioritize`).
 */
export function rollbackTarget(m: MachineUpdate): { partition: Partition } | { refusal: string } {
  const passive = passivePartition(m);
  if (!m.up) return { refusal: `${m.hostname} is down` };
  if (BOOTING.has(m.reboot)) return { refusal: `${m.hostname} is ${rebootLabel(m.reboot).toLowerCase()}` };
  if (!passive?.version) return { refusal: 'the other partition holds no version' };
  if (!passive.successful)
    return { refusal: `${passive.version} on ${passive.label} never booted successfully` };
  return { partition: passive };
}

export type BadgeTone = 'info' | 'success' | 'warning' | 'error';
export interface UpdateBadge {
  label: string;
  tooltip: string;
  tone: BadgeTone;
}

const percent = (p: number) => `${Math.round(p * 100)}%`;

/** The board's one-chip summary of a machine's update, or undefined when there is nothing to say. */
export function updateBadge(m: MachineUpdate): UpdateBadge | undefined {
  const target = m.status.newVersion !== NO_VERSION ? m.status.newVersion : m.available;
  const passive = passivePartition(m)?.label ?? 'the passive partition';
  const why = m.message ? ` ${m.message}` : '';
  if (m.reboot === 'rolling-back')
    return {
      label: 'rolling back',
      tone: 'error',
      tooltip: `The boot check failed: booting the previous partition.${why}`,
    };
  if (m.reboot === 'rebooting')
    return {
      label: 'rebooting',
      tone: 'warning',
      tooltip: `Rebooting${target ? ` into ${target}` : ''}.${why}`,
    };
  if (m.reboot === 'checking')
    return {
      label: 'checking boot',
      tone: 'warning',
      tooltip: `Booted ${m.osVersion}: the boot check runs.${why}`,
    };
  if (opInProgress(m.status.currentOp))
    return {
      label: `updating ${percent(m.status.progress)}`,
      tone: 'info',
      tooltip: `${opLabel(m.status.currentOp)} ${target ?? 'the update'} to ${passive}: ${percent(m.status.progress)}.`,
    };
  if (m.status.currentOp === 'UPDATE_STATUS_UPDATED_NEED_REBOOT')
    return {
      label: 'update ready',
      tone: 'success',
      tooltip: `${target ?? 'An update'} is installed on ${passive} and needs a reboot: ${rebootLabel(m.reboot).toLowerCase()}.${why}`,
    };
  if (m.status.currentOp === 'UPDATE_STATUS_REPORTING_ERROR_EVENT')
    return {
      label: 'update failed',
      tone: 'error',
      tooltip: m.lastError ?? 'update_engine reports an error.',
    };
  const rb = m.lastRollback;
  // A rollback stays news while the machine still runs the version it went back to.
  if (rb && rb.to === m.osVersion)
    return {
      label: 'rolled back',
      tone: 'error',
      tooltip: `${rb.manual ? 'Rolled back by hand' : 'Rolled back'} from ${rb.from} to ${rb.to} on ${new Date(rb.at).toLocaleString()}: ${rb.reason}`,
    };
  return undefined;
}

/** One value every machine agrees on, or undefined when they differ (or there are none). */
export function common<T>(items: readonly MachineUpdate[], pick: (m: MachineUpdate) => T): T | undefined {
  if (items.length === 0) return undefined;
  const first = pick(items[0]!);
  return items.every((m) => pick(m) === first) ? first : undefined;
}

/** Machine id → host name, for the lock's holders (a holder that is no machine of ours keeps its id). */
export function hostnameOf(view: UpdatesView): (machineId: string) => string {
  const names = new Map(view.machines.map((m) => [m.machineId, m.hostname]));
  return (id) => names.get(id) ?? id;
}

/** The newest release of a channel (the feed lists them newest first). */
export const newest = (feed: Feed, channel: Channel): Release | undefined => feed.channels[channel][0];

/**
 * What switching to `channel` does for each machine: those that run something newer than the
 * channel's newest keep it (CoreOS never downgrades) until the channel passes them.
 */
export function channelEffect(
  view: UpdatesView,
  channel: Channel,
  machines: readonly MachineUpdate[] = view.machines,
): {
  newest: Release | undefined;
  updates: MachineUpdate[];
  waits: MachineUpdate[];
  current: MachineUpdate[];
} {
  const top = newest(view.feed.feed, channel);
  const updates: MachineUpdate[] = [];
  const waits: MachineUpdate[] = [];
  const current: MachineUpdate[] = [];
  for (const m of machines) {
    if (!top) waits.push(m);
    else {
      const c = compareVersions(top.version, m.osVersion);
      (c > 0 ? updates : c < 0 ? waits : current).push(m);
    }
  }
  return { newest: top, updates, waits, current };
}

/** "1.2 GB", "340 MB", "12 kB" (decimal, as update payload sizes are usually given). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "45 min", "1 h 30 min", "20 s" for an interval in seconds. */
export function formatInterval(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h && `${h} h`, m && `${m} min`, s && `${s} s`].filter(Boolean).join(' ');
}

/** The first problem zod finds with a value, or undefined when it is fine. */
function problem(schema: ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid');
}

/** Inline errors of a reboot window, checked with the contract's WindowSchema. */
export function windowErrors(start: string, length: string): { start?: string; length?: string } {
  const s = problem(WindowSchema.shape.start, start);
  const l = problem(WindowSchema.shape.length, length);
  return { ...(s ? { start: s } : {}), ...(l ? { length: l } : {}) };
}

/** SERVER as updates.setServer takes it (builtin:, file:///… or http(s)://…). */
export const serverError = (server: string): string | undefined =>
  problem(calls['updates.setServer'].params.shape.server, server);

/** A check interval in whole seconds, as updates.setCheckInterval takes it. */
export function intervalError(text: string): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'must be a whole number of seconds';
  return problem(calls['updates.setCheckInterval'].params.shape.seconds, Number(text))
    ? 'must be between 1 and 86400 seconds'
    : undefined;
}

/** locksmithctl set-max N, as locksmith.setMax takes it. */
export function maxError(text: string): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'must be a whole number';
  return problem(calls['locksmith.setMax'].params.shape.max, Number(text))
    ? 'must be between 1 and 1000'
    : undefined;
}

/** A lock group's name as people read it ('' is the default semaphore). */
export const groupName = (group: string): string => (group ? group : 'default');
