// Shared shapes of the Raft core's inputs and outputs. The WAL persists these and the member
// (src/main/kv/member) moves them between the core, the disk and the transport.
// Node ids are bigint: etcd member ids are 64-bit.

export type NodeId = bigint;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft. Empty for the no-op a new leader appends. */
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId; // 0n = none
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The state machine's serialized state at metadata.index. */
  data: Uint8Array;
}

/** Message kinds, after etcd-io/raft's raftpb.MessageType (only those that cross the network or
 *  enter the core through step()). */
export enum MessageType {
  Prop = 0, // proposal forwarded from a follower to the leader
  App = 1,
  AppResp = 2,
  Vote = 3,
  VoteResp = 4,
  PreVote = 5,
  PreVoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  TimeoutNow = 10,
  ReadIndex = 11,
  ReadIndexResp = 12,
  TransferLeader = 13,
  SnapStatus = 14, // local: the member reports a snapshot send finished or failed
  Unreachable = 15, // local: the transport reports a peer unreachable
}

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** Term of the entry at `index` (App: the entry preceding `entries`). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex request context; opaque. */
  context: Uint8Array;
}
