// Binary encoding of WAL records and snapshot files.
//
// Record frame (little endian), 17 bytes of header then the payload:
//   u32 payloadLength | u32 prevCrc | u8 type | u32 headerCrc | u32 crc | payload
// headerCrc = CRC32C of the first 9 bytes; crc = CRC32C of the payload seeded with headerCrc, so
// crc covers the whole record. prevCrc is the crc of the record before it (for a segment header:
// of the previous segment's last record). Each record thus validates on its own (recovery can
// tell whether anything intact follows a damaged record, and the header check makes that scan
// cheap), and the prevCrc links detect a lost or reordered record.
import * as crcModule from 'crc-32/crc32c';
import type { ConfState, Entry, EntryType, HardState, NodeId, SnapshotMetadata } from '../raft/types';

type CrcApi = typeof crcModule;
// crc-32 is CommonJS; loaders differ in whether its functions appear as named exports or only
// under `default`, so accept either.
const crcApi: CrcApi =
  typeof crcModule.buf === 'function' ? crcModule : (crcModule as unknown as { default: CrcApi }).default;

export function crc32c(data: Uint8Array, seed = 0): number {
  return crcApi.buf(data, seed) >>> 0;
}

export const RECORD_HEADER_BYTES = 17;

export enum RecordType {
  SegmentHeader = 1,
  Entry = 2,
  HardState = 3,
  SnapshotMarker = 4,
}

export function isKnownRecordType(t: number): t is RecordType {
  return t >= RecordType.SegmentHeader && t <= RecordType.SnapshotMarker;
}

const SEGMENT_MAGIC = 0x4c574c46; // "FLWL" read as little-endian u32
const SEGMENT_VERSION = 1;
const SNAP_MAGIC = 0x4e534c46; // "FLSN"
const SNAP_VERSION = 1;
const TWO_32 = 0x1_0000_0000;

export interface SegmentHeader {
  seq: number;
  firstIndex: number;
  metadata: Uint8Array;
}

/** A record ready to be framed: its type and payload. */
export interface RecordSpec {
  type: RecordType;
  payload: Uint8Array;
}

/** Thrown when bytes that passed their CRC still do not decode: a format or version problem. */
export class WalFormatError extends Error {}

// --- numbers -----------------------------------------------------------------------------------

function writeU64(buf: Buffer, off: number, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`WAL: ${n} is not a non-negative safe integer`);
  // Two u32 halves: avoids a BigInt per field on the hot path.
  buf.writeUInt32LE(n % TWO_32, off);
  buf.writeUInt32LE(Math.floor(n / TWO_32), off + 4);
}

function readU64(buf: Buffer, off: number): number {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  if (hi >= 0x20_0000) throw new WalFormatError('WAL: 64-bit field exceeds the safe integer range');
  return hi * TWO_32 + lo;
}

function writeId(buf: Buffer, off: number, id: NodeId): void {
  buf.writeBigUInt64LE(BigInt.asUintN(64, id), off);
}

// --- payloads ----------------------------------------------------------------------------------

export function encodeSegmentHeader(h: SegmentHeader): Uint8Array {
  const b = Buffer.allocUnsafe(21 + h.metadata.byteLength);
  b.writeUInt32LE(SEGMENT_MAGIC, 0);
  b.writeUInt8(SEGMENT_VERSION, 4);
  writeU64(b, 5, h.seq);
  writeU64(b, 13, h.firstIndex);
  b.set(h.metadata, 21);
  return b;
}

export function decodeSegmentHeader(p: Buffer): SegmentHeader {
  if (p.length < 21 || p.readUInt32LE(0) !== SEGMENT_MAGIC)
    throw new WalFormatError('not a Flotilla WAL segment');
  const version = p.readUInt8(4);
  if (version !== SEGMENT_VERSION) throw new WalFormatError(`unsupported WAL segment version ${version}`);
  return { seq: readU64(p, 5), firstIndex: readU64(p, 13), metadata: new Uint8Array(p.subarray(21)) };
}

const ENTRY_FIXED = 17;

export function encodeEntry(e: Entry): Uint8Array {
  const b = Buffer.allocUnsafe(ENTRY_FIXED + e.data.byteLength);
  writeU64(b, 0, e.term);
  writeU64(b, 8, e.index);
  b.writeUInt8(e.type, 16);
  b.set(e.data, ENTRY_FIXED);
  return b;
}

export function decodeEntry(p: Buffer): Entry {
  if (p.length < ENTRY_FIXED) throw new WalFormatError('entry record too short');
  return {
    term: readU64(p, 0),
    index: readU64(p, 8),
    type: p.readUInt8(16) as EntryType,
    // Copy so the entry does not pin the whole segment buffer in memory.
    data: new Uint8Array(p.subarray(ENTRY_FIXED)),
  };
}

export function encodeHardState(hs: HardState): Uint8Array {
  const b = Buffer.allocUnsafe(24);
  writeU64(b, 0, hs.term);
  writeId(b, 8, hs.vote);
  writeU64(b, 16, hs.commit);
  return b;
}

export function decodeHardState(p: Buffer): HardState {
  if (p.length !== 24) throw new WalFormatError('hard state record has the wrong size');
  return { term: readU64(p, 0), vote: p.readBigUInt64LE(8), commit: readU64(p, 16) };
}

export function encodeSnapshotMetadata(m: SnapshotMetadata): Uint8Array {
  const { voters, learners } = m.conf;
  const b = Buffer.allocUnsafe(24 + 8 * (voters.length + learners.length));
  writeU64(b, 0, m.index);
  writeU64(b, 8, m.term);
  let off = 16;
  for (const list of [voters, learners]) {
    b.writeUInt32LE(list.length, off);
    off += 4;
    for (const id of list) {
      writeId(b, off, id);
      off += 8;
    }
  }
  return b;
}

export function decodeSnapshotMetadata(p: Buffer): SnapshotMetadata {
  if (p.length < 24) throw new WalFormatError('snapshot metadata too short');
  const index = readU64(p, 0);
  const term = readU64(p, 8);
  let off = 16;
  const lists: NodeId[][] = [];
  for (let l = 0; l < 2; l++) {
    if (off + 4 > p.length) throw new WalFormatError('snapshot metadata truncated');
    const n = p.readUInt32LE(off);
    off += 4;
    if (off + 8 * n > p.length) throw new WalFormatError('snapshot metadata truncated');
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++, off += 8) ids.push(p.readBigUInt64LE(off));
    lists.push(ids);
  }
  if (off !== p.length) throw new WalFormatError('snapshot metadata has trailing bytes');
  const conf: ConfState = { voters: lists[0] ?? [], learners: lists[1] ?? [] };
  return { index, term, conf };
}

// --- framing -----------------------------------------------------------------------------------

/** Frames records into one buffer (one write per batch), chaining from prevCrc. */
export function frameRecords(records: RecordSpec[], prevCrc: number): { buf: Buffer; lastCrc: number } {
  let total = 0;
  for (const r of records) total += RECORD_HEADER_BYTES + r.payload.byteLength;
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  let prev = prevCrc >>> 0;
  for (const r of records) {
    const len = r.payload.byteLength;
    buf.writeUInt32LE(len, off);
    buf.writeUInt32LE(prev, off + 4);
    buf.writeUInt8(r.type, off + 8);
    const hcrc = crc32c(buf.subarray(off, off + 9));
    buf.writeUInt32LE(hcrc, off + 9);
    const crc = crc32c(r.payload, hcrc);
    buf.writeUInt32LE(crc, off + 13);
    buf.set(r.payload, off + RECORD_HEADER_BYTES);
    prev = crc;
    off += RECORD_HEADER_BYTES + len;
  }
  return { buf, lastCrc: prev };
}

export interface RawRecord {
  offset: number;
  end: number;
  type: number;
  crc: number;
  prevCrc: number;
  payload: Buffer;
}

/** Reads the record at `off` if it is complete and both CRCs match; otherwise undefined. */
export function readRecordAt(buf: Buffer, off: number): RawRecord | undefined {
  if (buf.length - off < RECORD_HEADER_BYTES) return undefined;
  const hcrc = crc32c(buf.subarray(off, off + 9));
  if (hcrc !== buf.readUInt32LE(off + 9)) return undefined;
  const end = off + RECORD_HEADER_BYTES + buf.readUInt32LE(off);
  if (end > buf.length) return undefined;
  const payload = buf.subarray(off + RECORD_HEADER_BYTES, end);
  const crc = crc32c(payload, hcrc);
  if (crc !== buf.readUInt32LE(off + 13)) return undefined;
  return { offset: off, end, type: buf.readUInt8(off + 8), crc, prevCrc: buf.readUInt32LE(off + 4), payload };
}

/** Where the first intact record of a known type starts in buf[from..], if any. Used only after a
 *  damaged record, to tell a torn tail (nothing intact after it) from corruption in the middle.
 *  The type byte and the 9-byte header CRC reject almost every position before any payload is
 *  checksummed, so even a large garbage tail is scanned in linear time. */
export function findValidRecordAfter(buf: Buffer, from: number): number | undefined {
  for (let p = from; p + RECORD_HEADER_BYTES <= buf.length; p++) {
    if (!isKnownRecordType(buf[p + 8] ?? 0)) continue;
    if (readRecordAt(buf, p)) return p;
  }
  return undefined;
}

// --- snapshot files ----------------------------------------------------------------------------
// u32 magic | u8 version | u32 crc (of everything after it) | u32 metaLength | meta | data

export function encodeSnapshotFile(meta: SnapshotMetadata, data: Uint8Array): Buffer {
  const m = encodeSnapshotMetadata(meta);
  const b = Buffer.allocUnsafe(13 + m.byteLength + data.byteLength);
  b.writeUInt32LE(SNAP_MAGIC, 0);
  b.writeUInt8(SNAP_VERSION, 4);
  b.writeUInt32LE(m.byteLength, 9);
  b.set(m, 13);
  b.set(data, 13 + m.byteLength);
  b.writeUInt32LE(crc32c(b.subarray(9)), 5);
  return b;
}

/** Returns undefined when the file is damaged (bad magic, CRC, or layout). */
export function decodeSnapshotFile(b: Buffer): { metadata: SnapshotMetadata; data: Uint8Array } | undefined {
  if (b.length < 13 || b.readUInt32LE(0) !== SNAP_MAGIC || b.readUInt8(4) !== SNAP_VERSION) return undefined;
  if (crc32c(b.subarray(9)) !== b.readUInt32LE(5)) return undefined;
  const mlen = b.readUInt32LE(9);
  if (13 + mlen > b.length) return undefined;
  try {
    const metadata = decodeSnapshotMetadata(b.subarray(13, 13 + mlen));
    return { metadata, data: new Uint8Array(b.subarray(13 + mlen)) };
  } catch {
    return undefined;
  }
}
