// One Watch stream (gRPC bidi or a gateway POST /v3/watch): its watchers, numbered per stream from
// 0 like etcd's, their events sent in revision order, progress notifications on a timer.
import type { Member } from '../member';
import type { Watcher, WatchResponse } from '../mvcc';
import { bytes, event, num, type HeaderFn } from './convert';
import type { Wire } from './proto';

type W = Record<string, unknown>;

export const ERR_DUPLICATE_WATCH_ID = 'mvcc: duplicate watch ID provided on the WatchStream';

export class WatchSession {
  private readonly watchers = new Map<number, Watcher>();
  private readonly scheduled = new Set<number>();
  private nextId = 0;
  private blocked = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly member: Member,
    private readonly header: HeaderFn,
    /** Returns false when the transport is full: sending resumes on resume(). */
    private readonly send: (resp: Wire) => boolean,
    progressMs: number,
  ) {
    this.timer = setInterval(() => this.progressTick(), progressMs);
    this.timer.unref();
  }

  handle(req: W): void {
    if (this.closed) return;
    if (req.create_request) this.create(req.create_request as W);
    else if (req.cancel_request) this.cancel(num((req.cancel_request as W).watch_id));
    else if (req.progress_request) this.progressRequest();
  }

  /** The transport drained: send whatever is pending. */
  resume(): void {
    this.blocked = false;
    for (const id of this.watchers.keys()) this.flush(id);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const w of this.watchers.values()) w.cancel();
    this.watchers.clear();
  }

  get size(): number {
    return this.watchers.size;
  }

  private create(c: W): void {
    let id = num(c.watch_id);
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id) || id < 0) {
      this.send({
        header: this.header(this.member.store.currentRevision),
        watch_id: '-1',
        created: true,
        canceled: true,
        cancel_reason: ERR_DUPLICATE_WATCH_ID,
      });
      return;
    }
    const filters = Array.isArray(c.filters) ? (c.filters as unknown[]).map(num) : [];
    const rangeEnd = bytes(c.range_end);
    const w = this.member.store.watch({
      key: bytes(c.key),
      ...(rangeEnd.length > 0 ? { rangeEnd } : {}),
      startRevision: num(c.start_revision),
      prevKv: c.prev_kv === true,
      noPut: filters.includes(0),
      noDelete: filters.includes(1),
      progressNotify: c.progress_notify === true,
      watchId: id,
    });
    const rev = w.created.header.revision;
    this.send({ header: this.header(rev), watch_id: String(id), created: true });
    if (w.created.canceled) {
      // etcd: the watcher is created, then canceled with the compaction revision.
      this.send({
        header: this.header(0),
        watch_id: String(id),
        canceled: true,
        compact_revision: String(w.created.compactRevision),
      });
      return;
    }
    this.watchers.set(id, w);
    w.onPending(() => this.schedule(id));
  }

  private cancel(id: number): void {
    const w = this.watchers.get(id);
    if (!w) return;
    w.cancel();
    this.watchers.delete(id);
    this.send({
      header: this.header(this.member.store.currentRevision),
      watch_id: String(id),
      canceled: true,
    });
  }

  private progressRequest(): void {
    for (const w of this.watchers.values()) if (w.pending) return;
    this.send({ header: this.header(this.member.store.currentRevision), watch_id: '-1' });
  }

  private progressTick(): void {
    if (this.closed || this.blocked) return;
    for (const w of this.watchers.values()) {
      if (!w.progressNotify) continue;
      const p = w.progress();
      if (p) this.send(this.toWire(w.id, p));
    }
  }

  private schedule(id: number): void {
    if (this.scheduled.has(id)) return;
    this.scheduled.add(id);
    setImmediate(() => {
      this.scheduled.delete(id);
      this.flush(id);
    });
  }

  private flush(id: number): void {
    if (this.closed) return;
    const w = this.watchers.get(id);
    if (!w) return;
    while (!this.blocked) {
      const r = w.next();
      if (!r) break;
      if (r.canceled) this.watchers.delete(id);
      if (!this.send(this.toWire(id, r))) this.blocked = true;
      if (r.canceled) break;
    }
  }

  private toWire(id: number, r: WatchResponse): Wire {
    // etcd's compaction cancel carries no revision in its header and no reason.
    if (r.compactRevision > 0)
      return {
        header: this.header(0),
        watch_id: String(id),
        canceled: true,
        compact_revision: String(r.compactRevision),
      };
    return {
      header: this.header(r.header.revision),
      watch_id: String(id),
      created: r.created,
      canceled: r.canceled,
      compact_revision: String(r.compactRevision),
      cancel_reason: r.cancelReason,
      events: r.events.map(event),
    };
  }
}
