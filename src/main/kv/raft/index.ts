// Public face of the pure Raft core.
export * from './types';
export {
  RaftNode,
  messagesBeforePersist,
  messagesAfterPersist,
  type Ready,
  type SoftState,
  type Status,
  type ProgressStatus,
} from './node';
export { Role, CAMPAIGN_TRANSFER, type Config, type ReadState } from './raft';
export { MemoryStorage, emptySnapshot, type Storage, type InitialState } from './storage';
export { ConfChangeType, encodeConfChange, decodeConfChange, type ConfChange } from './confchange';
export { ProgressState } from './progress';
export { Prng } from './prng';
export {
  RaftError,
  ProposalDroppedError,
  NoLeaderError,
  CompactedError,
  UnavailableError,
  SnapshotOutOfDateError,
  RaftInvariantError,
  type DropReason,
} from './errors';
