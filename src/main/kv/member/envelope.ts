// What the member puts inside Raft entries and snapshots (opaque to Raft):
// - Normal entry data: u8 kind, u64 proposer id, uvarint seq, bytes payload. (proposer, seq)
//   names the request so only the member that proposed it resolves a waiting caller on apply.
//   Empty data is the new leader's no-op.
// - Conf-change context: the member's name and peer address, so every member learns how to reach
//   a newcomer when the change is applied (etcd carries its Member JSON the same way).
// - Snapshot data: the peer book plus the MVCC store's own snapshot bytes.
import type { NodeId } from '../raft';
import { BinReader, BinWriter } from '../encoding/binary';
import type { PeerAddr } from './transport';

export enum EntryKind {
  /** An MVCC command (payload = mvcc's encodeCommand bytes). */
  Command = 1,
}

export interface RequestEnvelope {
  kind: EntryKind;
  proposer: NodeId;
  seq: number;
  payload: Uint8Array;
}

export function encodeRequest(r: RequestEnvelope): Uint8Array {
  const w = new BinWriter(24 + r.payload.length);
  w.u8(r.kind);
  w.u64(r.proposer);
  w.uint(r.seq);
  w.bytes(r.payload);
  return w.finish();
}

export function decodeRequest(b: Uint8Array): RequestEnvelope {
  const r = new BinReader(b);
  const kind = r.u8();
  const proposer = r.u64();
  const seq = r.uint();
  const payload = r.bytes();
  return { kind, proposer, seq, payload };
}

export interface PeerInfo {
  id: NodeId;
  name: string;
  addr: PeerAddr;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function writePeer(w: BinWriter, p: PeerInfo): void {
  w.u64(p.id);
  w.bytes(enc.encode(p.name));
  w.bytes(enc.encode(p.addr.host));
  w.uint(p.addr.port);
}

function readPeer(r: BinReader): PeerInfo {
  const id = r.u64();
  const name = dec.decode(r.bytes());
  const host = dec.decode(r.bytes());
  const port = r.uint();
  return { id, name, addr: { host, port } };
}

/** Conf-change context: the peer being added (or, for removal, just its id). */
export function encodePeer(p: PeerInfo, seq: number, proposer: NodeId): Uint8Array {
  const w = new BinWriter(64);
  w.u64(proposer);
  w.uint(seq);
  writePeer(w, p);
  return w.finish();
}

export function decodePeer(b: Uint8Array): { peer: PeerInfo; seq: number; proposer: NodeId } {
  const r = new BinReader(b);
  const proposer = r.u64();
  const seq = r.uint();
  const peer = readPeer(r);
  return { peer, seq, proposer };
}

const SNAP_VERSION = 1;

export interface SnapshotEnvelope {
  peers: PeerInfo[];
  store: Uint8Array;
}

export function encodeSnapshotData(s: SnapshotEnvelope): Uint8Array {
  const w = new BinWriter(64 + s.store.length);
  w.u8(SNAP_VERSION);
  w.uint(s.peers.length);
  for (const p of s.peers) writePeer(w, p);
  w.bytes(s.store);
  return w.finish();
}

export function decodeSnapshotData(b: Uint8Array): SnapshotEnvelope {
  const r = new BinReader(b);
  const v = r.u8();
  if (v !== SNAP_VERSION) throw new Error(`unsupported snapshot envelope version ${v}`);
  const n = r.uint();
  const peers: PeerInfo[] = [];
  for (let i = 0; i < n; i++) peers.push(readPeer(r));
  const store = r.bytes();
  return { peers, store };
}
