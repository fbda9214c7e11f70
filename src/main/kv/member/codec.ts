// Compact binary encoding of Raft messages for the peer transport. Layout (version 1):
//   u8 version, u8 type, u8 flags (bit0 reject, bit1 snapshot present), u64 from, u64 to,
//   uvarint term, logTerm, index, commit, rejectHint, bytes context,
//   uvarint entry count, entries (uvarint term, index, u8 type, bytes data),
//   [snapshot: uvarint index, term, voters (count + u64s), learners (count + u64s), bytes data].
// A version byte lets a rolling upgrade reject frames it cannot read instead of misparsing them.
import type { ConfState, Entry, Message, Snapshot } from '../raft';
import { BinReader, BinWriter } from '../encoding/binary';

const VERSION = 1;
const F_REJECT = 1;
const F_SNAPSHOT = 2;

export function writeEntry(w: BinWriter, e: Entry): void {
  w.uint(e.term);
  w.uint(e.index);
  w.u8(e.type);
  w.bytes(e.data);
}

export function readEntry(r: BinReader): Entry {
  const term = r.uint();
  const index = r.uint();
  const type = r.u8();
  const data = r.bytes();
  return { term, index, type, data };
}

function writeIds(w: BinWriter, ids: bigint[]): void {
  w.uint(ids.length);
  for (const id of ids) w.u64(id);
}

function readIds(r: BinReader): bigint[] {
  const n = r.uint();
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(r.u64());
  return out;
}

export function writeConfState(w: BinWriter, c: ConfState): void {
  writeIds(w, c.voters);
  writeIds(w, c.learners);
}

export function readConfState(r: BinReader): ConfState {
  const voters = readIds(r);
  const learners = readIds(r);
  return { voters, learners };
}

export function writeSnapshot(w: BinWriter, s: Snapshot): void {
  w.uint(s.metadata.index);
  w.uint(s.metadata.term);
  writeConfState(w, s.metadata.conf);
  w.bytes(s.data);
}

export function readSnapshot(r: BinReader): Snapshot {
  const index = r.uint();
  const term = r.uint();
  const conf = readConfState(r);
  const data = r.bytes();
  return { metadata: { index, term, conf }, data };
}

export function encodeMessage(m: Message): Uint8Array {
  let size = 64 + m.context.length;
  for (const e of m.entries) size += 24 + e.data.length;
  if (m.snapshot) size += 64 + m.snapshot.data.length;
  const w = new BinWriter(size);
  w.u8(VERSION);
  w.u8(m.type);
  w.u8((m.reject ? F_REJECT : 0) | (m.snapshot ? F_SNAPSHOT : 0));
  w.u64(m.from);
  w.u64(m.to);
  w.uint(m.term);
  w.uint(m.logTerm);
  w.uint(m.index);
  w.uint(m.commit);
  w.uint(m.rejectHint);
  w.bytes(m.context);
  w.uint(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
  return w.finish();
}

export function decodeMessage(buf: Uint8Array): Message {
  const r = new BinReader(buf);
  const version = r.u8();
  if (version !== VERSION) throw new Error(`unsupported message version ${version}`);
  const type = r.u8();
  const flags = r.u8();
  const from = r.u64();
  const to = r.u64();
  const term = r.uint();
  const logTerm = r.uint();
  const index = r.uint();
  const commit = r.uint();
  const rejectHint = r.uint();
  const context = r.bytes();
  const n = r.uint();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r));
  const msg: Message = {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject: (flags & F_REJECT) !== 0,
    rejectHint,
    context,
  };
  if (flags & F_SNAPSHOT) msg.snapshot = readSnapshot(r);
  if (!r.done) throw new Error('trailing bytes in message');
  return msg;
}
