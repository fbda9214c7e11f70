// flotctl journal: the machines' journals, journalctl-style, through the API's journal.read and
// (with -f) the journal.follow event, resuming by cursor whenever the connection drops.
import type { ApiClient, JournalBatch, JournalEntry, JournalQuery } from '../../shared/api';
import { MachineRefSchema } from '../../shared/api';
import { resolveDataDir } from '../app';
import { callApi, connectApi, findApp } from './client';
import type { Io } from './io';
import { unitNameMangle } from './unit-args';
import { CommandError, UsageError, intFlag, parseFlags } from './usage';

export const JOURNAL_HELP = `  journal [-n|--lines N] [-f|--follow] [--machine MACHINE] [--cluster NAME]
          [-o|--output short|json] [--utc] [UNIT...]
                         the machines' journals merged by time: the last N entries (default
                         10), only these units or this machine; -o json: one JSON object a
                         line; -f keeps printing new ones, resuming after a lost connection`;

export interface FormatOptions {
  output: 'short' | 'json';
  /** Times in UTC rather than the local zone. */
  utc: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** journalctl's short time: `Nov 22 02:51:03`, local or UTC. */
export function shortTime(iso: string, utc: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const [mo, day, h, m, s] = utc
    ? [d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${MONTHS[mo]} ${two(day)} ${two(h)}:${two(m)}:${two(s)}`;
}

/** Who said it: the unit and its stream for output, systemd for lifecycle lines (as journalctl). */
function source(e: JournalEntry): string {
  if (e.stream !== 'system') return `${e.unit ?? 'unknown'}[${e.stream}]`;
  return e.unit ? 'systemd[1]' : 'flotilla';
}

/**
 * One entry as printed: `Nov 22 02:51:03 core-01 hello.service[stdout]: Hello World`, or one JSON
 * object per line. A text of several lines continues indented under the first, as journalctl does.
 */
export function formatEntry(e: JournalEntry, o: FormatOptions): string {
  if (o.output === 'json') return JSON.stringify(e);
  const head = `${shortTime(e.time, o.utc)} ${e.hostname} ${source(e)}: `;
  return head + e.text.split('\n').join(`\n${' '.repeat(head.length)}`);
}

/** Prints a batch: entries on stdout, notices on stderr (so that stdout stays the log). */
export function printBatch(b: JournalBatch, o: FormatOptions, io: Io): void {
  for (const n of b.notices) io.err(`-- ${n} --`);
  for (const e of b.entries) io.out(formatEntry(e, o));
}

/**
 * The unit's last journal lines for `flotctl status`, after a blank line (systemctl status's
 * tail); nothing when there are none or the journal cannot be read (status must still work).
 */
export async function statusJournalLines(
  call: (method: 'journal.read', params: JournalQuery) => Promise<JournalBatch>,
  unit: string,
  lines = 10,
): Promise<string[]> {
  try {
    const b = await call('journal.read', { units: [unit], lines });
    if (b.entries.length === 0) return [];
    return ['', ...b.entries.map((e) => formatEntry(e, { output: 'short', utc: false }))];
  } catch {
    return [];
  }
}

export interface JournalArgs {
  dataDir: string | undefined;
  cluster: string | undefined;
  query: JournalQuery;
  follow: boolean;
  format: FormatOptions;
}

export function parseJournalArgs(args: string[]): JournalArgs {
  const { values, positionals } = parseFlags(
    'journal',
    args,
    {
      'data-dir': { type: 'string' },
      cluster: { type: 'string' },
      lines: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f', default: false },
      machine: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'short' },
      utc: { type: 'boolean', default: false },
    },
    true,
  );
  const output = values.output;
  if (output !== 'short' && output !== 'json') {
    throw new UsageError(`journal: --output must be short or json, got '${output}'`);
  }
  const lines = intFlag('journal', 'lines', values.lines, 10);
  if (lines > 1_000_000) throw new UsageError(`journal: --lines must be at most 1000000, got ${lines}`);
  const query: JournalQuery = { lines };
  if (values.machine !== undefined) {
    const m = MachineRefSchema.safeParse(values.machine);
    if (!m.success) {
      throw new UsageError(`journal: --machine ${m.error.issues[0]?.message ?? 'is not a machine'}`);
    }
    query.machine = m.data;
  }
  if (positionals.length > 0) query.units = [...new Set(positionals.map(unitNameMangle))];
  return {
    dataDir: values['data-dir'],
    cluster: values.cluster,
    query,
    follow: values.follow ?? false,
    format: { output, utc: values.utc ?? false },
  };
}

export async function journalCommand(args: string[], io: Io): Promise<number> {
  const a = parseJournalArgs(args);
  const dataDir = resolveDataDir(a.dataDir);
  const params = a.cluster === undefined ? a.query : { ...a.query, cluster: a.cluster };
  if (!a.follow) {
    const batch = await callApi(await findApp(dataDir), 'journal.read', params);
    printBatch(batch, a.format, io);
    if (batch.entries.length === 0 && a.format.output === 'short') io.out('-- No entries --');
    return 0;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await followJournal({
      connect: async () => connectApi(await findApp(dataDir)),
      params,
      format: a.format,
      io,
      signal: stop.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A subscription client that can be closed and says when its connection is gone. */
type FollowClient = Pick<ApiClient, 'subscribe'> & {
  close(): void;
  onConnectionState(listener: (s: 'connecting' | 'open' | 'reconnecting' | 'closed') => void): () => void;
};

export interface FollowContext {
  /** A fresh connection to the app (api.json is read again: the app may have restarted). */
  connect: () => Promise<FollowClient>;
  params: JournalQuery & { cluster?: string };
  format: FormatOptions;
  io: Io;
  /** Aborting ends the follow with exit code 0 (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** First wait before reconnecting (doubles up to 5 s). Default 250 ms. */
  retryMs?: number;
}

/**
 * Prints the backlog and then every new batch. When the connection drops it connects again and
 * resumes after the last batch's cursor, so nothing is printed twice or left out (entries that
 * were rotated away meanwhile are named in a notice by the server). Failing to connect the first
 * time, or an error from the server (bad cluster, machine), ends it with that error.
 */
export async function followJournal(ctx: FollowContext): Promise<number> {
  const { io, signal } = ctx;
  let cursor: string | undefined;
  let everConnected = false;
  let retryMs = ctx.retryMs ?? 250;
  let lostSaid = false;
  const aborted = new Promise<'stop'>((resolve) => {
    if (signal.aborted) resolve('stop');
    signal.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  while (!signal.aborted) {
    let client: FollowClient;
    try {
      client = await ctx.connect();
    } catch (err) {
      if (!everConnected) throw err;
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, 5000);
      continue;
    }
    const params = cursor === undefined ? ctx.params : { ...ctx.params, after: cursor };
    const outcome = await new Promise<'stop' | 'lost' | { error: Error }>((resolve) => {
      void aborted.then(resolve);
      client.onConnectionState((s) => {
        if (s === 'closed') resolve('lost');
      });
      client.subscribe(
        'journal.follow',
        params,
        (batch) => {
          if (!everConnected || lostSaid) {
            if (lostSaid) io.err('-- reconnected; resuming where it stopped --');
            everConnected = true;
            lostSaid = false;
            retryMs = ctx.retryMs ?? 250;
          }
          printBatch(batch, ctx.format, io);
          cursor = batch.cursor;
        },
        (err) => resolve({ error: err }),
      );
    });
    client.close();
    if (outcome === 'stop') break;
    if (outcome !== 'lost') throw outcome.error;
    if (!everConnected) {
      throw new CommandError(
        'Cannot follow the journal: the connection to Flotilla closed before it arrived.',
      );
    }
    if (!lostSaid) io.err('-- connection to Flotilla lost; reconnecting --');
    lostSaid = true;
    await pause(retryMs, signal);
    retryMs = Math.min(retryMs * 2, 5000);
  }
  return 0;
}

/** Waits `ms`, or less when the signal aborts (no timer left to hold the process). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
