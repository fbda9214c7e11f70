import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ActivityEntry } from '../../shared/api';

export type Actor = ActivityEntry['actor'];

/** Entries kept in memory and sent on subscribe; the file is cut back to this many when it doubles. */
const KEEP = 500;

/**
 * The timeline of what people did through the API, kept across restarts in one JSON-lines file.
 * Appended without fsync: an entry is a record of an action already acknowledged by its own
 * durable write (the KV, the cluster spec), and losing the last lines in a power cut costs a
 * line of history, not state.
 */
export class ActivityLog {
  private entries: ActivityEntry[] = [];
  private readonly listeners = new Set<(e: ActivityEntry) => void>();
  private lines = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** Reads the file; lines that do not parse (a torn last line) are skipped. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const parsed: ActivityEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = ActivityEntry.safeParse(JSON.parse(line));
        if (r.success) parsed.push(r.data);
      } catch {
        // torn or foreign line: history is best effort
      }
    }
    this.lines = parsed.length;
    this.entries = parsed.slice(-KEEP);
  }

  /** The most recent entries, oldest first. */
  recent(): ActivityEntry[] {
    return [...this.entries];
  }

  onEntry(listener: (e: ActivityEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(entry: Omit<ActivityEntry, 'id' | 'at'> & { at?: number }): ActivityEntry {
    const full: ActivityEntry = { id: randomUUID(), at: entry.at ?? Date.now(), ...entry };
    this.entries.push(full);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
    for (const l of this.listeners) l(full);
    this.writing = this.writing.then(() => this.append(full)).catch(() => undefined);
    return full;
  }

  /** Waits for pending writes (tests, shutdown). */
  flush(): Promise<void> {
    return this.writing;
  }

  private async append(e: ActivityEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    if (++this.lines > 2 * KEEP) {
      await writeFile(this.file, this.entries.map((x) => `${JSON.stringify(x)}\n`).join(''), { mode: 0o600 });
      this.lines = this.entries.length;
      return;
    }
    await appendFile(this.file, `${JSON.stringify(e)}\n`, { mode: 0o600 });
  }
}
