// The core's configuration and the small shared vocabulary of its outputs.

import type { NodeId } from './types';
import type { Storage } from './storage';

export enum Role {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

export interface Config {
  id: NodeId;
  storage: Storage;
  /** Ticks without hearing from a leader before campaigning (randomized in [e, 2e)). Default 10. */
  electionTick?: number;
  /** Ticks between leader heartbeats. Default 1. */
  heartbeatTick?: number;
  /** Leader steps down when it has not heard from a quorum within an election timeout; also
   *  gives followers a lease during which they ignore vote requests. Default true. */
  checkQuorum?: boolean;
  /** Campaign in a pre-vote round first, so a node that cannot win does not bump terms. Default true. */
  preVote?: boolean;
  /** Bytes of entries per App message (at least one entry is always sent). Default 1 MiB. */
  maxSizePerMsg?: number;
  /** App messages in flight per follower in replicate state. Default 256. */
  maxInflightMsgs?: number;
  /** Bytes of entries in flight per follower; 0 = unlimited. Default 0. */
  maxInflightBytes?: number;
  /** Payload bytes the leader holds uncommitted before refusing proposals; 0 = unlimited. */
  maxUncommittedEntriesSize?: number;
  /** Bytes of committed entries handed out per Ready. Default maxSizePerMsg. */
  maxCommittedSizePerReady?: number;
  /** Seed of the election-timeout jitter. Default derived from id. */
  seed?: number;
  /** Last applied index when restarting (entries after it are delivered again). Default: the snapshot's index. */
  applied?: number;
  /** Voters of a fresh cluster, used when storage holds no configuration. */
  peers?: NodeId[];
  /** Learners of a fresh cluster, likewise. */
  learners?: NodeId[];
}

export interface ReadState {
  index: number;
  context: Uint8Array;
}

// Vote requests carrying this context come from a leadership transfer and may ignore leases.
export const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');
