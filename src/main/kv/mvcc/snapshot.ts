// Full-state snapshot (what a Raft snapshot carries) and the Maintenance hashes. The encoding is
// canonical — keys ascending, leases by id — so equal states give equal bytes and equal hashes.

import { buf as crc32c } from 'crc-32/crc32c';
import { BinReader, BinWriter } from '../encoding/binary';
import { KeyHistory } from './key-history';
import type { KeyRecord } from './key-history';
import type { LeaseState } from './lease-table';
import type { MvccStore } from './store';
import { compactedError, futureRevError } from './errors';
import { EMPTY_BYTES } from './bytes';
import type { HashKVResponse, HashResponse } from './types';

const MAGIC = 0x464c4d56; // "FLMV"
const FORMAT_VERSION = 1;

function writeRecord(w: BinWriter, r: KeyRecord): void {
  w.uint(r.main).uint(r.sub).bool(r.tombstone);
  if (!r.tombstone) w.uint(r.kv.createRevision).uint(r.kv.version).bytes(r.kv.value).i64(r.kv.lease);
}

function writeKeys(w: BinWriter, store: MvccStore, maxRev: number): void {
  for (const [key, hist] of store.index.entries()) {
    const recs = hist.records.filter((r) => r.main <= maxRev);
    if (recs.length === 0) continue;
    w.u8(1).bytes(key).uint(recs.length);
    for (const r of recs) writeRecord(w, r);
  }
  w.u8(0);
}

function writeLeases(w: BinWriter, store: MvccStore): void {
  const ids = store.leaseIds();
  w.uint(ids.length);
  for (const id of ids) {
    const l = store.lease(id)!;
    w.i64(l.id).uint(l.ttl).uint(l.remainingTtl);
  }
}

export function encodeSnapshot(store: MvccStore): Uint8Array {
  const w = new BinWriter(4096);
  w.uint(MAGIC).uint(FORMAT_VERSION);
  w.uint(store.currentRevision).uint(store.compactRevision).uint(store.appliedIndex);
  writeLeases(w, store);
  writeKeys(w, store, Number.MAX_SAFE_INTEGER);
  return w.finish();
}

export function decodeSnapshotInto(store: MvccStore, data: Uint8Array): void {
  const r = new BinReader(data);
  if (r.uint() !== MAGIC) throw new Error('mvcc snapshot: bad magic');
  const version = r.uint();
  if (version !== FORMAT_VERSION) throw new Error(`mvcc snapshot: unknown format ${version}`);
  const rev = r.uint();
  const compactRev = r.uint();
  const applied = r.uint();
  const leases: LeaseState[] = [];
  for (let n = r.uint(); n > 0; n--) {
    leases.push({ id: r.i64(), ttl: r.uint(), remainingTtl: r.uint(), keys: new Set() });
  }
  const histories: KeyHistory[] = [];
  while (r.u8() === 1) {
    const hist = new KeyHistory(r.bytes());
    for (let n = r.uint(); n > 0; n--) {
      const main = r.uint();
      const sub = r.uint();
      const tombstone = r.bool();
      const kv = tombstone
        ? { key: hist.key, createRevision: 0, modRevision: main, version: 0, value: EMPTY_BYTES, lease: 0n }
        : {
            key: hist.key,
            createRevision: r.uint(),
            modRevision: main,
            version: r.uint(),
            value: r.bytes(),
            lease: r.i64(),
          };
      hist.push({ main, sub, tombstone, kv });
    }
    histories.push(hist);
  }
  store.loadState({ rev, compactRev, applied, histories, leases });
}

/** Maintenance.Hash: everything replicated except the applied index (members may lag). */
export function hashStore(store: MvccStore): HashResponse {
  const w = new BinWriter(4096);
  w.uint(store.currentRevision).uint(store.compactRevision);
  writeLeases(w, store);
  writeKeys(w, store, Number.MAX_SAFE_INTEGER);
  return { header: { revision: store.currentRevision }, hash: crc32c(w.finish()) >>> 0 };
}

/** Maintenance.HashKV: key history up to `rev` (0 = current), comparable across members. */
export function hashKV(store: MvccStore, rev = 0): HashKVResponse {
  const at = rev > 0 ? rev : store.currentRevision;
  if (at > store.currentRevision) throw futureRevError();
  if (at < store.compactRevision) throw compactedError();
  const w = new BinWriter(4096);
  w.uint(store.compactRevision);
  writeKeys(w, store, at);
  return {
    header: { revision: store.currentRevision },
    hash: crc32c(w.finish()) >>> 0,
    compactRevision: store.compactRevision,
    hashRevision: at,
  };
}
