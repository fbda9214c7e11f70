import { z } from 'zod';
import { PartitionSchema, type Partition } from '../../shared/api/updates-model';
import { compareVersions } from './versions';

// CoreOS's two /usr partitions and the GPT attributes GRUB boots by (manual-rollbacks.md): an
// update goes to the passive one with priority 2, tries 1, successful 0; booting it uses the try;
// update_engine marks it successful after a good boot; with no try left and never successful, GRUB
// skips it and boots the other one. Every function returns a new table.

export type PartLabel = 'USR-A' | 'USR-B';

export interface PartState {
  version: string | null;
  priority: number;
  tries: number;
  successful: boolean;
}

export interface PartitionTable {
  active: PartLabel;
  parts: Record<PartLabel, PartState>;
}

const LABELS: readonly PartLabel[] = ['USR-A', 'USR-B'];

const partStateSchema = PartitionSchema.pick({
  version: true,
  priority: true,
  tries: true,
  successful: true,
});

/** For persisting a machine's table (cluster.json). */
export const tableSchema: z.ZodType<PartitionTable> = z.object({
  active: z.enum(['USR-A', 'USR-B']),
  parts: z.object({ 'USR-A': partStateSchema, 'USR-B': partStateSchema }),
});

function copy(t: PartitionTable): PartitionTable {
  return { active: t.active, parts: { 'USR-A': { ...t.parts['USR-A'] }, 'USR-B': { ...t.parts['USR-B'] } } };
}

/** A new machine: its image on USR-A, booted and good; USR-B never written. */
export function initialTable(version: string): PartitionTable {
  return {
    active: 'USR-A',
    parts: {
      'USR-A': { version, priority: 1, tries: 0, successful: true },
      'USR-B': { version: null, priority: 0, tries: 0, successful: false },
    },
  };
}

export function passiveOf(t: PartitionTable): PartLabel {
  return t.active === 'USR-A' ? 'USR-B' : 'USR-A';
}

/** Writes an update to the passive partition, to be tried once at the next boot. */
export function install(t: PartitionTable, version: string): PartitionTable {
  const active = t.parts[t.active];
  if (active.version !== null && compareVersions(active.version, version) === 0) {
    throw new Error(`${version} is the version the machine runs (${t.active}); nothing to install`);
  }
  const next = copy(t);
  next.parts[t.active].priority = 1;
  next.parts[passiveOf(t)] = { version, priority: 2, tries: 1, successful: false };
  return next;
}

/** The version the next boot will try (an installed update not yet booted), if any. */
export function pendingVersion(t: PartitionTable): string | undefined {
  const active = t.parts[t.active];
  const passive = t.parts[passiveOf(t)];
  if (passive.version === null) return undefined;
  if (passive.priority > active.priority && passive.tries > 0 && !passive.successful) return passive.version;
  return undefined;
}

function bootable(p: PartState): boolean {
  return p.version !== null && p.priority > 0 && (p.successful || p.tries > 0);
}

/**
 * Boots as GRUB's gptprio does: the highest priority among the bootable partitions (the running
 * one on a tie), using up one try of a partition not yet successful. `fellBack`: a partition of
 * higher priority was skipped because its tries ran out before it was ever marked successful.
 */
export function boot(t: PartitionTable): { table: PartitionTable; booted: PartLabel; fellBack: boolean } {
  const candidates = LABELS.filter((l) => bootable(t.parts[l]));
  if (candidates.length === 0) {
    throw new Error('no bootable /usr partition: neither USR-A nor USR-B has a good version or tries left');
  }
  const booted = candidates.reduce((best, l) => {
    const d = t.parts[l].priority - t.parts[best].priority;
    return d > 0 || (d === 0 && l === t.active) ? l : best;
  });
  const chosen = t.parts[booted];
  const fellBack = LABELS.some((l) => {
    const p = t.parts[l];
    return (
      l !== booted && p.version !== null && p.priority > chosen.priority && p.tries === 0 && !p.successful
    );
  });
  const next = copy(t);
  next.active = booted;
  if (!chosen.successful) next.parts[booted].tries = Math.max(0, chosen.tries - 1);
  return { table: next, booted, fellBack };
}

/** update_engine's verdict after a good boot: the running partition is good. */
export function markSuccessful(t: PartitionTable): PartitionTable {
  const next = copy(t);
  next.parts[t.active] = { ...next.parts[t.active], successful: true, tries: 0 };
  return next;
}

/** The running partition failed its boot check: never boot it again until rewritten. */
export function markFailed(t: PartitionTable): PartitionTable {
  const next = copy(t);
  next.parts[t.active] = { ...next.parts[t.active], priority: 0, tries: 0, successful: false };
  return next;
}

/** `cgpt prioritize` for a manual rollback: the next boot takes `label`. */
export function prioritize(t: PartitionTable, label: PartLabel): PartitionTable {
  const target = t.parts[label];
  if (target.version === null) throw new Error(`${label} was never written: there is nothing to boot there`);
  if (!target.successful) {
    throw new Error(
      `${label} (${target.version}) never booted successfully: rolling back to it could leave the machine unbootable`,
    );
  }
  const other: PartLabel = label === 'USR-A' ? 'USR-B' : 'USR-A';
  const next = copy(t);
  next.parts[label].priority = 2;
  // An empty partition stays at 0: priority means nothing without a version.
  next.parts[other].priority = next.parts[other].version === null ? 0 : 1;
  return next;
}

/** The API contract's shape: USR-A first, the running one flagged active. */
export function toPartitions(t: PartitionTable): Partition[] {
  return LABELS.map((label) => ({ label, ...t.parts[label], active: label === t.active }));
}
