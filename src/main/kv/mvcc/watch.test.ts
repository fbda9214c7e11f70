import { describe, expect, it } from 'vitest';
import { prefixEnd } from './bytes';
import { MvccStore } from './store';
import { b, prng, str } from './test-helpers';
import { EventType } from './types';
import type { Watcher, WatchResponse } from './watch';

function drain(w: Watcher, maxEvents?: number): WatchResponse[] {
  const out: WatchResponse[] = [];
  for (let r = w.next(maxEvents); r; r = w.next(maxEvents)) out.push(r);
  return out;
}

const summary = (resps: WatchResponse[]): string[] =>
  resps.flatMap((r) =>
    r.events.map((e) => `${e.type === EventType.PUT ? 'PUT' : 'DEL'} ${str(e.kv.key)}@${e.kv.modRevision}`),
  );

describe('watch', () => {
  it('sends a created response with the current revision', () => {
    const s = new MvccStore();
    s.put({ key: b('a') });
    const w = s.watch({ key: b('a'), watchId: 7 });
    expect(w.created).toMatchObject({ watchId: 7, created: true, canceled: false, header: { revision: 2 } });
    expect(w.next()).toBeUndefined();
  });

  it('delivers new events grouped by revision, with the revision in the header', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('a'), rangeEnd: b('c') });
    s.put({ key: b('a'), value: b('1') }); // 2
    s.txn({ success: [{ requestPut: { key: b('b') } }, { requestPut: { key: b('a'), value: b('2') } }] }); // 3
    s.put({ key: b('z') }); // 4: outside the range
    s.deleteRange({ key: b('a') }); // 5
    const got = drain(w, 1);
    expect(got.map((r) => r.header.revision)).toEqual([2, 3, 5]);
    expect(got.map((r) => r.events.length)).toEqual([1, 2, 1]);
    expect(summary(got)).toEqual(['PUT a@2', 'PUT b@3', 'PUT a@3', 'DEL a@5']);
    const del = got[2]!.events[0]!;
    expect(del.kv).toMatchObject({ version: 0, createRevision: 0, modRevision: 5 });
  });

  it('replays history from a past start revision, then continues live', () => {
    const s = new MvccStore();
    for (let i = 0; i < 5; i++) s.put({ key: b(`k${i}`), value: b(String(i)) }); // 2..6
    const w = s.watch({ key: b('k'), rangeEnd: prefixEnd(b('k')), startRevision: 4 });
    s.put({ key: b('k9') }); // 7
    const got = drain(w);
    expect(got).toHaveLength(1);
    expect(got[0]!.header.revision).toBe(7);
    expect(summary(got)).toEqual(['PUT k2@4', 'PUT k3@5', 'PUT k4@6', 'PUT k9@7']);
  });

  it('filters NOPUT / NODELETE and attaches prev_kv', () => {
    const s = new MvccStore();
    const noPut = s.watch({ key: b('k'), noPut: true, prevKv: true });
    const noDel = s.watch({ key: b('k'), noDelete: true, prevKv: true });
    s.put({ key: b('k'), value: b('1') });
    s.put({ key: b('k'), value: b('2') });
    s.deleteRange({ key: b('k') });
    const dels = drain(noPut).flatMap((r) => r.events);
    expect(dels).toHaveLength(1);
    expect(dels[0]!.type).toBe(EventType.DELETE);
    expect(str(dels[0]!.prevKv!.value)).toBe('2');
    const puts = drain(noDel).flatMap((r) => r.events);
    expect(puts.map((e) => str(e.kv.value))).toEqual(['1', '2']);
    expect(puts[0]!.prevKv).toBeUndefined();
    expect(str(puts[1]!.prevKv!.value)).toBe('1');
  });

  it('a slow consumer loses nothing: every event exactly once, in order, across many writes', () => {
    const s = new MvccStore();
    const rand = prng(7);
    const w = s.watch({ key: b('p/'), rangeEnd: prefixEnd(b('p/')) });
    const expected: string[] = [];
    const got: WatchResponse[] = [];
    for (let i = 0; i < 3000; i++) {
      const key = `p/${Math.floor(rand() * 50)}`;
      if (rand() < 0.2) {
        const r = s.deleteRange({ key: b(key) });
        if (r.deleted > 0) expected.push(`DEL ${key}@${r.header.revision}`);
      } else if (rand() < 0.1) {
        s.put({ key: b(`other/${i}`) });
      } else {
        expected.push(`PUT ${key}@${s.put({ key: b(key), value: b(String(i)) }).header.revision}`);
      }
      if (rand() < 0.05) got.push(...drain(w, 17)); // drain sometimes, in small batches
    }
    got.push(...drain(w, 17));
    expect(summary(got)).toEqual(expected);
    const revs = got.map((r) => r.header.revision);
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    expect(new Set(revs).size).toBe(revs.length);
  });

  it('never splits a revision and header.revision is the last covered', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('a'), rangeEnd: new Uint8Array([0]) });
    s.txn({ success: ['a', 'b', 'c'].map((k) => ({ requestPut: { key: b(k) } })) }); // 2
    s.put({ key: b('d') }); // 3
    const got = drain(w, 2);
    expect(got.map((r) => r.events.length)).toEqual([3, 1]);
    expect(got.map((r) => r.header.revision)).toEqual([2, 3]);
  });

  it('signals pending once per idle→pending transition and only for matching writes', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('x') });
    let signals = 0;
    w.onPending(() => signals++);
    s.put({ key: b('y') });
    expect(signals).toBe(0);
    expect(w.pending).toBe(false);
    s.put({ key: b('x') });
    s.put({ key: b('x') });
    expect(signals).toBe(1);
    drain(w);
    s.put({ key: b('x') });
    expect(signals).toBe(2);
  });

  it('async iteration yields responses as writes happen and ends on cancel', async () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('k') });
    const seen: number[] = [];
    const done = (async () => {
      for await (const r of w.responses()) seen.push(r.header.revision);
    })();
    s.put({ key: b('k') });
    await new Promise((r) => setTimeout(r, 0));
    s.put({ key: b('k') });
    await new Promise((r) => setTimeout(r, 0));
    w.cancel();
    await done;
    expect(seen.flat()).toEqual([2, 3]);
    expect(s.watcherCount).toBe(0);
  });

  it('cancel stops delivery', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('k') });
    w.cancel();
    s.put({ key: b('k') });
    expect(w.next()).toBeUndefined();
    expect(w.canceled).toBe(true);
  });

  it('a start revision below the compaction is created+canceled with compact_revision', () => {
    const s = new MvccStore();
    for (let i = 0; i < 4; i++) s.put({ key: b('k') }); // 2..5
    s.compact({ revision: 4 });
    const w = s.watch({ key: b('k'), startRevision: 3 });
    expect(w.created).toMatchObject({ created: true, canceled: true, compactRevision: 4 });
    expect(w.canceled).toBe(true);
    expect(s.watcherCount).toBe(0);
    // at the compaction revision is still allowed (etcd: start < compact fails)
    const ok = s.watch({ key: b('k'), startRevision: 4 });
    expect(summary(drain(ok))).toEqual(['PUT k@4', 'PUT k@5']);
  });

  it('compaction overtaking a lagging watcher cancels it with compact_revision', () => {
    const s = new MvccStore();
    const lagging = s.watch({ key: b('k') });
    const synced = s.watch({ key: b('k') });
    for (let i = 0; i < 4; i++) s.put({ key: b('k') }); // 2..5
    drain(synced);
    s.compact({ revision: 4 });
    const r = lagging.next()!;
    expect(r).toMatchObject({ canceled: true, compactRevision: 4, events: [] });
    expect(lagging.next()).toBeUndefined();
    s.put({ key: b('k') });
    expect(summary(drain(synced))).toEqual(['PUT k@6']);
  });

  it('progress notifications report the current revision only when caught up', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('k'), progressNotify: true });
    expect(w.progressNotify).toBe(true);
    s.put({ key: b('other') });
    expect(w.progress()).toMatchObject({ header: { revision: 2 }, events: [] });
    s.put({ key: b('k') });
    expect(w.progress()).toBeUndefined(); // an event is waiting: it must go first
    drain(w);
    expect(w.progress()!.header.revision).toBe(3);
    s.watch({ key: b('quiet') }); // did not ask for progress
    expect(s.progressNotifications().map((r) => [r.watchId, r.header.revision])).toEqual([[w.id, 3]]);
  });

  it('a throwing pending listener does not break apply', () => {
    const s = new MvccStore();
    const w = s.watch({ key: b('k') });
    w.onPending(() => {
      throw new Error('consumer bug');
    });
    expect(s.put({ key: b('k') }).header.revision).toBe(2);
    expect(w.next()!.events).toHaveLength(1);
  });
});
