// The lines of the store that match a search, kept current as lines come and go: the filter
// mode's rows, the match count, and where next/previous go. Only what changed is searched again
// (new lines, a re-merged tail); the whole store only when the query changes.

import type { Matcher } from './matcher';
import type { JournalStore, StoreChange } from './store';

type OkMatcher = Extract<Matcher, { kind: 'ok' }>;

export class SearchIndex {
  /** Absolute indices (store.dropped + i) of matching lines, ascending, live from `start`. */
  private rows = new Float64Array(1024);
  /** Matches in each of those lines. */
  private counts = new Uint32Array(1024);
  private start = 0;
  private end = 0;
  private droppedMatches = 0;
  /** Matches (not lines) in the live rows. */
  total = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly matcher: OkMatcher,
  ) {
    this.scan(0);
  }

  /** Matching lines now. */
  get size(): number {
    return this.end - this.start;
  }

  /**
   * Matching lines ever seen since the query was set (grows; for "N new lines"). Lines that a
   * single batch bigger than the store's cap brought and dropped at once were never seen.
   */
  get absEnd(): number {
    return this.droppedMatches + this.size;
  }

  /** The store index of the k-th matching line. */
  storeIndex(k: number): number {
    return this.rows[this.start + k]! - this.store.dropped;
  }

  /** Matches in the k-th matching line. */
  countAt(k: number): number {
    return this.counts[this.start + k]!;
  }

  /** Matches in lines before the k-th matching line. */
  matchesBefore(k: number): number {
    let n = 0;
    for (let i = this.start; i < this.start + k; i++) n += this.counts[i]!;
    return n;
  }

  /** The first k whose line is at or after store index `i` (size when none). */
  firstAtOrAfter(i: number): number {
    const abs = this.store.dropped + i;
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]! < abs) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }

  /** Brings the index up to date with the store's changes (in the order they happened). */
  apply(changes: readonly StoreChange[]): void {
    for (const c of changes) {
      if (c.kind === 'clear') {
        this.start = this.end = 0;
        this.total = 0;
        this.droppedMatches = 0;
      } else if (c.kind === 'tail') {
        while (this.end > this.start && this.rows[this.end - 1]! >= c.from) {
          this.end--;
          this.total -= this.counts[this.end]!;
        }
        this.scan(Math.max(0, c.from - this.store.dropped));
      }
    }
    // Drops last: lines dropped at the head are gone whatever came before.
    const first = this.store.dropped;
    while (this.start < this.end && this.rows[this.start]! < first) {
      this.total -= this.counts[this.start]!;
      this.start++;
      this.droppedMatches++;
    }
  }

  private scan(from: number): void {
    const base = this.store.dropped;
    const { matcher } = this;
    this.store.forEachText(from, this.store.length, (text, i) => {
      const n = matcher.count(text);
      if (n > 0) this.push(base + i, n);
    });
  }

  private push(abs: number, n: number): void {
    if (this.end === this.rows.length) this.grow();
    this.rows[this.end] = abs;
    this.counts[this.end] = n;
    this.end++;
    this.total += n;
  }

  private grow(): void {
    const live = this.end - this.start;
    // Compact when the dead head is most of it, else double.
    const size = live * 2 > this.rows.length ? this.rows.length * 2 : this.rows.length;
    const rows = new Float64Array(size);
    const counts = new Uint32Array(size);
    rows.set(this.rows.subarray(this.start, this.end));
    counts.set(this.counts.subarray(this.start, this.end));
    this.rows = rows;
    this.counts = counts;
    this.start = 0;
    this.end = live;
  }
}
