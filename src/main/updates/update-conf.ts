import {
  ChannelSchema,
  RebootStrategySchema,
  WindowSchema,
  type RebootStrategy,
  type UpdateConf,
} from '../../shared/api/updates-model';
import { ACCEPTED_SERVERS, serverKind } from './feed';
import { parseWindow } from './reboot-window';

// /etc/coreos/update.conf: KEY=VALUE lines read by update_engine (GROUP, SERVER) and locksmithd
// (the rest). A user may have added lines of their own; they are kept through a rewrite.

type Channel = UpdateConf['group'];

export interface UpdateConfDefaults {
  group: Channel;
  server: string;
  /** Used when REBOOT_STRATEGY is absent or bad: locksmith's own default since v0.6 is reboot. */
  rebootStrategy?: RebootStrategy;
}

export interface ParsedUpdateConf {
  conf: UpdateConf;
  /** One sentence per bad line: line number, key, value, what is accepted and what is used. */
  problems: string[];
  /** Comments, unknown keys and unreadable lines, verbatim, for renderUpdateConf. */
  extra: string[];
}

const KEY = {
  group: 'GROUP',
  server: 'SERVER',
  strategy: 'REBOOT_STRATEGY',
  windowStart: 'LOCKSMITHD_REBOOT_WINDOW_START',
  windowLength: 'LOCKSMITHD_REBOOT_WINDOW_LENGTH',
  lockGroup: 'LOCKSMITHD_GROUP',
} as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.values(KEY));

/** locksmith puts the group in a KV key (…/groups/<group>/semaphore): one path segment. */
const LOCK_GROUP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STRATEGIES_ACCEPTED = 'reboot, etcd-lock, best-effort, off';

function unquote(value: string): string {
  const m = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
  return m ? m[1]! : value;
}

export function parseUpdateConf(text: string, defaults: UpdateConfDefaults): ParsedUpdateConf {
  const problems: string[] = [];
  const extra: string[] = [];
  // The last assignment of a key wins, as when the file is sourced.
  const values = new Map<string, { value: string; line: number }>();

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      extra.push(raw);
      return;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(trimmed);
    if (!m) {
      problems.push(`line ${line}: "${trimmed}" is not KEY=VALUE; ignored`);
      extra.push(raw);
      return;
    }
    const key = m[1]!;
    if (!KNOWN_KEYS.has(key)) {
      extra.push(raw);
      return;
    }
    values.set(key, { value: unquote(m[2]!.trim()), line });
  });

  // An empty value means the key is unset, as for an environment variable.
  const get = (key: string) => {
    const v = values.get(key);
    return v && v.value !== '' ? v : undefined;
  };

  let group = defaults.group;
  const g = get(KEY.group);
  if (g) {
    const parsed = ChannelSchema.safeParse(g.value);
    if (parsed.success) group = parsed.data;
    else
      problems.push(
        `line ${g.line}: GROUP=${g.value} is not one of ${ChannelSchema.options.join(', ')}; using ${group}`,
      );
  }

  let server = defaults.server;
  const s = get(KEY.server);
  if (s) {
    if (serverKind(s.value)) server = s.value;
    else
      problems.push(
        `line ${s.line}: SERVER=${s.value} is not a feed Flotilla can read (${ACCEPTED_SERVERS}); using ${server}`,
      );
  }

  let rebootStrategy: RebootStrategy = defaults.rebootStrategy ?? 'reboot';
  const r = get(KEY.strategy);
  if (r) {
    // best-effort meant "etcd-lock when etcd runs, else reboot"; every Flotilla machine runs the
    // KV (etcd), so it is always etcd-lock.
    const value = r.value === 'best-effort' ? 'etcd-lock' : r.value;
    const parsed = RebootStrategySchema.safeParse(value);
    if (parsed.success) rebootStrategy = parsed.data;
    else
      problems.push(
        `line ${r.line}: REBOOT_STRATEGY=${r.value} is not one of ${STRATEGIES_ACCEPTED}; using ${rebootStrategy}`,
      );
  }

  const conf: UpdateConf = { group, server, rebootStrategy };

  const ws = get(KEY.windowStart);
  const wl = get(KEY.windowLength);
  if (ws && !wl) {
    problems.push(
      `line ${ws.line}: ${KEY.windowStart} is set but ${KEY.windowLength} is not; ` +
        'both are needed, so there is no reboot window (reboots at any time)',
    );
  } else if (wl && !ws) {
    problems.push(
      `line ${wl.line}: ${KEY.windowLength} is set but ${KEY.windowStart} is not; ` +
        'both are needed, so there is no reboot window (reboots at any time)',
    );
  } else if (ws && wl) {
    const start = WindowSchema.shape.start.safeParse(ws.value);
    const length = WindowSchema.shape.length.safeParse(wl.value);
    if (!start.success) {
      problems.push(
        `line ${ws.line}: ${KEY.windowStart}=${ws.value} ${start.error.issues[0]?.message}; ` +
          'no reboot window (reboots at any time)',
      );
    } else if (!length.success) {
      problems.push(
        `line ${wl.line}: ${KEY.windowLength}=${wl.value} ${length.error.issues[0]?.message}; ` +
          'no reboot window (reboots at any time)',
      );
    } else {
      conf.windowStart = start.data;
      conf.windowLength = length.data;
      if (parseWindow({ start: start.data, length: length.data }).lengthMs === 0) {
        problems.push(
          `line ${wl.line}: ${KEY.windowLength}=${wl.value} is a window that never opens: ` +
            'the machine will not reboot by itself',
        );
      }
    }
  }

  const lg = get(KEY.lockGroup);
  if (lg) {
    if (LOCK_GROUP_RE.test(lg.value)) conf.lockGroup = lg.value;
    else
      problems.push(
        `line ${lg.line}: ${KEY.lockGroup}=${lg.value} must be letters, digits, dots, dashes or ` +
          'underscores (it names a KV key); using the default group',
      );
  }

  return { conf, problems, extra };
}

/** Quoted when it holds spaces, so a shell sourcing the file reads one value ("Thu 04:00"). */
function renderValue(key: string, value: string): string {
  if (/[\r\n"]/.test(value)) throw new Error(`${key} cannot hold a line break or a double quote`);
  return /\s/.test(value) ? `"${value}"` : value;
}

/** update.conf text: the known keys in a fixed order, then the caller's other lines as they were. */
export function renderUpdateConf(conf: UpdateConf, extra: string[] = []): string {
  const lines: [string, string][] = [
    [KEY.group, conf.group],
    [KEY.server, conf.server],
    [KEY.strategy, conf.rebootStrategy],
  ];
  if (conf.windowStart !== undefined && conf.windowLength !== undefined) {
    lines.push([KEY.windowStart, conf.windowStart], [KEY.windowLength, conf.windowLength]);
  }
  if (conf.lockGroup !== undefined) lines.push([KEY.lockGroup, conf.lockGroup]);
  return [...lines.map(([k, v]) => `${k}=${renderValue(k, v)}`), ...extra].join('\n') + '\n';
}
