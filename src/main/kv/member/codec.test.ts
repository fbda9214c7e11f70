import { describe, expect, it } from 'vitest';
import { EntryType, MessageType, type Message } from '../raft';
import { decodeMessage, encodeMessage } from './codec';

function base(over: Partial<Message> = {}): Message {
  return {
    type: MessageType.Heartbeat,
    from: 1n,
    to: 2n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
    ...over,
  };
}

describe('message codec', () => {
  it('round-trips an empty heartbeat compactly', () => {
    const m = base();
    const buf = encodeMessage(m);
    expect(buf.length).toBeLessThan(40);
    expect(decodeMessage(buf)).toEqual(m);
  });

  it('round-trips every field incl. 64-bit ids, large numbers, entries and context', () => {
    const m = base({
      type: MessageType.App,
      from: 0xffff_ffff_ffff_fffen,
      to: 0x8000_0000_0000_0001n,
      term: 2 ** 40 + 7,
      logTerm: 127,
      index: 128,
      commit: Number.MAX_SAFE_INTEGER,
      reject: true,
      rejectHint: 16384,
      context: new Uint8Array([9, 8, 7]),
      entries: [
        { term: 3, index: 129, type: EntryType.Normal, data: new Uint8Array() },
        { term: 3, index: 130, type: EntryType.ConfChange, data: new Uint8Array(300).fill(5) },
      ],
    });
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('round-trips a snapshot with voters and learners', () => {
    const m = base({
      type: MessageType.Snap,
      snapshot: {
        metadata: { index: 10_000, term: 4, conf: { voters: [1n, 2n, 3n], learners: [99n] } },
        data: new Uint8Array(70_000).map((_, i) => i & 0xff),
      },
    });
    const out = decodeMessage(encodeMessage(m));
    expect(out).toEqual(m);
    expect(out.snapshot?.data).not.toBe(m.snapshot?.data);
  });

  it('round-trips every message type', () => {
    for (let t = MessageType.Prop; t <= MessageType.Unreachable; t++) {
      const m = base({ type: t });
      expect(decodeMessage(encodeMessage(m)).type).toBe(t);
    }
  });

  it('rejects truncated, trailing and unknown-version input', () => {
    const buf = encodeMessage(base({ entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(10) }] }));
    expect(() => decodeMessage(buf.subarray(0, buf.length - 1))).toThrow();
    const longer = new Uint8Array(buf.length + 1);
    longer.set(buf);
    expect(() => decodeMessage(longer)).toThrow(/trailing/);
    const bad = buf.slice();
    bad[0] = 99;
    expect(() => decodeMessage(bad)).toThrow(/version/);
  });

  it('decodes from a view into a larger buffer (as sliced off a socket)', () => {
    const m = base({ context: new Uint8Array([1, 2]) });
    const enc = encodeMessage(m);
    const big = new Uint8Array(enc.length + 10);
    big.set(enc, 5);
    expect(decodeMessage(big.subarray(5, 5 + enc.length))).toEqual(m);
  });
});
