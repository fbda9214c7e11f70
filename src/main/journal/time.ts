// Journal timestamps: RFC 3339, UTC, always six fraction digits (µs), so that the strings of one
// format sort as the times do.

let anchorWallMs = Date.now();
let anchorPerfMs = performance.now();

/**
 * Now, in µs since the epoch. Date.now() has only ms; performance.now() has µs but drifts from the
 * wall clock when the clock is adjusted, so it is re-anchored to Date.now() whenever the two part
 * by more than 2 ms.
 */
export function nowMicros(): number {
  const wall = Date.now();
  const perf = performance.now();
  let ms = anchorWallMs + (perf - anchorPerfMs);
  if (Math.abs(ms - wall) > 2) {
    anchorWallMs = wall;
    anchorPerfMs = perf;
    ms = wall;
  }
  return Math.floor(ms * 1000);
}

/** µs since the epoch → `2026-11-22T02:51:03.123456Z`. */
export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // …T02:51:03.123Z
  return `${iso.slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Any RFC 3339 time (Docker's RFC3339Nano drops trailing zeros: `…:03.1234Z`, `…:03Z`; offsets
 * allowed) → the journal's µs UTC form; digits past µs are cut, not rounded, so a time never moves
 * later than it was. Undefined when it is not one.
 */
export function normalizeTime(s: string): string | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, date, clock, frac = '', zone = 'Z'] = m;
  const us6 = frac.slice(0, 6).padEnd(6, '0');
  if (zone === 'Z' || zone === 'z' || zone === '+00:00' || zone === '-00:00') {
    const check = Date.parse(`${date}T${clock}Z`);
    return Number.isNaN(check) ? undefined : `${date}T${clock}.${us6}Z`;
  }
  const ms = Date.parse(`${date}T${clock}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  return formatMicros(ms * 1000 + Number(us6));
}

/** A Date (ms) → the journal's form. */
export function formatDate(d: Date): string {
  return formatMicros(d.getTime() * 1000);
}

/** The journal's form → µs since the epoch. */
export function parseMicros(s: string): number {
  const ms = Date.parse(`${s.slice(0, 19)}Z`);
  const frac = /\.(\d{1,6})/.exec(s.slice(19))?.[1] ?? '';
  return ms * 1000 + Number(frac.padEnd(6, '0'));
}
