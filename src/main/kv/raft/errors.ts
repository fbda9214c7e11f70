// Errors the core raises. The member maps them onto etcd's wire errors (NoLeaderError becomes
// "etcdserver: no leader"); storage errors tell the core which part of the log is not at hand.

export class RaftError extends Error {
  override name = 'RaftError';
}

/** Why a proposal (or a read or a transfer request) was not accepted. */
export type DropReason =
  'no-leader' | 'leader-transfer' | 'uncommitted-limit' | 'not-member' | 'conf-change-pending' | 'empty';

export class ProposalDroppedError extends RaftError {
  override name = 'ProposalDroppedError';
  constructor(
    readonly reason: DropReason,
    message = `raft: proposal dropped (${reason})`,
  ) {
    super(message);
  }
}

/** No leader is known right now: retry later (etcd answers "etcdserver: no leader"). */
export class NoLeaderError extends ProposalDroppedError {
  override name = 'NoLeaderError';
  constructor() {
    super('no-leader', 'raft: no leader');
  }
}

/** The requested index lies before the first entry still kept (it was compacted away). */
export class CompactedError extends RaftError {
  override name = 'CompactedError';
  constructor(message = 'raft: requested index is unavailable due to compaction') {
    super(message);
  }
}

/** The requested index lies after the last entry stored. */
export class UnavailableError extends RaftError {
  override name = 'UnavailableError';
  constructor(message = 'raft: requested entry at index is unavailable') {
    super(message);
  }
}

/** A snapshot older than the one already held was offered. */
export class SnapshotOutOfDateError extends RaftError {
  override name = 'SnapshotOutOfDateError';
  constructor(message = 'raft: requested index is older than the existing snapshot') {
    super(message);
  }
}

/** A broken invariant: a bug in the core or a caller breaking the Ready/advance contract. */
export class RaftInvariantError extends RaftError {
  override name = 'RaftInvariantError';
}
