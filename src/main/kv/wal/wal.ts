// Write-ahead log: durable storage of the Raft core's output (entries, hard state, snapshot
// markers) in append-only segment files, plus snapshot files. Layout under the member's data dir:
//   <dir>/wal/<seq:016x>-<firstIndex:016x>.wal   segments (see codec.ts for the record format)
//   <dir>/snap/<term:016x>-<index:016x>.snap     snapshot files
// Every segment begins with a header record and then repeats the latest snapshot marker and hard
// state, so older segments can be deleted (releaseTo) without losing anything replay needs.
import { open, readFile, readdir, rename, unlink, mkdir, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types';
import {
  RecordType,
  WalFormatError,
  decodeEntry,
  decodeHardState,
  decodeSegmentHeader,
  decodeSnapshotFile,
  decodeSnapshotMetadata,
  encodeEntry,
  encodeHardState,
  encodeSegmentHeader,
  encodeSnapshotFile,
  encodeSnapshotMetadata,
  findValidRecordAfter,
  frameRecords,
  isKnownRecordType,
  readRecordAt,
} from './codec';
import type { RawRecord, RecordSpec } from './codec';
import { LogModel } from './log-model';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface WalLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What was just made durable: 'wal' = fdatasync of a segment, 'walDir'/'snapDir' = fsync of a
 *  directory after creating or renaming a file in it, 'snap' = fsync of a snapshot file. */
export type WalSyncKind = 'wal' | 'walDir' | 'snap' | 'snapDir';

export interface WalOptions {
  /** Start a new segment once the current one has reached this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Receives recovery warnings (torn tail truncated, damaged snapshot skipped, ...). */
  logger?: WalLogger;
  /** Called after each real sync completes; for observation (tests, metrics) only. */
  onSync?: (kind: WalSyncKind, path: string) => void;
}

export interface WalCreateOptions extends WalOptions {
  /** Opaque member metadata (e.g. node and cluster id), returned by every open. */
  metadata: Uint8Array;
}

export interface WalReplay {
  metadata: Uint8Array;
  /** Latest hard state saved, or undefined if none ever was. */
  hardState: HardState | undefined;
  /** The effective log after the last snapshot marker (later writes at index i replace any
   *  earlier entries >= i). */
  entries: Entry[];
  /** The last snapshot marker in the WAL, if any. */
  snapshot: SnapshotMetadata | undefined;
}

export interface WalOpened extends WalReplay {
  wal: Wal;
}

export interface LoadedSnapshot {
  /** Newest intact snapshot file that the WAL can continue from; undefined if none exists and
   *  the WAL holds the whole log from its start. */
  snapshot: Snapshot | undefined;
  /** Effective log entries after that snapshot (may differ from WalReplay.entries when a newer
   *  snapshot file was damaged and an older one was used). */
  entries: Entry[];
}

/** The WAL is damaged somewhere other than a torn tail; the member must not start from it. */
export class WalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    dataDir: string,
  ) {
    super(
      `WAL corrupt: ${file} at byte offset ${offset}: ${reason}. Refusing to open, because entries ` +
        `after this point cannot be trusted. Restore this member from a healthy peer: remove it from ` +
        `the cluster, delete its data directory (${dataDir}) and add it back; or restore the ` +
        `directory from a backup.`,
    );
    this.name = 'WalCorruptError';
  }
}

interface SegmentInfo {
  seq: number;
  firstIndex: number;
  path: string;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
const SNAP_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

const hex16 = (n: number): string => n.toString(16).padStart(16, '0');
const segmentName = (seq: number, firstIndex: number): string => `${hex16(seq)}-${hex16(firstIndex)}.wal`;
const snapName = (term: number, index: number): string => `${hex16(term)}-${hex16(index)}.snap`;

const consoleLogger: WalLogger = {
  warn: (message, fields) => console.warn(`[wal] ${message}`, fields ?? ''),
};

async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    if (bytesWritten <= 0) throw new Error('WAL: write made no progress');
    off += bytesWritten;
  }
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function checkOptions(opts: WalOptions): void {
  if (opts.segmentBytes !== undefined && !(opts.segmentBytes > 0)) {
    throw new RangeError('WAL: segmentBytes must be positive');
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

interface ScannedSegment {
  records: RawRecord[];
  /** Offset just past the last intact record. */
  end: number;
  lastCrc: number;
  torn: boolean;
}

export class Wal {
  private readonly walDir: string;
  private readonly snapDir: string;
  private readonly segmentBytes: number;
  private readonly logger: WalLogger;
  private readonly onSync: ((kind: WalSyncKind, path: string) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  private closed = false;
  /** Snapshot markers seen by replay; kept until the first mutation for loadNewestSnapshot. */
  private replayMarkers: SnapshotMetadata[] | undefined;

  private constructor(
    private readonly dir: string,
    opts: WalOptions,
    private readonly metadata: Uint8Array,
    private segments: SegmentInfo[],
    private fh: FileHandle,
    /** Bytes in the active segment; all of them are synced (writes are synced before counting). */
    private size: number,
    private lastCrc: number,
    private hardState: HardState | undefined,
    private lastSnapshot: SnapshotMetadata | undefined,
    private readonly model: LogModel,
    replayMarkers: SnapshotMetadata[] | undefined,
  ) {
    this.walDir = join(dir, 'wal');
    this.snapDir = join(dir, 'snap');
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.logger = opts.logger ?? consoleLogger;
    this.onSync = opts.onSync;
    this.replayMarkers = replayMarkers;
  }

  /** Whether dir holds a WAL. */
  static async exists(dir: string): Promise<boolean> {
    return pathExists(join(dir, 'wal'));
  }

  /** Creates a new, empty WAL in dir (created if missing). Fails if one already exists. */
  static async create(dir: string, opts: WalCreateOptions): Promise<Wal> {
    checkOptions(opts);
    const made = await mkdir(dir, { recursive: true });
    // New directories must survive a power loss too, or the member would come back "fresh" and
    // forget its votes: sync the parent of every level just created.
    for (let p = dir; made !== undefined; p = dirname(p)) {
      await fsyncDir(dirname(p));
      if (p === made || dirname(p) === p) break;
    }
    const walDir = join(dir, 'wal');
    if (await pathExists(walDir)) throw new Error(`WAL: a WAL already exists in ${walDir}`);
    // Build the first segment in a temporary directory and rename it into place, so a crash
    // never leaves a wal/ directory without a complete first segment.
    const tmpDir = `${walDir}.tmp`;
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir);
    const first: SegmentInfo = { seq: 0, firstIndex: 1, path: join(walDir, segmentName(0, 1)) };
    const header: RecordSpec = {
      type: RecordType.SegmentHeader,
      payload: encodeSegmentHeader({ seq: 0, firstIndex: 1, metadata: opts.metadata }),
    };
    const { buf, lastCrc } = frameRecords([header], 0);
    const tmpPath = join(tmpDir, segmentName(0, 1));
    const fh = await open(tmpPath, 'w+');
    try {
      await writeFully(fh, buf, 0);
      await fh.datasync();
      opts.onSync?.('wal', tmpPath);
      await fsyncDir(tmpDir);
      await rename(tmpDir, walDir);
      await mkdir(join(dir, 'snap'), { recursive: true });
      await fsyncDir(dir);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new Wal(
      dir,
      opts,
      new Uint8Array(opts.metadata),
      [first],
      fh,
      buf.length,
      lastCrc,
      undefined,
      undefined,
      new LogModel(true),
      [],
    );
  }

  /** Opens an existing WAL, replays it, truncates a torn tail (with a warning) and readies it
   *  for appending. Throws WalCorruptError on damage anywhere else. */
  static async open(dir: string, opts: WalOptions = {}): Promise<WalOpened> {
    checkOptions(opts);
    const logger = opts.logger ?? consoleLogger;
    const walDir = join(dir, 'wal');
    const snapDir = join(dir, 'snap');
    if (!(await pathExists(walDir))) throw new Error(`WAL: no WAL in ${dir} (use Wal.create)`);
    await mkdir(snapDir, { recursive: true });
    // Leftover temporaries are from a crash mid-cut or mid-snapshot; nothing in them was acknowledged.
    for (const d of [walDir, snapDir]) {
      let removed = false;
      for (const name of await readdir(d)) {
        if (!name.endsWith('.tmp')) continue;
        logger.warn('removing leftover temporary file', { file: join(d, name) });
        await rm(join(d, name), { recursive: true, force: true });
        removed = true;
      }
      if (removed) await fsyncDir(d);
    }

    const segments: SegmentInfo[] = [];
    for (const name of await readdir(walDir)) {
      const m = SEGMENT_RE.exec(name);
      if (m?.[1] && m[2]) {
        segments.push({ seq: parseInt(m[1], 16), firstIndex: parseInt(m[2], 16), path: join(walDir, name) });
      }
    }
    segments.sort((a, b) => a.seq - b.seq);
    if (segments.length === 0) throw new Error(`WAL: ${walDir} holds no segment files`);
    for (let i = 1; i < segments.length; i++) {
      const prev = segments[i - 1];
      const cur = segments[i];
      if (prev && cur && cur.seq !== prev.seq + 1) {
        throw new WalCorruptError(cur.path, 0, `segment sequence jumps from ${prev.seq} to ${cur.seq}`, dir);
      }
    }

    const model = new LogModel(true);
    const markers: SnapshotMetadata[] = [];
    let hardState: HardState | undefined;
    let metadata: Uint8Array | undefined;
    // Segment 0 chains from 0; after releaseTo the first kept segment's predecessor is gone.
    let linkCrc: number | undefined = segments[0]?.seq === 0 ? 0 : undefined;
    let tail: ScannedSegment | undefined;

    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as SegmentInfo;
      const isLast = i === segments.length - 1;
      const buf = await readFile(seg.path);
      const scanned = Wal.scanSegment(buf, seg.path, isLast, linkCrc, dir);
      for (const r of scanned.records) {
        const bad = (reason: string): WalCorruptError => new WalCorruptError(seg.path, r.offset, reason, dir);
        try {
          switch (r.type as RecordType) {
            case RecordType.SegmentHeader: {
              const h = decodeSegmentHeader(r.payload);
              if (h.seq !== seg.seq || h.firstIndex !== seg.firstIndex) {
                throw bad(
                  `segment header says seq ${h.seq}, first index ${h.firstIndex}; file name disagrees`,
                );
              }
              if (metadata === undefined) metadata = h.metadata;
              else if (Buffer.compare(Buffer.from(metadata), Buffer.from(h.metadata)) !== 0) {
                throw bad('segment metadata differs from the earlier segments');
              }
              break;
            }
            case RecordType.Entry: {
              const e = decodeEntry(r.payload);
              const why = model.checkAppend(e.index);
              if (why) throw bad(why);
              model.append([e]);
              break;
            }
            case RecordType.HardState:
              hardState = decodeHardState(r.payload);
              break;
            case RecordType.SnapshotMarker: {
              const s = decodeSnapshotMetadata(r.payload);
              model.applySnapshot(s.index, s.term);
              markers.push(s);
              break;
            }
          }
        } catch (err) {
          if (err instanceof WalFormatError) throw bad(err.message);
          throw err;
        }
      }
      linkCrc = scanned.lastCrc;
      if (isLast) tail = scanned;
    }

    const last = segments[segments.length - 1] as SegmentInfo;
    if (!tail || metadata === undefined) throw new Error('WAL: internal error, nothing replayed');
    const fh = await open(last.path, 'r+');
    try {
      if (tail.torn) {
        const { size } = await fh.stat();
        logger.warn('truncating torn record at the tail of the WAL', {
          file: last.path,
          offset: tail.end,
          bytesDropped: size - tail.end,
        });
        await fh.truncate(tail.end);
        await fh.datasync();
        opts.onSync?.('wal', last.path);
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    const lastMarker = markers[markers.length - 1];
    const wal = new Wal(
      dir,
      { ...opts, logger },
      metadata,
      segments,
      fh,
      tail.end,
      tail.lastCrc,
      hardState,
      lastMarker,
      model,
      markers,
    );
    return {
      wal,
      metadata: new Uint8Array(metadata),
      hardState,
      entries: model.entriesAfter(lastMarker?.index ?? 0),
      snapshot: lastMarker,
    };
  }

  /** Reads a segment's intact records. In the last segment a damaged record with nothing intact
   *  after it is a torn write (reported, caller truncates); anything else is corruption. */
  private static scanSegment(
    buf: Buffer,
    file: string,
    isLast: boolean,
    linkCrc: number | undefined,
    dataDir: string,
  ): ScannedSegment {
    const records: RawRecord[] = [];
    let off = 0;
    let prev = linkCrc;
    while (off < buf.length) {
      const r = readRecordAt(buf, off);
      if (!r) {
        // The header was synced before the segment got its final name, so it cannot be torn.
        if (off === 0) throw new WalCorruptError(file, 0, 'the segment header is damaged', dataDir);
        if (!isLast) throw new WalCorruptError(file, off, 'damaged record in a non-final segment', dataDir);
        const later = findValidRecordAfter(buf, off + 1);
        if (later !== undefined) {
          throw new WalCorruptError(
            file,
            off,
            `damaged record (bad CRC or length) followed by an intact record at offset ${later}`,
            dataDir,
          );
        }
        return { records, end: off, lastCrc: prev ?? 0, torn: true };
      }
      if (!isKnownRecordType(r.type)) {
        throw new WalCorruptError(
          file,
          off,
          `unknown record type ${r.type} (written by a newer version?)`,
          dataDir,
        );
      }
      if ((r.type === RecordType.SegmentHeader) !== (off === 0)) {
        throw new WalCorruptError(file, off, 'segment header record out of place', dataDir);
      }
      if (prev !== undefined && r.prevCrc !== prev) {
        throw new WalCorruptError(
          file,
          off,
          'record does not chain to the one before it (a record was lost or reordered)',
          dataDir,
        );
      }
      records.push(r);
      prev = r.crc;
      off = r.end;
    }
    return { records, end: off, lastCrc: prev ?? 0, torn: false };
  }

  /** End of the durable data: active segment and the byte offset up to which it is fdatasync'ed.
   *  (Tests use it to simulate losing unsynced writes.) */
  get syncedOffset(): { file: string; offset: number } {
    return { file: this.activeSegment.path, offset: this.size };
  }

  /** Segment files currently in use, oldest first. */
  get segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  /** Appends entries (then the hard state, if given) and makes them durable with exactly one
   *  fdatasync; resolves only after it. Call once per Ready batch (group commit). Entries must be
   *  contiguous; the first may be <= the last saved index, replacing that suffix. */
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    return this.enqueue(async () => {
      const records: RecordSpec[] = [];
      const head = entries[0];
      if (head) {
        for (let k = 0; k < entries.length; k++) {
          const e = entries[k] as Entry;
          if (e.index !== head.index + k)
            throw new RangeError('WAL: entries passed to save() are not contiguous');
          records.push({ type: RecordType.Entry, payload: encodeEntry(e) });
        }
        const why = this.model.checkAppend(head.index);
        if (why) throw new RangeError(`WAL: ${why}`);
      }
      // Hard state after the entries: a torn batch that kept the hard state kept the entries too.
      if (hardState) records.push({ type: RecordType.HardState, payload: encodeHardState(hardState) });
      if (records.length === 0) return;
      await this.appendRecords(records);
      if (head) this.model.append(entries);
      if (hardState) this.hardState = { ...hardState };
    });
  }

  /** Writes the snapshot file atomically (tmp, fsync, rename, fsync dir), then a marker record
   *  in the WAL (one fdatasync). Resolves when both are durable. */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.enqueue(async () => {
      this.forgetReplay();
      const meta = snapshot.metadata;
      const final = join(this.snapDir, snapName(meta.term, meta.index));
      const tmp = `${final}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await writeFully(fh, encodeSnapshotFile(meta, snapshot.data), 0);
        await fh.sync();
        this.onSync?.('snap', tmp);
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
      await fsyncDir(this.snapDir);
      this.onSync?.('snapDir', this.snapDir);
      await this.appendRecords([{ type: RecordType.SnapshotMarker, payload: encodeSnapshotMetadata(meta) }]);
      this.model.applySnapshot(meta.index, meta.term);
      this.lastSnapshot = cloneMeta(meta);
    });
  }

  /** Loads the newest snapshot file that is intact and matches a snapshot marker the WAL can
   *  continue from; damaged or unmatched files are skipped with a warning. Must be called right
   *  after open, before any save/saveSnapshot/releaseTo (it uses the replayed log). */
  loadNewestSnapshot(): Promise<LoadedSnapshot> {
    return this.enqueue(async () => {
      const markers = this.replayMarkers;
      if (!markers || !this.model.entries) {
        throw new Error('WAL: loadNewestSnapshot must be called after open and before any write');
      }
      const lastMarker = markers[markers.length - 1];
      const usable = markers.filter((m) => m === lastMarker || this.model.canFollow(m.index, m.term));
      const files: { term: number; index: number; name: string }[] = [];
      for (const name of await readdir(this.snapDir)) {
        const m = SNAP_RE.exec(name);
        if (m?.[1] && m[2]) files.push({ term: parseInt(m[1], 16), index: parseInt(m[2], 16), name });
      }
      files.sort((a, b) => b.index - a.index || b.term - a.term);
      for (const f of files) {
        const path = join(this.snapDir, f.name);
        if (!usable.some((m) => m.index === f.index && m.term === f.term)) {
          this.logger.warn('skipping snapshot file with no usable snapshot record in the WAL', {
            file: path,
          });
          continue;
        }
        const decoded = decodeSnapshotFile(await readFile(path));
        if (!decoded || decoded.metadata.index !== f.index || decoded.metadata.term !== f.term) {
          this.logger.warn('skipping damaged snapshot file (CRC or format check failed)', { file: path });
          continue;
        }
        return {
          snapshot: { metadata: decoded.metadata, data: decoded.data },
          entries: this.model.entriesAfter(f.index),
        };
      }
      if (markers.length === 0) return { snapshot: undefined, entries: this.model.entriesAfter(0) };
      if (this.model.canFollow(0, 0)) {
        this.logger.warn('no usable snapshot file; replaying the whole log from index 1', {
          dir: this.snapDir,
        });
        return { snapshot: undefined, entries: this.model.entriesAfter(0) };
      }
      throw new Error(
        `WAL: no usable snapshot in ${this.snapDir} and the log does not reach back to index 1. ` +
          `Restore this member from a healthy peer (remove it, delete ${this.dir}, add it back).`,
      );
    });
  }

  /** Deletes whole segments that are no longer needed given a snapshot at index (clamped to the
   *  last saved snapshot); the segment that may hold index is kept. Also deletes snapshot files
   *  too old for the remaining segments to continue from. */
  releaseTo(index: number): Promise<void> {
    return this.enqueue(async () => {
      this.forgetReplay();
      const limit = Math.min(index, this.lastSnapshot?.index ?? 0);
      // Keep from the last segment whose first index is <= limit: every effective entry > limit was
      // written into it or a later one, and each segment repeats the latest hard state and marker.
      let keep = 0;
      this.segments.forEach((s, i) => {
        if (s.firstIndex <= limit) keep = i;
      });
      if (keep === 0) return;
      // Oldest first, so a crash midway still leaves a contiguous run of segments.
      for (const s of this.segments.slice(0, keep)) await unlink(s.path);
      this.segments = this.segments.slice(keep);
      await fsyncDir(this.walDir);
      this.onSync?.('walDir', this.walDir);
      // Snapshot files the remaining log can no longer continue from (entries right after them
      // went with the segments) are useless for recovery; drop them so they do not pile up.
      const oldestUsable = (this.segments[0]?.firstIndex ?? 1) - 1;
      let removed = false;
      for (const name of await readdir(this.snapDir)) {
        const m = SNAP_RE.exec(name);
        if (!m?.[1] || !m[2]) continue;
        const index = parseInt(m[2], 16);
        if (index < oldestUsable && index !== this.lastSnapshot?.index) {
          await unlink(join(this.snapDir, name));
          removed = true;
        }
      }
      if (removed) {
        await fsyncDir(this.snapDir);
        this.onSync?.('snapDir', this.snapDir);
      }
    });
  }

  /** Waits for pending operations and closes the active segment. */
  close(): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      this.closed = true;
      this.forgetReplay();
      await this.fh.close();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get activeSegment(): SegmentInfo {
    return this.segments[this.segments.length - 1] as SegmentInfo;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error('WAL: closed');
      // After a failed write or sync the on-disk state is unknown (the kernel may have dropped the
      // dirty pages), so nothing more may be acknowledged.
      if (this.failed) throw new Error(`WAL: unusable after an earlier I/O error: ${this.failed.message}`);
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private forgetReplay(): void {
    this.replayMarkers = undefined;
    this.model.entries = undefined;
  }

  /** One write and one fdatasync; on a full segment, the records go into a new one instead. */
  private async appendRecords(records: RecordSpec[]): Promise<void> {
    this.forgetReplay();
    try {
      if (this.size >= this.segmentBytes) {
        await this.cutAndAppend(records);
        return;
      }
      const { buf, lastCrc } = frameRecords(records, this.lastCrc);
      await writeFully(this.fh, buf, this.size);
      await this.fh.datasync();
      this.onSync?.('wal', this.activeSegment.path);
      this.size += buf.length;
      this.lastCrc = lastCrc;
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  /** The new segment (header, latest marker and hard state, then the batch) is written under a
   *  temporary name, synced, renamed and the directory synced: a crash leaves either no new
   *  segment (nothing of the batch was acknowledged) or a complete one. */
  private async cutAndAppend(records: RecordSpec[]): Promise<void> {
    const seq = this.activeSegment.seq + 1;
    const firstIndex = this.model.last + 1;
    const head: RecordSpec[] = [
      {
        type: RecordType.SegmentHeader,
        payload: encodeSegmentHeader({ seq, firstIndex, metadata: this.metadata }),
      },
    ];
    if (this.lastSnapshot) {
      head.push({ type: RecordType.SnapshotMarker, payload: encodeSnapshotMetadata(this.lastSnapshot) });
    }
    if (this.hardState) head.push({ type: RecordType.HardState, payload: encodeHardState(this.hardState) });
    const { buf, lastCrc } = frameRecords([...head, ...records], this.lastCrc);
    const path = join(this.walDir, segmentName(seq, firstIndex));
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w+');
    try {
      await writeFully(fh, buf, 0);
      await fh.datasync();
      this.onSync?.('wal', tmp);
      await rename(tmp, path);
      await fsyncDir(this.walDir);
      this.onSync?.('walDir', this.walDir);
    } catch (err) {
      await fh.close();
      throw err;
    }
    const old = this.fh;
    this.fh = fh;
    this.segments.push({ seq, firstIndex, path });
    this.size = buf.length;
    this.lastCrc = lastCrc;
    await old.close();
  }
}

function cloneMeta(m: SnapshotMetadata): SnapshotMetadata {
  return {
    index: m.index,
    term: m.term,
    conf: { voters: [...m.conf.voters], learners: [...m.conf.learners] },
  };
}
