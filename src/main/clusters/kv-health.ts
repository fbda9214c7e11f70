// The Raft health panel's model: who leads, how far each member is behind, and which member
// actions would keep a quorum. Pure (statuses in, KvHealth out) so the refusal rules are tested
// without a cluster; the sampler around it turns a second of writes into one chart sample.
import type { KvHealth, KvHealthSample, KvMemberHealth } from '../../shared/api';
import type { MemberStatus } from '../kv/member';
import { Role } from '../kv/raft';

/** One machine that hosts a KV member, with its member's status when it runs. */
export interface MemberView {
  machineId: string;
  hostname: string;
  /** Machine up (a member of a machine that is down is down too). */
  machineUp: boolean;
  endpoint?: string | undefined;
  /** Absent when the member is not running. */
  status: MemberStatus | undefined;
  /** Its id (known even when it does not run). */
  id: bigint;
}

/** A machine without a member. */
export interface CandidateView {
  machineId: string;
  hostname: string;
  machineUp: boolean;
}

export const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

const ROLE: Record<Role, KvMemberHealth['role']> = {
  [Role.Leader]: 'leader',
  [Role.Follower]: 'follower',
  [Role.Candidate]: 'candidate',
  [Role.PreCandidate]: 'candidate',
};

/** Why member actions are refused, in sentences a user can act on; undefined = allowed. */
export function refusals(members: readonly MemberView[]) {
  const leader = members.find((m) => m.status?.role === Role.Leader);
  const voters = members.filter((m) => !m.status || !m.status.learners.includes(m.id));
  const up = voters.filter((m) => m.status?.running).length;
  const needed = quorumOf(voters.length);
  return {
    leader,
    voters: voters.length,
    up,
    needed,
    remove(m: MemberView): string | undefined {
      if (voters.length <= 1) return `${m.hostname} is the only member: the KV would have none left`;
      if (!leader) return 'There is no leader now: membership changes need one (wait for an election)';
      const upAfter = up - (m.status?.running ? 1 : 0);
      const neededAfter = quorumOf(voters.length - 1);
      if (upAfter < neededAfter)
        return `Removing ${m.hostname} leaves ${upAfter} of ${voters.length - 1} members up, below the quorum of ${neededAfter}: start the machines that are down first`;
      return undefined;
    },
    transfer(m: MemberView): string | undefined {
      if (!m.status?.running) return `${m.hostname} is down`;
      if (!leader) return 'There is no leader now to hand over (wait for an election)';
      if (m === leader) return `${m.hostname} already leads`;
      if (m.status.learners.includes(m.id)) return `${m.hostname} is a learner and cannot lead`;
      const peer = leader.status!.peers.find((p) => p.id === m.id);
      if (peer && peer.recentActive === false)
        return `${leader.hostname} has not heard from ${m.hostname} lately`;
      return undefined;
    },
    add(c: CandidateView): string | undefined {
      if (!c.machineUp) return `${c.hostname} is down: start it first`;
      if (!leader) return 'There is no leader now: membership changes need one (wait for an election)';
      // As etcd's strict reconfiguration check: the new member counts as not started yet.
      const neededAfter = quorumOf(voters.length + 1);
      if (up < neededAfter)
        return `With ${up} of ${voters.length} members up, a ${voters.length + 1}th would need ${neededAfter} up for a quorum: start the machines that are down first`;
      return undefined;
    },
  };
}

/** The panel's state from the members' statuses (the leader's view for lag and last contact). */
export function buildHealth(
  members: readonly MemberView[],
  candidates: readonly CandidateView[],
  samples: KvHealthSample[],
): KvHealth {
  const r = refusals(members);
  const leaderStatus = r.leader?.status;
  return {
    external: false,
    ...(r.leader ? { leader: r.leader.hostname } : {}),
    members: members.map((m): KvMemberHealth => {
      const s = m.status;
      const peer = leaderStatus?.peers.find((p) => p.id === m.id);
      const lag =
        m === r.leader
          ? 0
          : peer?.match !== undefined && leaderStatus
            ? leaderStatus.lastIndex - peer.match
            : undefined;
      const refuseRemove = r.remove(m);
      const refuseTransfer = r.transfer(m);
      return {
        id: m.id.toString(16),
        name: m.hostname,
        machineId: m.machineId,
        hostname: m.hostname,
        ...(m.endpoint ? { endpoint: m.endpoint } : {}),
        role: !s?.running ? 'down' : s.learners.includes(m.id) ? 'learner' : ROLE[s.role],
        term: s?.term ?? 0,
        commitIndex: s?.commit ?? 0,
        appliedIndex: s?.applied ?? 0,
        ...(lag !== undefined && s?.running ? { lag: Math.max(0, lag) } : {}),
        ...(peer?.lastContactMs !== undefined ? { lastContactMs: Math.round(peer.lastContactMs) } : {}),
        ...(refuseRemove ? { refuseRemove } : {}),
        ...(refuseTransfer ? { refuseTransfer } : {}),
      };
    }),
    quorum: { voters: r.voters, up: r.up, needed: r.needed },
    candidates: candidates.map((c) => {
      const refuseAdd = r.add(c);
      return { machineId: c.machineId, hostname: c.hostname, ...(refuseAdd ? { refuseAdd } : {}) };
    }),
    samples,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** One second's sample from the revision then and now, and the latencies recorded meanwhile. */
export function sampleOf(
  at: number,
  seconds: number,
  revisionBefore: number,
  revisionNow: number,
  latencies: number[],
): KvHealthSample {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    at,
    writesPerSecond: Math.max(0, revisionNow - revisionBefore) / Math.max(seconds, 0.001),
    ...(sorted.length
      ? {
          commitLatencyP50Ms: round(percentile(sorted, 50)),
          commitLatencyP99Ms: round(percentile(sorted, 99)),
        }
      : {}),
    revision: revisionNow,
  };
}

const HISTORY = 120;

/**
 * The last two minutes of per-second samples: each revision reading becomes the sample of the
 * time since the previous one. Shared by the embedded members' sampler and an external etcd's.
 */
export class SampleHistory {
  private readonly kept: KvHealthSample[] = [];
  private last: { at: number; revision: number } | undefined;

  /** Every kept sample, oldest first. */
  all(): KvHealthSample[] {
    return [...this.kept];
  }

  /** Sampling paused: the next reading starts afresh rather than spanning the pause. */
  restart(): void {
    this.last = undefined;
  }

  /** A reading now; the sample since the previous reading, if there was one. */
  record(now: number, revision: number, latencies: number[] = []): KvHealthSample | undefined {
    const last = this.last;
    this.last = { at: now, revision };
    if (!last) return undefined;
    const s = sampleOf(now, (now - last.at) / 1000, last.revision, revision, latencies);
    this.kept.push(s);
    if (this.kept.length > HISTORY) this.kept.shift();
    return s;
  }
}

/** The panels sample once a second while someone watches. */
export const HEALTH_SAMPLE_MS = 1_000;

/**
 * Samples the KV once a second while someone watches the panel, keeping the last two minutes
 * for the next one who opens it.
 */
export class KvHealthSampler {
  private readonly history = new SampleHistory();
  private readonly listeners = new Set<(h: KvHealth) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly view: () => { members: MemberView[]; candidates: CandidateView[] },
    private readonly drainLatencies: () => number[],
  ) {}

  subscribe(emit: (h: KvHealth) => void): () => void {
    const v = this.view();
    emit(buildHealth(v.members, v.candidates, this.history.all()));
    this.listeners.add(emit);
    if (!this.timer) {
      this.drainLatencies(); // stale ones from before anyone watched
      this.history.restart();
      this.timer = setInterval(() => this.tick(), HEALTH_SAMPLE_MS);
    }
    return () => {
      this.listeners.delete(emit);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const v = this.view();
    const now = Date.now();
    const revision = Math.max(0, ...v.members.map((m) => (m.status?.running ? m.status.revision : 0)));
    const sample = this.history.record(now, revision, this.drainLatencies());
    const health = buildHealth(v.members, v.candidates, sample ? [sample] : []);
    for (const l of this.listeners) l(health);
  }
}
