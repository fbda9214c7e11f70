// Offsets into a text as 1-based line and column, the way editors number them (yaml's LineCounter,
// filled here so it also serves config.rb and text the YAML parser never saw).

import { LineCounter } from 'yaml';

export class TextPositions {
  private readonly lineCounter = new LineCounter();

  constructor(private readonly text: string) {
    this.lineCounter.addNewLine(0);
    for (let index = 0; index < text.length; index++)
      if (text[index] === '\n') this.lineCounter.addNewLine(index + 1);
  }

  /** The line and column of `offset` (clamped to the text). */
  at(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  /** The range [start, end) as an editor marks it; an empty range marks one character so it shows. */
  range(start: number, end: number): { line: number; column: number; endLine: number; endColumn: number } {
    const from = this.at(start);
    let to = this.at(Math.max(start, end));
    if (to.line === from.line && to.column <= from.column) to = { line: from.line, column: from.column + 1 };
    return { ...from, endLine: to.line, endColumn: to.column };
  }
}
