import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { FeedSchema, type Feed, type Release } from '../../shared/api/updates-model';
import { DEFAULT_UPDATE_SERVER } from '../machines/files';
import { compareVersions } from './versions';

/** SERVER value of Flotilla's own feed (BUILTIN_FEED). */
export const BUILTIN_SERVER = 'builtin:';

/** What SERVER may be, for error messages. */
export const ACCEPTED_SERVERS =
  "builtin: (Flotilla's own feed), a file:///absolute/path.json URL or an http(s):// URL of a feed";

const DEFAULT_TIMEOUT_MS = 10_000;
/** A feed is a few kilobytes; anything this big is not one. */
const MAX_FEED_BYTES = 16 * 1024 * 1024;

type Channel = keyof Feed['channels'];
const CHANNELS: Channel[] = ['stable', 'beta', 'alpha'];
const MB = 1024 * 1024;

function release(version: string, date: string, sizeMb: number, notes: string[]): Release {
  return { version, date, size: Math.round(sizeMb * MB), notes: notes.join('\n') };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Flotilla's built-in feed. New machines run the newest version of their channel, so those three
 * versions are fixed (stable 4459.2.1, beta 4487.1.0, alpha 4516.0.0). Frozen: callers share it.
 */
export const BUILTIN_FEED: Feed = deepFreeze({
  channels: {
    stable: [
      release('4459.2.1', '2026-11-10', 412.6, [
        'Security: fixed a use-after-free in the kernel netfilter conntrack helper',
        'Linux 6.12.58',
        'Fixed update-engine retrying too fast after a failed download',
      ]),
      release('4459.2.0', '2026-10-20', 411.9, [
        'Promoted 4459.1.1 from beta',
        'Linux 6.12.54',
        'Docker 28.3.3, containerd 2.1.4',
        'systemd 257.9',
        'OpenSSH 10.0p2',
      ]),
      release('4426.2.1', '2026-09-29', 398.2, [
        'Security: glibc fix for a stack overflow in the DNS stub resolver',
        'Linux 6.12.49',
        'etcd-member: raised the default snapshot count to reduce disk writes',
      ]),
      release('4426.2.0', '2026-09-08', 397.4, [
        'Promoted 4426.1.1 from beta',
        'Linux 6.12.45',
        'Docker 28.2.2',
        'Dropped the legacy ntpd in favour of systemd-timesyncd',
      ]),
    ],
    beta: [
      release('4487.1.0', '2026-11-10', 436.1, [
        'Linux 6.12.58',
        'Security: fixed a use-after-free in the kernel netfilter conntrack helper',
        'Docker 28.5.1',
        'locksmithd logs the reboot window it waits for',
      ]),
      release('4487.0.1', '2026-10-20', 434.8, [
        'Promoted 4487.0.0 from alpha',
        'Linux 6.12.54',
        'systemd 258.1',
        'containerd 2.1.5',
        'Fixed journald losing the last lines before a reboot',
      ]),
      release('4459.1.1', '2026-09-29', 411.3, [
        'Linux 6.12.49',
        'Security: glibc fix for a stack overflow in the DNS stub resolver',
        'OpenSSH 10.0p2',
      ]),
      release('4459.1.0', '2026-09-08', 410.7, [
        'Promoted 4459.0.0 from alpha',
        'Docker 28.3.3',
        'Fixed flanneld not starting when the KV came up late',
      ]),
    ],
    alpha: [
      release('4516.0.0', '2026-11-10', 468.5, [
        'Linux 6.18.4',
        'Docker 29.0.2, containerd 2.2.1',
        'systemd 259',
        'OpenSSL 3.6.1',
        'Experimental: cgroup v1 support removed',
      ]),
      release('4508.0.0', '2026-10-27', 459.0, [
        'Linux 6.18.1',
        'Security: fixed a heap overflow in ext4 journal replay',
        'Docker 29.0.0',
        'Toolbox uses the host CA bundle',
      ]),
      release('4499.0.0', '2026-10-06', 447.2, [
        'Linux 6.12.52',
        'systemd 258.1',
        'Rebuilt the toolchain with GCC 15.2',
      ]),
      release('4487.0.0', '2026-09-15', 433.9, [
        'Linux 6.12.47',
        'containerd 2.1.5',
        'update-engine verifies payload signatures before writing the partition',
      ]),
    ],
  },
});

/** The newest release of a channel (feeds are newest first). */
export function newestOf(feed: Feed, channel: Channel): Release | undefined {
  return feed.channels[channel][0];
}

/** A release by version, in whatever channel carries it. */
export function releaseOf(feed: Feed, version: string): Release | undefined {
  for (const channel of CHANNELS) {
    const found = feed.channels[channel].find((r) => compareVersions(r.version, version) === 0);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsing

type PathPart = PropertyKey;

function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(the whole feed)';
}

/** What belongs at a path, for "must be …" messages. */
function expectedAt(path: readonly PathPart[]): string {
  const [first, channel, index, field] = path;
  if (first === undefined)
    return 'an object like {"channels": {"stable": [...], "beta": [...], "alpha": [...]}}';
  if (channel === undefined) return 'an object with the lists "stable", "beta" and "alpha"';
  if (index === undefined) return 'a list of releases, newest first ([] for none)';
  if (field === undefined)
    return 'a release like {"version": "4459.2.1", "date": "2026-11-02", "notes": "…", "size": 412000000}';
  switch (field) {
    case 'version':
      return 'a version like "4459.2.1"';
    case 'date':
      return 'a day like "2026-11-02"';
    case 'notes':
      return 'text (the release notes, one change per line)';
    case 'size':
      return 'a whole number of bytes, 0 or more';
    case 'bootCheck':
      return 'a shell script (text), or left out';
    default:
      return 'valid';
  }
}

function valueAt(data: unknown, path: readonly PathPart[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const where = formatPath(issue.path);
  // Schema regexes carry their own "must be …, like …" messages.
  if (issue.code === 'invalid_format' || issue.code === 'custom') return `${where}: ${issue.message}`;
  if (issue.code === 'too_big' && issue.origin === 'string') {
    return `${where}: too long: at most ${String(issue.maximum)} characters`;
  }
  const missing = valueAt(data, issue.path) === undefined;
  return `${where}: ${missing ? 'missing; ' : ''}must be ${expectedAt(issue.path)}`;
}

/** The 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Whether JSON.parse fails only because the text stops early (so it is a prefix of valid JSON). */
function isJsonPrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const message = (e as Error).message;
    if (/Unexpected end of JSON input/.test(message)) return true;
    const at = /at position (\d+)/.exec(message);
    return at !== null && Number(at[1]) >= prefix.length;
  }
}

/**
 * Where JSON text goes wrong. Node 20's JSON.parse names a position only for some errors, so when
 * it does not, find the longest prefix that could still become valid JSON (prefixes of valid
 * JSON are closed under shortening, so a binary search finds it).
 */
function jsonErrorOffset(text: string, message: string): number | undefined {
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc) return undefined; // newer Node already says line and column
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (isJsonPrefix(text.slice(0, mid))) good = mid;
    else bad = mid;
  }
  return good;
}

function jsonProblem(text: string, error: Error): string {
  // Drop V8's echo of the text and its position: the line and column below say it better.
  const reason = error.message
    .replace(/, .*is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ of JSON input$/, ' of the text');
  const lc = /\(line (\d+) column (\d+)\)/.exec(error.message);
  if (lc) return `not valid JSON at line ${lc[1]}, column ${lc[2]}: ${reason}`;
  const offset = jsonErrorOffset(text, error.message);
  if (offset === undefined) return `not valid JSON: ${reason}`;
  const { line, column } = lineColumn(text, offset);
  const cutShort = offset >= text.length && !reason.startsWith('Unexpected end');
  return `not valid JSON at line ${line}, column ${column}: ${cutShort ? `the text ends early (${reason})` : reason}`;
}

/** Versions must be newest first and unique within a channel (the feed's order is trusted). */
function orderProblem(feed: Feed): string | undefined {
  for (const channel of CHANNELS) {
    const list = feed.channels[channel];
    for (let i = 0; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        if (compareVersions(list[j]!.version, list[i]!.version) === 0) {
          return (
            `channels.${channel}[${i}].version: ${list[i]!.version} is listed twice ` +
            `(also at channels.${channel}[${j}]); keep one`
          );
        }
      }
      if (i > 0 && compareVersions(list[i - 1]!.version, list[i]!.version) < 0) {
        return (
          `channels.${channel}[${i}].version: ${list[i]!.version} is newer than ` +
          `${list[i - 1]!.version} before it; list each channel's versions newest first`
        );
      }
    }
  }
  return undefined;
}

/** A feed from its JSON text. Throws an Error naming the source and what is wrong where. */
export function parseFeed(text: string, source: string): Feed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`feed ${source}: ${jsonProblem(text, e as Error)}`, { cause: e });
  }
  const parsed = FeedSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, 3).map((i) => describeIssue(i, data));
    const more = issues.length > 3 ? `; and ${issues.length - 3} more problems` : '';
    throw new Error(`feed ${source}: ${shown.join('; ')}${more}`);
  }
  const problem = orderProblem(parsed.data);
  if (problem) throw new Error(`feed ${source}: ${problem}`);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Loading

export type ServerKind = 'builtin' | 'file' | 'http';

function withoutTrailingSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** Which kind of feed a SERVER value points at; undefined when Flotilla cannot read it. */
export function serverKind(server: string): ServerKind | undefined {
  const s = server.trim();
  // CoreOS's default SERVER speaks Omaha (an XML request/response protocol), not a feed; a machine
  // that still has it in update.conf means "the usual updates", which for Flotilla is its own feed.
  if (s === BUILTIN_SERVER || withoutTrailingSlash(s) === withoutTrailingSlash(DEFAULT_UPDATE_SERVER)) {
    return 'builtin';
  }
  if (/^file:\/\//i.test(s)) {
    try {
      fileURLToPath(s);
      return 'file';
    } catch {
      return undefined;
    }
  }
  if (/^https?:\/\/[^/]/i.test(s)) {
    return URL.canParse(s) ? 'http' : undefined;
  }
  return undefined;
}

/** Reads the feed SERVER points at. Throws an Error saying which SERVER failed and why. */
export async function loadFeed(
  server: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Feed> {
  const s = server.trim();
  const kind = serverKind(s);
  if (kind === 'builtin') return BUILTIN_FEED;
  if (kind === 'file') {
    const path = fileURLToPath(s);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(e);
      throw new Error(`feed ${path}: cannot read it: ${why}`, { cause: e });
    }
    return parseFeed(text, path);
  }
  if (kind === 'http') return parseFeed(await fetchText(s, opts), s);
  throw new Error(
    `SERVER ${JSON.stringify(server)} is not a feed Flotilla can read: use ${ACCEPTED_SERVERS}`,
  );
}

async function fetchText(url: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const failure = (e: unknown): Error => {
    if (timeout.aborted)
      return new Error(`feed ${url}: no answer within ${timeoutMs / 1000} s`, { cause: e });
    if (opts.signal?.aborted) return new Error(`feed ${url}: cancelled`, { cause: e });
    // undici puts the socket's error (ECONNREFUSED, ENOTFOUND…) in cause; its own message is vague.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    return new Error(`feed ${url}: cannot fetch it: ${why}`, { cause: e });
  };

  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    throw failure(e);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`feed ${url}: the server answered ${res.status} ${res.statusText}`.trimEnd());
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_FEED_BYTES) {
    await res.body?.cancel();
    throw new Error(`feed ${url}: ${length} bytes is too big for a feed`);
  }
  try {
    return await res.text();
  } catch (e) {
    throw failure(e);
  }
}
