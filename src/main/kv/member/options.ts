// Member configuration and its defaults (etcd's where one exists).
import { DEFAULT_TICK_MS } from './clock';
import type { TlsMaterial } from '../tls/options';
import type { PeerAddr } from './transport';

export interface MemberOptions {
  /** Unique within the cluster; with the token it determines the member id. */
  name: string;
  clusterToken: string;
  dataDir: string;
  /** Peer listen host (loopback by default) and port (0 = OS-chosen). */
  host?: string;
  peerPort?: number;
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Take a snapshot every this many applied entries (etcd's --snapshot-count). Default 10,000. */
  snapshotCount?: number;
  /** Entries kept in the log behind a snapshot for slow followers. Default 5,000. */
  snapshotCatchUpEntries?: number;
  /** Give up on a proposal or read after this long. Default 5 s. */
  requestTimeoutMs?: number;
  /** Seed of Raft's election jitter; default derived from the id. */
  seed?: number;
  walSegmentBytes?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  /** Uncommitted bytes a leader holds before refusing proposals. Default 64 MiB. */
  maxUncommittedBytes?: number;
  /** Minimum lease TTL in seconds (etcd: ceil(1.5 × election timeout)). */
  minLeaseTtl?: number;
  /**
   * Addresses to dial for some peers (by name) instead of the ones in the peer book, e.g. to route peer
   * traffic through a proxy. Applies whenever the book changes (boot, snapshots, conf changes).
   */
  dialOverrides?: Record<string, PeerAddr>;
  /**
   * Mutual TLS between members (etcd's --peer-client-cert-auth): the cluster's CA and the member
   * certificate and key, PEM. Every member of a cluster must have it, or none.
   */
  peerTls?: TlsMaterial;
}

export interface StartOptions {
  /** Founding members of a new cluster, this one included. Ignored when the data dir has a WAL. */
  initialCluster?: { name: string; addr: PeerAddr }[];
  /** Join an existing cluster (after addMember on it): members to reach until caught up. */
  join?: { name: string; addr: PeerAddr }[];
}

export type ResolvedOptions = Required<
  Omit<
    MemberOptions,
    'seed' | 'walSegmentBytes' | 'host' | 'peerPort' | 'minLeaseTtl' | 'dialOverrides' | 'peerTls'
  >
> &
  MemberOptions;

export function withDefaults(options: MemberOptions): ResolvedOptions {
  return {
    tickMs: DEFAULT_TICK_MS,
    electionTicks: 10,
    heartbeatTicks: 1,
    snapshotCount: 10_000,
    snapshotCatchUpEntries: 5_000,
    requestTimeoutMs: 5_000,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 512,
    maxUncommittedBytes: 64 * 1024 * 1024,
    ...options,
  };
}
