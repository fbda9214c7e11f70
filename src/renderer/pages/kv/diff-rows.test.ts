import { describe, expect, it } from 'vitest';
import { diffRows, diffStats, withContext } from './diff-rows';

describe('diffRows', () => {
  it('numbers unchanged, removed and added lines on their own sides', () => {
    expect(diffRows('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'b', oldLine: 2 },
      { kind: 'added', text: 'B', newLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 3 },
      { kind: 'added', text: 'd', newLine: 4 },
    ]);
  });

  it('does not count a missing final newline as a change', () => {
    expect(diffStats(diffRows('x', 'x\n'))).toEqual({ added: 0, removed: 0 });
  });

  it('compares JSON documents line by line, pretty-printed', () => {
    const rows = diffRows('{"a":1,"b":2}', '{"a":1,"b":3}');
    expect(rows.filter((r) => r.kind !== 'same')).toEqual([
      { kind: 'removed', text: '  "b": 2', oldLine: 3 },
      { kind: 'added', text: '  "b": 3', newLine: 3 },
    ]);
  });

  it('treats an empty side as all added or all removed', () => {
    expect(diffStats(diffRows('', 'one\ntwo'))).toEqual({ added: 2, removed: 1 });
    expect(
      diffRows('', 'one\ntwo')
        .filter((r) => r.kind === 'added')
        .map((r) => r.text),
    ).toEqual(['one', 'two']);
  });
});

describe('withContext', () => {
  it('keeps changes with their context and folds long unchanged runs', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'LINE 10');
    const shown = withContext(diffRows(before, after), 2);
    expect(shown[0]).toEqual({ skipped: 8 });
    expect(shown.slice(1, -1).map((s) => ('row' in s ? s.row.text : s))).toEqual([
      'line 8',
      'line 9',
      'line 10',
      'LINE 10',
      'line 11',
      'line 12',
    ]);
    expect(shown[shown.length - 1]).toEqual({ skipped: 7 });
  });

  it('shows nothing when nothing changed', () => {
    expect(withContext(diffRows('a\nb', 'a\nb'))).toEqual([]);
  });
});
