// The journals of one cluster's machines, read together: entries of several machines merged by
// time, a cursor that resumes every machine exactly where the reader left it, and followers that
// get the backlog and then every flushed batch.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalBatch, JournalEntry, JournalQuery } from '../../shared/api';
import { decodeCursor, encodeCursor, type Positions } from './cursor';
import {
  DEFAULT_LIMITS,
  MachineJournal,
  type JournalLimits,
  type StoredEntry,
  type WriteEntry,
} from './machine-journal';
import { parseMicros } from './time';

/** What a unit host writes into its machine's journal. */
export interface JournalSink {
  write(entry: WriteEntry): void;
  /**
   * Time of the unit's last stdout/stderr entry: where to resume reading an adopted container's
   * output (`docker logs --since`). Only output counts: its times are Docker's clock, system
   * lines are ours.
   */
  lastTime(unit: string): Date | undefined;
  /** The same to the µs, as stored (RFC 3339 UTC), to skip lines already had on resume. */
  lastTimestamp?(unit: string): string | undefined;
}

/** A query with the machines already resolved by the cluster host. */
export type ResolvedJournalQuery = Omit<JournalQuery, 'machine'> & { machineIds?: string[] };

export type JournalOptions = Partial<JournalLimits>;

/** Machine ids name directories: nothing that could leave `dir`. */
const MACHINE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A follower's backlog comes in pages of this many entries until it has caught up. */
const FOLLOW_PAGE = 10_000;

interface Follower {
  q: ResolvedJournalQuery;
  units: Set<string> | undefined;
  emit: (b: JournalBatch) => void;
  /** Positions after what it has been given; live batches continue from here. */
  pos: Positions;
  ready: boolean;
  /** Live batches that came while the backlog was being read. */
  buffered: Array<{ j: MachineJournal; entries: StoredEntry[] }>;
  stopped: boolean;
}

interface Page {
  batch: JournalBatch;
  /** Every matching entry up to every machine's head is in this or an earlier page. */
  caughtUp: boolean;
}

type Sourced = { j: MachineJournal; e: StoredEntry; us: number };

function before(a: Sourced, b: Sourced): boolean {
  if (a.us !== b.us) return a.us < b.us;
  if (a.j.machineId !== b.j.machineId) return a.j.machineId < b.j.machineId;
  return a.e.seq < b.e.seq;
}

/**
 * Merges each machine's entries (each in seq order) by time, ties by machine then seq. A k-way
 * merge rather than a sort keeps every machine's seq order even where its times are not monotonic
 * (output lines carry Docker's timestamps, system lines ours), which the cursors depend on.
 */
function merge(lists: Array<{ j: MachineJournal; entries: StoredEntry[] }>): Sourced[] {
  const queues = lists
    .filter((l) => l.entries.length > 0)
    .map((l) => ({ j: l.j, items: l.entries.map((e) => ({ j: l.j, e, us: parseMicros(e.time) })), at: 0 }));
  const out: Sourced[] = [];
  for (;;) {
    let best: (typeof queues)[number] | undefined;
    for (const q of queues) {
      if (q.at >= q.items.length) continue;
      if (!best || before(q.items[q.at] as Sourced, best.items[best.at] as Sourced)) best = q;
    }
    if (!best) return out;
    out.push(best.items[best.at++] as Sourced);
  }
}

function toWire(j: MachineJournal, e: StoredEntry, cursor: string): JournalEntry {
  const w: JournalEntry = {
    cursor,
    time: e.time,
    seq: e.seq,
    machineId: j.machineId,
    hostname: j.hostname,
    stream: e.stream,
    text: e.text,
  };
  if (e.unit !== undefined) w.unit = e.unit;
  return w;
}

/** The journals of one cluster's machines: <clusterDir>/journal/<machineId>/… */
export class ClusterJournals {
  private readonly limits: JournalLimits;
  private readonly journals = new Map<string, MachineJournal>();
  private readonly followers = new Set<Follower>();
  /** While close() runs: nothing new may open. */
  private closing = false;

  constructor(
    readonly dir: string,
    options: JournalOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options };
  }

  /** The journal a machine's unit host writes to (opened, or created, on first call). */
  machine(machineId: string, hostname: string): JournalSink {
    if (this.closing) throw new Error('the journals are closing');
    if (!MACHINE_ID.test(machineId)) throw new Error(`not a machine id: "${machineId}"`);
    let j = this.journals.get(machineId);
    if (j) j.setHostname(hostname);
    else {
      j = MachineJournal.open(join(this.dir, machineId), machineId, hostname, this.limits, (jj, entries) =>
        this.onFlushed(jj, entries),
      );
      this.journals.set(machineId, j);
    }
    const journal = j;
    return {
      write: (e) => journal.write(e),
      lastTime: (unit) => {
        const t = journal.lastOutputTime(unit);
        return t === undefined ? undefined : new Date(Math.floor(parseMicros(t) / 1000));
      },
      lastTimestamp: (unit) => journal.lastOutputTime(unit),
    };
  }

  /**
   * The last `lines` entries (default 100), or with `after` the first `lines` after it, merged
   * across machines by time. The batch's cursor resumes after everything the reader has now seen:
   * with no `after`, after every machine's newest entry.
   */
  async read(q: ResolvedJournalQuery): Promise<JournalBatch> {
    return (await this.readPage(q)).batch;
  }

  /**
   * The backlog (the last `lines`, or everything after `after`), then every new entry in batches
   * as the journals flush them (every few ms). Returns the unsubscribe.
   */
  follow(q: ResolvedJournalQuery, emit: (b: JournalBatch) => void): () => void {
    if (this.closing) throw new Error('the journals are closing');
    if (q.after !== undefined) decodeCursor(q.after); // a bad cursor fails here, not later
    const f: Follower = {
      q,
      units: q.units?.length ? new Set(q.units) : undefined,
      emit,
      pos: new Map(),
      ready: false,
      buffered: [],
      stopped: false,
    };
    this.followers.add(f);
    const send = (b: JournalBatch) => {
      try {
        f.emit(b);
      } catch {
        // The subscriber's failure is not the journal's.
      }
    };
    void (async () => {
      let page = await this.readPage(q.after === undefined ? q : { ...q, lines: FOLLOW_PAGE });
      send(page.batch);
      while (!page.caughtUp && !f.stopped) {
        page = await this.readPage({ ...q, after: page.batch.cursor, lines: FOLLOW_PAGE });
        if (page.batch.entries.length || page.batch.notices.length) send(page.batch);
      }
      f.pos = decodeCursor(page.batch.cursor);
      f.ready = true;
      for (const b of f.buffered.splice(0)) this.deliver(f, b.j, b.entries);
    })().catch((err: unknown) => {
      if (f.stopped) return;
      send({
        entries: [],
        cursor: q.after ?? encodeCursor(new Map()),
        notices: [`journal: ${(err as Error).message ?? String(err)}`],
      });
    });
    return () => {
      f.stopped = true;
      this.followers.delete(f);
    };
  }

  /**
   * Writes out what is pending and closes the files; followers get nothing more. The journals
   * open again on the next use (a cluster stopped and started in the same app).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      this.followers.clear();
      await Promise.all([...this.journals.values()].map((j) => j.close()));
      this.journals.clear();
    } finally {
      this.closing = false;
    }
  }

  // ---------------------------------------------------------------------------------- reading

  private async readPage(q: ResolvedJournalQuery): Promise<Page> {
    const after = q.after !== undefined ? decodeCursor(q.after) : undefined;
    const journals = await this.journalsFor(q.machineIds);
    await Promise.all(journals.map((j) => j.flush()));
    const units = q.units?.length ? new Set(q.units) : undefined;
    const needles = units ? [...units].map((u) => `"unit":${JSON.stringify(u)},`) : undefined;
    // The needle test is exact on stored lines (quotes inside a text are escaped); `accept`
    // checks the parsed entry anyway.
    const match = needles ? (line: string) => needles.some((n) => line.includes(n)) : () => true;
    const accept = units ? (e: StoredEntry) => e.unit !== undefined && units.has(e.unit) : () => true;
    const lines = q.lines ?? 100;
    const notices: string[] = [];
    for (const j of journals) {
      if (j.writeError) notices.push(`${j.hostname}: the journal could not be written: ${j.writeError}`);
    }
    return after
      ? this.readAfter(journals, after, lines, match, accept, notices)
      : this.readLast(journals, lines, match, accept, notices);
  }

  private async readLast(
    journals: MachineJournal[],
    lines: number,
    match: (line: string) => boolean,
    accept: (e: StoredEntry) => boolean,
    notices: string[],
  ): Promise<Page> {
    const per = await Promise.all(
      journals.map(async (j) => {
        const head = j.head;
        return { j, head, entries: lines > 0 ? await j.readBackward(lines, head, match, accept) : [] };
      }),
    );
    const merged = merge(per);
    const out = merged.slice(Math.max(0, merged.length - lines));
    // An entry's cursor: every machine just after what precedes it in this answer.
    const pos: Positions = new Map(per.map((p) => [p.j.machineId, p.head]));
    const seen = new Set<string>();
    for (const s of out) {
      if (seen.has(s.j.machineId)) continue;
      seen.add(s.j.machineId);
      pos.set(s.j.machineId, s.e.seq - 1);
    }
    const entries = out.map((s) => {
      pos.set(s.j.machineId, s.e.seq);
      return toWire(s.j, s.e, encodeCursor(pos));
    });
    const heads: Positions = new Map(per.map((p) => [p.j.machineId, p.head]));
    return { batch: { entries, cursor: encodeCursor(heads), notices }, caughtUp: true };
  }

  private async readAfter(
    journals: MachineJournal[],
    after: Positions,
    lines: number,
    match: (line: string) => boolean,
    accept: (e: StoredEntry) => boolean,
    notices: string[],
  ): Promise<Page> {
    const pos: Positions = new Map(after);
    const per = await Promise.all(
      journals.map(async (j) => {
        const id = j.machineId;
        const head = j.head;
        let from = pos.get(id) ?? 0;
        if (from > head) {
          notices.push(
            `${j.hostname}: the cursor is past the end of this journal (seq ${from} > ${head}); it was reset — resuming at its end`,
          );
          from = head;
        }
        const r = await j.readForward(from, lines, head, match, accept);
        if (r.rotatedTo !== undefined && after.has(id)) {
          notices.push(
            `${j.hostname}: entries ${from + 1}–${r.rotatedTo - 1} were rotated away before they were read; resuming at the oldest kept entry (seq ${r.rotatedTo})`,
          );
          from = Math.max(from, r.rotatedTo - 1);
        }
        pos.set(id, from);
        return { j, head, ...r };
      }),
    );
    const merged = merge(per);
    const out = merged.slice(0, lines);
    const taken = new Map<string, number>();
    const entries = out.map((s) => {
      pos.set(s.j.machineId, s.e.seq);
      taken.set(s.j.machineId, (taken.get(s.j.machineId) ?? 0) + 1);
      return toWire(s.j, s.e, encodeCursor(pos));
    });
    // A machine read to its head whose every match was given: nothing is left before its head.
    let caughtUp = true;
    for (const p of per) {
      if (p.exhausted && (taken.get(p.j.machineId) ?? 0) === p.entries.length) {
        pos.set(p.j.machineId, Math.max(pos.get(p.j.machineId) ?? 0, p.head));
      } else caughtUp = false;
    }
    return { batch: { entries, cursor: encodeCursor(pos), notices }, caughtUp };
  }

  /** Journals open in this process and those on disk from earlier runs, optionally only some. */
  private async journalsFor(machineIds: string[] | undefined): Promise<MachineJournal[]> {
    const ids = new Set(this.journals.keys());
    try {
      for (const d of await readdir(this.dir, { withFileTypes: true })) {
        if (d.isDirectory() && MACHINE_ID.test(d.name)) ids.add(d.name);
      }
    } catch {
      // no journal yet
    }
    const wanted = machineIds ? new Set(machineIds) : undefined;
    const out: MachineJournal[] = [];
    for (const id of [...ids].sort()) {
      if (wanted && !wanted.has(id)) continue;
      out.push(this.journals.get(id) ?? MachineJournal.view(join(this.dir, id), id, this.limits));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------- following

  private onFlushed(j: MachineJournal, entries: StoredEntry[]): void {
    for (const f of this.followers) {
      if (f.q.machineIds && !f.q.machineIds.includes(j.machineId)) continue;
      if (!f.ready) f.buffered.push({ j, entries });
      else this.deliver(f, j, entries);
    }
  }

  private deliver(f: Follower, j: MachineJournal, entries: StoredEntry[]): void {
    if (f.stopped) return;
    const id = j.machineId;
    let at = f.pos.get(id) ?? 0;
    const out: JournalEntry[] = [];
    for (const e of entries) {
      if (e.seq <= at) continue; // already in the backlog
      at = e.seq;
      f.pos.set(id, at);
      if (!f.units || (e.unit !== undefined && f.units.has(e.unit))) {
        out.push(toWire(j, e, encodeCursor(f.pos)));
      }
    }
    if (out.length === 0) return;
    try {
      f.emit({ entries: out, cursor: encodeCursor(f.pos), notices: [] });
    } catch {
      // The subscriber's failure is not the journal's.
    }
  }
}
