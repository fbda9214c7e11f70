import { WindowSchema, type RebootWindow } from '../../shared/api/updates-model';

// locksmith's reboot window: a start ("04:00" every day, or "Thu 04:00" once a week) in the
// machine's local time, and a length ("1h30m"). Reboots happen only while it is open.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MINUTE_MS = 60_000;

export interface ParsedWindow {
  /** 0 = Sunday; absent = every day. */
  day?: number;
  /** Minutes after local midnight. */
  minutes: number;
  lengthMs: number;
}

export interface WindowState {
  open: boolean;
  /** Epoch ms of the opening now under way, or else of the next one. */
  opensAt: number;
  closesAt: number;
}

export function parseWindow(w: RebootWindow): ParsedWindow {
  const checked = WindowSchema.safeParse(w);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = String(issue.path[0] ?? 'window');
    const value = field === 'start' ? w.start : field === 'length' ? w.length : JSON.stringify(w);
    throw new Error(`reboot window ${field} "${value}" ${issue.message}`);
  }
  const m = /^(?:(\w{3}) )?(\d\d):(\d\d)$/.exec(w.start)!;
  const l = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(w.length)!;
  const parsed: ParsedWindow = {
    minutes: Number(m[2]) * 60 + Number(m[3]),
    lengthMs: (Number(l[1] ?? 0) * 60 + Number(l[2] ?? 0)) * MINUTE_MS,
  };
  if (m[1] !== undefined) parsed.day = DAYS.indexOf(m[1]);
  return parsed;
}

/**
 * Whether the window is open at `now`, in local time as locksmith reckons it. The latest opening
 * at or before now decides: a window that opened yesterday 23:00 for 2h is open at 00:30. A
 * window of length 0 is never open; its opensAt/closesAt are still the next (empty) opening.
 */
export function windowState(w: RebootWindow, now: Date): WindowState {
  const { day, minutes, lengthMs } = parseWindow(w);
  const periodDays = day === undefined ? 1 : 7;
  // Back from today to the latest day the window opens (always today for a daily window).
  const back = day === undefined ? 0 : (now.getDay() - day + 7) % 7;
  // Built from calendar fields, not by adding milliseconds, so a DST change keeps "04:00" at 04:00.
  const openingOn = (dayOffset: number) =>
    new Date(
      now.getFullYear(),
      now.getMonth(),
      now.getDate() + dayOffset,
      Math.floor(minutes / 60),
      minutes % 60,
    ).getTime();
  let latest = openingOn(-back);
  let offset = -back;
  if (latest > now.getTime()) {
    offset -= periodDays;
    latest = openingOn(offset);
  }
  const t = now.getTime();
  if (lengthMs > 0 && t < latest + lengthMs) {
    return { open: true, opensAt: latest, closesAt: latest + lengthMs };
  }
  const next = openingOn(offset + periodDays);
  return { open: false, opensAt: next, closesAt: next + lengthMs };
}

/** The length as locksmith writes it: 1h30m, 2h, 45m (0m for none). */
export function formatLength(lengthMs: number): string {
  const total = Math.round(lengthMs / MINUTE_MS);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}

/** "Thu 04:00 for 1h30m" or "every day 04:00 for 2h". */
export function describeWindow(w: RebootWindow): string {
  const { day, lengthMs } = parseWindow(w);
  const time = w.start.slice(-5);
  const when = day === undefined ? `every day ${time}` : `${DAYS[day]} ${time}`;
  return `${when} for ${formatLength(lengthMs)}`;
}
