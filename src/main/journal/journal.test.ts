import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalBatch, JournalEntry } from '../../shared/api';
import { ClusterJournals, CursorError } from '.';
import { normalizeTime } from './time';

// Real files in a temp dir per test; every ClusterJournals is closed and the dir removed after.
const dirs: string[] = [];
const open: ClusterJournals[] = [];

async function journals(opts: ConstructorParameters<typeof ClusterJournals>[1] = {}, dir?: string) {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'jtest-journal-')));
  if (!dir) dirs.push(d);
  const j = new ClusterJournals(d, opts);
  open.push(j);
  return j;
}

afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const M1 = 'a1'.repeat(16);
const M2 = 'b2'.repeat(16);
const texts = (b: { entries: JournalEntry[] }) => b.entries.map((e) => e.text);
const at = (s: number, us = 0) =>
  `2020-01-02T03:04:${String(s).padStart(2, '0')}.${String(us).padStart(6, '0')}Z`;

async function dirBytes(d: string): Promise<{ files: string[]; bytes: number }> {
  const files = (await readdir(d)).filter((f) => f.endsWith('.journal')).sort();
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(d, f))).size;
  return { files, bytes };
}

describe('time', () => {
  it("normalizes Docker's RFC3339Nano to six fraction digits, cutting, never rounding up", () => {
    expect(normalizeTime('2026-11-22T02:51:03.123456789Z')).toBe('2026-11-22T02:51:03.123456Z');
    expect(normalizeTime('2026-11-22T02:51:03.1Z')).toBe('2026-11-22T02:51:03.100000Z');
    expect(normalizeTime('2026-11-22T02:51:03Z')).toBe('2026-11-22T02:51:03.000000Z');
    expect(normalizeTime('2026-11-22T04:51:03.5+02:00')).toBe('2026-11-22T02:51:03.500000Z');
    expect(normalizeTime('yesterday')).toBeUndefined();
  });
});

describe('ClusterJournals', () => {
  it('stores entries with seq, µs UTC time, unit and stream, and reads the last N', async () => {
    const j = await journals();
    const sink = j.machine(M1, 'core-01');
    sink.write({ unit: 'hello.service', stream: 'system', text: 'Starting Hello World...' });
    sink.write({ unit: 'hello.service', stream: 'stdout', text: 'Hello World', time: at(3, 123456) });
    sink.write({ unit: 'hello.service', stream: 'stderr', text: 'oops' });
    sink.write({ stream: 'system', text: 'machine line' });
    const all = await j.read({});
    // One machine's entries stay in seq order (the order they came in), whatever their times.
    expect(all.entries.map((e) => [e.seq, e.unit, e.stream, e.text])).toEqual([
      [1, 'hello.service', 'system', 'Starting Hello World...'],
      [2, 'hello.service', 'stdout', 'Hello World'],
      [3, 'hello.service', 'stderr', 'oops'],
      [4, undefined, 'system', 'machine line'],
    ]);
    for (const e of all.entries) {
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(e).toMatchObject({ machineId: M1, hostname: 'core-01' });
    }
    expect(all.entries[1]?.time).toBe(at(3, 123456));
    expect(texts(await j.read({ lines: 2 }))).toEqual(['oops', 'machine line']);
    expect(sink.lastTime('hello.service')?.getTime()).toBeGreaterThan(Date.parse(at(3)));
    expect(sink.lastTime('nothing.service')).toBeUndefined();
  });

  it('opens again after close: a cluster stopped and started in one app keeps its journal', async () => {
    const j = await journals();
    j.machine(M1, 'core-01').write({ unit: 'a.service', stream: 'stdout', text: 'before stop' });
    await j.close();
    const sink = j.machine(M1, 'core-01');
    sink.write({ unit: 'a.service', stream: 'stdout', text: 'after start' });
    expect(texts(await j.read({}))).toEqual(['before stop', 'after start']);
    expect((await j.read({})).entries.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('rotation keeps each machine within segments × size, dropping the oldest entries', async () => {
    const j = await journals({ segmentBytes: 1024, maxSegments: 3 });
    const sink = j.machine(M1, 'core-01');
    for (let i = 1; i <= 500; i++) sink.write({ unit: 'a.service', stream: 'stdout', text: `line ${i}` });
    await j.read({ lines: 0 });
    const { files, bytes } = await dirBytes(join(j.dir, M1));
    expect(files).toHaveLength(3);
    expect(bytes).toBeLessThanOrEqual(3 * 1024);
    const kept = await j.read({ lines: 1000 });
    expect(kept.entries.at(-1)?.text).toBe('line 500');
    const first = kept.entries[0]?.seq ?? 0;
    expect(first).toBeGreaterThan(400);
    // What is kept is contiguous: the oldest went, nothing in between.
    expect(kept.entries.map((e) => e.seq)).toEqual(
      Array.from({ length: 500 - first + 1 }, (_, i) => first + i),
    );
  });

  it('a restart keeps seq and content; a torn last line is cut and its seq reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jtest-journal-'));
    dirs.push(dir);
    const a = await journals({}, dir);
    const s1 = a.machine(M1, 'core-01');
    for (let i = 1; i <= 3; i++) s1.write({ unit: 'u.service', stream: 'stdout', text: `before ${i}` });
    await a.close();

    // A crash in the middle of appending the fourth line.
    const [seg] = (await readdir(join(dir, M1))).filter((f) => f.endsWith('.journal'));
    const file = join(dir, M1, seg as string);
    const good = (await stat(file)).size;
    const { appendFile } = await import('node:fs/promises');
    await appendFile(file, '{"seq":4,"time":"2026-11-22T02:5');
    expect((await stat(file)).size).toBeGreaterThan(good);

    const b = await journals({}, dir);
    const s2 = b.machine(M1, 'core-01');
    expect((await stat(file)).size).toBe(good);
    s2.write({ unit: 'u.service', stream: 'stdout', text: 'after' });
    const r = await b.read({});
    expect(r.entries.map((e) => `${e.seq} ${e.text}`)).toEqual([
      '1 before 1',
      '2 before 2',
      '3 before 3',
      '4 after',
    ]);
    expect(s2.lastTime('u.service')).toBeDefined();

    // A torn line also when a reader (not the writer) opens it: skipped, not an error.
    await b.close();
    await truncate(file, (await stat(file)).size - 5);
    const c = await journals({}, dir);
    expect(texts(await c.read({}))).toEqual(['before 1', 'before 2', 'before 3']);
    expect((await readFile(join(dir, M1, 'machine.json'), 'utf8')).includes('core-01')).toBe(true);
  });

  it('merges machines by time; a cursor resumes without repeating or skipping, per machine', async () => {
    const j = await journals();
    const a = j.machine(M1, 'core-01');
    const b = j.machine(M2, 'core-02');
    a.write({ unit: 'x.service', stream: 'stdout', text: 'a1', time: at(1) });
    b.write({ unit: 'x.service', stream: 'stdout', text: 'b2', time: at(2) });
    a.write({ unit: 'x.service', stream: 'stdout', text: 'a3', time: at(3) });
    b.write({ unit: 'x.service', stream: 'stdout', text: 'b3', time: at(3) }); // tie: machine id
    a.write({ unit: 'x.service', stream: 'stdout', text: 'a5', time: at(5) });
    const last2 = await j.read({ lines: 2 });
    expect(texts(last2)).toEqual(['b3', 'a5']);
    expect(texts(await j.read({ after: last2.cursor }))).toEqual([]);
    // Page through everything two at a time from the start.
    const seen: string[] = [];
    let cursor = (await j.read({ lines: 0 })).cursor; // everything seen so far: at the end
    expect(texts(await j.read({ after: cursor }))).toEqual([]);
    const { encodeCursor } = await import('./cursor');
    cursor = encodeCursor(new Map());
    for (;;) {
      const page = await j.read({ after: cursor, lines: 2 });
      if (page.entries.length === 0) break;
      seen.push(...texts(page));
      cursor = page.cursor;
    }
    expect(seen).toEqual(['a1', 'b2', 'a3', 'b3', 'a5']);
    // An entry's own cursor resumes right after it, across both machines.
    const all = await j.read({});
    const b2 = all.entries.find((e) => e.text === 'b2') as JournalEntry;
    expect(texts(await j.read({ after: b2.cursor }))).toEqual(['a3', 'b3', 'a5']);
    // New lines after a cursor, on both machines.
    b.write({ unit: 'x.service', stream: 'stdout', text: 'b6', time: at(6) });
    a.write({ unit: 'x.service', stream: 'stdout', text: 'a7', time: at(7) });
    expect(texts(await j.read({ after: all.cursor }))).toEqual(['b6', 'a7']);
    await expect(j.read({ after: 'nonsense' })).rejects.toBeInstanceOf(CursorError);
  });

  it('filters by machine and unit', async () => {
    const j = await journals();
    const a = j.machine(M1, 'core-01');
    const b = j.machine(M2, 'core-02');
    a.write({ unit: 'one.service', stream: 'stdout', text: 'a-one' });
    a.write({ unit: 'two.service', stream: 'stdout', text: 'a-two "unit":"one.service",' });
    b.write({ unit: 'one.service', stream: 'stderr', text: 'b-one' });
    b.write({ stream: 'system', text: 'b-machine' });
    expect(texts(await j.read({ machineIds: [M2] }))).toEqual(['b-one', 'b-machine']);
    expect(texts(await j.read({ units: ['one.service'] }))).toEqual(['a-one', 'b-one']);
    expect(texts(await j.read({ units: ['one.service'], machineIds: [M1] }))).toEqual(['a-one']);
    expect(texts(await j.read({ machineIds: ['c3'.repeat(16)] }))).toEqual([]);
    // A filtered cursor resumes the filtered view.
    const r = await j.read({ units: ['two.service'] });
    a.write({ unit: 'one.service', stream: 'stdout', text: 'a-one again' });
    a.write({ unit: 'two.service', stream: 'stdout', text: 'a-two again' });
    expect(texts(await j.read({ units: ['two.service'], after: r.cursor }))).toEqual(['a-two again']);
  });

  it('a cursor whose position was rotated away resumes at the oldest kept entry, with a notice', async () => {
    const j = await journals({ segmentBytes: 512, maxSegments: 2 });
    const sink = j.machine(M1, 'core-01');
    sink.write({ stream: 'system', text: 'first' });
    const r = await j.read({});
    for (let i = 0; i < 100; i++) sink.write({ stream: 'system', text: `filler ${i}` });
    const next = await j.read({ after: r.cursor, lines: 1 });
    expect(next.notices.join()).toMatch(/core-01: entries 2–\d+ were rotated away.*oldest kept entry/);
    const oldest = next.entries[0] as JournalEntry;
    expect(oldest.seq).toBeGreaterThan(2);
    // ... and from there on without a gap or a repeat.
    const rest = await j.read({ after: next.cursor, lines: 1000 });
    expect(rest.notices).toEqual([]);
    expect(rest.entries[0]?.seq).toBe(oldest.seq + 1);
    expect(rest.entries.at(-1)?.text).toBe('filler 99');
  });

  it('follow gives the backlog then live batches, every entry once, through a 20,000-line burst', async () => {
    const j = await journals({ segmentBytes: 256 * 1024, maxSegments: 64 });
    const a = j.machine(M1, 'core-01');
    const b = j.machine(M2, 'core-02');
    for (let i = 0; i < 5; i++) a.write({ unit: 'x.service', stream: 'stdout', text: `old ${i}` });
    const batches: JournalBatch[] = [];
    const stop = j.follow({ lines: 3 }, (batch) => batches.push(batch));
    // Written before the backlog has been read: must come exactly once, in the backlog or live.
    a.write({ unit: 'x.service', stream: 'stdout', text: 'racing' });
    await expect.poll(() => batches.length).toBeGreaterThan(0);
    expect(texts(batches[0] as JournalBatch)).toEqual(['old 3', 'old 4', 'racing']);

    const N = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      (i % 2 ? a : b).write({ unit: 'burst.service', stream: 'stdout', text: `burst ${i}` });
    }
    const got = () => batches.flatMap((x) => x.entries).filter((e) => e.unit === 'burst.service');
    await expect.poll(() => got().length, { timeout: 10_000 }).toBe(N);
    const ms = performance.now() - t0;
    expect(batches.length).toBeLessThan(N / 10); // batched, not one emit per line
    const perMachine = (id: string) =>
      got()
        .filter((e) => e.machineId === id)
        .map((e) => Number(e.text.split(' ')[1]));
    expect(perMachine(M1)).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i + 1));
    expect(perMachine(M2)).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i));
    // The last batch's cursor is where a reconnecting follower resumes: nothing left after it.
    expect((await j.read({ after: batches.at(-1)?.cursor })).entries).toEqual([]);
    stop();
    a.write({ unit: 'x.service', stream: 'stdout', text: 'after stop' });
    await j.read({ lines: 0 });
    expect(batches.flatMap((x) => x.entries).some((e) => e.text === 'after stop')).toBe(false);
    console.log(`journal: ${N} lines written and followed in ${ms.toFixed(0)} ms`);
  });

  it('follow from a cursor pages through a long backlog and filters live lines by unit', async () => {
    const j = await journals();
    const a = j.machine(M1, 'core-01');
    const start = (await j.read({ lines: 0 })).cursor;
    for (let i = 0; i < 12_000; i++) a.write({ unit: 'x.service', stream: 'stdout', text: `x ${i}` });
    a.write({ unit: 'y.service', stream: 'stdout', text: 'y' });
    const batches: JournalBatch[] = [];
    const stop = j.follow({ after: start, units: ['x.service'] }, (batch) => batches.push(batch));
    await expect.poll(() => batches.flatMap((x) => x.entries).length, { timeout: 5000 }).toBe(12_000);
    a.write({ unit: 'y.service', stream: 'stdout', text: 'y live' });
    a.write({ unit: 'x.service', stream: 'stdout', text: 'x live' });
    await expect.poll(() => batches.flatMap((x) => x.entries).at(-1)?.text).toBe('x live');
    expect(batches.flatMap((x) => x.entries).some((e) => e.unit === 'y.service')).toBe(false);
    stop();
    expect(() => j.follow({ after: 'j1.%%%' }, () => undefined)).toThrow(CursorError);
  });
});
