// Wire messages (proto-loader shape: snake_case, int64 strings, bytes Buffers) <-> the MVCC
// store's camelCase requests and responses. Ids stay BigInt end to end.
import {
  EventType,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type Event,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
} from '../mvcc';
import type { Wire } from './proto';

type W = Record<string, unknown>;

const EMPTY = new Uint8Array(0);

export function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v);
  return EMPTY;
}

const optBytes = (v: unknown): Uint8Array | undefined => {
  const b = bytes(v);
  return b.length > 0 ? b : undefined;
};

export function num(v: unknown): number {
  if (v === undefined || v === null || v === '') return 0;
  const n = Number(v as string | number);
  return Number.isFinite(n) ? n : 0;
}

export function big(v: unknown): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  try {
    return BigInt(v as string | number);
  } catch {
    return 0n;
  }
}

/** uint64 ids (member/cluster ids) go out as unsigned decimal strings. */
export const u64 = (v: bigint): string => BigInt.asUintN(64, v).toString();
/** int64 (lease ids) go out signed. */
export const i64 = (v: bigint): string => BigInt.asIntN(64, v).toString();

export function rangeRequest(r: W): RangeRequest {
  return {
    key: bytes(r.key),
    ...(optBytes(r.range_end) ? { rangeEnd: bytes(r.range_end) } : {}),
    limit: num(r.limit),
    revision: num(r.revision),
    sortOrder: num(r.sort_order),
    sortTarget: num(r.sort_target),
    serializable: r.serializable === true,
    keysOnly: r.keys_only === true,
    countOnly: r.count_only === true,
    minModRevision: num(r.min_mod_revision),
    maxModRevision: num(r.max_mod_revision),
    minCreateRevision: num(r.min_create_revision),
    maxCreateRevision: num(r.max_create_revision),
  };
}

export function putRequest(r: W): PutRequest {
  return {
    key: bytes(r.key),
    value: bytes(r.value),
    lease: big(r.lease),
    prevKv: r.prev_kv === true,
    ignoreValue: r.ignore_value === true,
    ignoreLease: r.ignore_lease === true,
  };
}

export function deleteRangeRequest(r: W): DeleteRangeRequest {
  return {
    key: bytes(r.key),
    ...(optBytes(r.range_end) ? { rangeEnd: bytes(r.range_end) } : {}),
    prevKv: r.prev_kv === true,
  };
}

function compare(c: W): Compare {
  return {
    result: num(c.result),
    target: num(c.target),
    key: bytes(c.key),
    ...(optBytes(c.range_end) ? { rangeEnd: bytes(c.range_end) } : {}),
    version: num(c.version),
    createRevision: num(c.create_revision),
    modRevision: num(c.mod_revision),
    value: bytes(c.value),
    lease: big(c.lease),
  };
}

function requestOp(op: W): RequestOp {
  if (op.request_range) return { requestRange: rangeRequest(op.request_range as W) };
  if (op.request_put) return { requestPut: putRequest(op.request_put as W) };
  if (op.request_delete_range)
    return { requestDeleteRange: deleteRangeRequest(op.request_delete_range as W) };
  if (op.request_txn) return { requestTxn: txnRequest(op.request_txn as W) };
  // An empty RequestOp: etcd treats it as a no-op range of the empty key.
  return { requestRange: { key: EMPTY } };
}

export function txnRequest(r: W): TxnRequest {
  const list = (v: unknown): W[] => (Array.isArray(v) ? (v as W[]) : []);
  return {
    compare: list(r.compare).map(compare),
    success: list(r.success).map(requestOp),
    failure: list(r.failure).map(requestOp),
  };
}

export function keyValue(kv: KeyValue): Wire {
  return {
    key: Buffer.from(kv.key),
    create_revision: String(kv.createRevision),
    mod_revision: String(kv.modRevision),
    version: String(kv.version),
    value: Buffer.from(kv.value),
    lease: i64(kv.lease),
  };
}

export function event(e: Event): Wire {
  return {
    type: e.type === EventType.DELETE ? 1 : 0,
    kv: keyValue(e.kv),
    ...(e.prevKv ? { prev_kv: keyValue(e.prevKv) } : {}),
  };
}

export type HeaderFn = (revision: number) => Wire;

export function rangeResponse(r: RangeResponse, header: HeaderFn): Wire {
  return {
    header: header(r.header.revision),
    kvs: r.kvs.map(keyValue),
    more: r.more,
    count: String(r.count),
  };
}

export function putResponse(r: PutResponse, header: HeaderFn): Wire {
  return { header: header(r.header.revision), ...(r.prevKv ? { prev_kv: keyValue(r.prevKv) } : {}) };
}

export function deleteRangeResponse(r: DeleteRangeResponse, header: HeaderFn): Wire {
  return { header: header(r.header.revision), deleted: String(r.deleted), prev_kvs: r.prevKvs.map(keyValue) };
}

function responseOp(op: ResponseOp, header: HeaderFn): Wire {
  if ('responseRange' in op) return { response_range: rangeResponse(op.responseRange, header) };
  if ('responsePut' in op) return { response_put: putResponse(op.responsePut, header) };
  if ('responseDeleteRange' in op)
    return { response_delete_range: deleteRangeResponse(op.responseDeleteRange, header) };
  return { response_txn: txnResponse(op.responseTxn, header) };
}

/** Responses inside a txn carry only the revision in their header, like etcd's. */
const revisionOnly: HeaderFn = (revision) => ({ revision: String(revision) });

export function txnResponse(r: TxnResponse, header: HeaderFn): Wire {
  return {
    header: header(r.header.revision),
    succeeded: r.succeeded,
    responses: r.responses.map((op) => responseOp(op, revisionOnly)),
  };
}

/** Rough encoded size of a request: what etcd compares against --max-request-bytes. */
export function approxSize(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (v instanceof Uint8Array) return v.length + 2;
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return 3;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxSize(x), 0);
  if (typeof v === 'object') {
    let n = 2;
    for (const x of Object.values(v as W)) n += approxSize(x);
    return n;
  }
  return 0;
}
