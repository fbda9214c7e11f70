// Binary codec for commands (the Raft entry payload). Layout: version byte, type byte, request id
// (u64), then the request. Flags pack the booleans; absent numbers cost one varint byte.

import { BinReader, BinWriter } from '../encoding/binary';
import type { Command } from './command';
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './types';

const CODEC_VERSION = 1;

const TYPE_CODES = {
  put: 1,
  deleteRange: 2,
  txn: 3,
  compaction: 4,
  leaseGrant: 5,
  leaseRevoke: 6,
  leaseCheckpoint: 7,
} as const;

const OP_RANGE = 1;
const OP_PUT = 2;
const OP_DELETE = 3;
const OP_TXN = 4;

const optBytes = (b: Uint8Array): Uint8Array | undefined => (b.length > 0 ? b : undefined);

function writePut(w: BinWriter, r: PutRequest): void {
  const lease = r.lease ?? 0n;
  const flags =
    (r.prevKv ? 1 : 0) | (r.ignoreValue ? 2 : 0) | (r.ignoreLease ? 4 : 0) | (lease !== 0n ? 8 : 0);
  w.u8(flags).bytes(r.key).bytes(r.value);
  if (lease !== 0n) w.i64(lease);
}

function readPut(rd: BinReader): PutRequest {
  const flags = rd.u8();
  const req: PutRequest = { key: rd.bytes(), value: rd.bytes() };
  if (flags & 8) req.lease = rd.i64();
  if (flags & 1) req.prevKv = true;
  if (flags & 2) req.ignoreValue = true;
  if (flags & 4) req.ignoreLease = true;
  return req;
}

function writeRange(w: BinWriter, r: RangeRequest): void {
  const flags = (r.serializable ? 1 : 0) | (r.keysOnly ? 2 : 0) | (r.countOnly ? 4 : 0);
  w.u8(flags).bytes(r.key).bytes(r.rangeEnd);
  w.int(r.limit ?? 0)
    .int(r.revision ?? 0)
    .uint(r.sortOrder ?? 0)
    .uint(r.sortTarget ?? 0);
  w.int(r.minModRevision ?? 0)
    .int(r.maxModRevision ?? 0)
    .int(r.minCreateRevision ?? 0)
    .int(r.maxCreateRevision ?? 0);
}

function readRange(rd: BinReader): RangeRequest {
  const flags = rd.u8();
  const req: RangeRequest = { key: rd.bytes() };
  const end = optBytes(rd.bytes());
  if (end) req.rangeEnd = end;
  const nums = [rd.int(), rd.int(), rd.uint(), rd.uint(), rd.int(), rd.int(), rd.int(), rd.int()] as const;
  const names = [
    'limit',
    'revision',
    'sortOrder',
    'sortTarget',
    'minModRevision',
    'maxModRevision',
    'minCreateRevision',
    'maxCreateRevision',
  ] as const;
  nums.forEach((v, i) => {
    if (v !== 0) (req as unknown as Record<string, number>)[names[i]!] = v;
  });
  if (flags & 1) req.serializable = true;
  if (flags & 2) req.keysOnly = true;
  if (flags & 4) req.countOnly = true;
  return req;
}

function writeDelete(w: BinWriter, r: DeleteRangeRequest): void {
  w.bool(r.prevKv).bytes(r.key).bytes(r.rangeEnd);
}

function readDelete(rd: BinReader): DeleteRangeRequest {
  const prevKv = rd.bool();
  const req: DeleteRangeRequest = { key: rd.bytes() };
  const end = optBytes(rd.bytes());
  if (end) req.rangeEnd = end;
  if (prevKv) req.prevKv = true;
  return req;
}

function writeCompare(w: BinWriter, c: Compare): void {
  w.u8(c.result).u8(c.target).bytes(c.key).bytes(c.rangeEnd);
  // Only the field the target names is meaningful (proto oneof target_union).
  switch (c.target) {
    case 0:
      w.int(c.version ?? 0);
      break;
    case 1:
      w.int(c.createRevision ?? 0);
      break;
    case 2:
      w.int(c.modRevision ?? 0);
      break;
    case 3:
      w.bytes(c.value);
      break;
    case 4:
      w.i64(c.lease ?? 0n);
      break;
  }
}

function readCompare(rd: BinReader): Compare {
  const c: Compare = { result: rd.u8(), target: rd.u8(), key: rd.bytes() };
  const end = optBytes(rd.bytes());
  if (end) c.rangeEnd = end;
  switch (c.target) {
    case 0:
      c.version = rd.int();
      break;
    case 1:
      c.createRevision = rd.int();
      break;
    case 2:
      c.modRevision = rd.int();
      break;
    case 3:
      c.value = rd.bytes();
      break;
    case 4:
      c.lease = rd.i64();
      break;
    default:
      throw new RangeError(`mvcc codec: unknown compare target ${String(c.target)}`);
  }
  return c;
}

function writeOps(w: BinWriter, ops: RequestOp[] | undefined): void {
  w.uint(ops?.length ?? 0);
  for (const op of ops ?? []) {
    if ('requestRange' in op) writeRange(w.u8(OP_RANGE), op.requestRange);
    else if ('requestPut' in op) writePut(w.u8(OP_PUT), op.requestPut);
    else if ('requestDeleteRange' in op) writeDelete(w.u8(OP_DELETE), op.requestDeleteRange);
    else writeTxn(w.u8(OP_TXN), op.requestTxn);
  }
}

function readOps(rd: BinReader): RequestOp[] {
  const ops: RequestOp[] = [];
  for (let n = rd.uint(); n > 0; n--) {
    const tag = rd.u8();
    if (tag === OP_RANGE) ops.push({ requestRange: readRange(rd) });
    else if (tag === OP_PUT) ops.push({ requestPut: readPut(rd) });
    else if (tag === OP_DELETE) ops.push({ requestDeleteRange: readDelete(rd) });
    else if (tag === OP_TXN) ops.push({ requestTxn: readTxn(rd) });
    else throw new RangeError(`mvcc codec: unknown op ${tag}`);
  }
  return ops;
}

function writeTxn(w: BinWriter, r: TxnRequest): void {
  w.uint(r.compare?.length ?? 0);
  for (const c of r.compare ?? []) writeCompare(w, c);
  writeOps(w, r.success);
  writeOps(w, r.failure);
}

function readTxn(rd: BinReader): TxnRequest {
  const compare: Compare[] = [];
  for (let n = rd.uint(); n > 0; n--) compare.push(readCompare(rd));
  return { compare, success: readOps(rd), failure: readOps(rd) };
}

export function encodeCommand(cmd: Command): Uint8Array {
  const w = new BinWriter(64);
  w.u8(CODEC_VERSION).u8(TYPE_CODES[cmd.type]).u64(cmd.requestId);
  switch (cmd.type) {
    case 'put':
      writePut(w, cmd.request);
      break;
    case 'deleteRange':
      writeDelete(w, cmd.request);
      break;
    case 'txn':
      writeTxn(w, cmd.request);
      break;
    case 'compaction':
      w.int(cmd.request.revision).bool(cmd.request.physical);
      break;
    case 'leaseGrant':
      w.int(cmd.request.ttl).i64(cmd.request.id);
      break;
    case 'leaseRevoke':
      w.i64(cmd.request.id);
      break;
    case 'leaseCheckpoint':
      w.uint(cmd.request.checkpoints.length);
      for (const cp of cmd.request.checkpoints) w.i64(cp.id).int(cp.remainingTtl);
      break;
  }
  return w.finish();
}

export function decodeCommand(data: Uint8Array): Command {
  const rd = new BinReader(data);
  const version = rd.u8();
  if (version !== CODEC_VERSION) throw new RangeError(`mvcc codec: unknown version ${version}`);
  const code = rd.u8();
  const requestId = rd.u64();
  switch (code) {
    case TYPE_CODES.put:
      return { type: 'put', requestId, request: readPut(rd) };
    case TYPE_CODES.deleteRange:
      return { type: 'deleteRange', requestId, request: readDelete(rd) };
    case TYPE_CODES.txn:
      return { type: 'txn', requestId, request: readTxn(rd) };
    case TYPE_CODES.compaction: {
      const revision = rd.int();
      return {
        type: 'compaction',
        requestId,
        request: rd.bool() ? { revision, physical: true } : { revision },
      };
    }
    case TYPE_CODES.leaseGrant: {
      const ttl = rd.int();
      return { type: 'leaseGrant', requestId, request: { ttl, id: rd.i64() } };
    }
    case TYPE_CODES.leaseRevoke:
      return { type: 'leaseRevoke', requestId, request: { id: rd.i64() } };
    case TYPE_CODES.leaseCheckpoint: {
      const checkpoints = [];
      for (let n = rd.uint(); n > 0; n--) checkpoints.push({ id: rd.i64(), remainingTtl: rd.int() });
      return { type: 'leaseCheckpoint', requestId, request: { checkpoints } };
    }
    default:
      throw new RangeError(`mvcc codec: unknown command type ${code}`);
  }
}
