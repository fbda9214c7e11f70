// Journal times: entries carry RFC 3339 UTC with microseconds; the viewer keeps them as epoch
// milliseconds with a fraction (a double holds µs exactly at today's epoch) so that ordering and
// formatting need no string work per line.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** `2026-11-22T02:51:03.123456Z` (any fraction length, or none) → epoch ms with the µs as fraction. */
export function parseEntryTime(iso: string): number {
  const whole = Date.parse(`${iso.slice(0, 19)}Z`);
  if (Number.isNaN(whole)) {
    const other = Date.parse(iso); // not the journal's form: whatever the platform makes of it
    return Number.isNaN(other) ? 0 : other;
  }
  const frac = /^\.(\d{1,6})/.exec(iso.slice(19))?.[1] ?? '';
  return whole + Number(frac.padEnd(6, '0')) / 1000;
}

export interface ClockOptions {
  utc: boolean;
  /** Digits after the second: 3 on screen (ms), 6 in downloads (µs, as journalctl's short-precise). */
  digits?: 3 | 6;
}

/** `Nov 22 02:51:03.123` in the local zone or UTC: journalctl's short-precise form. */
export function formatClock(ms: number, { utc, digits = 3 }: ClockOptions): string {
  // Whole µs first, so that a fraction like .999999 never rounds into the next second.
  const us = Math.round(ms * 1000);
  const wholeMs = Math.floor(us / 1000);
  const d = new Date(wholeMs);
  const [mo, day, h, m, s] = utc
    ? [d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  let frac = three(wholeMs - Math.floor(wholeMs / 1000) * 1000);
  if (digits === 6) frac += three(us - wholeMs * 1000);
  return `${MONTHS[mo]} ${two(day)} ${two(h)}:${two(m)}:${two(s)}.${frac}`;
}

/** Characters formatClock gives on screen (the timestamp column's width). */
export const CLOCK_CHARS = 19;
