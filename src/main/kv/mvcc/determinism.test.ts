import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from './codec';
import { randomCommands } from './random-commands';
import { MvccStore } from './store';
import { prng } from './test-helpers';

const ALL = new Uint8Array([0]);

describe('determinism', () => {
  for (const seed of [1, 2, 3, 42]) {
    it(`two stores fed the same random stream (seed ${seed}) agree on every result and hash`, () => {
      const cmds = randomCommands(prng(seed), 1500);
      const a = new MvccStore();
      const b = new MvccStore();
      let failures = 0;
      cmds.forEach((cmd, i) => {
        const ra = a.apply(cmd, i + 1);
        // b gets the entry through the codec, as a follower would
        const rb = b.apply(decodeCommand(encodeCommand(cmd)), i + 1);
        expect(rb).toEqual(ra);
        if (!ra.ok) failures++;
        if (i % 250 === 0) expect(b.hash()).toEqual(a.hash());
      });
      expect(b.hash()).toEqual(a.hash());
      expect(b.hashKV(0)).toEqual(a.hashKV(0));
      expect(b.snapshot()).toEqual(a.snapshot());
      expect(a.currentRevision).toBeGreaterThan(100);
      expect(a.compactRevision).toBeGreaterThan(1);
      expect(failures).toBeGreaterThan(0); // the stream exercises error paths too
      expect(failures).toBeLessThan(cmds.length / 2);
    });
  }

  it('a different stream gives a different hash', () => {
    const a = new MvccStore();
    const b = new MvccStore();
    randomCommands(prng(5), 300).forEach((c, i) => a.apply(c, i + 1));
    randomCommands(prng(6), 300).forEach((c, i) => b.apply(c, i + 1));
    expect(a.hash().hash).not.toBe(b.hash().hash);
  });

  it('range results stay consistent with history across random writes', () => {
    const s = new MvccStore();
    const snapshots = new Map<number, string>();
    randomCommands(prng(9), 600)
      .filter((c) => c.type !== 'compaction')
      .forEach((c, i) => {
        s.apply(c, i + 1);
        const r = s.range({ key: ALL, rangeEnd: ALL });
        snapshots.set(
          s.currentRevision,
          JSON.stringify(r.kvs, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        );
      });
    for (const [rev, seen] of snapshots) {
      const again = s.range({ key: ALL, rangeEnd: ALL, revision: rev });
      expect(JSON.stringify(again.kvs, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toBe(
        seen,
      );
    }
  });
});
