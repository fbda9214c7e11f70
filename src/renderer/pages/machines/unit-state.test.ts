import { describe, expect, it } from 'vitest';
import { formatAge, stateLabel, stateTone } from './unit-state';

describe('stateTone', () => {
  it.each([
    ['active', 'running', 'running'],
    ['active', 'exited', 'running'],
    ['activating', 'start-pre', 'changing'],
    ['deactivating', 'stop-sigterm', 'changing'],
    ['failed', 'failed', 'failed'],
    ['inactive', 'dead', 'inactive'],
    ['maintenance', 'x', 'unknown'],
  ] as const)('%s/%s is %s', (active, sub, tone) => {
    expect(stateTone({ active, sub })).toBe(tone);
  });

  it('calls a state nobody reported unknown, and says so', () => {
    expect(stateTone(undefined)).toBe('unknown');
    expect(stateLabel(undefined)).toBe('not reported yet');
    expect(stateLabel({ active: 'active', sub: 'running' })).toBe('active/running');
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0 s'],
    [59_999, '59 s'],
    [60_000, '1 m'],
    [3 * 60_000 + 30_000, '3 m'],
    [3_600_000, '1 h'],
    [86_399_000, '23 h'],
    [2 * 86_400_000, '2 d'],
    // A clock behind the reporting machine's must not print negative times.
    [-5_000, '0 s'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
