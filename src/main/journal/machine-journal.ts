// One machine's journal on disk: `<dir>/<machineId>/` holds `machine.json` (its host name) and
// segment files `<first seq, 20 digits>.journal`, each a run of JSON lines
//   {"seq":1,"time":"2026-11-22T02:51:03.123456Z","unit":"hello.service","stream":"stdout","text":"Hello World"}
// in seq order. The newest segment takes appends until it would pass `segmentBytes`; then a new one
// starts and the oldest beyond `maxSegments` is deleted, so a journal never holds much more than
// segmentBytes × maxSegments. A segment's name is the seq of its first entry, which is what makes
// a cursor's position findable after rotation and the next seq known even from an empty segment.
//
// Hand-written: no maintained npm package offers an appendable, rotated log that can also be read
// backwards and from a sequence number (rotating-file-stream and the like only write).
//
// Writes are batched in memory and appended every `flushDelayMs` (and on close), without fsync:
// journald does not fsync each line either (it syncs on a timer and for critical messages), and a
// crash loses at most the last few milliseconds. A torn last line is cut off when the journal is
// opened again; readers skip any line that does not parse.

import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDate, formatMicros, normalizeTime, nowMicros } from './time';

export type JournalStream = 'stdout' | 'stderr' | 'system';

/** An entry as stored (the wire's JournalEntry without machine, host name and cursor). */
export interface StoredEntry {
  seq: number;
  time: string;
  unit?: string;
  stream: JournalStream;
  text: string;
}

export interface JournalLimits {
  /** A segment file is closed once the next line would take it past this. Default 4 MiB. */
  segmentBytes: number;
  /** Segment files kept per machine; starting one more deletes the oldest. Default 8. */
  maxSegments: number;
  /** How long written lines wait in memory before they are appended together. Default 5 ms. */
  flushDelayMs: number;
  /** Longer texts are split into several entries of at most this many characters (journald's
   *  LineMax). Default 48 Ki. */
  lineMax: number;
}

export const DEFAULT_LIMITS: JournalLimits = {
  segmentBytes: 4 * 1024 * 1024,
  maxSegments: 8,
  flushDelayMs: 5,
  lineMax: 48 * 1024,
};

/** What a writer gives: the journal adds seq and (unless given) the time. */
export interface WriteEntry {
  unit?: string;
  stream: JournalStream;
  text: string;
  /** When it happened: a Date, or an RFC 3339 string (kept to the µs). Default: now. */
  time?: Date | string;
}

/** A page read from one machine's journal. */
export interface ReadResult {
  entries: StoredEntry[];
  /** Every matching entry up to the head was read (none left after the returned ones). */
  exhausted: boolean;
  /** Set when entries after the requested position were rotated away: the oldest kept seq. */
  rotatedTo?: number;
}

const SEGMENT = /^(\d{20})\.journal$/;
const segmentName = (first: number) => `${String(first).padStart(20, '0')}.journal`;
const META = 'machine.json';

interface Segment {
  first: number;
  path: string;
  size: number;
}

/** The seq at the start of a stored line, without parsing the rest (lines start `{"seq":N,`). */
function seqOf(line: string): number | undefined {
  if (!line.startsWith('{"seq":')) return undefined;
  const end = line.indexOf(',', 7);
  const n = Number(line.slice(7, end));
  return end > 7 && Number.isSafeInteger(n) ? n : undefined;
}

function parseLine(line: string): StoredEntry | undefined {
  try {
    const e = JSON.parse(line) as StoredEntry;
    return typeof e.seq === 'number' && typeof e.text === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Segment[] = [];
  for (const n of names) {
    const m = SEGMENT.exec(n);
    if (!m) continue;
    const path = join(dir, n);
    try {
      out.push({ first: Number(m[1]), path, size: statSync(path).size });
    } catch {
      // deleted between readdir and stat: rotated away
    }
  }
  return out.sort((a, b) => a.first - b.first);
}

/** The host name a journal was last opened with (for journals of machines not running now). */
export function readHostname(dir: string): string | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, META), 'utf8')) as { hostname?: unknown };
    return typeof meta.hostname === 'string' ? meta.hostname : undefined;
  } catch {
    return undefined;
  }
}

export class MachineJournal {
  private segments: Segment[];
  private nextSeq = 1;
  /** Seq of the last entry appended to the files: what readers see. */
  private flushed = 0;
  private pending: Array<{ entry: StoredEntry; line: string }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private io: Promise<void> = Promise.resolve();
  private fh: FileHandle | undefined;
  /** Unit → time of its last stdout/stderr entry (null: it has none); filled as asked. */
  private readonly lastOutput = new Map<string, string | null>();
  private closed = false;
  /** The last failure to append (disk full…): said in read notices. */
  writeError: string | undefined;

  private constructor(
    readonly dir: string,
    readonly machineId: string,
    public hostname: string,
    private readonly limits: JournalLimits,
    private readonly onFlushed: ((j: MachineJournal, entries: StoredEntry[]) => void) | undefined,
    readonly writable: boolean,
  ) {
    this.segments = listSegments(dir);
    this.recoverTail();
  }

  /** Opens (creating it if needed) the journal to write; cuts a torn last line. */
  static open(
    dir: string,
    machineId: string,
    hostname: string,
    limits: JournalLimits,
    onFlushed: (j: MachineJournal, entries: StoredEntry[]) => void,
  ): MachineJournal {
    mkdirSync(dir, { recursive: true });
    const j = new MachineJournal(dir, machineId, hostname, limits, onFlushed, true);
    j.setHostname(hostname, true);
    return j;
  }

  /** A read-only view of a journal on disk (a machine not running in this process). */
  static view(dir: string, machineId: string, limits: JournalLimits): MachineJournal {
    return new MachineJournal(
      dir,
      machineId,
      readHostname(dir) ?? machineId.slice(0, 8),
      limits,
      undefined,
      false,
    );
  }

  setHostname(hostname: string, force = false): void {
    if (!force && hostname === this.hostname) return;
    this.hostname = hostname;
    if (readHostname(this.dir) === hostname) return;
    const tmp = join(this.dir, `${META}.tmp`);
    writeFileSync(tmp, JSON.stringify({ machineId: this.machineId, hostname }) + '\n');
    renameSync(tmp, join(this.dir, META));
  }

  /** Seq of the newest entry readers can see (0: none). */
  get head(): number {
    return this.flushed;
  }

  /** Seq of the oldest entry still kept (head + 1 when there is none). */
  get oldest(): number {
    return this.segments[0]?.first ?? this.flushed + 1;
  }

  // ---------------------------------------------------------------------------------- writing

  write(e: WriteEntry): void {
    if (this.closed || !this.writable) return;
    const time =
      e.time === undefined
        ? formatMicros(nowMicros())
        : typeof e.time === 'string'
          ? (normalizeTime(e.time) ?? formatMicros(nowMicros()))
          : formatDate(e.time);
    const max = this.limits.lineMax;
    const parts: string[] = [];
    if (e.text.length <= max) parts.push(e.text);
    else for (let i = 0; i < e.text.length; i += max) parts.push(e.text.slice(i, i + max));
    for (const text of parts) {
      const seq = this.nextSeq++;
      // Key order matters: seq first (seqOf), unit before stream (lastOutputTime's needle).
      const entry: StoredEntry =
        e.unit !== undefined
          ? { seq, time, unit: e.unit, stream: e.stream, text }
          : { seq, time, stream: e.stream, text };
      this.pending.push({ entry, line: JSON.stringify(entry) + '\n' });
    }
    if (e.unit !== undefined && e.stream !== 'system') {
      const prev = this.lastOutput.get(e.unit);
      if (prev === undefined || prev === null || prev < time) this.lastOutput.set(e.unit, time);
    }
    this.timer ??= setTimeout(() => void this.flush(), this.limits.flushDelayMs);
  }

  /** Appends what is pending; resolves when every write so far is in the files. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.io = this.io.then(() => this.append(batch));
    }
    return this.io;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => undefined);
  }

  /** Time of the unit's last stdout/stderr entry (its output's clock is Docker's, not ours). */
  lastOutputTime(unit: string): string | undefined {
    const known = this.lastOutput.get(unit);
    if (known !== undefined) return known ?? undefined;
    // Newest segment first; the key order of stored lines makes this substring exact.
    const needle = `"unit":${JSON.stringify(unit)},"stream":"std`;
    let found: string | null = null;
    for (let i = this.segments.length - 1; i >= 0 && found === null; i--) {
      let text: string;
      try {
        text = readFileSync((this.segments[i] as Segment).path, 'utf8');
      } catch {
        continue;
      }
      let at = text.lastIndexOf(needle);
      while (at >= 0) {
        const start = text.lastIndexOf('\n', at) + 1;
        const end = text.indexOf('\n', at);
        const e = parseLine(text.slice(start, end < 0 ? undefined : end));
        if (e && e.unit === unit) {
          found = e.time;
          break;
        }
        at = start > 0 ? text.lastIndexOf(needle, start - 1) : -1;
      }
    }
    // A write may have come in while we read: keep the later of the two.
    const now = this.lastOutput.get(unit);
    const best = now && (!found || now > found) ? now : found;
    this.lastOutput.set(unit, best);
    return best ?? undefined;
  }

  private async append(batch: Array<{ entry: StoredEntry; line: string }>): Promise<void> {
    try {
      let chunk = '';
      let bytes = 0;
      for (const { entry, line } of batch) {
        const n = Buffer.byteLength(line);
        const seg = this.segments.at(-1);
        if (!seg || (seg.size + bytes + n > this.limits.segmentBytes && seg.size + bytes > 0)) {
          if (chunk) await this.appendToActive(chunk, bytes);
          chunk = '';
          bytes = 0;
          await this.rotate(entry.seq);
        }
        chunk += line;
        bytes += n;
      }
      if (chunk) await this.appendToActive(chunk, bytes);
      this.writeError = undefined;
    } catch (err) {
      // The entries still go to followers; what is on disk resumes with the next batch.
      this.writeError = (err as Error).message;
      await this.fh?.close().catch(() => undefined);
      this.fh = undefined;
    }
    this.flushed = (batch.at(-1) as { entry: StoredEntry }).entry.seq;
    this.onFlushed?.(
      this,
      batch.map((b) => b.entry),
    );
  }

  private async appendToActive(text: string, bytes: number): Promise<void> {
    const seg = this.segments.at(-1) as Segment;
    this.fh ??= await open(seg.path, 'a');
    await this.fh.write(text);
    seg.size += bytes;
  }

  private async rotate(first: number): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
    const path = join(this.dir, segmentName(first));
    this.fh = await open(path, 'a');
    this.segments.push({ first, path, size: 0 });
    while (this.segments.length > this.limits.maxSegments) {
      const old = this.segments.shift() as Segment;
      await unlink(old.path).catch(() => undefined);
    }
  }

  /** Finds the last seq; a writer also cuts a torn last line (a crash mid-append). */
  private recoverTail(): void {
    const last = this.segments.at(-1);
    if (!last) return;
    const buf = readFileSync(last.path);
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end < buf.length && this.writable) {
      truncateSync(last.path, end);
      last.size = end;
    }
    const lines = buf.subarray(0, end).toString('utf8').split('\n');
    let lastSeq: number | undefined;
    for (let i = lines.length - 1; i >= 0 && lastSeq === undefined; i--) {
      lastSeq = parseLine(lines[i] as string)?.seq;
    }
    this.nextSeq = lastSeq !== undefined ? Math.max(lastSeq + 1, last.first) : last.first;
    this.flushed = this.nextSeq - 1;
  }

  // ---------------------------------------------------------------------------------- reading

  /**
   * Up to `limit` entries with seq > `after` (and ≤ `head`) that `match` accepts (a cheap test of
   * the stored line; `accept` the exact one on the parsed entry), oldest first.
   */
  async readForward(
    after: number,
    limit: number,
    head: number,
    match: (line: string) => boolean,
    accept: (e: StoredEntry) => boolean,
  ): Promise<ReadResult> {
    const segs = [...this.segments];
    const out: ReadResult = { entries: [], exhausted: true };
    if (after >= head) return out;
    if (segs.length === 0 || after + 1 < (segs[0] as Segment).first) {
      out.rotatedTo = segs[0]?.first ?? head + 1;
    }
    let i = 0;
    while (i + 1 < segs.length && (segs[i + 1] as Segment).first <= after + 1) i++;
    for (; i < segs.length; i++) {
      const seg = segs[i] as Segment;
      if (seg.first > head) break;
      let text: string;
      try {
        text = await readFile(seg.path, 'utf8');
      } catch {
        // Rotated away while we read: what it held is gone.
        out.rotatedTo ??= (segs[i + 1] as Segment | undefined)?.first ?? head + 1;
        continue;
      }
      let pos = 0;
      while (pos < text.length) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        const line = text.slice(pos, nl);
        pos = nl + 1;
        const seq = seqOf(line);
        if (seq === undefined || seq <= after) continue;
        if (seq > head) return out;
        if (!match(line)) continue;
        const e = parseLine(line);
        if (!e || !accept(e)) continue;
        if (out.entries.length === limit) {
          out.exhausted = false;
          return out;
        }
        out.entries.push(e);
      }
    }
    return out;
  }

  /** The last `limit` entries with seq ≤ `head` that match, oldest first. */
  async readBackward(
    limit: number,
    head: number,
    match: (line: string) => boolean,
    accept: (e: StoredEntry) => boolean,
  ): Promise<StoredEntry[]> {
    const segs = [...this.segments];
    const out: StoredEntry[] = [];
    for (let i = segs.length - 1; i >= 0 && out.length < limit; i--) {
      const seg = segs[i] as Segment;
      if (seg.first > head) continue;
      let text: string;
      try {
        text = await readFile(seg.path, 'utf8');
      } catch {
        continue;
      }
      let end = text.length;
      while (end > 0 && out.length < limit) {
        const nl = text.lastIndexOf('\n', end - 1);
        const line = text.slice(nl + 1, end);
        end = nl < 0 ? 0 : nl;
        const seq = seqOf(line);
        if (seq === undefined || seq > head || !match(line)) continue;
        const e = parseLine(line);
        if (e && accept(e)) out.push(e);
      }
    }
    return out.reverse();
  }
}
