import { describe, expect, it } from 'vitest';
import { formatCountdown, secondsLeft } from './countdown';

describe('secondsLeft', () => {
  const readAt = 1_000_000;
  it('counts down whole seconds from the TTL read', () => {
    expect(secondsLeft(30, readAt, readAt)).toBe(30);
    expect(secondsLeft(30, readAt, readAt + 999)).toBe(30);
    expect(secondsLeft(30, readAt, readAt + 1000)).toBe(29);
    expect(secondsLeft(30, readAt, readAt + 12_500)).toBe(18);
  });
  it('stops at zero, stays expired at -1, and ignores a clock behind the read', () => {
    expect(secondsLeft(5, readAt, readAt + 60_000)).toBe(0);
    expect(secondsLeft(-1, readAt, readAt)).toBe(-1);
    expect(secondsLeft(10, readAt, readAt - 5000)).toBe(10);
  });
});

describe('formatCountdown', () => {
  it('reads in seconds, minutes or hours', () => {
    expect(formatCountdown(42)).toBe('42 s');
    expect(formatCountdown(185)).toBe('3 m 05 s');
    expect(formatCountdown(7260)).toBe('2 h 01 m');
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(-1)).toBe('expired');
  });
});
