// The viewer's state outside React: the store, the search over it, and which lines the view
// shows (all, or only the matching ones in filter mode). Components read it through
// useModelVersion, which re-renders at most once a frame however many batches arrive.

import { compileMatcher, type Matcher, type SearchOptions } from './matcher';
import { SearchIndex } from './search-index';
import { JournalStore, type StoreChange } from './store';

export class JournalModel {
  readonly store: JournalStore;
  private matcherValue: Matcher = { kind: 'none' };
  private indexValue: SearchIndex | undefined;
  private filterValue = false;
  private readonly listeners = new Set<() => void>();
  /** Bumped by every change of lines, search or filter. */
  version = 0;

  constructor(store = new JournalStore()) {
    this.store = store;
    store.subscribe((changes: StoreChange[]) => {
      this.indexValue?.apply(changes);
      this.bump();
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get matcher(): Matcher {
    return this.matcherValue;
  }

  get index(): SearchIndex | undefined {
    return this.indexValue;
  }

  /** Filter mode with a usable query: the view is the matching lines. */
  get filtering(): boolean {
    return this.filterValue && this.indexValue !== undefined;
  }

  /** Sets the search; the whole store is searched once here, new lines as they come. */
  setSearch(query: string, options: SearchOptions): void {
    this.matcherValue = compileMatcher(query, options);
    const m = this.matcherValue;
    this.indexValue = m.kind === 'ok' ? new SearchIndex(this.store, m) : undefined;
    this.bump();
  }

  setFilter(filter: boolean): void {
    if (this.filterValue === filter) return;
    this.filterValue = filter;
    this.bump();
  }

  /** Lines in the view. */
  get count(): number {
    return this.filtering ? this.indexValue!.size : this.store.length;
  }

  /** Grows by one for every line the view ever gained (for "N new lines"). */
  get absEnd(): number {
    return this.filtering ? this.indexValue!.absEnd : this.store.dropped + this.store.length;
  }

  /** The store index of the view's k-th line. */
  storeIndex(k: number): number {
    return this.filtering ? this.indexValue!.storeIndex(k) : k;
  }

  /** The view index of the store's line i, or of the next line shown after it. */
  viewIndexOf(i: number): number {
    return this.filtering ? this.indexValue!.firstAtOrAfter(i) : i;
  }

  private bump(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}
