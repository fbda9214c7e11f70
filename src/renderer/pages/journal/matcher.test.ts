import { describe, expect, it } from 'vitest';
import { compileMatcher, splitByRanges } from './matcher';

const ok = (q: string, regex = false, caseSensitive = false) => {
  const m = compileMatcher(q, { regex, caseSensitive });
  if (m.kind !== 'ok') throw new Error(`not ok: ${JSON.stringify(m)}`);
  return m;
};

describe('search matcher', () => {
  it('matches nothing for an empty query', () => {
    expect(compileMatcher('', { regex: true, caseSensitive: false }).kind).toBe('none');
  });

  it('takes plain text literally, ignoring case unless asked', () => {
    const m = ok('a.b(c');
    expect(m.test('xx A.B(C yy')).toBe(true);
    expect(m.test('axb(c')).toBe(false);
    expect(ok('Error', false, true).test('error')).toBe(false);
    expect(ok('Error', false, true).test('Error')).toBe(true);
  });

  it('finds every match with its place, and counts them', () => {
    const m = ok('ab');
    expect(m.ranges('ab xab abab')).toEqual([
      [0, 2],
      [4, 6],
      [7, 9],
      [9, 11],
    ]);
    expect(m.count('ab xab abab')).toBe(4);
    expect(m.ranges('ababab', 2)).toHaveLength(2);
  });

  it('takes regular expressions when asked', () => {
    const m = ok('tick \\d+$', true);
    expect(m.test('tick 42')).toBe(true);
    expect(m.test('tick 42 later')).toBe(false);
    expect(m.ranges('TICK 7', 1)).toEqual([[0, 6]]);
  });

  it('says what is wrong with a bad regular expression instead of throwing', () => {
    const m = compileMatcher('tick (', { regex: true, caseSensitive: false });
    expect(m).toEqual({ kind: 'error', message: 'Not a valid regular expression: Unterminated group' });
    expect(compileMatcher('tick (', { regex: false, caseSensitive: false }).kind).toBe('ok');
  });

  it('does not count empty matches, and ends on patterns that only match empty', () => {
    expect(ok('x*', true).test('abc')).toBe(false);
    expect(ok('x*', true).ranges('axxb')).toEqual([[1, 3]]);
    expect(ok('^', true).count('abc')).toBe(0);
    expect(ok('(?:)', true).count('😀😀')).toBe(0);
  });

  it('splits a text into plain and matched parts', () => {
    expect(splitByRanges('hello world', [[0, 5]])).toEqual([
      { text: 'hello', match: 0 },
      { text: ' world', match: -1 },
    ]);
    expect(
      splitByRanges('a-b-c', [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([
      { text: 'a', match: -1 },
      { text: '-', match: 0 },
      { text: 'b', match: -1 },
      { text: '-', match: 1 },
      { text: 'c', match: -1 },
    ]);
    expect(splitByRanges('', [])).toEqual([{ text: '', match: -1 }]);
  });
});
