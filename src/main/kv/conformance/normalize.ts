// Normalizes etcdctl output so the same script run against real etcd and against Flotilla can be
// compared value for value. Only what is inherently different between two clusters is replaced:
// ids chosen at random (cluster, member, lease), raft terms and raft indexes (elections and
// internal entries differ), ports, timings, the server version and the backend's db size. Every
// other value — keys, values, versions, revisions (as offsets from the script's first revision),
// counts, flags, exit codes and error text — must be identical.

export interface NormContext {
  /** Header revision of the script's first read: revisions are printed as offsets from it. */
  base: number;
  /** Known ids (decimal string) → placeholder; their hex forms are replaced in text output too. */
  ids: Map<string, string>;
  /** KV hashes seen, each → `<hash-N>`: members must agree with each other, not with etcd. */
  hashes: Map<string, string>;
  /** Member names (each cluster names its members its own way), replaced in text output. */
  names: Set<string>;
}

export function newContext(): NormContext {
  return { base: 1, ids: new Map(), hashes: new Map(), names: new Set() };
}

export function registerId(ctx: NormContext, id: string | number | bigint, name: string): void {
  const dec = BigInt(id).toString();
  ctx.ids.set(dec, name);
}

/** JSON.parse that keeps 64-bit integers exact: integers of 16+ digits become strings. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

function rev(ctx: NormContext, v: unknown): unknown {
  const n = Number(v);
  if (!Number.isFinite(n) || n === 0) return v;
  const d = n - ctx.base;
  return d >= 0 ? `R+${d}` : `R${d}`;
}

function idName(ctx: NormContext, v: unknown): unknown {
  if (typeof v !== 'number' && typeof v !== 'string') return v;
  const s = String(v);
  if (!/^\d+$/.test(s)) return v;
  return ctx.ids.get(BigInt(s).toString()) ?? v;
}

function b64(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = Buffer.from(v, 'base64').toString('utf8');
  return s.length > 64 ? `${s.slice(0, 32)}…(${s.length} chars)` : s;
}

function sortArray(a: unknown[]): unknown[] {
  return [...a].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

/** Normalizes one parsed JSON value; `key` is the property it was found under. */
export function normJson(ctx: NormContext, v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const out = v.map((x) => normJson(ctx, x, key));
    // Member lists are ordered by (random) member id; endpoint health answers come back in the
    // order the concurrent checks finish; a lease's keys (LeaseTimeToLive) come from a Go map in
    // etcd. None of these orders means anything.
    if (['members', 'doc', 'peerURLs', 'clientURLs', 'leases', 'keys'].includes(key)) return sortArray(out);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normJson(ctx, x, k);
    return out;
  }
  switch (key) {
    case 'cluster_id':
      return '<cluster>';
    case 'member_id':
    case 'leader':
      return idName(ctx, v) === v ? '<member>' : idName(ctx, v);
    case 'raft_term':
    case 'raftTerm':
      // Inherent: depends on how many elections each cluster happened to run.
      return '<term>';
    case 'raftIndex':
    case 'raftAppliedIndex':
      // Inherent: the raft log also holds conf changes, lease checkpoints and no-op entries.
      return '<index>';
    case 'dbSize':
    case 'dbSizeInUse':
      // Inherent: bbolt's page layout vs our store's.
      return '<bytes>';
    case 'hash': {
      // Inherent: the hash covers every key's lease id, and lease ids are random.
      const h = String(v);
      if (!ctx.hashes.has(h)) ctx.hashes.set(h, `<hash-${ctx.hashes.size + 1}>`);
      return ctx.hashes.get(h);
    }
    case 'took':
      return '<took>';
    case 'Endpoint':
    case 'endpoint':
      return '<endpoint>';
    case 'peerURLs':
    case 'clientURLs':
      return '<url>';
    case 'name':
      return '<name>';
    case 'version':
      // KeyValue.version is a number and compared; Status.version is the server's version string.
      return typeof v === 'string' ? '<version>' : v;
    case 'revision':
    case 'create_revision':
    case 'mod_revision':
    case 'compact_revision':
    case 'CompactRevision':
      return rev(ctx, v);
    case 'ID':
    case 'id':
    case 'lease':
      return idName(ctx, v);
    case 'ttl':
      // Remaining TTL ticks down between the two runs; expired/unknown (-1) and 0 stay exact.
      return typeof v === 'number' && v > 0 ? '<remaining-ttl>' : v;
    case 'keys':
      return b64(v);
    case 'key':
    case 'value':
    case 'range_end':
      return b64(v);
    default:
      return v;
  }
}

function zapLine(line: string): string | null {
  if (!line.startsWith('{"level"')) return null;
  try {
    const o = JSON.parse(line) as { level?: string; msg?: string; error?: string };
    // Client-side retry warnings: their timestamps, targets and attempt numbers are noise, the
    // gRPC code and message they quote are what the server answered.
    return `[client log ${o.level}] ${o.msg}: ${o.error ?? ''}`;
  } catch {
    return null;
  }
}

/** Normalizes plain-text output (etcdctl's simple format and stderr). */
export function normText(ctx: NormContext, s: string): string {
  const idsByLen = [...ctx.ids.entries()].sort((a, b) => b[0].length - a[0].length);
  return s
    .split('\n')
    .map((line) => {
      const z = zapLine(line);
      if (z !== null) return z;
      let out = line;
      for (const [dec, name] of idsByLen) {
        const hex = BigInt(dec).toString(16);
        out = out
          .replace(new RegExp(`\\b${dec}\\b`, 'g'), name)
          .replace(new RegExp(`\\b0*${hex}\\b`, 'g'), name);
      }
      for (const n of ctx.names)
        out = out.replace(
          new RegExp(`(^|, )${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=,)`, 'g'),
          '$1<name>',
        );
      return (
        out
          // etcdctl prints ids with %16x: space-padded.
          .replace(/ +(<[\w-]+>)/g, ' $1')
          .replace(/https?:\/\/127\.0\.0\.1:\d+/g, '<url>')
          .replace(/127\.0\.0\.1:\d+/g, '<endpoint>')
          .replace(/took = \S+/g, 'took = <took>')
          // Remaining lease TTL ticks down between the two runs.
          .replace(/remaining\(\d+s\)/g, 'remaining(<ttl>)')
          // `etcdctl elect` / `lock` keys end in their session's (random) lease id.
          .replace(/^(\S+\/)[0-9a-f]{12,16}$/, '$1<session-lease>')
          // etcdctl prints the cluster id with %16x: space-padded.
          .replace(/cluster +[0-9a-f]{1,16}\b/g, 'cluster <cluster>')
          // A lease's attached keys come from a Go map in etcd: their order is random.
          .replace(
            /attached keys\(\[([^\]]*)\]\)/g,
            (_m, ks: string) => `attached keys([${ks.split(' ').sort().join(' ')}])`,
          )
      );
    })
    .join('\n');
}

/** Normalizes stdout: JSON documents (one per line, as etcdctl -w json prints them) or text. */
export function normStdout(ctx: NormContext, s: string, sortLines = false): unknown {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 0 && lines.every((l) => /^[[{]/.test(l.trim()))) {
    try {
      const docs = lines.map((l) => normJson(ctx, parseJsonExact(l), 'doc'));
      return docs.length === 1 ? docs[0] : docs;
    } catch {
      /* not JSON after all */
    }
  }
  const t = normText(ctx, s);
  return sortLines ? t.split('\n').sort().join('\n') : t;
}

/**
 * Watch output as a stream: the events in order (one list over all responses) and the non-event
 * responses (canceled / compacted). How a server batches events into responses is not part of the
 * contract (etcd itself sends historic events in one response and live ones one by one).
 */
export function normWatchJson(ctx: NormContext, s: string): unknown {
  const events: unknown[] = [];
  const control: unknown[] = [];
  const text: string[] = [];
  for (const l of s.split('\n')) {
    if (l.trim() === '') continue;
    if (!l.startsWith('{')) {
      text.push(normText(ctx, l));
      continue;
    }
    const r = normJson(ctx, parseJsonExact(l), 'doc') as {
      Events?: unknown[] | null;
      Canceled?: boolean;
      Created?: boolean;
      CompactRevision?: unknown;
    };
    events.push(...(r.Events ?? []));
    if (r.Canceled || r.Created || (r.CompactRevision !== 0 && r.CompactRevision !== undefined)) {
      control.push({ Canceled: r.Canceled, Created: r.Created, CompactRevision: r.CompactRevision });
    }
  }
  return { events, control, text };
}
