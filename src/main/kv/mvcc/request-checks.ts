// Request validation that etcd does in v3rpc before proposing (key.go: checkPutRequest,
// checkTxnRequest, checkIntervals). The store repeats it on apply, so a bad entry fails the same
// way on every member; the server may call these first to reject early.

import { inInterval, keyString, toInterval } from './bytes';
import type { KeyInterval } from './bytes';
import {
  ERR_DUPLICATE_KEY,
  ERR_EMPTY_KEY,
  ERR_LEASE_PROVIDED,
  ERR_TOO_MANY_OPS,
  ERR_VALUE_PROVIDED,
  invalidArgument,
} from './errors';
import { SortOrder, SortTarget } from './types';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './types';

export const DEFAULT_MAX_TXN_OPS = 128;

export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw invalidArgument(ERR_EMPTY_KEY);
  if (r.sortOrder !== undefined && !(r.sortOrder in SortOrder))
    throw invalidArgument('etcdserver: invalid sort option');
  if (r.sortTarget !== undefined && !(r.sortTarget in SortTarget))
    throw invalidArgument('etcdserver: invalid sort option');
}

export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw invalidArgument(ERR_EMPTY_KEY);
  if (r.ignoreValue && r.value && r.value.length > 0) throw invalidArgument(ERR_VALUE_PROVIDED);
  if (r.ignoreLease && r.lease && r.lease !== 0n) throw invalidArgument(ERR_LEASE_PROVIDED);
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw invalidArgument(ERR_EMPTY_KEY);
}

export function checkTxnRequest(r: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): void {
  checkTxnShape(r, maxTxnOps);
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

function checkTxnShape(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare?.length ?? 0, r.success?.length ?? 0, r.failure?.length ?? 0);
  if (opc > maxTxnOps) throw invalidArgument(ERR_TOO_MANY_OPS);
  for (const c of r.compare ?? []) if (c.key.length === 0) throw invalidArgument(ERR_EMPTY_KEY);
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) checkRequestOp(op, maxTxnOps - opc);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if ('requestRange' in op) checkRangeRequest(op.requestRange);
  else if ('requestPut' in op) checkPutRequest(op.requestPut);
  else if ('requestDeleteRange' in op) checkDeleteRequest(op.requestDeleteRange);
  else checkTxnShape(op.requestTxn, maxTxnOps);
}

interface BranchWrites {
  /** keyString → key */
  puts: Map<string, Uint8Array>;
  dels: KeyInterval[];
}

const hitsAny = (dels: KeyInterval[], key: Uint8Array): boolean => dels.some((iv) => inInterval(iv, key));

/**
 * A key may be written once per branch: no two puts of one key, no put inside a deleted range.
 * Nested txns count with their parent; their then/else branches exclude each other.
 */
function checkIntervals(ops: RequestOp[]): BranchWrites {
  const dels: KeyInterval[] = [];
  for (const op of ops) {
    if ('requestDeleteRange' in op)
      dels.push(toInterval(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
  }
  const puts = new Map<string, Uint8Array>();
  const dup = (): never => {
    throw invalidArgument(ERR_DUPLICATE_KEY);
  };
  for (const op of ops) {
    if (!('requestTxn' in op)) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const otherwise = checkIntervals(op.requestTxn.failure ?? []);
    for (const [k, key] of then.puts) {
      if (puts.has(k) || hitsAny(dels, key)) dup();
      puts.set(k, key);
    }
    for (const [k, key] of otherwise.puts) {
      if (puts.has(k) && !then.puts.has(k)) dup();
      if (hitsAny(dels, key)) dup();
      puts.set(k, key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!('requestPut' in op)) continue;
    const key = op.requestPut.key;
    const k = keyString(key);
    if (puts.has(k) || hitsAny(dels, key)) dup();
    puts.set(k, key);
  }
  return { puts, dels };
}
