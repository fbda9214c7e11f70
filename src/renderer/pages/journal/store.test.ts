import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../shared/api';
import { JournalStore, type NewLine, type StoreChange } from './store';

const line = (machine: string, time: number, text: string, unit = 'a.service'): NewLine => ({
  time,
  stream: 'stdout',
  text,
  machineId: machine,
  hostname: `host-${machine}`,
  unit,
});
const texts = (s: JournalStore) => {
  const out: string[] = [];
  s.forEachText(0, s.length, (t) => out.push(t));
  return out;
};
const record = (s: JournalStore) => {
  const changes: StoreChange[][] = [];
  s.subscribe((c) => changes.push(c));
  return changes;
};

describe('JournalStore', () => {
  it('keeps lines in time order with their source, stream and time', () => {
    const s = new JournalStore();
    const changes = record(s);
    const entry: JournalEntry = {
      cursor: 'c',
      time: '2026-11-22T02:51:03.123456Z',
      seq: 1,
      machineId: 'm1',
      hostname: 'core-01',
      unit: 'hello.service',
      stream: 'stderr',
      text: 'boom',
    };
    s.add([entry]);
    expect(s.length).toBe(1);
    const l = s.line(0);
    expect(l.text).toBe('boom');
    expect(l.stream).toBe('stderr');
    expect(l.source).toMatchObject({ machineId: 'm1', hostname: 'core-01', unit: 'hello.service', count: 1 });
    expect(Math.floor(l.time)).toBe(Date.UTC(2026, 10, 22, 2, 51, 3, 123));
    expect(changes).toEqual([[{ kind: 'tail', from: 0 }]]);
    expect(s.version).toBe(1);
  });

  it('merges a batch that arrives late by time, re-merging only the tail', () => {
    const s = new JournalStore();
    s.addLines([line('m1', 1, 'a1'), line('m1', 3, 'a3'), line('m1', 5, 'a5')]);
    const changes = record(s);
    s.addLines([line('m2', 4, 'b4'), line('m2', 6, 'b6')]);
    expect(texts(s)).toEqual(['a1', 'a3', 'b4', 'a5', 'b6']);
    expect(changes).toEqual([[{ kind: 'tail', from: 2 }]]);
  });

  it("merges a second machine's whole backlog into the first one's", () => {
    const s = new JournalStore();
    s.addLines([10, 20, 30, 40].map((t) => line('m1', t, `a${t}`)));
    s.addLines([5, 15, 25, 35, 45].map((t) => line('m2', t, `b${t}`)));
    expect(texts(s)).toEqual(['b5', 'a10', 'b15', 'a20', 'b25', 'a30', 'b35', 'a40', 'b45']);
    expect(s.sources.map((x) => x.count)).toEqual([4, 5]);
  });

  it("keeps one machine's order even where its times go backwards", () => {
    const s = new JournalStore();
    // Output lines carry Docker's clock, system lines Flotilla's: a machine's seq order wins.
    s.addLines([line('m1', 10, 'out'), line('m1', 9, 'system'), line('m1', 11, 'out2')]);
    expect(texts(s)).toEqual(['out', 'system', 'out2']);
    s.addLines([line('m2', 9.5, 'other')]);
    expect(texts(s)).toEqual(['out', 'system', 'other', 'out2']);
  });

  it('places notices at their time, never holding back a machine', () => {
    const s = new JournalStore();
    s.addLines([line('m1', 1, 'a'), line('m1', 3, 'c')]);
    s.addNotice(2, 'moved');
    expect(texts(s)).toEqual(['a', 'moved', 'c']);
    expect(s.stream(1)).toBe('notice');
    s.addLines([line('m1', 2.5, 'late')]);
    expect(texts(s)).toEqual(['a', 'moved', 'c', 'late']);
  });

  it('drops the oldest lines beyond its cap, counting them', () => {
    const s = new JournalStore(10);
    const changes = record(s);
    s.addLines(Array.from({ length: 25 }, (_, i) => line('m1', i, `l${i}`)));
    expect(s.length).toBe(10);
    expect(s.dropped).toBe(15);
    expect(texts(s)[0]).toBe('l15');
    expect(s.sources[0]!.count).toBe(10);
    expect(changes.at(-1)).toEqual([
      { kind: 'tail', from: 0 },
      { kind: 'drop', count: 15 },
    ]);
    s.addLines([line('m1', 100, 'new')]);
    expect(s.dropped).toBe(16);
    expect(changes.at(-1)).toEqual([
      { kind: 'tail', from: 25 },
      { kind: 'drop', count: 1 },
    ]);
  });

  it('holds a million lines across chunks, reading them back by index and in runs', () => {
    const s = new JournalStore();
    const n = 1_000_000;
    const batch: NewLine[] = [];
    for (let i = 0; i < n; i++) batch.push(line(i % 2 ? 'm2' : 'm1', i, `line ${i}`));
    s.addLines(batch);
    expect(s.length).toBe(n);
    expect(s.text(4095)).toBe('line 4095');
    expect(s.text(4096)).toBe('line 4096');
    expect(s.text(n - 1)).toBe(`line ${n - 1}`);
    let sum = 0;
    let last = -1;
    s.forEachText(4000, 9000, (t, i) => {
      expect(t).toBe(`line ${i}`);
      expect(i).toBe(last === -1 ? 4000 : last + 1);
      last = i;
      sum++;
    });
    expect(sum).toBe(5000);
    // Past the cap, in chunks: still in order from the newest million.
    s.addLines(Array.from({ length: 5000 }, (_, i) => line('m1', n + i, `more ${i}`)));
    expect(s.length).toBe(n);
    expect(s.text(0)).toBe('line 5000');
    expect(s.text(n - 1)).toBe('more 4999');
  });

  it('starts over on clear', () => {
    const s = new JournalStore();
    s.addLines([line('m1', 1, 'a')]);
    const changes = record(s);
    s.clear();
    expect(s.length).toBe(0);
    expect(s.sources).toEqual([]);
    expect(changes).toEqual([[{ kind: 'clear' }]]);
    s.addLines([line('m2', 1, 'b')]);
    expect(texts(s)).toEqual(['b']);
  });

  it('orders random interleavings of machines the same way as a k-way merge', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const s = new JournalStore();
    const all: NewLine[] = [];
    const clocks = [0, 0, 0];
    for (let b = 0; b < 200; b++) {
      const m = Math.floor(rnd() * 3);
      const batch: NewLine[] = [];
      for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++) {
        clocks[m]! += rnd() * 3;
        batch.push(line(`m${m}`, clocks[m]!, `m${m}@${clocks[m]}`));
      }
      all.push(...batch);
      s.addLines(batch);
    }
    const expected = [...all].sort((a, b) => a.time - b.time).map((l) => l.text);
    expect(texts(s)).toEqual(expected);
  });
});
