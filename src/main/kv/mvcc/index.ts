// Public face of the MVCC state machine: the store committed Raft entries are applied to, its
// command codec, watches, and the leader-side lease tracker (the only part that reads a clock).

export { MvccStore, MAX_LEASE_TTL } from './store';
export type { MvccStoreOptions } from './store';
export type { Command, CommandType, RequestId, ApplyResult, ResponseOf } from './command';
export { encodeCommand, decodeCommand } from './codec';
export { Watcher, DEFAULT_MAX_EVENTS_PER_RESPONSE } from './watch';
export type { WatchRequest, WatchResponse } from './watch';
export { LeaseTracker, NotPrimaryLessorError } from './lease-tracker';
export type { LeaseTrackerOptions } from './lease-tracker';
export {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
} from './request-checks';
export { prefixEnd, compareBytes } from './bytes';
export * from './errors';
export * from './types';
