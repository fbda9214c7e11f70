import { ensureSyntaxTree } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { highlightTree, tagHighlighter, tags } from '@lezer/highlight';
import { describe, expect, it } from 'vitest';
import { unitStreamLanguage } from './unit-language';

const classes = tagHighlighter([
  { tag: tags.heading, class: 'section' },
  { tag: tags.definition(tags.propertyName), class: 'key' },
  { tag: tags.special(tags.string), class: 'specifier' },
  { tag: tags.string, class: 'value' },
  { tag: tags.comment, class: 'comment' },
  { tag: tags.escape, class: 'continuation' },
  { tag: tags.invalid, class: 'invalid' },
]);

/** Each highlighted piece of `text` as "class:text". */
function tokens(text: string): string[] {
  const state = EditorState.create({ doc: text, extensions: unitStreamLanguage });
  const tree = ensureSyntaxTree(state, state.doc.length, 5000);
  const out: string[] = [];
  if (tree)
    highlightTree(tree, classes, (from, to, cls) => out.push(`${cls}:${state.doc.sliceString(from, to)}`));
  return out;
}

describe('unit file highlighting', () => {
  it('marks sections, keys, values, specifiers and comments', () => {
    expect(tokens('[Service]\n# note\nExecStart=/bin/echo %i done\n')).toEqual([
      'section:[Service]',
      'comment:# note',
      'key:ExecStart',
      'value:/bin/echo ',
      'specifier:%i',
      'value: done',
    ]);
  });

  it('follows continued values past comment lines, and ends them at a blank line', () => {
    expect(tokens('[Service]\nExecStart=/bin/sh \\\n# gone\n  -c true\n\nFoo\n')).toEqual([
      'section:[Service]',
      'key:ExecStart',
      'value:/bin/sh ',
      'continuation:\\',
      'comment:# gone',
      'value:  -c true',
      'invalid:Foo',
    ]);
  });

  it('marks malformed headers', () => {
    expect(tokens('[Service\n')).toEqual(['invalid:[Service']);
  });
});

describe('malformed unit files', () => {
  it('highlight without failing, whatever the text', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['[', ']', '=', '%', '%n', '\\', '\n', '#', ';', ' ', '\t', 'Key', 'value', '"'];
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += pieces[Math.floor(next() * pieces.length)];
      expect(() => tokens(text)).not.toThrow();
    }
  });
});
