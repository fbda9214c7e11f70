// The Raft entry payload: one request plus the proposer's request id, which comes back in the
// apply result so the proposing member can wake the waiting caller (etcd's InternalRaftRequest).

import type { MvccError } from './errors';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseCheckpointRequest,
  LeaseCheckpointResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  PutRequest,
  PutResponse,
  TxnRequest,
  TxnResponse,
} from './types';

/** uint64 like etcd's request ids; the proposer makes them unique per member (e.g. member id bits). */
export type RequestId = bigint;

export type Command =
  | { type: 'put'; requestId: RequestId; request: PutRequest }
  | { type: 'deleteRange'; requestId: RequestId; request: DeleteRangeRequest }
  | { type: 'txn'; requestId: RequestId; request: TxnRequest }
  | { type: 'compaction'; requestId: RequestId; request: CompactionRequest }
  | { type: 'leaseGrant'; requestId: RequestId; request: LeaseGrantRequest }
  | { type: 'leaseRevoke'; requestId: RequestId; request: LeaseRevokeRequest }
  | { type: 'leaseCheckpoint'; requestId: RequestId; request: LeaseCheckpointRequest };

export type CommandType = Command['type'];

export interface ResponseOf {
  put: PutResponse;
  deleteRange: DeleteRangeResponse;
  txn: TxnResponse;
  compaction: CompactionResponse;
  leaseGrant: LeaseGrantResponse;
  leaseRevoke: LeaseRevokeResponse;
  leaseCheckpoint: LeaseCheckpointResponse;
}

/** Distributes over T, so a plain ApplyResult narrows by `type` and then by `ok`. */
export type ApplyResult<T extends CommandType = CommandType> = T extends CommandType
  ? | { requestId: RequestId; type: T; ok: true; response: ResponseOf[T] }
    | { requestId: RequestId; type: T; ok: false; error: MvccError }
  : never;
