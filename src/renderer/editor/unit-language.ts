// Highlighting for systemd unit files: section headers, keys, values, comments, specifiers (%n, %i …)
// and line continuations, as a small stream tokenizer.

import { StreamLanguage, type StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { endsWithContinuation, isCommentLine } from './unit-text';

interface UnitLexState {
  /** Where in the line we are: before the key, between key and `=`, or in the value. */
  phase: 'start' | 'equals' | 'value';
  /** The last non-comment line ended in a backslash: this line is more of its value. */
  continued: boolean;
}

/** Bookkeeping at the start of a line; returns a style when the whole line is a comment. */
function lineStart(stream: StringStream, state: UnitLexState): string | undefined {
  // Comment lines are dropped even inside a continued value, as systemd does; they do not end it.
  if (isCommentLine(stream.string)) {
    stream.skipToEnd();
    return 'comment';
  }
  const continued = state.continued;
  state.continued = endsWithContinuation(stream.string);
  state.phase = continued ? 'value' : 'start';
  return undefined;
}

function keyOrHeader(stream: StringStream, state: UnitLexState): string | null {
  if (stream.peek() === '[') {
    stream.skipToEnd();
    return /^\[[^\]]+\]\s*$/.test(stream.current()) ? 'section' : 'invalid';
  }
  if (stream.match(/^[^=]*?(?=\s*=)/) && stream.current() !== '') {
    state.phase = 'equals';
    return 'key';
  }
  // Neither a header nor an assignment: systemd ignores such a line with an error.
  stream.skipToEnd();
  return 'invalid';
}

function token(stream: StringStream, state: UnitLexState): string | null {
  if (stream.sol()) {
    const comment = lineStart(stream, state);
    if (comment) return comment;
  }
  if (state.phase !== 'value' && stream.eatSpace()) return null;
  if (state.phase === 'start') return keyOrHeader(stream, state);
  if (state.phase === 'equals') {
    stream.next();
    state.phase = 'value';
    return 'operator';
  }
  if (stream.match(/^%[A-Za-z%]/)) return 'specifier';
  const atContinuation = () => stream.pos === stream.string.length - 1 && state.continued;
  if (stream.peek() === '\\' && atContinuation()) {
    stream.next();
    return 'continuation';
  }
  // A run of plain value text, up to the next specifier or the continuation backslash.
  while (!stream.eol()) {
    const ch = stream.peek();
    if (ch === '%' && /^%[A-Za-z%]/.test(stream.string.slice(stream.pos))) break;
    if (ch === '\\' && atContinuation()) break;
    stream.next();
  }
  return 'value';
}

export const unitStreamLanguage = StreamLanguage.define<UnitLexState>({
  name: 'systemd-unit',
  startState: () => ({ phase: 'start', continued: false }),
  token,
  // An empty line ends a continued value.
  blankLine: (state) => {
    state.continued = false;
  },
  tokenTable: {
    section: [tags.heading, tags.keyword],
    key: tags.definition(tags.propertyName),
    operator: tags.operator,
    value: tags.string,
    specifier: tags.special(tags.string),
    continuation: tags.escape,
    invalid: tags.invalid,
  },
  languageData: { commentTokens: { line: '#' } },
});
