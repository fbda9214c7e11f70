import { describe, expect, it } from 'vitest';
import { compileMatcher } from './matcher';
import { SearchIndex } from './search-index';
import { JournalStore, type NewLine } from './store';

const line = (machine: string, time: number, text: string): NewLine => ({
  time,
  stream: 'stdout',
  text,
  machineId: machine,
  hostname: machine,
  unit: 'u.service',
});

function indexFor(store: JournalStore, query: string) {
  const m = compileMatcher(query, { regex: true, caseSensitive: false });
  if (m.kind !== 'ok') throw new Error('bad query');
  const index = new SearchIndex(store, m);
  store.subscribe((c) => index.apply(c));
  return { index, m };
}

/** What the index must hold, computed the slow way. */
function bruteForce(store: JournalStore, m: Extract<ReturnType<typeof compileMatcher>, { kind: 'ok' }>) {
  const rows: number[] = [];
  let total = 0;
  store.forEachText(0, store.length, (t, i) => {
    const n = m.count(t);
    if (n) {
      rows.push(i);
      total += n;
    }
  });
  return { rows, total };
}
const rowsOf = (index: SearchIndex) => Array.from({ length: index.size }, (_, k) => index.storeIndex(k));

describe('SearchIndex', () => {
  it('finds the matching lines and counts their matches', () => {
    const store = new JournalStore();
    store.addLines([line('a', 1, 'error one'), line('a', 2, 'fine'), line('a', 3, 'error error')]);
    const { index } = indexFor(store, 'error');
    expect(rowsOf(index)).toEqual([0, 2]);
    expect(index.total).toBe(3);
    expect(index.countAt(1)).toBe(2);
    expect(index.matchesBefore(1)).toBe(1);
    expect(index.firstAtOrAfter(1)).toBe(1);
    expect(index.firstAtOrAfter(3)).toBe(2);
  });

  it('searches only new lines as they come, and the re-merged tail', () => {
    const store = new JournalStore();
    const { index, m } = indexFor(store, 'x');
    store.addLines([line('a', 1, 'x1'), line('a', 5, 'x5')]);
    store.addLines([line('b', 3, 'x3'), line('b', 4, 'no')]);
    expect(rowsOf(index)).toEqual(bruteForce(store, m).rows);
    expect(store.text(index.storeIndex(1))).toBe('x3');
    expect(index.absEnd).toBe(3);
  });

  it('lets dropped lines go, and keeps counting what ever matched', () => {
    const store = new JournalStore(5);
    const { index, m } = indexFor(store, 'even');
    for (let i = 0; i < 12; i++) store.addLines([line('a', i, i % 2 ? 'odd' : 'even')]);
    expect(rowsOf(index)).toEqual(bruteForce(store, m).rows);
    expect(index.size).toBe(2);
    expect(index.absEnd).toBe(6);
    expect(index.total).toBe(2);
  });

  it('agrees with a full search after any mix of appends, late batches, drops and clears', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const store = new JournalStore(300);
    const { index, m } = indexFor(store, 'h[io]t');
    const clocks = [0, 0];
    for (let step = 0; step < 400; step++) {
      if (rnd() < 0.01) store.clear();
      const mach = rnd() < 0.5 ? 0 : 1;
      const batch: NewLine[] = [];
      for (let k = 0; k < Math.floor(rnd() * 8); k++) {
        clocks[mach]! += rnd();
        const word = ['hit', 'hot', 'hat', 'hit hot'][Math.floor(rnd() * 4)]!;
        batch.push(line(`m${mach}`, clocks[mach]!, word));
      }
      store.addLines(batch);
      const want = bruteForce(store, m);
      expect(rowsOf(index)).toEqual(want.rows);
      expect(index.total).toBe(want.total);
    }
  });
});
