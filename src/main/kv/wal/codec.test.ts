import { describe, expect, it } from 'vitest';
import {
  RecordType,
  crc32c,
  decodeEntry,
  decodeHardState,
  decodeSnapshotFile,
  decodeSnapshotMetadata,
  encodeEntry,
  encodeHardState,
  encodeSnapshotFile,
  encodeSnapshotMetadata,
  frameRecords,
  readRecordAt,
} from './codec';
import { ent, snap } from './test-helpers';

describe('WAL codec', () => {
  it('uses CRC32C (Castagnoli)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('round-trips entries, hard state with a full 64-bit vote, and snapshot metadata', () => {
    const e = { ...ent(2 ** 40, 2 ** 33), type: 1 };
    expect(decodeEntry(Buffer.from(encodeEntry(e)))).toEqual({ ...e, data: new Uint8Array(e.data) });
    const h = { term: 7, vote: 0xffff_ffff_ffff_ffffn, commit: Number.MAX_SAFE_INTEGER };
    expect(decodeHardState(Buffer.from(encodeHardState(h)))).toEqual(h);
    const m = snap(9, 3).metadata;
    expect(decodeSnapshotMetadata(Buffer.from(encodeSnapshotMetadata(m)))).toEqual(m);
  });

  it('rejects numbers that do not fit the format', () => {
    expect(() => encodeEntry(ent(-1, 1))).toThrow(RangeError);
    expect(() => encodeEntry(ent(1.5, 1))).toThrow(RangeError);
  });

  it('frames records into one buffer, chained, and detects every single-bit flip', () => {
    const records = [ent(1, 1), ent(2, 1)].map((e) => ({ type: RecordType.Entry, payload: encodeEntry(e) }));
    const { buf, lastCrc } = frameRecords(records, 0x1234);
    const first = readRecordAt(buf, 0);
    expect(first?.prevCrc).toBe(0x1234);
    const second = readRecordAt(buf, first?.end ?? -1);
    expect(second?.prevCrc).toBe(first?.crc);
    expect(second?.crc).toBe(lastCrc);
    expect(second?.end).toBe(buf.length);
    for (let bit = 0; bit < (first?.end ?? 0) * 8; bit++) {
      const copy = Buffer.from(buf);
      copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      const r = readRecordAt(copy, 0);
      // A flip either fails the CRC or (in the length field) makes the frame not line up.
      expect(r === undefined || r.end !== first?.end).toBe(true);
    }
  });

  it('snapshot files detect damage', () => {
    const s = snap(5, 2);
    const file = encodeSnapshotFile(s.metadata, s.data);
    expect(decodeSnapshotFile(file)).toEqual({ metadata: s.metadata, data: new Uint8Array(s.data) });
    for (let i = 0; i < file.length; i++) {
      const copy = Buffer.from(file);
      copy[i] = (copy[i] ?? 0) ^ 0x10;
      expect(decodeSnapshotFile(copy)).toBeUndefined();
    }
    expect(decodeSnapshotFile(file.subarray(0, file.length - 1))).toBeUndefined();
  });
});
