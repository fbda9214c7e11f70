import { describe, expect, it } from 'vitest';
import { compareBytes } from './bytes';
import { SortedKeyMap } from './sorted-key-map';
import { prng } from './test-helpers';

describe('SortedKeyMap', () => {
  it('matches a reference sorted map under random inserts, deletes and scans', () => {
    const rand = prng(1);
    const map = new SortedKeyMap<number>();
    const ref = new Map<string, number>();
    const key = (): Uint8Array =>
      new Uint8Array(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Math.floor(rand() * 6)));
    for (let i = 0; i < 5000; i++) {
      const k = key();
      const id = Array.from(k).join(',');
      if (rand() < 0.3) {
        expect(map.delete(k)).toBe(ref.delete(id));
      } else {
        map.set(k, i);
        ref.set(id, i);
      }
      expect(map.get(k)).toBe(ref.get(id));
    }
    expect(map.size).toBe(ref.size);
    const sortedRef = [...ref.entries()]
      .map(([id, v]) => [new Uint8Array(id.split(',').map(Number)), v] as const)
      .sort((a, b) => compareBytes(a[0], b[0]));
    expect([...map.entries()].map(([k, v]) => [Array.from(k), v])).toEqual(
      sortedRef.map(([k, v]) => [Array.from(k), v]),
    );
    const start = new Uint8Array([2]);
    const end = new Uint8Array([4, 1]);
    const inRange = sortedRef.filter(([k]) => compareBytes(k, start) >= 0 && compareBytes(k, end) < 0);
    expect([...map.range(start, end)].map(([, v]) => v)).toEqual(inRange.map(([, v]) => v));
    expect([...map.range(start, undefined)].length).toBe(
      sortedRef.filter(([k]) => compareBytes(k, start) >= 0).length,
    );
  });

  it('handles 100k ordered inserts quickly (no degenerate shape)', () => {
    const map = new SortedKeyMap<number>();
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++)
      map.set(new TextEncoder().encode(`key/${String(i).padStart(8, '0')}`), i);
    expect(map.size).toBe(100_000);
    const hits = [
      ...map.range(new TextEncoder().encode('key/00050000'), new TextEncoder().encode('key/00050010')),
    ];
    expect(hits.map(([, v]) => v)).toEqual([
      50000, 50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008, 50009,
    ]);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
