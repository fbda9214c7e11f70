// The effective Raft log as the WAL sees it: a contiguous run [first, last] of indices. Both replay
// and the writer use this same model, so the writer can refuse up front anything replay would
// later reject (a gap), and both agree on what a snapshot marker discards.
import type { Entry } from '../raft/types';

interface TermRun {
  start: number;
  term: number;
}

export class LogModel {
  /** Empty when last < first. `last` also serves as "last index" for naming new segments. */
  first = 1;
  last = 0;
  // Terms as runs (terms change rarely) so the writer can answer termAt without keeping entries.
  private runs: TermRun[] = [];
  /** The entries themselves; kept only while replaying (undefined afterwards to free memory). */
  entries: Entry[] | undefined;

  constructor(retainEntries: boolean) {
    this.entries = retainEntries ? [] : undefined;
  }

  get empty(): boolean {
    return this.last < this.first;
  }

  termAt(index: number): number | undefined {
    if (this.empty || index < this.first || index > this.last) return undefined;
    // Runs are short; a backwards linear scan finds recent indices first.
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i];
      if (r && r.start <= index) return r.term;
    }
    return undefined;
  }

  /** Why appending a batch starting at `index` would be invalid, or undefined if it is fine. */
  checkAppend(index: number): string | undefined {
    if (!this.empty && index > this.last + 1) {
      return `entry ${index} would leave a gap after the last entry ${this.last}`;
    }
    return undefined;
  }

  /** Appends contiguous entries; an entry at index i replaces any existing entries >= i (Raft
   *  followers truncate a conflicting suffix). Caller has checked checkAppend. */
  append(batch: readonly Entry[]): void {
    const head = batch[0];
    if (!head) return;
    const i0 = head.index;
    if (this.empty || i0 < this.first) {
      this.first = i0;
      this.runs = [];
      if (this.entries) this.entries.length = 0;
    } else {
      while (this.runs.length > 0 && (this.runs[this.runs.length - 1]?.start ?? 0) >= i0) this.runs.pop();
      if (this.entries) this.entries.length = i0 - this.first;
    }
    for (const e of batch) {
      const lastRun = this.runs[this.runs.length - 1];
      if (!lastRun || lastRun.term !== e.term) this.runs.push({ start: e.index, term: e.term });
      this.entries?.push(e);
    }
    this.last = i0 + batch.length - 1;
  }

  /** A snapshot at (index, term) was saved. Entries that cannot follow it (the log is behind it,
   *  or holds a different term at its index) are discarded; a matching suffix is kept. */
  applySnapshot(index: number, term: number): void {
    if (this.empty) {
      if (index > this.last) this.clearTo(index);
      return;
    }
    if (index < this.first) return;
    if (index > this.last || this.termAt(index) !== term) this.clearTo(index);
  }

  private clearTo(index: number): void {
    this.first = index + 1;
    this.last = index;
    this.runs = [];
    if (this.entries) this.entries.length = 0;
  }

  /** Whether the log can serve a restart from a snapshot at (index, term): it holds every entry
   *  after index (and agrees on the term at index if it has it). */
  canFollow(index: number, term: number): boolean {
    if (this.empty) return index === this.last;
    if (index + 1 < this.first || index > this.last) return false;
    return index < this.first || this.termAt(index) === term;
  }

  /** Retained entries with index > after. */
  entriesAfter(after: number): Entry[] {
    const all = this.entries ?? [];
    const skip = Math.max(0, after + 1 - this.first);
    return all.slice(skip);
  }
}
