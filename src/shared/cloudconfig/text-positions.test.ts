import { describe, expect, it } from 'vitest';
import { TextPositions } from './text-positions';

describe('TextPositions', () => {
  const positions = new TextPositions('ab\ncd\r\n\nef');

  it('turns offsets into 1-based lines and columns', () => {
    expect(positions.at(0)).toEqual({ line: 1, column: 1 });
    expect(positions.at(2)).toEqual({ line: 1, column: 3 });
    expect(positions.at(3)).toEqual({ line: 2, column: 1 });
    expect(positions.at(7)).toEqual({ line: 3, column: 1 });
    expect(positions.at(9)).toEqual({ line: 4, column: 2 });
    expect(positions.at(-5)).toEqual({ line: 1, column: 1 });
    expect(positions.at(1000)).toEqual({ line: 4, column: 3 });
  });

  it('gives ranges an editor can mark, at least one character wide', () => {
    expect(positions.range(3, 5)).toEqual({ line: 2, column: 1, endLine: 2, endColumn: 3 });
    expect(positions.range(4, 4)).toEqual({ line: 2, column: 2, endLine: 2, endColumn: 3 });
    expect(positions.range(0, 9)).toEqual({ line: 1, column: 1, endLine: 4, endColumn: 2 });
    expect(new TextPositions('').range(0, 0)).toEqual({ line: 1, column: 1, endLine: 1, endColumn: 2 });
  });
});
