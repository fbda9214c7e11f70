import { describe, expect, it } from 'vitest';
import { entries, parseUnitFile, value, valuePosition, values } from './parse';

const only = (text: string) => parseUnitFile(text);

describe('parseUnitFile', () => {
  it('reads sections and assignments with whitespace trimmed around key and value', () => {
    const { unit, diagnostics } = only('[Unit]\n  Description =  Hello  World  \n[Service]\nType=simple\n');
    expect(diagnostics).toEqual([]);
    expect(unit.sections.map((s) => [s.name, s.line])).toEqual([
      ['Unit', 1],
      ['Service', 3],
    ]);
    const [entry] = entries(unit, 'Unit');
    expect(entry).toMatchObject({
      key: 'Description',
      value: 'Hello  World',
      line: 2,
      column: 3,
      valueLine: 2,
      valueColumn: 18,
    });
  });

  it('skips # and ; comments only when they start the line (after blanks)', () => {
    const { unit, diagnostics } = only(
      '# top\n[S]\n   ; indented comment\nA=1 # not a comment\nB=x;y\n\t#tab\n',
    );
    expect(diagnostics).toEqual([]);
    expect(value(unit, 'S', 'A')).toBe('1 # not a comment');
    expect(value(unit, 'S', 'B')).toBe('x;y');
    expect(entries(unit, 'S')).toHaveLength(2);
  });

  it('joins continuation lines: backslash+newline becomes a space, next line kept as written', () => {
    const { unit } = only('[S]\nExecStart=/bin/echo a \\\n   b \\\nc\n');
    expect(value(unit, 'S', 'ExecStart')).toBe('/bin/echo a     b  c');
  });

  it('skips comment lines inside a continuation, as systemd does', () => {
    const { unit, diagnostics } = only('[S]\nA=one \\\n# comment\n; other\ntwo\nB=2\n');
    expect(diagnostics).toEqual([]);
    expect(value(unit, 'S', 'A')).toBe('one  two');
    expect(value(unit, 'S', 'B')).toBe('2');
  });

  it('ends a continuation at an empty line', () => {
    const { unit } = only('[S]\nA=one \\\n\nB=2\n');
    expect(value(unit, 'S', 'A')).toBe('one');
    expect(value(unit, 'S', 'B')).toBe('2');
  });

  it('parses a trailing backslash at EOF (the backslash becomes a space, then trimmed)', () => {
    expect(value(only('[S]\nA=x \\').unit, 'S', 'A')).toBe('x');
    expect(value(only('[S]\nA=x\\').unit, 'S', 'A')).toBe('x');
  });

  it('does not continue on an escaped backslash (\\\\ at end of line)', () => {
    const { unit } = only('[S]\nA=x\\\\\nB=y\n');
    expect(value(unit, 'S', 'A')).toBe('x\\\\');
    expect(value(unit, 'S', 'B')).toBe('y');
  });

  it('maps positions inside a continued value back to the right line', () => {
    const { unit } = only('[S]\nA=ab \\\n  cd\n');
    const [entry] = entries(unit, 'S');
    expect(entry?.value).toBe('ab    cd');
    expect(valuePosition(entry!, 0)).toEqual({ line: 2, column: 3 });
    expect(valuePosition(entry!, 6)).toEqual({ line: 3, column: 3 });
  });

  it('tolerates CRLF line endings and a UTF-8 BOM', () => {
    const { unit, diagnostics } = only('\uFEFF[Unit]\r\nDescription=Hi\r\nA=1 \\\r\n 2\r\n');
    expect(diagnostics).toEqual([]);
    expect(value(unit, 'Unit', 'Description')).toBe('Hi');
    expect(value(unit, 'Unit', 'A')).toBe('1   2');
  });

  it('keeps repeated keys in order and merges repeated sections', () => {
    const { unit } = only('[S]\nA=1\nA=2\n[T]\nA=x\n[S]\nA=3\n');
    expect(values(unit, 'S', 'A')).toEqual(['1', '2', '3']);
    expect(value(unit, 'S', 'A')).toBe('3');
  });

  it('implements list semantics: an empty assignment resets the list so far', () => {
    const { unit } = only('[S]\nA=1\nA=2\nA=\nA=3\nA=4\n');
    expect(values(unit, 'S', 'A')).toEqual(['3', '4']);
    expect(values(only('[S]\nA=1\nA=\n').unit, 'S', 'A')).toEqual([]);
    expect(value(only('[S]\nA=1\nA=\n').unit, 'S', 'A')).toBe('');
    expect(value(only('[S]\n').unit, 'S', 'A')).toBeUndefined();
  });

  it('allows = in the value (only the first = splits)', () => {
    expect(value(only('[S]\nEnvironment=A=1 B==2\n').unit, 'S', 'Environment')).toBe('A=1 B==2');
  });

  it('reports an assignment before any section with its position', () => {
    const { diagnostics, unit } = only('\n  A=1\n[S]\n');
    expect(diagnostics).toMatchObject([
      { severity: 'error', line: 2, column: 3, message: expect.stringMatching(/outside of section/) },
    ]);
    expect(unit.sections[0]?.entries).toEqual([]);
  });

  it('reports a line without = at its line and column', () => {
    const { diagnostics } = only('[S]\nA=1\n   garbage here\n');
    expect(diagnostics).toMatchObject([
      { severity: 'error', line: 3, column: 4, endColumn: 16, message: "Missing '=', ignoring line." },
    ]);
  });

  it('reports an empty key at the = sign', () => {
    const { diagnostics } = only('[S]\n  =value\n');
    expect(diagnostics).toMatchObject([
      { severity: 'error', line: 2, column: 3, message: expect.stringMatching(/Missing key name/) },
    ]);
  });

  it('reports bad section headers and drops what follows until the next good one', () => {
    for (const header of ['[Unit', '[]', '[a]b', '[a[b]']) {
      const { diagnostics, unit } = only(`[S]\n ${header}\nA=1\n[T]\nB=2\n`);
      expect(diagnostics, header).toMatchObject([
        { severity: 'error', line: 2, column: 2, message: expect.stringMatching(/Invalid section header/) },
      ]);
      expect(unit.sections.map((s) => s.name)).toEqual(['S', 'T']);
      expect(values(unit, 'S', 'A')).toEqual([]);
    }
  });

  it('accepts section names with spaces and X- prefixes', () => {
    const { unit, diagnostics } = only('[X-Fleet]\nA=1\n[Some Thing]\nB=2\n');
    expect(diagnostics).toEqual([]);
    expect(unit.sections.map((s) => s.name)).toEqual(['X-Fleet', 'Some Thing']);
  });

  it('handles empty input and blank-only input', () => {
    expect(only('')).toEqual({ unit: { sections: [] }, diagnostics: [] });
    expect(only('\n\n  \t\n')).toEqual({ unit: { sections: [] }, diagnostics: [] });
  });

  it('rejects .include lines', () => {
    expect(only('[S]\n.include /etc/x\n').diagnostics).toMatchObject([
      { line: 2, column: 1, severity: 'error' },
    ]);
  });

  it('never throws on random input (fuzz)', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = [
      '[',
      ']',
      '=',
      '\\',
      '\n',
      '\r',
      '#',
      ';',
      ' ',
      '\t',
      'a',
      'Z',
      '"',
      "'",
      '%',
      '\uFEFF',
      '\u00e9',
      '\uD83D',
      '\0',
    ];
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const length = Math.floor(random() * 60);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const result = parseUnitFile(text);
      for (const d of result.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.column).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
