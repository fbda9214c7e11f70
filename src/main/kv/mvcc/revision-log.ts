// The changes of every revision since the compaction point, in order: what watchers replay from
// and walk forward on (etcd reads the same from its revision-keyed backend). Derived state: it is
// rebuilt from the key histories on restore.

import type { KeyRecord } from './key-history';
import { EventType } from './types';
import type { Event } from './types';

export interface Change {
  readonly record: KeyRecord;
  /** The key's live record just before this change, for prev_kv. */
  readonly prev: KeyRecord | undefined;
}

export interface LogEntry {
  readonly rev: number;
  readonly changes: Change[];
}

export function changeToEvent(change: Change, withPrev: boolean): Event {
  const ev: Event = {
    type: change.record.tombstone ? EventType.DELETE : EventType.PUT,
    kv: change.record.kv,
  };
  if (withPrev && change.prev) ev.prevKv = change.prev.kv;
  return ev;
}

export class RevisionLog {
  /** Revision of entries[0]; entries cover base..base+length-1 without gaps. */
  private base: number;
  private entries: LogEntry[] = [];

  constructor(base: number) {
    this.base = base;
  }

  get firstRevision(): number {
    return this.base;
  }

  get(rev: number): LogEntry | undefined {
    return this.entries[rev - this.base];
  }

  append(entry: LogEntry): void {
    if (entry.rev !== this.base + this.entries.length) {
      throw new Error(`revision log: expected revision ${this.base + this.entries.length}, got ${entry.rev}`);
    }
    this.entries.push(entry);
  }

  /** Forget revisions below `rev`. */
  compact(rev: number): void {
    if (rev <= this.base) return;
    const drop = Math.min(rev - this.base, this.entries.length);
    this.entries.splice(0, drop);
    this.base = rev;
  }
}
