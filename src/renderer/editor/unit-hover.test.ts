import { CompletionContext } from '@codemirror/autocomplete';
import { EditorState, Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { unitCompletions } from './unit-completion';
import { unitDocAt } from './unit-hover';

const FILE = [
  '[Unit]',
  'Description=Hello %i',
  '# MachineOf=comment',
  '[X-Fleet]',
  '  MachineOf = db.service',
  'X-Conflicts=hello*',
  'Bogus=1',
].join('\n');
const doc = Text.of(FILE.split('\n'));
/** Document offset of the `n`-th character of line `line` (both 1-based). */
const at = (line: number, column: number) => doc.line(line).from + column - 1;

describe('docs on hover', () => {
  it('explains section headers', () => {
    const hit = unitDocAt(doc, at(4, 3));
    expect(hit).toMatchObject({ title: '[X-Fleet]', from: at(4, 1), to: at(4, 10) });
    expect(hit?.doc).toMatch(/scheduling/);
  });

  it('explains keys in their section, not elsewhere on the line', () => {
    const hit = unitDocAt(doc, at(5, 5));
    expect(hit).toMatchObject({ title: 'MachineOf=', from: at(5, 3), to: at(5, 12) });
    expect(hit?.doc).toMatch(/same machine/);
    expect(unitDocAt(doc, at(5, 18))).toBeNull();
    expect(unitDocAt(doc, at(2, 3))?.title).toBe('Description=');
    expect(unitDocAt(doc, at(6, 2))?.doc).toMatch(/^Deprecated spelling of Conflicts=/);
  });

  it('explains specifiers in values', () => {
    const hit = unitDocAt(doc, at(2, 19));
    expect(hit).toMatchObject({ title: '%i', from: at(2, 19), to: at(2, 21) });
  });

  it('says nothing for comments and unknown keys', () => {
    expect(unitDocAt(doc, at(3, 4))).toBeNull();
    expect(unitDocAt(doc, at(7, 2))).toBeNull();
  });
});

describe('malformed unit files', () => {
  it('never make hover or completion throw, wherever the cursor is', () => {
    // A fixed pseudo-random sequence, so a failure repeats.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '[',
      ']',
      '=',
      '%',
      '%i',
      '\\',
      '\n',
      '#',
      ';',
      ' ',
      'X-Fleet',
      'Unit',
      'Global',
      '"',
      'a',
    ];
    for (let round = 0; round < 200; round++) {
      let text = '';
      for (let i = 0; i < 30; i++) text += pieces[Math.floor(next() * pieces.length)];
      const state = EditorState.create({ doc: text });
      for (let pos = 0; pos <= text.length; pos++) {
        expect(() => unitDocAt(state.doc, pos)).not.toThrow();
        expect(() => unitCompletions(new CompletionContext(state, pos, true))).not.toThrow();
      }
    }
  });
});
