// Following the journal through the API, and resuming it. The WebSocket client re-subscribes by
// itself after a reconnect, but with the subscription's first params: for journal.follow that is
// the whole backlog again (duplicates), or with a stale `after` a gap. So the feed takes over:
// when the connection drops it ends its subscriptions, and when it is back it subscribes again
// with `after` = the last batch's cursor. A stream that ends with an error (cluster stopped,
// app going away) is retried the same way with backoff. A per-machine seq check drops anything
// already had, so even a resubscription the client made on its own cannot show a line twice.

import type { ConnectionState, JournalBatch, JournalEntry, JournalQuery } from '../../../shared/api';

/** What the feed needs of the app's API. */
export interface FeedApi {
  subscribe(
    event: 'journal.follow',
    params: JournalQuery & { cluster?: string },
    onPayload: (b: JournalBatch) => void,
    onError?: (err: Error) => void,
  ): () => void;
  connectionState(): ConnectionState;
  onConnectionState(listener: (s: ConnectionState) => void): () => void;
}

/** One subscription's query (the backlog size in `lines`; the feed adds `after`). */
export type StreamQuery = Omit<JournalQuery, 'after'> & { cluster?: string };

export type FeedStatus =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Back after an outage, resumed where it stopped (for a few seconds, then live). */
  | { kind: 'resumed' }
  | { kind: 'reconnecting'; reason: string; retryAt: number | undefined }
  | { kind: 'failed'; reason: string };

export interface FeedOptions {
  /** First wait before retrying an ended stream; doubles up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long "Resumed" shows before "Live". */
  resumedMs?: number;
}

/** Errors a retry cannot mend: the request itself is wrong. */
const FATAL = new Set(['BAD_REQUEST', 'UNAUTHORIZED']);

interface Stream {
  query: StreamQuery;
  cursor: string | undefined;
  /** Per machine, the seq of the last entry had: anything at or below it is a duplicate. */
  lastSeq: Map<string, number>;
  unsub: (() => void) | undefined;
  /** Bumped on every (re)subscription: payloads of an older one are ignored. */
  gen: number;
  state: 'idle' | 'connecting' | 'live' | 'waiting' | 'failed';
  /** Subscribed again after an outage: its first batch means "resumed". */
  resuming: boolean;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  retryAt: number | undefined;
  reason: string;
}

export type FeedSink = (entries: JournalEntry[], notices: string[]) => void;

export class JournalFeed {
  private readonly streams: Stream[];
  private readonly listeners = new Set<(s: FeedStatus) => void>();
  private current: FeedStatus = { kind: 'connecting' };
  private resumedUntil = 0;
  private resumedTimer: ReturnType<typeof setTimeout> | undefined;
  private offConnection: (() => void) | undefined;
  private readonly opts: Required<FeedOptions>;
  private running = false;

  constructor(
    private readonly api: FeedApi,
    queries: StreamQuery[],
    private readonly sink: FeedSink,
    options: FeedOptions = {},
  ) {
    this.opts = { baseDelayMs: 250, maxDelayMs: 10_000, resumedMs: 3000, ...options };
    this.streams = queries.map((query) => ({
      query,
      cursor: undefined,
      lastSeq: new Map(),
      unsub: undefined,
      gen: 0,
      state: 'idle',
      resuming: false,
      attempt: 0,
      timer: undefined,
      retryAt: undefined,
      reason: '',
    }));
  }

  get status(): FeedStatus {
    return this.current;
  }

  onStatus(listener: (s: FeedStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The resume points, one per stream (undefined until its first batch). */
  cursors(): Array<string | undefined> {
    return this.streams.map((s) => s.cursor);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.offConnection = this.api.onConnectionState((c) => this.onConnection(c));
    // A client still connecting queues the subscription; it goes out once connected.
    for (const s of this.streams) this.open(s);
    this.update();
  }

  stop(): void {
    this.running = false;
    this.offConnection?.();
    this.offConnection = undefined;
    clearTimeout(this.resumedTimer);
    for (const s of this.streams) this.close(s);
  }

  /**
   * Subscribes every stream again after its cursor. For when the server may have ended streams
   * without a word (the cluster was stopped and started again).
   */
  resume(): void {
    if (!this.running) return;
    for (const s of this.streams) {
      // Failed for good, or still loading its first batch (nothing to resume yet).
      if (s.state === 'failed' || (s.state === 'connecting' && s.cursor === undefined)) continue;
      this.close(s);
      s.resuming = s.cursor !== undefined;
      this.open(s);
    }
    this.update();
  }

  private onConnection(c: ConnectionState): void {
    if (c === 'open') {
      for (const s of this.streams) if (s.state === 'waiting' && !s.timer) this.open(s);
    } else {
      // Lost: end the subscriptions now, or the client would replay their first params.
      for (const s of this.streams) {
        if (s.state === 'failed') continue;
        this.close(s);
        s.state = 'waiting';
        s.resuming = true;
        s.retryAt = undefined;
        s.reason = 'The connection to Flotilla was lost';
      }
    }
    this.update();
  }

  private open(s: Stream): void {
    const gen = ++s.gen;
    s.state = 'connecting';
    s.timer = undefined;
    s.retryAt = undefined;
    const params = s.cursor === undefined ? s.query : { ...s.query, after: s.cursor };
    try {
      s.unsub = this.api.subscribe(
        'journal.follow',
        params,
        (b) => {
          if (gen === s.gen) this.onBatch(s, b);
        },
        (err) => {
          if (gen === s.gen) this.onEnded(s, err);
        },
      );
    } catch (err) {
      this.onEnded(s, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private close(s: Stream): void {
    s.gen++;
    clearTimeout(s.timer);
    s.timer = undefined;
    const unsub = s.unsub;
    s.unsub = undefined;
    unsub?.();
    if (s.state !== 'failed') s.state = 'idle';
  }

  private onBatch(s: Stream, b: JournalBatch): void {
    const fresh: JournalEntry[] = [];
    for (const e of b.entries) {
      const last = s.lastSeq.get(e.machineId);
      if (last !== undefined && e.seq <= last) continue;
      s.lastSeq.set(e.machineId, e.seq);
      fresh.push(e);
    }
    s.cursor = b.cursor;
    if (s.state !== 'live') {
      if (s.resuming) this.markResumed();
      s.state = 'live';
      s.resuming = false;
      s.attempt = 0;
      s.reason = '';
    }
    this.update();
    if (fresh.length || b.notices.length) this.sink(fresh, b.notices);
  }

  private onEnded(s: Stream, err: Error): void {
    s.unsub = undefined;
    s.gen++;
    const code = (err as { code?: string }).code;
    s.reason = err.message;
    if (code && FATAL.has(code)) {
      s.state = 'failed';
    } else if (this.running) {
      const delay = Math.min(this.opts.baseDelayMs * 2 ** s.attempt, this.opts.maxDelayMs);
      s.attempt++;
      s.state = 'waiting';
      s.resuming = true;
      s.retryAt = Date.now() + delay;
      s.timer = setTimeout(() => {
        s.timer = undefined;
        if (this.running) this.open(s);
        this.update();
      }, delay);
    }
    this.update();
  }

  private markResumed(): void {
    this.resumedUntil = Date.now() + this.opts.resumedMs;
    clearTimeout(this.resumedTimer);
    this.resumedTimer = setTimeout(() => this.update(), this.opts.resumedMs);
  }

  private update(): void {
    const next = this.aggregate();
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const l of this.listeners) l(next);
  }

  private aggregate(): FeedStatus {
    const failed = this.streams.find((s) => s.state === 'failed');
    if (failed) return { kind: 'failed', reason: failed.reason };
    const away = this.streams.filter(
      (s) => s.state === 'waiting' || (s.state === 'connecting' && s.resuming),
    );
    if (away.length) {
      const times = away.map((s) => s.retryAt).filter((t): t is number => t !== undefined);
      return {
        kind: 'reconnecting',
        reason: away.find((s) => s.reason)?.reason ?? 'Reconnecting',
        retryAt: times.length ? Math.min(...times) : undefined,
      };
    }
    if (this.streams.some((s) => s.state === 'connecting' || s.state === 'idle'))
      return { kind: 'connecting' };
    if (Date.now() < this.resumedUntil) return { kind: 'resumed' };
    return { kind: 'live' };
  }
}
