import type { KvOperation } from './etcd-model';

/**
 * Validators for recorded etcd watch streams (after etcd's robustness validate/watch.go properties):
 * ordered, unique, atomic, complete (reliable), resumable, prev_kv. Pure functions; each returns a list of
 * violations (empty = fine).
 */

export interface WatchKv {
  value: string;
  modRevision: number;
  createRevision?: number;
  version?: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** Value for puts. */
  value?: string;
  /** The revision of the change (kv.mod_revision). */
  revision: number;
  /** prev_kv as delivered: undefined if not delivered, null if the key did not exist before. */
  prevKv?: WatchKv | null;
}

export interface WatchResponse {
  /** Header revision. With no events it is a progress notification: everything ≤ it was delivered. */
  headerRevision?: number;
  events: WatchEvent[];
  /** The watch was canceled because its start revision was compacted. */
  compactRevision?: number;
  canceled?: boolean;
}

/** [key, rangeEnd) like etcd: rangeEnd undefined → the single key; '\0' → every key ≥ key. */
export interface WatchRange {
  key: string;
  rangeEnd?: string;
}

export interface WatchStream {
  id: string;
  range: WatchRange;
  /** Requested start revision; 0/undefined means "from now" (then completeness starts at the first event). */
  startRevision?: number;
  prevKv?: boolean;
  responses: WatchResponse[];
}

/** A committed change, from ground truth (acknowledged writes with revisions, or a reference watch). */
export interface Change {
  revision: number;
  key: string;
  type: 'put' | 'delete';
  value?: string;
}

export type WatchProperty =
  'ordered' | 'unique' | 'atomic' | 'complete' | 'resumable' | 'prevKv' | 'consistent';

export interface WatchViolation {
  property: WatchProperty;
  streamId: string;
  message: string;
  revision?: number;
  key?: string;
  responseIndex?: number;
}

export function prefixRange(prefix: string): WatchRange {
  if (prefix === '') return { key: '\0', rangeEnd: '\0' };
  const last = prefix.charCodeAt(prefix.length - 1);
  return { key: prefix, rangeEnd: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}

export function inRange(r: WatchRange, key: string): boolean {
  if (r.rangeEnd === undefined || r.rangeEnd === '') return key === r.key;
  if (r.rangeEnd === '\0') return key >= r.key;
  return key >= r.key && key < r.rangeEnd;
}

const ev = (e: { key: string; revision: number }): string => `${JSON.stringify(e.key)}@${e.revision}`;

function flatEvents(s: WatchStream): { e: WatchEvent; resp: number }[] {
  const out: { e: WatchEvent; resp: number }[] = [];
  s.responses.forEach((r, i) => r.events.forEach((e) => out.push({ e, resp: i })));
  return out;
}

/** Revisions strictly increase across responses, never decrease within one; progress notifications bound. */
export function validateOrdered(s: WatchStream): WatchViolation[] {
  const v: WatchViolation[] = [];
  let lastRev = 0; // last event revision delivered
  let progress = 0; // highest revision promised complete by a progress notification
  s.responses.forEach((r, i) => {
    let prev = -Infinity;
    for (const e of r.events) {
      if (e.revision < prev) {
        v.push({
          property: 'ordered',
          streamId: s.id,
          responseIndex: i,
          revision: e.revision,
          key: e.key,
          message: `event ${ev(e)} follows revision ${prev} in the same response`,
        });
      }
      prev = Math.max(prev, e.revision);
    }
    const first = r.events[0];
    if (first) {
      if (first.revision <= lastRev) {
        v.push({
          property: 'ordered',
          streamId: s.id,
          responseIndex: i,
          revision: first.revision,
          key: first.key,
          message: `response ${i} starts at revision ${first.revision}, not after the previous response's last revision ${lastRev}`,
        });
      }
      if (first.revision <= progress) {
        v.push({
          property: 'ordered',
          streamId: s.id,
          responseIndex: i,
          revision: first.revision,
          key: first.key,
          message: `event ${ev(first)} delivered after a progress notification at revision ${progress}`,
        });
      }
      lastRev = Math.max(lastRev, prev);
      if (r.headerRevision !== undefined && r.headerRevision < prev) {
        v.push({
          property: 'ordered',
          streamId: s.id,
          responseIndex: i,
          revision: prev,
          message: `response ${i} header revision ${r.headerRevision} is below its event revision ${prev}`,
        });
      }
    } else if (r.headerRevision !== undefined && !r.canceled) {
      progress = Math.max(progress, r.headerRevision);
    }
  });
  return v;
}

/** No (key, revision) delivered twice. */
export function validateUnique(s: WatchStream): WatchViolation[] {
  const v: WatchViolation[] = [];
  const seen = new Map<string, number>();
  s.responses.forEach((r, i) => {
    for (const e of r.events) {
      const k = `${e.revision}\u0000${e.key}`;
      const at = seen.get(k);
      if (at !== undefined) {
        v.push({
          property: 'unique',
          streamId: s.id,
          responseIndex: i,
          revision: e.revision,
          key: e.key,
          message: `event ${ev(e)} delivered twice (responses ${at} and ${i})`,
        });
      } else seen.set(k, i);
    }
  });
  return v;
}

/**
 * The events of one revision arrive in one response; with `committed`, all of that revision's changes in
 * the watched range are in that response.
 */
export function validateAtomic(s: WatchStream, committed: readonly Change[] = []): WatchViolation[] {
  const v: WatchViolation[] = [];
  const respOf = new Map<number, number>();
  s.responses.forEach((r, i) => {
    for (const e of r.events) {
      const at = respOf.get(e.revision);
      if (at === undefined) respOf.set(e.revision, i);
      else if (at !== i) {
        v.push({
          property: 'atomic',
          streamId: s.id,
          responseIndex: i,
          revision: e.revision,
          key: e.key,
          message: `revision ${e.revision} split across responses ${at} and ${i}`,
        });
      }
    }
  });
  for (const c of committed) {
    if (!inRange(s.range, c.key)) continue;
    const i = respOf.get(c.revision);
    if (i === undefined) continue;
    const resp = s.responses[i]!;
    if (!resp.events.some((e) => e.revision === c.revision && e.key === c.key)) {
      v.push({
        property: 'atomic',
        streamId: s.id,
        responseIndex: i,
        revision: c.revision,
        key: c.key,
        message: `response ${i} carries revision ${c.revision} but not its change ${ev(c)}`,
      });
    }
  }
  return v;
}

/** The revision span a stream covers: [from, to]; from = start revision (or first event), to = last seen. */
export function coveredSpan(s: WatchStream): { from: number; to: number } | null {
  const events = flatEvents(s);
  let to = 0;
  for (const { e } of events) to = Math.max(to, e.revision);
  for (const r of s.responses) {
    if (r.events.length === 0 && r.headerRevision !== undefined && !r.canceled)
      to = Math.max(to, r.headerRevision);
  }
  const compacted = s.responses.find((r) => r.compactRevision !== undefined)?.compactRevision;
  let from = s.startRevision && s.startRevision > 0 ? s.startRevision : (events[0]?.e.revision ?? Infinity);
  if (compacted !== undefined) from = Math.max(from, compacted);
  return from <= to ? { from, to } : null;
}

/**
 * Every committed change in the watched range with from ≤ revision ≤ to (the span the stream covers)
 * was delivered, with the committed content; and nothing was delivered that was never committed.
 */
export function validateComplete(s: WatchStream, committed: readonly Change[]): WatchViolation[] {
  const v: WatchViolation[] = [];
  const span = coveredSpan(s);
  const delivered = new Map<string, WatchEvent>();
  for (const { e } of flatEvents(s)) delivered.set(`${e.revision}\u0000${e.key}`, e);
  const known = new Map<string, Change>();
  for (const c of committed) known.set(`${c.revision}\u0000${c.key}`, c);
  if (span) {
    for (const c of committed) {
      if (!inRange(s.range, c.key) || c.revision < span.from || c.revision > span.to) continue;
      const e = delivered.get(`${c.revision}\u0000${c.key}`);
      if (!e) {
        v.push({
          property: 'complete',
          streamId: s.id,
          revision: c.revision,
          key: c.key,
          message: `committed ${c.type} ${ev(c)} missing from the stream (covers revisions ${span.from}..${span.to})`,
        });
      }
    }
  }
  for (const e of delivered.values()) {
    if (!inRange(s.range, e.key)) {
      v.push({
        property: 'consistent',
        streamId: s.id,
        revision: e.revision,
        key: e.key,
        message: `event ${ev(e)} outside the watched range`,
      });
      continue;
    }
    if (s.startRevision && s.startRevision > 0 && e.revision < s.startRevision) {
      v.push({
        property: 'consistent',
        streamId: s.id,
        revision: e.revision,
        key: e.key,
        message: `event ${ev(e)} before the start revision ${s.startRevision}`,
      });
    }
    const c = known.get(`${e.revision}\u0000${e.key}`);
    if (c && (c.type !== e.type || (c.type === 'put' && c.value !== undefined && c.value !== e.value))) {
      v.push({
        property: 'consistent',
        streamId: s.id,
        revision: e.revision,
        key: e.key,
        message: `event ${ev(e)} is ${e.type} ${JSON.stringify(e.value)}, committed was ${c.type} ${JSON.stringify(c.value)}`,
      });
    }
  }
  return v;
}

/**
 * A stream resumed after `previous` (from its last seen revision + 1) continues exactly: it starts there,
 * and where both streams cover the same revisions they delivered the same events. With `committed`, the
 * resumed stream is also checked for completeness.
 */
export function validateResumable(
  previous: WatchStream,
  resumed: WatchStream,
  committed?: readonly Change[],
): WatchViolation[] {
  const v: WatchViolation[] = [];
  const prevSpan = coveredSpan(previous);
  const lastSeen = prevSpan?.to ?? (previous.startRevision ?? 1) - 1;
  const start = resumed.startRevision ?? 0;
  if (start !== lastSeen + 1) {
    v.push({
      property: 'resumable',
      streamId: resumed.id,
      revision: start,
      message: `resumed at revision ${start}, expected ${lastSeen + 1} (last seen on ${previous.id}: ${lastSeen})`,
    });
  }
  const resumedEvents = flatEvents(resumed).map((x) => x.e);
  for (const e of resumedEvents) {
    if (e.revision <= lastSeen) {
      v.push({
        property: 'resumable',
        streamId: resumed.id,
        revision: e.revision,
        key: e.key,
        message: `resumed stream re-delivered ${ev(e)}, already seen on ${previous.id} (up to ${lastSeen})`,
      });
    }
  }
  // Overlap (when the resume point is earlier than the previous stream's end): identical events.
  const resumedSpan = coveredSpan(resumed);
  if (prevSpan && resumedSpan) {
    const lo = Math.max(prevSpan.from, resumedSpan.from);
    const hi = Math.min(prevSpan.to, resumedSpan.to);
    const pick = (s: WatchStream): string[] =>
      flatEvents(s)
        .map((x) => x.e)
        .filter((e) => e.revision >= lo && e.revision <= hi && inRange(resumed.range, e.key))
        .map((e) => `${ev(e)} ${e.type} ${JSON.stringify(e.value ?? null)}`);
    const a = pick(previous);
    const b = pick(resumed);
    if (lo <= hi && a.join('\n') !== b.join('\n')) {
      v.push({
        property: 'resumable',
        streamId: resumed.id,
        revision: lo,
        message: `streams disagree on revisions ${lo}..${hi}: ${previous.id} has [${a.join('; ')}], ${resumed.id} has [${b.join('; ')}]`,
      });
    }
  }
  if (committed) v.push(...validateComplete(resumed, committed));
  return v;
}

/**
 * When prev_kv was requested, each event's prevKv is the key's previous version according to `committed`
 * (assumed to hold every change of the watched keys up to the stream's end): null/absent after a delete or
 * before creation, else the value and mod revision of the latest earlier change.
 */
export function validatePrevKv(s: WatchStream, committed: readonly Change[]): WatchViolation[] {
  const v: WatchViolation[] = [];
  if (!s.prevKv) return v;
  const byKey = new Map<string, Change[]>();
  for (const c of committed) {
    const l = byKey.get(c.key);
    if (l) l.push(c);
    else byKey.set(c.key, [c]);
  }
  for (const l of byKey.values()) l.sort((a, b) => a.revision - b.revision);
  s.responses.forEach((r, i) => {
    for (const e of r.events) {
      const changes = byKey.get(e.key) ?? [];
      let before: Change | undefined;
      for (const c of changes) {
        if (c.revision < e.revision) before = c;
        else break;
      }
      const got = e.prevKv ?? null;
      const bad = (why: string): void => {
        v.push({
          property: 'prevKv',
          streamId: s.id,
          responseIndex: i,
          revision: e.revision,
          key: e.key,
          message: `event ${ev(e)}: ${why}`,
        });
      };
      if (before === undefined) {
        if (got && got.modRevision >= e.revision)
          bad(`prev_kv mod revision ${got.modRevision} is not before the event`);
        continue;
      }
      if (before.type === 'delete') {
        if (got)
          bad(
            `prev_kv ${JSON.stringify(got.value)}@${got.modRevision}, but the key was deleted at ${before.revision}`,
          );
        continue;
      }
      if (!got) {
        bad(`prev_kv missing, expected ${JSON.stringify(before.value)}@${before.revision}`);
      } else if (
        got.modRevision !== before.revision ||
        (before.value !== undefined && got.value !== before.value)
      ) {
        bad(
          `prev_kv ${JSON.stringify(got.value)}@${got.modRevision}, expected ${JSON.stringify(before.value)}@${before.revision}`,
        );
      }
    }
  });
  return v;
}

/** All per-stream validators; with `committed`, also completeness, atomicity against it, and prev_kv. */
export function validateWatch(
  streams: readonly WatchStream[],
  committed: readonly Change[] = [],
): WatchViolation[] {
  const v: WatchViolation[] = [];
  for (const s of streams) {
    v.push(...validateOrdered(s), ...validateUnique(s), ...validateAtomic(s, committed));
    if (committed.length > 0) v.push(...validateComplete(s, committed), ...validatePrevKv(s, committed));
  }
  return v;
}

/**
 * Ground truth from a KV history: acknowledged single-request writes whose response carried a revision
 * (puts; deletes that deleted; succeeded txns whose branch wrote, with the last write per key).
 */
export function committedFromHistory(history: readonly KvOperation[]): Change[] {
  const out: Change[] = [];
  for (const op of history) {
    const { input, output } = op;
    if (input.type === 'put' && output.type === 'put' && output.revision !== undefined) {
      out.push({ revision: output.revision, key: input.key, type: 'put', value: input.value });
    } else if (
      input.type === 'delete' &&
      output.type === 'delete' &&
      output.deleted > 0 &&
      output.revision !== undefined
    ) {
      out.push({ revision: output.revision, key: input.key, type: 'delete' });
    } else if (input.type === 'txn' && output.type === 'txn' && output.revision !== undefined) {
      const branch = output.succeeded ? input.success : input.failure;
      const last = [...branch].reverse().find((o) => o.type === 'put' || o.type === 'delete');
      if (last?.type === 'put')
        out.push({ revision: output.revision, key: input.key, type: 'put', value: last.value });
      // A delete in a txn only commits a change if the key existed; the history alone cannot tell.
    }
  }
  return out;
}

/** Union of changes seen by any stream and known from the history (first writer per key@revision wins). */
export function mergeCommitted(streams: readonly WatchStream[], extra: readonly Change[] = []): Change[] {
  const m = new Map<string, Change>();
  for (const c of extra) m.set(`${c.revision}\u0000${c.key}`, c);
  for (const s of streams) {
    for (const { e } of flatEvents(s)) {
      const k = `${e.revision}\u0000${e.key}`;
      if (!m.has(k)) m.set(k, { revision: e.revision, key: e.key, type: e.type, value: e.value });
    }
  }
  return [...m.values()].sort(
    (a, b) => a.revision - b.revision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
