// Request/response shapes after etcd's api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto, in
// camelCase. The gRPC layer maps them 1:1 onto the wire messages; enum values equal the proto's.
// Revisions are safe-integer numbers; lease ids are bigint (int64 on the wire).

export interface ResponseHeader {
  /** The store revision when the request was served (cluster/member ids and term: the server adds). */
  revision: number;
}

export interface KeyValue {
  key: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Uint8Array;
  lease: bigint;
}

export enum EventType {
  PUT = 0,
  DELETE = 1,
}

export interface Event {
  type: EventType;
  /** For DELETE: key and modRevision (= the delete revision) only, like etcd. */
  kv: KeyValue;
  prevKv?: KeyValue;
}

export enum SortOrder {
  NONE = 0,
  ASCEND = 1,
  DESCEND = 2,
}

export enum SortTarget {
  KEY = 0,
  VERSION = 1,
  CREATE = 2,
  MOD = 3,
  VALUE = 4,
}

export interface RangeRequest {
  key: Uint8Array;
  /** Empty/absent: the single key; key+1: a prefix; [0]: every key >= key. */
  rangeEnd?: Uint8Array;
  limit?: number;
  /** <= 0: the current revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value?: Uint8Array;
  lease?: bigint;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export enum CompareResult {
  EQUAL = 0,
  GREATER = 1,
  LESS = 2,
  NOT_EQUAL = 3,
}

export enum CompareTarget {
  VERSION = 0,
  CREATE = 1,
  MOD = 2,
  VALUE = 3,
  LEASE = 4,
}

/** The proto's target_union is flattened: the field matching `target` is the one compared. */
export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Uint8Array;
  lease?: bigint;
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };

export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

export interface LeaseGrantRequest {
  /** Seconds. Raised to the store's minimum TTL like etcd's lessor. */
  ttl: number;
  /** 0n: the store picks a free id deterministically. */
  id: bigint;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: bigint;
  ttl: number;
  error: string;
}

export interface LeaseRevokeRequest {
  id: bigint;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader;
}

export interface LeaseCheckpoint {
  id: bigint;
  /** Seconds left when the leader took the checkpoint; a new leader resumes from it. */
  remainingTtl: number;
}

export interface LeaseCheckpointRequest {
  checkpoints: LeaseCheckpoint[];
}

export interface LeaseCheckpointResponse {
  header: ResponseHeader;
}

export interface LeaseTimeToLiveRequest {
  id: bigint;
  keys?: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: bigint;
  /** Seconds left; -1 when the lease does not exist (etcd's v3rpc answer). */
  ttl: number;
  grantedTtl: number;
  keys: Uint8Array[];
}

export interface LeaseStatus {
  id: bigint;
}

export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: LeaseStatus[];
}

export interface HashResponse {
  header: ResponseHeader;
  hash: number;
}

export interface HashKVResponse {
  header: ResponseHeader;
  hash: number;
  compactRevision: number;
  hashRevision: number;
}
