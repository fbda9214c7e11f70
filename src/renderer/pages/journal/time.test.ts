import { describe, expect, it } from 'vitest';
import { formatClock, parseEntryTime } from './time';

describe('journal times', () => {
  it('parses the journal form to epoch ms keeping the microseconds', () => {
    const ms = parseEntryTime('2026-11-22T02:51:03.123456Z');
    expect(Math.floor(ms)).toBe(Date.UTC(2026, 10, 22, 2, 51, 3, 123));
    expect(Math.round((ms % 1) * 1000)).toBe(456);
    expect(parseEntryTime('2026-11-22T02:51:03Z')).toBe(Date.UTC(2026, 10, 22, 2, 51, 3));
    expect(parseEntryTime('2026-11-22T02:51:03.5Z')).toBe(Date.UTC(2026, 10, 22, 2, 51, 3, 500));
  });

  it('orders entries as their strings do', () => {
    const times = [
      '2026-11-22T02:51:03.000001Z',
      '2026-11-22T02:51:03.000002Z',
      '2026-11-22T02:51:04.000000Z',
    ];
    const parsed = times.map(parseEntryTime);
    expect(parsed[0]).toBeLessThan(parsed[1]!);
    expect(parsed[1]).toBeLessThan(parsed[2]!);
  });

  it("formats journalctl's short-precise time in UTC, with ms on screen and µs in files", () => {
    const ms = parseEntryTime('2026-11-22T02:51:03.123456Z');
    expect(formatClock(ms, { utc: true })).toBe('Nov 22 02:51:03.123');
    expect(formatClock(ms, { utc: true, digits: 6 })).toBe('Nov 22 02:51:03.123456');
  });

  it('never rounds a fraction into the next second', () => {
    const ms = parseEntryTime('2026-12-31T23:59:59.999999Z');
    expect(formatClock(ms, { utc: true, digits: 6 })).toBe('Dec 31 23:59:59.999999');
    expect(formatClock(ms, { utc: true })).toBe('Dec 31 23:59:59.999');
  });

  it('formats in the local zone by default', () => {
    const ms = new Date(2026, 0, 5, 7, 8, 9, 10).getTime();
    expect(formatClock(ms, { utc: false })).toBe('Jan 05 07:08:09.010');
  });
});
