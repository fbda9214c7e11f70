import { describe, expect, it } from 'vitest';
import { linesOf, prefixChars, rowsFor, textColumns, ROW_PAD_PX } from './layout';

describe('row geometry', () => {
  it('counts the rows a wrapped text takes', () => {
    expect(rowsFor('', 10)).toBe(1);
    expect(rowsFor('a'.repeat(10), 10)).toBe(1);
    expect(rowsFor('a'.repeat(11), 10)).toBe(2);
    expect(rowsFor('a'.repeat(25), 10)).toBe(3);
    expect(rowsFor('ab\ncd', 10)).toBe(2);
    expect(rowsFor('ab\n', 10)).toBe(1);
    expect(rowsFor(`${'a'.repeat(15)}\n${'b'.repeat(15)}`, 10)).toBe(4);
  });

  it('counts a tab to the next stop and a surrogate pair as one character', () => {
    expect(rowsFor('\t\t', 16)).toBe(1);
    expect(rowsFor('\t\ta', 16)).toBe(2);
    expect(rowsFor('😀'.repeat(10), 10)).toBe(1);
  });

  it('counts the lines of a text shown without wrap', () => {
    expect(linesOf('one')).toBe(1);
    expect(linesOf('one\ntwo')).toBe(2);
    expect(linesOf('one\ntwo\n')).toBe(2);
    expect(linesOf('a\n\nb')).toBe(3);
  });

  it('gives the text what the prefix and paddings leave', () => {
    const prefix = prefixChars({ timestamps: true, labelChars: 20 });
    expect(prefix).toBe(20 + 21 + 4);
    expect(textColumns(ROW_PAD_PX + (prefix + 80) * 7.5, 7.5, prefix)).toBe(80);
    expect(prefixChars({ timestamps: false, labelChars: 20 })).toBe(25);
  });
});
