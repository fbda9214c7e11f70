import { describe, expect, it } from 'vitest';
import { describeWindow, formatLength, parseWindow, windowState } from './reboot-window';

// 2026-11-19 is a Thursday; 2026-11-22 a Sunday. Dates are local, as locksmith's windows are.
const at = (day: number, h: number, m = 0) => new Date(2026, 10, day, h, m);
const ms = (day: number, h: number, m = 0) => at(day, h, m).getTime();

describe('parseWindow', () => {
  it('reads a daily start and a length', () => {
    expect(parseWindow({ start: '04:00', length: '2h' })).toEqual({ minutes: 240, lengthMs: 7_200_000 });
  });

  it('reads a weekly start (0 = Sunday) and lengths in any of h, m or both', () => {
    expect(parseWindow({ start: 'Thu 04:00', length: '1h30m' })).toEqual({
      day: 4,
      minutes: 240,
      lengthMs: 5_400_000,
    });
    expect(parseWindow({ start: 'Sun 23:15', length: '45m' })).toEqual({
      day: 0,
      minutes: 23 * 60 + 15,
      lengthMs: 2_700_000,
    });
    expect(parseWindow({ start: '00:00', length: '90m' }).lengthMs).toBe(5_400_000);
  });

  it('throws a clear error for text locksmith would not take', () => {
    expect(() => parseWindow({ start: 'Thursday 04:00', length: '1h' })).toThrow(
      'reboot window start "Thursday 04:00" must be a time like 04:00 or Thu 04:00',
    );
    expect(() => parseWindow({ start: '24:00', length: '1h' })).toThrow(/start "24:00" must be a time/);
    expect(() => parseWindow({ start: '04:00', length: '1.5h' })).toThrow(
      'reboot window length "1.5h" must be a duration like 1h30m',
    );
    expect(() => parseWindow({ start: '04:00', length: '' })).toThrow(/length "" must be a duration/);
  });
});

describe('windowState, daily', () => {
  const w = { start: '04:00', length: '2h' };

  it('is closed just before it opens and says when it opens and closes', () => {
    expect(windowState(w, at(19, 3, 59))).toEqual({ open: false, opensAt: ms(19, 4), closesAt: ms(19, 6) });
  });

  it('is open from the start until just before the end', () => {
    expect(windowState(w, at(19, 4))).toEqual({ open: true, opensAt: ms(19, 4), closesAt: ms(19, 6) });
    expect(windowState(w, at(19, 5, 59)).open).toBe(true);
  });

  it('after it closes, points at tomorrow', () => {
    expect(windowState(w, at(19, 6))).toEqual({ open: false, opensAt: ms(20, 4), closesAt: ms(20, 6) });
    expect(windowState(w, at(19, 23, 30)).opensAt).toBe(ms(20, 4));
  });

  it('a window that opened yesterday and runs past midnight is open', () => {
    const late = { start: '23:00', length: '2h' };
    expect(windowState(late, at(20, 0, 30))).toEqual({
      open: true,
      opensAt: ms(19, 23),
      closesAt: ms(20, 1),
    });
    expect(windowState(late, at(20, 1))).toEqual({ open: false, opensAt: ms(20, 23), closesAt: ms(21, 1) });
  });

  it('crosses the end of a month', () => {
    const late = { start: '23:30', length: '1h' };
    expect(windowState(late, new Date(2026, 11, 1, 0, 10))).toEqual({
      open: true,
      opensAt: new Date(2026, 10, 30, 23, 30).getTime(),
      closesAt: new Date(2026, 11, 1, 0, 30).getTime(),
    });
  });

  it('a length of 0 never opens', () => {
    const none = { start: '04:00', length: '0m' };
    expect(windowState(none, at(19, 4))).toEqual({ open: false, opensAt: ms(20, 4), closesAt: ms(20, 4) });
    expect(windowState(none, at(19, 3)).open).toBe(false);
  });

  it('a window longer than a day is always open', () => {
    expect(windowState({ start: '04:00', length: '25h' }, at(19, 3, 59)).open).toBe(true);
  });
});

describe('windowState, weekly', () => {
  const w = { start: 'Thu 04:00', length: '1h30m' };

  it('opens on its day only', () => {
    expect(windowState(w, at(19, 3, 59))).toEqual({
      open: false,
      opensAt: ms(19, 4),
      closesAt: ms(19, 5, 30),
    });
    expect(windowState(w, at(19, 4, 10)).open).toBe(true);
    expect(windowState(w, at(18, 4, 10))).toEqual({
      open: false,
      opensAt: ms(19, 4),
      closesAt: ms(19, 5, 30),
    });
  });

  it('after it closes, points at the same day next week', () => {
    expect(windowState(w, at(19, 5, 30))).toEqual({
      open: false,
      opensAt: ms(26, 4),
      closesAt: ms(26, 5, 30),
    });
    expect(windowState(w, at(20, 4, 10)).opensAt).toBe(ms(26, 4));
  });

  it('a Sunday night window stays open into Monday', () => {
    const sun = { start: 'Sun 23:00', length: '3h' };
    expect(windowState(sun, at(23, 1))).toEqual({ open: true, opensAt: ms(22, 23), closesAt: ms(23, 2) });
    expect(windowState(sun, at(23, 2))).toEqual({ open: false, opensAt: ms(29, 23), closesAt: ms(30, 2) });
    // Saturday: the next Sunday is tomorrow.
    expect(windowState(sun, at(21, 12)).opensAt).toBe(ms(22, 23));
  });

  it('a window opening Saturday can span the week end', () => {
    const sat = { start: 'Sat 22:00', length: '30h' };
    expect(windowState(sat, at(23, 3, 59))).toEqual({ open: true, opensAt: ms(21, 22), closesAt: ms(23, 4) });
    expect(windowState(sat, at(23, 4)).open).toBe(false);
  });
});

describe('describeWindow', () => {
  it('says when and how long', () => {
    expect(describeWindow({ start: 'Thu 04:00', length: '1h30m' })).toBe('Thu 04:00 for 1h30m');
    expect(describeWindow({ start: '04:00', length: '2h' })).toBe('every day 04:00 for 2h');
    expect(describeWindow({ start: 'Sun 23:00', length: '90m' })).toBe('Sun 23:00 for 1h30m');
    expect(describeWindow({ start: '00:05', length: '45m' })).toBe('every day 00:05 for 45m');
  });

  it('formatLength writes locksmith durations', () => {
    expect(formatLength(0)).toBe('0m');
    expect(formatLength(2 * 3_600_000)).toBe('2h');
    expect(formatLength(26 * 60_000)).toBe('26m');
    expect(formatLength(150 * 60_000)).toBe('2h30m');
  });
});
