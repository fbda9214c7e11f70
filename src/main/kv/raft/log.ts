// The core's view of the log: what storage already holds plus the "unstable" tail (entries and an
// incoming snapshot) that ready() hands out for persistence and advance() marks persisted.

import type { Entry, Snapshot } from './types';
import type { Storage } from './storage';
import { CompactedError, RaftInvariantError, UnavailableError } from './errors';
import { at, last, limitSize } from './util';

/** Entries and a snapshot not yet known to be persisted. */
export class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  /** Index of entries[0]. */
  offset: number;
  /** Entries below this index were handed to the caller by ready() and are being persisted. */
  offsetInProgress: number;
  snapshotInProgress = false;

  constructor(offset: number) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot && this.snapshot.metadata.index === i ? this.snapshot.metadata.term : undefined;
    }
    const lastIndex = this.maybeLastIndex();
    if (lastIndex === undefined || i > lastIndex) return undefined;
    return at(this.entries, i - this.offset).term;
  }

  /** Entries not yet handed out for persistence. */
  nextEntries(): Entry[] {
    const from = this.offsetInProgress - this.offset;
    return from >= this.entries.length ? [] : this.entries.slice(from);
  }

  nextSnapshot(): Snapshot | undefined {
    return this.snapshot && !this.snapshotInProgress ? this.snapshot : undefined;
  }

  acceptInProgress(): void {
    const tail = last(this.entries);
    if (tail) this.offsetInProgress = tail.index + 1;
    if (this.snapshot) this.snapshotInProgress = true;
  }

  /** Entries up to (index, term) are persisted; drop them unless they were replaced meanwhile. */
  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index);
    if (t === undefined || t !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
    this.offsetInProgress = Math.max(this.offsetInProgress, this.offset);
  }

  stableSnapTo(index: number): void {
    if (this.snapshot && this.snapshot.metadata.index === index) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  restore(snap: Snapshot): void {
    this.offset = snap.metadata.index + 1;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = snap;
    this.snapshotInProgress = false;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const fromIndex = at(ents, 0).index;
    if (fromIndex === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (fromIndex <= this.offset) {
      // Replacing everything unstable (the stored tail from fromIndex on is superseded too).
      this.entries = ents.slice();
      this.offset = fromIndex;
      this.offsetInProgress = this.offset;
    } else {
      this.entries = this.entries.slice(0, fromIndex - this.offset).concat(ents);
      this.offsetInProgress = Math.min(this.offsetInProgress, fromIndex);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known committed by a quorum. */
  committed: number;
  /** Highest index handed to the caller to apply (ready() committedEntries). */
  applying: number;
  /** Highest index the caller has applied (advance()). */
  applied: number;

  constructor(
    readonly storage: Storage,
    private readonly maxApplyingBytes: number,
  ) {
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the log. */
  term(i: number): number | undefined {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined;
      throw e;
    }
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new RaftInvariantError(`no term for last index ${this.lastIndex()}`);
    return t;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft's "at least as up-to-date" comparison of (lastIndex, lastTerm) pairs (§5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const myTerm = this.lastTerm();
    return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of MsgApp: if our entry at `index` has `logTerm`, merge `ents` after it
   * (truncating a conflicting suffix) and advance commit. Returns the last index the leader's
   * message vouches for, or undefined when the previous entry does not match.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new RaftInvariantError(
          `entry ${conflict} conflicts with committed entry [committed(${this.committed})]`,
        );
      }
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** First index where `ents` disagree with our log (or extend it); 0 if all are already present. */
  private findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * For a rejected append: the largest index <= `index` whose term is <= `term`. The leader can
   * skip every index in between, which repairs a divergent log in about one round trip per term.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; ; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new RaftInvariantError(`append after ${first.index - 1} is below committed(${this.committed})`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit(${index}) is out of range [lastIndex(${this.lastIndex()})]`);
    }
    this.committed = index;
  }

  /** Commit `maxIndex` if a quorum has it and it is from the current term (§5.4.2: never by counting older terms). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    if (index > this.committed) {
      throw new RaftInvariantError(`applied(${index}) is out of range [committed(${this.committed})]`);
    }
    this.applied = Math.max(this.applied, index);
    this.applying = Math.max(this.applying, index);
  }

  /** Entries [lo, hi) up to maxBytes (at least one), from storage and the unstable tail. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError();
    if (hi > this.lastIndex() + 1)
      throw new RaftInvariantError(`slice[${lo},${hi}) out of bound lastindex(${this.lastIndex()})`);
    if (lo >= hi) return [];
    const offset = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      out = this.storage.entries(lo, storedHi, maxBytes);
      if (out.length < storedHi - lo) return out; // size limit reached inside storage
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      out = out.length > 0 ? out.concat(tail) : tail;
    }
    return limitSize(out, maxBytes);
  }

  /** Entries from i to the end, up to maxBytes. Throws CompactedError when i is compacted. */
  entriesFrom(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** Committed entries can be applied only once any pending snapshot has been installed. */
  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot) return false;
    return this.committed > this.applying;
  }

  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    return this.slice(this.applying + 1, this.committed + 1, this.maxApplyingBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(snap: Snapshot): void {
    this.committed = snap.metadata.index;
    this.unstable.restore(snap);
  }
}
