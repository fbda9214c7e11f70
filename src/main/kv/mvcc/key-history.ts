// One key's revisions since the last compaction, oldest first (etcd's keyIndex generations plus the
// backend's values, kept together in memory). A tombstone record ends a generation.

import type { KeyValue } from './types';

export interface KeyRecord {
  /** Main revision: the write transaction that made this record. */
  readonly main: number;
  /** Position of the change inside its transaction (orders events of one revision). */
  readonly sub: number;
  readonly tombstone: boolean;
  /** For a tombstone: key and modRevision only. Shared with responses: never mutate. */
  readonly kv: KeyValue;
}

export class KeyHistory {
  readonly records: KeyRecord[] = [];

  constructor(readonly key: Uint8Array) {}

  /** The live record visible at `rev`, if the key existed then. */
  at(rev: number): KeyRecord | undefined {
    const recs = this.records;
    // Most reads are at the newest revision: check the tail before bisecting.
    const last = recs[recs.length - 1];
    if (last === undefined) return undefined;
    if (last.main <= rev) return last.tombstone ? undefined : last;
    let lo = 0;
    let hi = recs.length - 1; // recs[hi].main > rev
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (recs[mid]!.main <= rev) lo = mid + 1;
      else hi = mid;
    }
    const found = lo > 0 ? recs[lo - 1] : undefined;
    return found && !found.tombstone ? found : undefined;
  }

  latest(): KeyRecord | undefined {
    const last = this.records[this.records.length - 1];
    return last && !last.tombstone ? last : undefined;
  }

  push(record: KeyRecord): void {
    this.records.push(record);
  }

  /**
   * Drop history below `rev`: keep the newest record <= rev unless it is a tombstone (etcd's
   * keyIndex.compact). Returns true when nothing is left and the key can leave the index.
   */
  compact(rev: number): boolean {
    const recs = this.records;
    let keepFrom = 0;
    for (let i = 0; i < recs.length; i++) {
      if (recs[i]!.main <= rev) keepFrom = i;
      else break;
    }
    const first = recs[keepFrom];
    if (first && first.main <= rev && first.tombstone) keepFrom++;
    if (keepFrom > 0) recs.splice(0, keepFrom);
    return recs.length === 0;
  }
}
