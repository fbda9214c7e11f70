// What a member reports about itself, for the Raft health panel and `endpoint status`.
import { Role, type ConfState, type NodeId, type ProgressState, type Status } from '../raft';
import type { PeerInfo } from './envelope';
import type { PeerAddr, Transport } from './transport';

export interface PeerStatus {
  id: bigint;
  name: string;
  addr: PeerAddr | undefined;
  learner: boolean;
  /** Leader only: the follower's replication progress. */
  match?: number;
  next?: number;
  progressState?: ProgressState;
  recentActive?: boolean;
  /** Milliseconds since a frame last arrived from this peer (absent: never). */
  lastContactMs?: number;
  /** Fault injection in force against this peer. */
  cutOff: boolean;
}

export interface MemberStatus {
  id: bigint;
  name: string;
  clusterId: bigint;
  running: boolean;
  removed: boolean;
  role: Role;
  /** 0n when no leader is known. */
  leader: bigint;
  term: number;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  /** The store's current revision. */
  revision: number;
  voters: bigint[];
  learners: bigint[];
  peers: PeerStatus[];
}

export interface StatusInputs {
  id: bigint;
  name: string;
  clusterId: bigint;
  running: boolean;
  removed: boolean;
  /** The core's status; absent when the member is not running. */
  raft: Status | undefined;
  term: number;
  applied: number;
  snapshotIndex: number;
  revision: number;
  conf: ConfState;
  book: ReadonlyMap<NodeId, PeerInfo>;
  transport: Pick<Transport, 'lastContact' | 'isCutOff'>;
}

export function buildStatus(x: StatusInputs): MemberStatus {
  const base = { id: x.id, name: x.name, clusterId: x.clusterId, running: x.running, removed: x.removed };
  const common = { applied: x.applied, snapshotIndex: x.snapshotIndex, revision: x.revision };
  const s = x.raft;
  if (!s) {
    return {
      ...base,
      ...common,
      role: Role.Follower,
      leader: 0n,
      term: x.term,
      commit: 0,
      lastIndex: 0,
      firstIndex: 0,
      voters: x.conf.voters,
      learners: x.conf.learners,
      peers: [],
    };
  }
  const now = Date.now();
  const peers: PeerStatus[] = [];
  for (const id of [...s.conf.voters, ...s.conf.learners]) {
    if (id === x.id) continue;
    const info = x.book.get(id);
    const pr = s.progress?.get(id);
    const contact = x.transport.lastContact(id);
    peers.push({
      id,
      name: info?.name ?? '',
      addr: info?.addr,
      learner: s.conf.learners.includes(id),
      ...(pr
        ? { match: pr.match, next: pr.next, progressState: pr.state, recentActive: pr.recentActive }
        : {}),
      ...(contact !== undefined ? { lastContactMs: now - contact } : {}),
      cutOff: x.transport.isCutOff(id),
    });
  }
  return {
    ...base,
    ...common,
    role: s.role,
    leader: s.lead,
    term: s.term,
    commit: s.commit,
    lastIndex: s.lastIndex,
    firstIndex: s.firstIndex,
    voters: s.conf.voters,
    learners: s.conf.learners,
    peers,
  };
}
