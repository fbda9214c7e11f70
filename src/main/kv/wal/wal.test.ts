import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES } from './codec';
import { Wal } from './index';
import type { WalSyncKind } from './index';
import { captureLogger, ent, hs, plain, range, tempDir } from './test-helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const META = new TextEncoder().encode('{"node":"1","cluster":"abc"}');

describe('Wal round trip', () => {
  it('persists hard state and entries across several segments', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 300 });
    const expected = [];
    for (let b = 0; b < 20; b++) {
      const batch = range(b * 3 + 1, b * 3 + 3, 1 + Math.floor(b / 5));
      expected.push(...batch);
      await wal.save(hs(1 + Math.floor(b / 5), b * 3), batch);
    }
    expect(wal.segmentFiles.length).toBeGreaterThan(3);
    await wal.close();
    const {
      wal: w2,
      metadata,
      hardState,
      entries,
      snapshot,
    } = await Wal.open(dir, { logger: captureLogger() });
    expect(Buffer.from(metadata).toString()).toBe(Buffer.from(META).toString());
    expect(hardState).toEqual(hs(4, 57));
    expect(plain(entries)).toEqual(plain(expected));
    expect(snapshot).toBeUndefined();
    await w2.close();
  });

  it('replaces a conflicting suffix, also across a segment boundary', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 400 });
    await wal.save(hs(1, 3), range(1, 10, 1));
    await wal.save(undefined, range(11, 14, 1)); // likely in a new segment
    await wal.save(hs(2, 3), [ent(6, 2), ent(7, 2)]); // truncates 6..14
    await wal.save(undefined, [ent(8, 2)]);
    await wal.save(hs(3, 5), [ent(8, 3), ent(9, 3)]); // truncates 8
    await wal.close();
    const { wal: w2, entries, hardState } = await Wal.open(dir, { logger: captureLogger() });
    expect(plain(entries)).toEqual(plain([...range(1, 5, 1), ent(6, 2), ent(7, 2), ent(8, 3), ent(9, 3)]));
    expect(hardState).toEqual(hs(3, 5));
    await w2.close();
  });

  it('reopens and keeps appending', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 200 });
    await wal.save(hs(1, 0), range(1, 4, 1));
    await wal.close();
    for (let round = 0; round < 3; round++) {
      const { wal: w, entries } = await Wal.open(dir, { segmentBytes: 200, logger: captureLogger() });
      expect(entries.length).toBe(4 + round * 4);
      await w.save(hs(2, entries.length), range(entries.length + 1, entries.length + 4, 2));
      await w.close();
    }
    const { wal: w, entries, hardState } = await Wal.open(dir, { logger: captureLogger() });
    expect(plain(entries)).toEqual(plain([...range(1, 4, 1), ...range(5, 16, 2)]));
    expect(hardState).toEqual(hs(2, 12));
    await w.close();
  });

  it('serialises concurrent save calls in call order', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await Promise.all([
      wal.save(undefined, range(1, 2, 1)),
      wal.save(undefined, range(3, 4, 1)),
      wal.save(hs(1, 4), []),
    ]);
    await wal.close();
    const { wal: w, entries, hardState } = await Wal.open(dir, { logger: captureLogger() });
    expect(plain(entries)).toEqual(plain(range(1, 4, 1)));
    expect(hardState).toEqual(hs(1, 4));
    await w.close();
  });

  it('refuses a gap or non-contiguous batch without writing it, and stays usable', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.save(undefined, range(1, 3, 1));
    await expect(wal.save(undefined, [ent(5, 1)])).rejects.toThrow(/gap/);
    await expect(wal.save(undefined, [ent(4, 1), ent(6, 1)])).rejects.toThrow(/contiguous/);
    await wal.save(undefined, [ent(4, 1)]);
    await wal.close();
    const { wal: w, entries } = await Wal.open(dir, { logger: captureLogger() });
    expect(plain(entries)).toEqual(plain(range(1, 4, 1)));
    await w.close();
  });

  it('refuses to create over an existing WAL and to open a missing one', async () => {
    const wal = await Wal.create(dir, { metadata: META });
    await wal.close();
    expect(await Wal.exists(dir)).toBe(true);
    await expect(Wal.create(dir, { metadata: META })).rejects.toThrow(/already exists/);
    await expect(Wal.open(join(dir, 'nope'))).rejects.toThrow(/no WAL/);
  });
});

describe('Wal group commit', () => {
  it('does exactly one fdatasync per save() call, after the data really reached the file', async () => {
    const syncs: WalSyncKind[] = [];
    const wal = await Wal.create(dir, { metadata: META, onSync: (k) => syncs.push(k) });
    syncs.length = 0;
    for (let i = 1; i <= 30; i++) {
      // One Ready batch: several entries plus the hard state.
      const p = wal.save(hs(1, i * 5), range((i - 1) * 5 + 1, i * 5, 1));
      await p;
      expect(syncs).toEqual(['wal']);
      syncs.length = 0;
      const { file, offset } = wal.syncedOffset;
      expect((await stat(file)).size).toBe(offset);
    }
    await wal.save(undefined, []); // nothing to persist: no sync at all
    expect(syncs).toEqual([]);
    await wal.close();
  });

  it('still does one fdatasync per save when a save starts a new segment (plus the directory fsync)', async () => {
    const syncs: WalSyncKind[] = [];
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 256, onSync: (k) => syncs.push(k) });
    let cuts = 0;
    for (let i = 1; i <= 30; i++) {
      syncs.length = 0;
      const before = wal.segmentFiles.length;
      await wal.save(hs(1, i), [ent(i, 1)]);
      const cut = wal.segmentFiles.length > before;
      if (cut) cuts++;
      expect(syncs).toEqual(cut ? ['wal', 'walDir'] : ['wal']);
    }
    expect(cuts).toBeGreaterThan(2);
    await wal.close();
    const names = await readdir(join(dir, 'wal'));
    expect(names.every((n) => /^[0-9a-f]{16}-[0-9a-f]{16}\.wal$/.test(n))).toBe(true);
  });

  it('keeps the segment size bound: a record never straddles segments', async () => {
    const wal = await Wal.create(dir, { metadata: META, segmentBytes: 256 });
    for (let i = 1; i <= 40; i++) await wal.save(undefined, [ent(i, 1, 'x'.repeat(40))]);
    const files = wal.segmentFiles;
    await wal.close();
    for (const f of files.slice(0, -1)) {
      const size = (await readFile(f)).length;
      // At most one batch past the threshold.
      expect(size).toBeLessThan(256 + RECORD_HEADER_BYTES + 17 + 40);
    }
    const { wal: w, entries } = await Wal.open(dir, { logger: captureLogger() });
    expect(entries.length).toBe(40);
    await w.close();
  });
});
