// The log storage the core reads persisted entries from, and an in-memory implementation in the
// manner of etcd's MemoryStorage. The member fills a MemoryStorage from its WAL on restart and
// appends to it after each Ready is persisted; the core never writes to it.

import { EntryType, type ConfState, type Entry, type HardState, type Snapshot } from './types';
import { CompactedError, RaftInvariantError, SnapshotOutOfDateError, UnavailableError } from './errors';
import { EMPTY_BYTES, at, limitSize } from './util';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/** What the core needs from stable storage. Entry indexes are 1-based; index 0 is "before everything". */
export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), as many as fit in maxBytes (at least one). Throws CompactedError / UnavailableError. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i, for i in [firstIndex-1, lastIndex]. Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. */
  snapshot(): Snapshot;
}

export function emptySnapshot(): Snapshot {
  return { metadata: { index: 0, term: 0, conf: { voters: [], learners: [] } }, data: EMPTY_BYTES };
}

export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0n, commit: 0 };
  private snap: Snapshot = emptySnapshot();
  // ents[0] is a stand-in for the last entry the snapshot covers: its index and term anchor the
  // log so term(firstIndex-1) can be answered after compaction.
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }];

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: cloneConf(this.snap.metadata.conf) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private get offset(): number {
    return at(this.ents, 0).index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1)
      throw new UnavailableError(`raft: entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  term(i: number): number {
    if (i < this.offset) throw new CompactedError();
    if (i > this.lastIndex()) throw new UnavailableError();
    return at(this.ents, i - this.offset).term;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole content with a snapshot received from the leader (or read from disk). */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.ents = [
      { term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: EMPTY_BYTES },
    ];
  }

  /** Records a snapshot of the applied state at `index`; the log itself is kept (compact separately). */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (index > this.lastIndex())
      throw new RaftInvariantError(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    this.snap = { metadata: { index, term: this.term(index), conf: cloneConf(conf) }, data };
    return this.snap;
  }

  /**
   * Discards entries up to and including `index`. Compacting past the latest snapshot is refused:
   * a follower needing those entries could then be served neither entries nor a fresh enough snapshot.
   */
  compact(index: number): void {
    if (index <= this.offset) throw new CompactedError();
    if (index > this.lastIndex())
      throw new RaftInvariantError(`compact ${index} is out of bound lastindex(${this.lastIndex()})`);
    if (index > this.snap.metadata.index) {
      throw new RaftInvariantError(
        `compact ${index} is beyond the latest snapshot ${this.snap.metadata.index}`,
      );
    }
    const keep = this.ents.slice(index - this.offset);
    const anchor = at(keep, 0);
    keep[0] = { term: anchor.term, index: anchor.index, type: EntryType.Normal, data: EMPTY_BYTES };
    this.ents = keep;
  }

  /** Appends persisted entries; an entry at an index already held replaces it and everything after. */
  append(entries: readonly Entry[]): void {
    const firstNew = entries[0];
    if (firstNew === undefined) return;
    const first = this.firstIndex();
    const lastNew = firstNew.index + entries.length - 1;
    if (lastNew < first) return; // all of it is already compacted
    const fresh = first > firstNew.index ? entries.slice(first - firstNew.index) : entries.slice();
    const start = at(fresh, 0).index - this.offset;
    if (start > this.ents.length) {
      throw new RaftInvariantError(
        `missing log entry [last: ${this.lastIndex()}, append at: ${at(fresh, 0).index}]`,
      );
    }
    this.ents = this.ents.slice(0, start).concat(fresh);
  }
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}
