// Watchers are cursors into the revision log: a slow consumer only falls behind, it never loses
// events, and each event is handed out exactly once, in revision order. Only compaction overtaking
// a cursor ends a watcher (etcd cancels such a watcher with compact_revision too).

import { inInterval, toInterval } from './bytes';
import type { KeyInterval } from './bytes';
import { changeToEvent } from './revision-log';
import type { LogEntry, RevisionLog } from './revision-log';
import type { Event, ResponseHeader } from './types';

export interface WatchRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  /** <= 0 or absent: from the next revision. A past revision replays history from there. */
  startRevision?: number;
  prevKv?: boolean;
  /** etcd's filters: NOPUT / NODELETE. */
  noPut?: boolean;
  noDelete?: boolean;
  /** The server sends progress() on its timer only to watchers that asked. */
  progressNotify?: boolean;
  /** Chosen by the caller (gRPC stream); the store numbers watchers itself otherwise. */
  watchId?: number;
}

export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  /** Set (with canceled) when the requested history has been compacted away. */
  compactRevision: number;
  cancelReason: string;
  events: Event[];
}

/** What a watcher needs from the store. */
export interface WatchSource {
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly log: RevisionLog;
  unregister(watcher: Watcher): void;
}

export const DEFAULT_MAX_EVENTS_PER_RESPONSE = 1000;

export class Watcher {
  readonly id: number;
  readonly progressNotify: boolean;
  /** The response the server sends first (created; plus canceled when the start was compacted). */
  readonly created: WatchResponse;
  private readonly interval: KeyInterval;
  /** Next revision to look at. */
  private cursor: number;
  private compactedAt = 0;
  private closed = false;
  private listener: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly source: WatchSource,
    id: number,
    private readonly req: WatchRequest,
  ) {
    this.id = id;
    this.progressNotify = req.progressNotify ?? false;
    this.interval = toInterval(req.key, req.rangeEnd);
    const start = req.startRevision ?? 0;
    const current = source.currentRevision;
    this.created = this.response([], current, { created: true });
    if (start > 0 && start < source.compactRevision) {
      this.created.canceled = true;
      this.created.compactRevision = source.compactRevision;
      this.created.cancelReason = 'mvcc: required revision has been compacted';
      this.closed = true;
      this.cursor = current + 1;
      return;
    }
    this.cursor = start > 0 ? Math.max(start, source.log.firstRevision) : current + 1;
  }

  get canceled(): boolean {
    return this.closed;
  }

  /** Events (or a compaction cancel) may be waiting: next() might return something. */
  get pending(): boolean {
    if (this.compactedAt > 0) return true;
    return !this.closed && this.cursor <= this.source.currentRevision;
  }

  /**
   * Called synchronously from apply when this watcher goes from idle to pending; keep it cheap
   * (schedule the send). Replaces any previous listener.
   */
  onPending(listener: (() => void) | undefined): void {
    this.listener = listener;
    if (listener && this.pending) listener();
  }

  /**
   * The next batch: whole revisions only, up to about maxEvents events. header.revision is the
   * last revision covered, so a client resuming at header.revision+1 misses nothing.
   */
  next(maxEvents = DEFAULT_MAX_EVENTS_PER_RESPONSE): WatchResponse | undefined {
    if (this.compactedAt > 0) {
      const resp = this.response([], this.source.currentRevision, { canceled: true });
      resp.compactRevision = this.compactedAt;
      resp.cancelReason = 'mvcc: required revision has been compacted';
      this.compactedAt = 0;
      return resp;
    }
    if (this.closed) return undefined;
    const current = this.source.currentRevision;
    const events: Event[] = [];
    while (this.cursor <= current) {
      const entry = this.source.log.get(this.cursor);
      const matched = entry ? this.match(entry) : [];
      if (events.length > 0 && events.length + matched.length > maxEvents) break;
      events.push(...matched);
      this.cursor++;
    }
    if (events.length === 0) return undefined;
    return this.response(events, this.cursor - 1, {});
  }

  /** Progress notification: the current revision, only when nothing is left to send. */
  progress(): WatchResponse | undefined {
    if (this.closed || this.pending) return undefined;
    return this.response([], this.source.currentRevision, {});
  }

  /** Responses as they come; ends when the watcher is canceled. */
  async *responses(maxEvents = DEFAULT_MAX_EVENTS_PER_RESPONSE): AsyncGenerator<WatchResponse> {
    for (;;) {
      const resp = this.next(maxEvents);
      if (resp) {
        yield resp;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.unregister(this);
    this.signal();
  }

  /** @internal The store committed `entry` (the newest revision). */
  notifyCommitted(entry: LogEntry): void {
    if (this.closed) return;
    if (this.cursor < entry.rev) return; // already behind: pending, nothing new to signal
    if (this.cursor > entry.rev) return; // starts in the future
    // Synced: skip revisions that have nothing for us without waking the consumer.
    if (this.match(entry).length === 0) {
      this.cursor++;
      return;
    }
    this.signal();
  }

  /** @internal History below `rev` is gone; a watcher still needing it ends. */
  notifyCompacted(rev: number): void {
    if (this.closed || this.cursor >= rev || this.cursor > this.source.currentRevision) return;
    this.closed = true;
    this.compactedAt = rev;
    this.source.unregister(this);
    this.signal();
  }

  private match(entry: LogEntry): Event[] {
    const out: Event[] = [];
    for (const change of entry.changes) {
      const rec = change.record;
      if (rec.tombstone ? this.req.noDelete : this.req.noPut) continue;
      if (!inInterval(this.interval, rec.kv.key)) continue;
      out.push(changeToEvent(change, this.req.prevKv ?? false));
    }
    return out;
  }

  private signal(): void {
    try {
      this.listener?.();
    } catch {
      // A consumer's bug must not break apply(), which calls this mid-commit.
    }
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private response(
    events: Event[],
    revision: number,
    flags: { created?: boolean; canceled?: boolean },
  ): WatchResponse {
    return {
      header: { revision },
      watchId: this.id,
      created: flags.created ?? false,
      canceled: flags.canceled ?? false,
      compactRevision: 0,
      cancelReason: '',
      events,
    };
  }
}
