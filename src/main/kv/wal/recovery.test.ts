import { randomBytes } from 'node:crypto';
import { appendFile, cp, readFile, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES } from './codec';
import { Wal, WalCorruptError } from './index';
import { captureLogger, ent, hs, plain, range, tempDir } from './test-helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const META = new TextEncoder().encode('member-1');

/** Record boundaries in the active segment, from syncedOffset after each single-record save. */
async function writeOneRecordPerSave(
  n: number,
  segmentBytes?: number,
): Promise<{ file: string; ends: number[] }> {
  const wal = await Wal.create(dir, { metadata: META, ...(segmentBytes ? { segmentBytes } : {}) });
  const ends = [wal.syncedOffset.offset];
  for (let i = 1; i <= n; i++) {
    await wal.save(undefined, [ent(i, 1, `payload-${i}-`.repeat(3))]);
    ends.push(wal.syncedOffset.offset);
  }
  const file = wal.syncedOffset.file;
  await wal.close();
  return { file, ends };
}

async function flipBit(file: string, offset: number, bit = 0): Promise<void> {
  const b = await readFile(file);
  b[offset] = (b[offset] ?? 0) ^ (1 << bit);
  await writeFile(file, b);
}

describe('torn tail', () => {
  it('at every byte position of the last record: opens, drops exactly that record, logs it, appends', async () => {
    const { file, ends } = await writeOneRecordPerSave(4);
    const start = ends[3] as number; // the last record spans [start, end)
    const end = ends[4] as number;
    const pristine = join(dir, '..', 'pristine');
    await cp(dir, pristine, { recursive: true });
    // Two shapes of a torn write: the file stops short, or it is padded with zeros to full length.
    for (const zeroPadded of [false, true]) {
      for (let cut = start + 1; cut < end; cut++) {
        await rm(dir, { recursive: true, force: true });
        await cp(pristine, dir, { recursive: true });
        await truncate(file, cut);
        if (zeroPadded) await appendFile(file, Buffer.alloc(end - cut));
        const log = captureLogger();
        const { wal, entries } = await Wal.open(dir, { logger: log });
        expect(plain(entries)).toEqual(plain([1, 2, 3].map((i) => ent(i, 1, `payload-${i}-`.repeat(3)))));
        expect(log.messages).toHaveLength(1);
        expect(log.messages[0]?.fields).toEqual({
          file,
          offset: start,
          bytesDropped: (zeroPadded ? end : cut) - start,
        });
        expect(wal.syncedOffset.offset).toBe(start);
        await wal.save(hs(1, 4), [ent(4, 2)]);
        await wal.close();
        const again = await Wal.open(dir, { logger: captureLogger() });
        expect(plain(again.entries).map((e) => [e.index, e.term])).toEqual([
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 2],
        ]);
        await again.wal.close();
      }
    }
  });

  it('after truncating a torn tail, later segment cuts chain correctly', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 250 });
    for (let i = 1; i <= 12; i++) await wal.save(hs(1, i), [ent(i, 1)]);
    const { file, offset } = wal.syncedOffset;
    await wal.close();
    await truncate(file, offset - 5);
    const log = captureLogger();
    const opened = await Wal.open(dir, { segmentBytes: 250, logger: log });
    expect(log.messages).toHaveLength(1);
    const n = opened.entries.length;
    for (let i = n + 1; i <= n + 15; i++) await opened.wal.save(hs(2, i), [ent(i, 2)]);
    expect(opened.wal.segmentFiles.length).toBeGreaterThan(3);
    await opened.wal.close();
    const again = await Wal.open(dir, { logger: captureLogger() });
    expect(again.entries.map((e) => e.index)).toEqual(range(1, n + 15, 1).map((e) => e.index));
    expect(again.hardState).toEqual(hs(2, n + 15));
    await again.wal.close();
  });

  it('a bit flip in the final record of the last segment is indistinguishable from a torn write', async () => {
    const { file, ends } = await writeOneRecordPerSave(3);
    await flipBit(file, (ends[2] as number) + 20);
    const log = captureLogger();
    const { wal, entries } = await Wal.open(dir, { logger: log });
    expect(entries.map((e) => e.index)).toEqual([1, 2]);
    expect(log.messages[0]?.message).toMatch(/torn/);
    await wal.close();
  });
});

describe('corruption before the tail', () => {
  it('a bit flip in a middle record refuses to open, naming the file and byte offset', async () => {
    const { file, ends } = await writeOneRecordPerSave(6);
    const bad = ends[2] as number; // record 3
    for (const where of [0, 4, 8, 12, 20, 40]) {
      // length, prevCrc, type, header crc, entry term, entry data
      await flipBit(file, bad + where, 3);
      const err = await Wal.open(dir, { logger: captureLogger() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WalCorruptError);
      const msg = (err as Error).message;
      expect(msg).toContain(file);
      expect(msg).toContain(`byte offset ${bad}`);
      expect(msg).toMatch(/restore this member from a healthy peer/i);
      expect(msg).toContain(dir);
      expect((err as WalCorruptError).offset).toBe(bad);
      await flipBit(file, bad + where, 3); // undo
    }
    const ok = await Wal.open(dir, { logger: captureLogger() });
    expect(ok.entries).toHaveLength(6);
    await ok.wal.close();
  });

  it('any damage in a non-final segment refuses to open, even in its last record', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    for (let i = 1; i <= 20; i++) await wal.save(hs(1, i), [ent(i, 1)]);
    const files = wal.segmentFiles;
    await wal.close();
    expect(files.length).toBeGreaterThan(2);
    const target = files[1] as string;
    const size = (await readFile(target)).length;
    await flipBit(target, size - 3);
    const err = await Wal.open(dir, { logger: captureLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as Error).message).toContain(target);
    // Cutting a non-final segment short is damage too, not a torn tail.
    await flipBit(target, size - 3);
    await truncate(target, size - 1);
    await expect(Wal.open(dir, { logger: captureLogger() })).rejects.toThrow(WalCorruptError);
  });

  it('a missing middle segment or a record lost from the chain refuses to open', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    for (let i = 1; i <= 20; i++) await wal.save(undefined, [ent(i, 1)]);
    const files = wal.segmentFiles;
    await wal.close();
    const pristine = join(dir, '..', 'pristine');
    await cp(dir, pristine, { recursive: true });
    await unlink(files[1] as string);
    await expect(Wal.open(dir, { logger: captureLogger() })).rejects.toThrow(/sequence jumps/);

    // Cut one whole record out of the middle of the last segment: every remaining record is
    // intact on its own, but the chain breaks.
    await rm(dir, { recursive: true, force: true });
    await cp(pristine, dir, { recursive: true });
    const last = files[files.length - 1] as string;
    const b = await readFile(last);
    const headerLen = RECORD_HEADER_BYTES + b.readUInt32LE(0);
    const firstRecLen = RECORD_HEADER_BYTES + b.readUInt32LE(headerLen);
    await writeFile(last, Buffer.concat([b.subarray(0, headerLen), b.subarray(headerLen + firstRecLen)]));
    await expect(Wal.open(dir, { logger: captureLogger() })).rejects.toThrow(/chain/);
  });

  it('a damaged segment header refuses to open', async () => {
    const { file } = await writeOneRecordPerSave(1);
    await flipBit(file, 15);
    await expect(Wal.open(dir, { logger: captureLogger() })).rejects.toThrow(
      /byte offset 0: the segment header/,
    );
  });
});

describe('crash between write and fsync (simulated)', () => {
  // A real power loss cannot be caused from a test: after a process kill the page cache still
  // holds every write, so the file would look complete. We model the loss instead: whatever was
  // written after the last completed fdatasync (syncedOffset) is cut away and/or replaced by
  // garbage, which is what a disk may hold after power loss. Recovery must give exactly the
  // records whose save() resolved before that point.
  it('recovery yields exactly the fsynced records when the unsynced tail is lost or garbage', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.save(hs(1, 2), range(1, 5, 1));
    const synced = wal.syncedOffset; // everything acknowledged so far
    await wal.save(hs(2, 5), range(6, 9, 2)); // pretend this batch's fdatasync never completed
    const wrote = wal.syncedOffset.offset;
    await wal.close();
    const pristine = join(dir, '..', 'pristine');
    await cp(dir, pristine, { recursive: true });

    const shapes: [string, (f: string) => Promise<void>][] = [
      ['lost entirely', (f) => truncate(f, synced.offset)],
      [
        'replaced by garbage',
        async (f) => {
          await truncate(f, synced.offset);
          await appendFile(f, randomBytes(wrote - synced.offset));
        },
      ],
      [
        'half written then garbage',
        async (f) => {
          const half = synced.offset + Math.floor((wrote - synced.offset) / 2);
          await truncate(f, half);
          await appendFile(f, randomBytes(200));
        },
      ],
      [
        'half written then zeros',
        async (f) => {
          await truncate(f, synced.offset + 30);
          await appendFile(f, Buffer.alloc(4096));
        },
      ],
    ];
    for (const [name, damage] of shapes) {
      await rm(dir, { recursive: true, force: true });
      await cp(pristine, dir, { recursive: true });
      await damage(synced.file);
      const log = captureLogger();
      const opened = await Wal.open(dir, { logger: log });
      if (name === 'half written then garbage' || name === 'half written then zeros') {
        // Some whole records of the unsynced batch may survive; only ever a prefix of it, and
        // the hard state (written last) only if every entry of the batch survived.
        const got = opened.entries.map((e) => e.index);
        expect(got.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
        expect(got).toEqual(range(1, got.length, 1).map((e) => e.index));
        expect(got.length).toBeLessThan(9);
        expect(opened.hardState).toEqual(hs(1, 2));
      } else {
        expect(plain(opened.entries)).toEqual(plain(range(1, 5, 1)));
        expect(opened.hardState).toEqual(hs(1, 2));
      }
      expect(log.messages.length).toBeLessThanOrEqual(1);
      // The log continues cleanly after recovery.
      await opened.wal.save(hs(3, 6), range(opened.entries.length + 1, 10, 3));
      await opened.wal.close();
      const again = await Wal.open(dir, { logger: captureLogger() });
      expect(again.entries.map((e) => e.index)).toEqual(range(1, 10, 1).map((e) => e.index));
      expect(again.hardState).toEqual(hs(3, 6));
      await again.wal.close();
    }
  });

  it('scans a large garbage tail in reasonable time', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.save(hs(1, 1), range(1, 3, 1));
    const { file } = wal.syncedOffset;
    await wal.close();
    await appendFile(file, randomBytes(8 * 1024 * 1024));
    const started = Date.now();
    const log = captureLogger();
    const opened = await Wal.open(dir, { logger: log });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(opened.entries).toHaveLength(3);
    expect(log.messages[0]?.fields.bytesDropped).toBe(8 * 1024 * 1024);
    await opened.wal.close();
  });

  it('after an I/O error the WAL refuses further writes instead of acknowledging them', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.save(hs(1, 0), [ent(1, 1)]);
    // Test hook: close the segment's descriptor underneath the WAL so the next write fails (EBADF),
    // standing in for a failed write or fdatasync.
    await (wal as unknown as { fh: { close(): Promise<void> } }).fh.close();
    await expect(wal.save(undefined, [ent(2, 1)])).rejects.toThrow();
    await expect(wal.save(undefined, [ent(2, 1)])).rejects.toThrow(/unusable after an earlier I\/O error/);
    await wal.close().catch(() => undefined);
    const opened = await Wal.open(dir, { logger: captureLogger() });
    expect(opened.entries.map((e) => e.index)).toEqual([1]);
    await opened.wal.close();
  });

  it('an unfinished segment cut (leftover .tmp) is discarded with a warning', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.save(undefined, range(1, 3, 1));
    await wal.close();
    await writeFile(join(dir, 'wal', '0000000000000001-0000000000000004.wal.tmp'), randomBytes(100));
    const log = captureLogger();
    const opened = await Wal.open(dir, { logger: log });
    expect(opened.entries).toHaveLength(3);
    expect(log.messages[0]?.message).toMatch(/leftover/);
    expect((await readdir(join(dir, 'wal'))).some((n) => n.endsWith('.tmp'))).toBe(false);
    await opened.wal.close();
  });
});
