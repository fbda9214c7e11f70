// The viewer's lines, outside React: a chunked, columnar store (times in Float64Arrays, source
// and stream packed in Uint32Arrays, texts in plain arrays) that holds a million lines in about
// 20 bytes each plus their text, merges the batches of several machines into one order by time,
// drops the oldest lines beyond its cap, and counts every change in `version`.
//
// Order: each machine's lines keep the order they came in (the journal's seq order, which is not
// always time order: output lines carry Docker's clock, system lines Flotilla's), and lines of
// different machines are merged by time, as the server's own merge does. Live batches arrive per
// machine a few milliseconds apart, so a batch now and then belongs a few lines before the end:
// the store re-merges only that tail.

import type { JournalEntry } from '../../../shared/api';
import { parseEntryTime } from './time';

export const STREAMS = ['stdout', 'stderr', 'system', 'notice'] as const;
export type LineStream = (typeof STREAMS)[number];

/** Where lines come from: a machine's unit, a machine's own lines (no unit), or the viewer's notices. */
export interface Source {
  index: number;
  key: string;
  machineId: string;
  hostname: string;
  unit: string | undefined;
  /** Lines of this source in the store now. */
  count: number;
}

/** One line as the view reads it. */
export interface Line {
  time: number;
  stream: LineStream;
  text: string;
  source: Source;
}

/** A line to add: the wire's entry reduced to what the viewer keeps. */
export interface NewLine {
  time: number;
  stream: LineStream;
  text: string;
  machineId: string;
  hostname: string;
  unit?: string | undefined;
}

/**
 * What changed, in order: every line from absolute index `from` on may be new or moved (lines
 * before it are untouched); `count` lines left at the head; everything went. A line's absolute
 * index is `dropped + i`: it stays the same while lines are added after it or dropped before it.
 */
export type StoreChange =
  { kind: 'tail'; from: number } | { kind: 'drop'; count: number } | { kind: 'clear' };

const SHIFT = 12;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
/** The notices' source: no machine, so they never hold back another machine's lines. */
export const NOTICE_KEY = 'notice';

interface Chunk {
  time: Float64Array;
  /** source index << 2 | stream index */
  meta: Uint32Array;
  text: (string | undefined)[];
}

const newChunk = (): Chunk => ({
  time: new Float64Array(CHUNK),
  meta: new Uint32Array(CHUNK),
  text: new Array<string | undefined>(CHUNK),
});

interface Pending {
  time: number;
  meta: number;
  text: string;
  /** Rows of one machine keep their order; -1 (notices) never blocks others. */
  machine: number;
}

export const DEFAULT_CAP = 1_000_000;

export class JournalStore {
  private chunks: Chunk[] = [];
  /** Row 0's offset in chunks[0]. */
  private head = 0;
  private len = 0;
  private readonly listeners = new Set<(changes: StoreChange[]) => void>();
  private sourceList: Source[] = [];
  private sourceByKey = new Map<string, Source>();
  /** Source index → machine number (the blocking rule compares these). */
  private machineOf: number[] = [];
  private machineNo = new Map<string, number>();
  /** Lines dropped at the head since the last clear: index i was "absolute" dropped + i. */
  dropped = 0;
  /** Bumped by every change; what React subscribes to. */
  version = 0;

  constructor(readonly cap = DEFAULT_CAP) {}

  get length(): number {
    return this.len;
  }

  /** Every source seen since the last clear, in order of first appearance. */
  get sources(): readonly Source[] {
    return this.sourceList;
  }

  subscribe(listener: (changes: StoreChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  time(i: number): number {
    const p = this.head + i;
    return this.chunks[p >> SHIFT]!.time[p & MASK]!;
  }

  text(i: number): string {
    const p = this.head + i;
    return this.chunks[p >> SHIFT]!.text[p & MASK] ?? '';
  }

  stream(i: number): LineStream {
    const p = this.head + i;
    return STREAMS[this.chunks[p >> SHIFT]!.meta[p & MASK]! & 3]!;
  }

  source(i: number): Source {
    const p = this.head + i;
    return this.sourceList[this.chunks[p >> SHIFT]!.meta[p & MASK]! >>> 2]!;
  }

  line(i: number): Line {
    const p = this.head + i;
    const c = this.chunks[p >> SHIFT]!;
    const meta = c.meta[p & MASK]!;
    return {
      time: c.time[p & MASK]!,
      stream: STREAMS[meta & 3]!,
      text: c.text[p & MASK] ?? '',
      source: this.sourceList[meta >>> 2]!,
    };
  }

  /** Calls `fn` for rows from..to-1 without a lookup per row (searches over a million lines). */
  forEachText(from: number, to: number, fn: (text: string, index: number) => void): void {
    let i = Math.max(0, from);
    const end = Math.min(to, this.len);
    while (i < end) {
      const p = this.head + i;
      const c = this.chunks[p >> SHIFT]!;
      const stop = Math.min(end, i + (CHUNK - (p & MASK)));
      for (let o = p & MASK; i < stop; i++, o++) fn(c.text[o] ?? '', i);
    }
  }

  /** Entries as the API gives them (a batch of one stream, in its order). */
  add(entries: readonly JournalEntry[]): void {
    this.addLines(
      entries.map((e) => ({
        time: parseEntryTime(e.time),
        stream: e.stream,
        text: e.text,
        machineId: e.machineId,
        hostname: e.hostname,
        unit: e.unit,
      })),
    );
  }

  /** A line of the viewer's own (unit moved, journal rotated), placed at its time. */
  addNotice(time: number, text: string): void {
    this.addLines([{ time, stream: 'notice', text, machineId: '', hostname: '' }]);
  }

  addLines(lines: readonly NewLine[]): void {
    if (lines.length === 0) return;
    const rows: Pending[] = lines.map((l) => {
      const src = this.sourceFor(l);
      return {
        time: l.time,
        meta: (src.index << 2) | STREAMS.indexOf(l.stream),
        text: l.text,
        machine: this.machineOf[src.index]!,
      };
    });
    const changes: StoreChange[] = [];
    // Fast path: in order after the last line (nearly always).
    let i = 0;
    let from = this.len;
    while (i < rows.length && this.fitsAtEnd(rows[i]!)) this.push(rows[i++]!);
    if (i < rows.length) from = Math.min(from, this.merge(rows.slice(i)));
    changes.push({ kind: 'tail', from: this.dropped + from });
    if (this.len > this.cap) {
      const count = this.len - this.cap;
      this.dropHead(count);
      changes.push({ kind: 'drop', count });
    }
    this.changed(changes);
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.len = 0;
    this.dropped = 0;
    this.sourceList = [];
    this.sourceByKey = new Map();
    this.machineOf = [];
    this.machineNo = new Map();
    this.changed([{ kind: 'clear' }]);
  }

  // ------------------------------------------------------------------------------ internals

  private changed(changes: StoreChange[]): void {
    this.version++;
    for (const l of this.listeners) l(changes);
  }

  private sourceFor(l: NewLine): Source {
    const key = l.stream === 'notice' ? NOTICE_KEY : `${l.machineId}\u0000${l.unit ?? ''}`;
    let s = this.sourceByKey.get(key);
    if (!s) {
      s = {
        index: this.sourceList.length,
        key,
        machineId: l.machineId,
        hostname: l.hostname,
        unit: l.unit,
        count: 0,
      };
      this.sourceList.push(s);
      this.sourceByKey.set(key, s);
      let m = -1;
      if (key !== NOTICE_KEY) {
        m = this.machineNo.get(l.machineId) ?? this.machineNo.size;
        this.machineNo.set(l.machineId, m);
      }
      this.machineOf.push(m);
    }
    return s;
  }

  private machineAt(i: number): number {
    const p = this.head + i;
    return this.machineOf[this.chunks[p >> SHIFT]!.meta[p & MASK]! >>> 2]!;
  }

  private fitsAtEnd(r: Pending): boolean {
    if (this.len === 0) return true;
    const last = this.len - 1;
    return this.time(last) <= r.time || (r.machine !== -1 && this.machineAt(last) === r.machine);
  }

  private push(r: Pending): void {
    const p = this.head + this.len;
    if (p >> SHIFT >= this.chunks.length) this.chunks.push(newChunk());
    const c = this.chunks[p >> SHIFT]!;
    c.time[p & MASK] = r.time;
    c.meta[p & MASK] = r.meta;
    c.text[p & MASK] = r.text;
    this.len++;
    this.sourceList[r.meta >>> 2]!.count++;
  }

  /** Where a row would go scanning back from the end: past later lines of other machines only. */
  private insertionPoint(r: Pending): number {
    let p = this.len;
    while (p > 0 && this.time(p - 1) > r.time && (r.machine === -1 || this.machineAt(p - 1) !== r.machine))
      p--;
    return p;
  }

  /**
   * Re-merges the tail from the earliest place a new row can go: every machine's rows (the
   * tail's, then the new ones) stay in their order, and the machines' runs are merged by time,
   * the earliest head first (ties: the tail's rows first). Returns where the tail starts.
   */
  private merge(rows: Pending[]): number {
    const firstOf = new Map<number, Pending>();
    for (const r of rows) if (r.machine === -1 || !firstOf.has(r.machine)) firstOf.set(r.machine, r);
    let from = this.len;
    for (const r of rows)
      if (r.machine === -1 || firstOf.get(r.machine) === r) from = Math.min(from, this.insertionPoint(r));

    const queues = new Map<number, Pending[]>();
    const enqueue = (r: Pending) => {
      const q = queues.get(r.machine);
      if (q) q.push(r);
      else queues.set(r.machine, [r]);
    };
    for (let i = from; i < this.len; i++) {
      const p = this.head + i;
      const c = this.chunks[p >> SHIFT]!;
      const meta = c.meta[p & MASK]!;
      enqueue({
        time: c.time[p & MASK]!,
        meta,
        text: c.text[p & MASK] ?? '',
        machine: this.machineOf[meta >>> 2]!,
      });
    }
    for (const r of rows) enqueue(r);
    this.truncate(from);

    // Notices are one queue but not one machine: theirs is ordered by time, not arrival.
    queues.get(-1)?.sort((a, b) => a.time - b.time);
    const lists = [...queues.values()];
    const at = lists.map(() => 0);
    for (;;) {
      let best = -1;
      for (let k = 0; k < lists.length; k++) {
        const r = lists[k]![at[k]!];
        if (r && (best < 0 || r.time < lists[best]![at[best]!]!.time)) best = k;
      }
      if (best < 0) break;
      this.push(lists[best]![at[best]!++]!);
    }
    return from;
  }

  private truncate(to: number): void {
    for (let i = to; i < this.len; i++) {
      const p = this.head + i;
      const c = this.chunks[p >> SHIFT]!;
      this.sourceList[c.meta[p & MASK]! >>> 2]!.count--;
      c.text[p & MASK] = undefined;
    }
    this.len = to;
    if (this.len === 0) {
      this.chunks = [];
      this.head = 0;
    } else this.chunks.length = (this.head + this.len + MASK) >> SHIFT;
  }

  private dropHead(count: number): void {
    for (let i = 0; i < count; i++) {
      const p = this.head + i;
      const c = this.chunks[p >> SHIFT]!;
      this.sourceList[c.meta[p & MASK]! >>> 2]!.count--;
      c.text[p & MASK] = undefined;
    }
    this.head += count;
    this.len -= count;
    this.dropped += count;
    const whole = this.head >> SHIFT;
    if (whole > 0) {
      this.chunks.splice(0, whole);
      this.head &= MASK;
    }
  }
}
