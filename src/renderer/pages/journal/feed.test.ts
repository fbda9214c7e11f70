import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ConnectionState, type JournalBatch, type JournalEntry } from '../../../shared/api';
import { JournalFeed, type FeedApi, type FeedStatus } from './feed';

interface Sub {
  params: Record<string, unknown>;
  emit: (b: JournalBatch) => void;
  fail: (e: Error) => void;
  active: boolean;
}

/** An API that records subscriptions and whose connection the test drops and restores. */
function fakeFeedApi() {
  const subs: Sub[] = [];
  const connListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'open';
  const api: FeedApi = {
    subscribe: (_event, params, onPayload, onError) => {
      const sub: Sub = {
        params: params as Record<string, unknown>,
        emit: onPayload,
        fail: (e) => onError?.(e),
        active: true,
      };
      subs.push(sub);
      return () => {
        sub.active = false;
      };
    },
    connectionState: () => state,
    onConnectionState: (l) => {
      connListeners.add(l);
      return () => connListeners.delete(l);
    },
  };
  const setConnection = (s: ConnectionState) => {
    state = s;
    for (const l of connListeners) l(s);
  };
  return { api, subs, setConnection, last: () => subs[subs.length - 1]! };
}

const entry = (machineId: string, seq: number, text = `${machineId}#${seq}`): JournalEntry => ({
  cursor: `c-${machineId}-${seq}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString().replace('Z', '000Z'),
  seq,
  machineId,
  hostname: machineId,
  unit: 'tick.service',
  stream: 'stdout',
  text,
});
const batch = (cursor: string, ...entries: JournalEntry[]): JournalBatch => ({
  entries,
  cursor,
  notices: [],
});

function start(queries = [{ cluster: 'dev', units: ['tick.service'], lines: 100 }]) {
  const fake = fakeFeedApi();
  const got: string[] = [];
  const notices: string[] = [];
  const statuses: FeedStatus['kind'][] = [];
  const feed = new JournalFeed(fake.api, queries, (entries, n) => {
    got.push(...entries.map((e) => e.text));
    notices.push(...n);
  });
  feed.onStatus((s) => statuses.push(s.kind));
  feed.start();
  return { ...fake, feed, got, notices, statuses };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('JournalFeed', () => {
  it('subscribes with the backlog size, then hands over every batch and notice', () => {
    const t = start();
    expect(t.subs).toHaveLength(1);
    expect(t.last().params).toEqual({ cluster: 'dev', units: ['tick.service'], lines: 100 });
    expect(t.feed.status.kind).toBe('connecting');
    t.last().emit({ ...batch('k1', entry('m1', 1), entry('m1', 2)), notices: ['core-01: rotated'] });
    expect(t.feed.status.kind).toBe('live');
    t.last().emit(batch('k2', entry('m1', 3)));
    expect(t.got).toEqual(['m1#1', 'm1#2', 'm1#3']);
    expect(t.notices).toEqual(['core-01: rotated']);
    expect(t.feed.cursors()).toEqual(['k2']);
  });

  it('when the connection drops, ends its subscription and resumes after the last cursor', () => {
    const t = start();
    t.last().emit(batch('k1', entry('m1', 1)));
    t.setConnection('reconnecting');
    expect(t.subs[0]!.active).toBe(false);
    expect(t.feed.status).toMatchObject({
      kind: 'reconnecting',
      reason: 'The connection to Flotilla was lost',
    });
    t.setConnection('open');
    expect(t.subs).toHaveLength(2);
    expect(t.last().params).toEqual({ cluster: 'dev', units: ['tick.service'], lines: 100, after: 'k1' });
    expect(t.feed.status.kind).toBe('reconnecting');
    t.last().emit(batch('k2', entry('m1', 2)));
    expect(t.feed.status.kind).toBe('resumed');
    vi.advanceTimersByTime(3000);
    expect(t.feed.status.kind).toBe('live');
    expect(t.got).toEqual(['m1#1', 'm1#2']);
    expect(t.statuses).toEqual(['live', 'reconnecting', 'resumed', 'live']);
  });

  it('never passes on a line twice, even when a stream replays its backlog', () => {
    const t = start();
    t.last().emit(batch('k1', entry('m1', 1), entry('m2', 1), entry('m1', 2)));
    // A late payload of a subscription the feed already ended is ignored…
    const old = t.last();
    t.setConnection('reconnecting');
    old.emit(batch('kx', entry('m1', 9)));
    t.setConnection('open');
    // …and what the new one repeats (a resubscription the client made on its own) is dropped.
    t.last().emit(
      batch('k2', entry('m1', 1), entry('m1', 2), entry('m2', 1), entry('m2', 2), entry('m1', 3)),
    );
    expect(t.got).toEqual(['m1#1', 'm2#1', 'm1#2', 'm2#2', 'm1#3']);
  });

  it('retries an ended stream with growing waits, resuming after its cursor', () => {
    const t = start();
    t.last().emit(batch('k1', entry('m1', 1)));
    t.last().fail(new ApiError('CONFLICT', 'Cluster dev is not running'));
    expect(t.feed.status).toMatchObject({ kind: 'reconnecting', reason: 'Cluster dev is not running' });
    vi.advanceTimersByTime(249);
    expect(t.subs).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.subs).toHaveLength(2);
    expect(t.last().params.after).toBe('k1');
    t.last().fail(new Error('still down'));
    vi.advanceTimersByTime(499);
    expect(t.subs).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.subs).toHaveLength(3);
    t.last().emit(batch('k2'));
    expect(t.feed.status.kind).toBe('resumed');
    // Back to the first wait after a success.
    t.last().fail(new Error('again'));
    vi.advanceTimersByTime(250);
    expect(t.subs).toHaveLength(4);
  });

  it('stops for good on a request the server refuses', () => {
    const t = start();
    t.last().fail(new ApiError('BAD_REQUEST', 'the journal cursor is damaged'));
    expect(t.feed.status).toEqual({ kind: 'failed', reason: 'the journal cursor is damaged' });
    vi.advanceTimersByTime(60_000);
    expect(t.subs).toHaveLength(1);
  });

  it('follows several machines in streams of their own, each with its own cursor', () => {
    const t = start([
      { cluster: 'dev', machine: 'core-01', lines: 10 } as never,
      { cluster: 'dev', machine: 'core-02', lines: 10 } as never,
    ]);
    expect(t.subs.map((s) => s.params.machine)).toEqual(['core-01', 'core-02']);
    t.subs[0]!.emit(batch('a1', entry('m1', 1)));
    expect(t.feed.status.kind).toBe('connecting');
    t.subs[1]!.emit(batch('b1', entry('m2', 1)));
    expect(t.feed.status.kind).toBe('live');
    t.setConnection('closed');
    t.setConnection('open');
    expect(t.subs.slice(2).map((s) => [s.params.machine, s.params.after])).toEqual([
      ['core-01', 'a1'],
      ['core-02', 'b1'],
    ]);
  });

  it('resubscribes after its cursors when asked (the cluster started again)', () => {
    const t = start();
    // Still loading its first batch: nothing to resume, the subscription stays.
    t.feed.resume();
    expect(t.subs).toHaveLength(1);
    t.last().emit(batch('k1', entry('m1', 1)));
    t.feed.resume();
    expect(t.subs[0]!.active).toBe(false);
    expect(t.last().params.after).toBe('k1');
  });

  it('ends everything on stop', () => {
    const t = start();
    t.last().fail(new Error('down'));
    t.feed.stop();
    vi.advanceTimersByTime(60_000);
    expect(t.subs).toHaveLength(1);
    t.setConnection('reconnecting');
    t.setConnection('open');
    expect(t.subs).toHaveLength(1);
  });
});
