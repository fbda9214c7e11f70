import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Wal } from './index';
import type { WalSyncKind } from './index';
import { captureLogger, ent, hs, plain, range, snap, tempDir } from './test-helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const META = new TextEncoder().encode('member-1');

async function fillLog(wal: Wal, to: number, perBatch = 4): Promise<void> {
  for (let i = 1; i <= to; i += perBatch) {
    const hi = Math.min(to, i + perBatch - 1);
    await wal.save(hs(1 + Math.floor(i / 40), Math.max(0, i - 1)), range(i, hi, 1 + Math.floor(i / 40)));
  }
}

describe('snapshots', () => {
  it('writes the snapshot file atomically and durably (fsync file, rename, fsync dir) plus one WAL sync', async () => {
    const syncs: WalSyncKind[] = [];
    const wal = await Wal.create(dir, { metadata: META, onSync: (k) => syncs.push(k) });
    await fillLog(wal, 10);
    syncs.length = 0;
    await wal.saveSnapshot(snap(8, 1));
    expect(syncs).toEqual(['snap', 'snapDir', 'wal']);
    expect(await readdir(join(dir, 'snap'))).toEqual([
      `${'1'.padStart(16, '0')}-${'8'.padStart(16, '0')}.snap`,
    ]);
    await wal.close();
  });

  it('after saveSnapshot + releaseTo, reopen equals a full replay past the snapshot index', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 300 });
    await fillLog(wal, 100);
    // A follower-style conflict after the snapshot point, so replacement is part of the check.
    await wal.save(hs(4, 90), [ent(95, 4), ent(96, 4)]);
    const snapshot = snap(70, 2);
    await wal.saveSnapshot(snapshot);
    await wal.save(hs(4, 96), [ent(97, 4), ent(98, 4)]);
    const full = join(dir, '..', 'full');
    await cp(dir, full, { recursive: true }); // same WAL, nothing released

    const before = wal.segmentFiles.length;
    await wal.releaseTo(70);
    expect(wal.segmentFiles.length).toBeLessThan(before);
    expect(wal.segmentFiles.length).toBeGreaterThan(0);
    await wal.close();

    const released = await Wal.open(dir, { logger: captureLogger() });
    const reference = await Wal.open(full, { logger: captureLogger() });
    expect(released.snapshot).toEqual(snapshot.metadata);
    expect(released.entries[0]?.index).toBe(71);
    expect(plain(released.entries)).toEqual(plain(reference.entries));
    expect(released.entries.map((e) => [e.index, e.term]).slice(-4)).toEqual([
      [95, 4],
      [96, 4],
      [97, 4],
      [98, 4],
    ]);
    expect(released.hardState).toEqual(hs(4, 96));
    expect(released.hardState).toEqual(reference.hardState);
    expect(Buffer.from(released.metadata)).toEqual(Buffer.from(reference.metadata));

    const loaded = await released.wal.loadNewestSnapshot();
    expect(loaded.snapshot?.metadata).toEqual(snapshot.metadata);
    expect(Buffer.from(loaded.snapshot?.data ?? []).toString()).toBe('state@70');
    expect(plain(loaded.entries)).toEqual(plain(released.entries));

    // Appending continues from the released WAL.
    await released.wal.save(hs(4, 98), [ent(99, 4)]);
    await released.wal.close();
    await reference.wal.close();
    const again = await Wal.open(dir, { logger: captureLogger() });
    expect(again.entries.at(-1)?.index).toBe(99);
    await again.wal.close();
  });

  it('releaseTo never goes past the last saved snapshot', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    await fillLog(wal, 40);
    const segs = wal.segmentFiles.length;
    await wal.releaseTo(1000); // no snapshot yet: nothing may go
    expect(wal.segmentFiles.length).toBe(segs);
    await wal.saveSnapshot(snap(10, 1));
    await wal.releaseTo(1000); // clamped to 10
    await wal.close();
    const { wal: w, entries } = await Wal.open(dir, { logger: captureLogger() });
    expect(entries.map((e) => e.index)).toEqual(range(11, 40, 1).map((e) => e.index));
    await w.close();
  });

  it('releaseTo also removes snapshot files the remaining log can no longer continue from', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    for (let k = 1; k <= 5; k++) {
      await wal.save(hs(1, k * 10), range((k - 1) * 10 + 1, k * 10, 1));
      await wal.saveSnapshot(snap(k * 10 - 2, 1));
    }
    expect(await readdir(join(dir, 'snap'))).toHaveLength(5);
    await wal.releaseTo(48);
    const left = (await readdir(join(dir, 'snap'))).map((n) => parseInt(n.slice(17, 33), 16));
    expect(left).toContain(48);
    expect(left.length).toBeLessThan(5);
    await wal.close();
    const opened = await Wal.open(dir, { logger: captureLogger() });
    const loaded = await opened.wal.loadNewestSnapshot();
    expect(loaded.snapshot?.metadata.index).toBe(48);
    expect(loaded.entries.map((e) => e.index)).toEqual([49, 50]);
    await opened.wal.close();
  });

  it('a corrupt newest snapshot file is skipped with a warning and an older one is used', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 400 });
    await fillLog(wal, 30);
    await wal.saveSnapshot(snap(12, 1));
    await wal.save(hs(1, 30), range(31, 50, 1));
    await wal.saveSnapshot(snap(40, 1));
    await wal.releaseTo(12);
    await wal.close();

    const newest = join(dir, 'snap', `${'1'.padStart(16, '0')}-${(40).toString(16).padStart(16, '0')}.snap`);
    const b = await readFile(newest);
    b[b.length - 2] = (b[b.length - 2] ?? 0) ^ 0x01;
    await writeFile(newest, b);

    const log = captureLogger();
    const opened = await Wal.open(dir, { logger: log });
    expect(opened.snapshot?.index).toBe(40); // the WAL's own view
    const loaded = await opened.wal.loadNewestSnapshot();
    expect(loaded.snapshot?.metadata.index).toBe(12);
    expect(Buffer.from(loaded.snapshot?.data ?? []).toString()).toBe('state@12');
    expect(loaded.entries.map((e) => e.index)).toEqual(range(13, 50, 1).map((e) => e.index));
    expect(log.messages.some((m) => /damaged snapshot/.test(m.message) && m.fields.file === newest)).toBe(
      true,
    );
    await opened.wal.close();
  });

  it('refuses to fall back to a snapshot the WAL can no longer continue from', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    await fillLog(wal, 20);
    await wal.saveSnapshot(snap(5, 1));
    await wal.save(undefined, range(21, 40, 1));
    await wal.saveSnapshot(snap(35, 1));
    await wal.releaseTo(35); // entries 6..34 are gone with their segments
    await wal.close();
    const newest = join(dir, 'snap', `${'1'.padStart(16, '0')}-${(35).toString(16).padStart(16, '0')}.snap`);
    await writeFile(newest, Buffer.from('garbage'));
    const log = captureLogger();
    const opened = await Wal.open(dir, { logger: log });
    await expect(opened.wal.loadNewestSnapshot()).rejects.toThrow(/no usable snapshot/);
    await opened.wal.close();
  });

  it('ignores a snapshot file the WAL never recorded (crash between file and marker)', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await fillLog(wal, 20);
    await wal.saveSnapshot(snap(10, 1));
    await wal.close();
    // Simulate a crash after the snapshot file was written but before its marker record.
    const files = await readdir(join(dir, 'snap'));
    const body = await readFile(join(dir, 'snap', files[0] as string));
    await writeFile(
      join(dir, 'snap', `${'1'.padStart(16, '0')}-${(18).toString(16).padStart(16, '0')}.snap`),
      body,
    );
    const log = captureLogger();
    const opened = await Wal.open(dir, { logger: log });
    const loaded = await opened.wal.loadNewestSnapshot();
    expect(loaded.snapshot?.metadata.index).toBe(10);
    expect(log.messages.some((m) => /no usable snapshot record/.test(m.message))).toBe(true);
    await expect(opened.wal.loadNewestSnapshot()).resolves.toBeDefined();
    await opened.wal.save(undefined, [ent(21, 1)]);
    await expect(opened.wal.loadNewestSnapshot()).rejects.toThrow(/before any write/);
    await opened.wal.close();
  });

  it('a snapshot received ahead of the log (follower catch-up) discards the stale log', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    await fillLog(wal, 10);
    await wal.save(undefined, [ent(11, 9)]); // a stale uncommitted entry from an old leader
    await wal.saveSnapshot(snap(11, 5)); // leader's snapshot: different term at 11
    await wal.save(hs(5, 12), [ent(12, 5), ent(13, 5)]);
    await wal.saveSnapshot(snap(100, 6)); // far ahead of the log
    await wal.save(hs(6, 101), [ent(101, 6)]);
    await wal.close();
    const opened = await Wal.open(dir, { logger: captureLogger() });
    expect(opened.snapshot?.index).toBe(100);
    expect(opened.entries.map((e) => [e.index, e.term])).toEqual([[101, 6]]);
    const loaded = await opened.wal.loadNewestSnapshot();
    expect(loaded.snapshot?.metadata.index).toBe(100);
    await opened.wal.close();
  });

  it('without any snapshot, loadNewestSnapshot returns the whole log', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await fillLog(wal, 6);
    await wal.close();
    const opened = await Wal.open(dir, { logger: captureLogger() });
    const loaded = await opened.wal.loadNewestSnapshot();
    expect(loaded.snapshot).toBeUndefined();
    expect(loaded.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6]);
    await opened.wal.close();
  });
});
