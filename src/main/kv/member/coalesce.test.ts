import { describe, expect, it } from 'vitest';
import { EntryType, MessageType, type Entry, type Message } from '../raft';
import { coalesceAppends } from './coalesce';

const ent = (index: number, term = 2, size = 1): Entry => ({
  term,
  index,
  type: EntryType.Normal,
  data: new Uint8Array(size),
});

function app(to: bigint, prevIndex: number, entries: Entry[], over: Partial<Message> = {}): Message {
  return {
    type: MessageType.App,
    from: 1n,
    to,
    term: 2,
    logTerm: 2,
    index: prevIndex,
    entries,
    commit: prevIndex,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
    ...over,
  };
}

describe('coalesceAppends', () => {
  it('merges a run of contiguous appends per peer, keeping the highest commit', () => {
    const out = coalesceAppends([
      app(2n, 10, [ent(11)]),
      app(3n, 10, [ent(11)]),
      app(2n, 11, [ent(12)], { commit: 11 }),
      app(2n, 12, [ent(13), ent(14)]),
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]!.to).toBe(2n);
    expect(out[0]!.entries.map((e) => e.index)).toEqual([11, 12, 13, 14]);
    expect(out[0]!.commit).toBe(12);
    expect(out[0]!.index).toBe(10);
    expect(out[1]!.to).toBe(3n);
  });

  it('does not merge across a gap, a term change, another message type or the byte cap', () => {
    const gap = coalesceAppends([app(2n, 10, [ent(11)]), app(2n, 12, [ent(13)])]);
    expect(gap).toHaveLength(2);
    const term = coalesceAppends([app(2n, 10, [ent(11)]), app(2n, 11, [ent(12)], { term: 3 })]);
    expect(term).toHaveLength(2);
    const hb = { ...app(2n, 0, []), type: MessageType.Heartbeat };
    const between = coalesceAppends([app(2n, 10, [ent(11)]), hb, app(2n, 11, [ent(12)])]);
    expect(between.map((m) => m.type)).toEqual([MessageType.App, MessageType.Heartbeat, MessageType.App]);
    const cap = coalesceAppends([app(2n, 10, [ent(11, 2, 600)]), app(2n, 11, [ent(12, 2, 600)])], 1000);
    expect(cap).toHaveLength(2);
  });

  it('leaves probes (empty appends) alone', () => {
    const out = coalesceAppends([app(2n, 10, []), app(2n, 10, [ent(11)])]);
    expect(out).toHaveLength(2);
  });
});
