// The Raft health panel's model: health payloads folded into the latest state plus a rolling
// window of samples, and what the panel says about quorums. Pure.
import type { KvHealth, KvHealthSample, KvMemberHealth } from '../../../shared/api';

/** How much sample history the charts show. */
export const WINDOW_MS = 120_000;

export interface HealthState {
  health: KvHealth;
  /** Oldest first, at most WINDOW_MS back from the newest. */
  samples: KvHealthSample[];
}

/**
 * Folds a payload in: the first one carries the recent history, later ones only new samples.
 * Samples are kept in time order without duplicates (a resubscription may repeat some).
 */
export function applyHealth(prev: HealthState | undefined, payload: KvHealth): HealthState {
  const merged = [...(prev?.samples ?? [])];
  const lastAt = merged.length ? merged[merged.length - 1]!.at : -Infinity;
  for (const s of payload.samples) if (s.at > lastAt) merged.push(s);
  const newest = merged.length ? merged[merged.length - 1]!.at : 0;
  const from = merged.findIndex((s) => s.at > newest - WINDOW_MS);
  return { health: payload, samples: from > 0 ? merged.slice(from) : merged };
}

/** How many voters must be up for a quorum. */
export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** "3 voters, 3 up, quorum 2". */
export function quorumText(q: KvHealth['quorum']): string {
  return `${q.voters} ${q.voters === 1 ? 'voter' : 'voters'}, ${q.up} up, quorum ${q.needed}`;
}

/** Voters that may fail before the KV stops taking writes. */
export function faultTolerance(voters: number): number {
  return voters - quorumOf(voters);
}

export function isUp(m: Pick<KvMemberHealth, 'role'>): boolean {
  return m.role !== 'down';
}

/** Learners do not vote; every other role does. */
export function isVoter(m: Pick<KvMemberHealth, 'role'>): boolean {
  return m.role !== 'learner';
}

/** What removing a member does to the quorum, in words for the confirm dialog. */
export function removalEffect(q: KvHealth['quorum'], member: Pick<KvMemberHealth, 'role' | 'name'>): string {
  if (!isVoter(member))
    return `${member.name} is a learner: it does not vote, so the quorum stays ${q.needed} of ${q.voters}.`;
  const voters = q.voters - 1;
  const up = q.up - (isUp(member) ? 1 : 0);
  const needed = quorumOf(voters);
  const before = faultTolerance(q.voters);
  const after = faultTolerance(voters);
  const lines = [
    `After removing ${member.name} the KV has ${voters} ${voters === 1 ? 'voter' : 'voters'} (${up} up) and needs ${needed} for a quorum.`,
  ];
  if (up < needed) lines.push('That is fewer than a quorum: the KV would stop taking writes.');
  else if (after < before)
    lines.push(`It then survives ${after} ${after === 1 ? 'failure' : 'failures'} instead of ${before}.`);
  else lines.push(`It still survives ${after} ${after === 1 ? 'failure' : 'failures'}.`);
  if (!isUp(member)) lines.push(`${member.name} is down, so no running member stops.`);
  return lines.join(' ');
}

/** How late a member's last contact is: fine under a heartbeat or two, late near an election timeout. */
export function contactTone(ms: number | undefined): 'ok' | 'slow' | 'late' {
  if (ms === undefined) return 'ok';
  if (ms >= 1000) return 'late';
  if (ms >= 300) return 'slow';
  return 'ok';
}

/** The machine a member action names: its host name, else its machine id. */
export function machineRef(m: Pick<KvMemberHealth, 'hostname' | 'machineId'>): string | undefined {
  return m.hostname ?? m.machineId;
}

/** What adding a voting member does to the quorum, for the confirm dialog. */
export function additionEffect(q: KvHealth['quorum'], hostname: string): string {
  const voters = q.voters + 1;
  const needed = quorumOf(voters);
  const after = faultTolerance(voters);
  return (
    `A new member on ${hostname} joins, catches up from the leader, and then votes: the KV has ${voters} voters and needs ${needed} for a quorum` +
    ` (it survives ${after} ${after === 1 ? 'failure' : 'failures'}` +
    `${after === faultTolerance(q.voters) ? ', as now' : ''}).`
  );
}
