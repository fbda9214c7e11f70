// systemd's Exec*= command-line syntax (systemd.service(5), "Command lines"): prefixes, quoting,
// C-style escapes, `;` between commands, and the `$VAR` / `${VAR}` expansion done at run time.

import type { ExecCommand } from './types';

export type ExecParseResult =
  { ok: true; command: ExecCommand[] } | { ok: false; error: string; column: number };

const WHITESPACE = ' \t\n\r';
const isSeparator = (ch: string | undefined): boolean => ch === undefined || WHITESPACE.includes(ch);

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

export interface ExtractedWord {
  word: string;
  /** 0-based offset where the word starts in the text. */
  start: number;
  /** 0-based offset just past the word. */
  next: number;
}

export interface WordError {
  error: string;
  /** 0-based offset of the problem. */
  offset: number;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  '"': 0x22,
  "'": 0x27,
  s: 0x20,
};

const isHex = (text: string): boolean => /^[0-9a-fA-F]+$/.test(text);
const isValidCodePoint = (cp: number): boolean => cp > 0 && (cp < 0xd800 || (cp >= 0xe000 && cp <= 0x10ffff));

/**
 * One C-style escape after a backslash (systemd's cunescape_one without NUL): returns the bytes
 * and how many characters after the backslash it used, or undefined when it is not a valid escape.
 */
function unescapeOne(text: string, at: number): { bytes: number[]; length: number } | undefined {
  const ch = text[at];
  if (ch === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[ch];
  if (simple !== undefined) return { bytes: [simple], length: 1 };
  if (ch === 'x') {
    const digits = text.slice(at + 1, at + 3);
    if (digits.length !== 2 || !isHex(digits)) return undefined;
    const byte = parseInt(digits, 16);
    return byte === 0 ? undefined : { bytes: [byte], length: 3 };
  }
  if (ch === 'u' || ch === 'U') {
    const count = ch === 'u' ? 4 : 8;
    const digits = text.slice(at + 1, at + 1 + count);
    if (digits.length !== count || !isHex(digits)) return undefined;
    const codePoint = parseInt(digits, 16);
    if (!isValidCodePoint(codePoint)) return undefined;
    return { bytes: [...utf8Encoder.encode(String.fromCodePoint(codePoint))], length: 1 + count };
  }
  if (ch >= '0' && ch <= '7') {
    const digits = text.slice(at, at + 3);
    if (!/^[0-7]{3}$/.test(digits)) return undefined;
    const byte = parseInt(digits, 8);
    return byte === 0 || byte > 255 ? undefined : { bytes: [byte], length: 3 };
  }
  return undefined;
}

/**
 * Extracts the next whitespace-separated word from `text` at `from`, removing quotes ('…' and "…",
 * also in the middle of a word) and resolving escapes (also inside quotes), as systemd's
 * extract_first_word with UNQUOTE|CUNESCAPE. Returns undefined at the end of the text.
 * `\x` and octal escapes give bytes, so the word is decoded as UTF-8 at the end.
 */
export function extractWord(text: string, from: number): ExtractedWord | WordError | undefined {
  let pos = from;
  while (pos < text.length && isSeparator(text[pos])) pos++;
  if (pos >= text.length) return undefined;
  const start = pos;
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...utf8Encoder.encode(s));
  let quote: string | undefined;
  let quoteStart = -1;
  while (pos < text.length) {
    const ch = text[pos] as string;
    if (ch === '\\') {
      if (pos + 1 >= text.length) return { error: 'Trailing backslash.', offset: pos };
      const escape = unescapeOne(text, pos + 1);
      if (!escape) return { error: `Invalid escape sequence '\\${text[pos + 1] ?? ''}'.`, offset: pos };
      bytes.push(...escape.bytes);
      pos += 1 + escape.length;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
      else pushText(ch);
      pos++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      quoteStart = pos;
      pos++;
      continue;
    }
    if (isSeparator(ch)) break;
    // Whole code points, so surrogate pairs survive the round trip through bytes.
    const codePoint = text.codePointAt(pos) as number;
    const char = String.fromCodePoint(codePoint);
    pushText(char);
    pos += char.length;
  }
  if (quote) return { error: `Unbalanced quoting: the ${quote} here is never closed.`, offset: quoteStart };
  return { word: utf8Decoder.decode(new Uint8Array(bytes)), start, next: pos };
}

function isWordError(result: ExtractedWord | WordError): result is WordError {
  return 'error' in result;
}

/** systemd's string_is_safe(): no control characters, quotes or backslashes. */
const isUnsafeText = (text: string): boolean =>
  Array.from(text).some((ch) => {
    const code = ch.codePointAt(0) as number;
    return code < 0x20 || code === 0x7f || ch === '"' || ch === "'" || ch === '\\';
  });

function checkExecutable(path: string): string | undefined {
  if (path === '') return 'Empty path in command line.';
  if (isUnsafeText(path)) return `Executable name contains special characters: ${path}`;
  if (path.endsWith('/')) return `Executable path specifies a directory: ${path}`;
  if (path.startsWith('/')) return undefined;
  if (path.includes('/') || path === '.' || path === '..')
    return `Neither a valid executable name nor an absolute path: ${path}`;
  return undefined;
}

interface Prefixes {
  ignoreFailure: boolean;
  separateArgv0: boolean;
  noEnvExpansion: boolean;
  privileged: boolean;
  noSetuid: boolean;
  ambientFallback: boolean;
}

/** Strips the leading prefix characters; each may appear once, `+` excludes `!`/`!!`. */
function takePrefixes(word: string): { prefixes: Prefixes; rest: string; length: number } {
  const prefixes: Prefixes = {
    ignoreFailure: false,
    separateArgv0: false,
    noEnvExpansion: false,
    privileged: false,
    noSetuid: false,
    ambientFallback: false,
  };
  let index = 0;
  for (;;) {
    const ch = word[index];
    if (ch === '-' && !prefixes.ignoreFailure) prefixes.ignoreFailure = true;
    else if (ch === '@' && !prefixes.separateArgv0) prefixes.separateArgv0 = true;
    else if (ch === ':' && !prefixes.noEnvExpansion) prefixes.noEnvExpansion = true;
    else if (ch === '+' && !prefixes.privileged && !prefixes.noSetuid && !prefixes.ambientFallback)
      prefixes.privileged = true;
    else if (ch === '!' && !prefixes.privileged && !prefixes.noSetuid && !prefixes.ambientFallback)
      prefixes.noSetuid = true;
    else if (ch === '!' && !prefixes.privileged && !prefixes.ambientFallback) {
      prefixes.noSetuid = false;
      prefixes.ambientFallback = true;
    } else break;
    index++;
  }
  return { prefixes, rest: word.slice(index), length: index };
}

/**
 * Parses the value of an Exec*= line into its commands. An empty value yields no commands
 * (systemd treats `ExecStart=` as "reset the list"). Columns in errors are 1-based in the value.
 */
export function parseExecLine(value: string): ExecParseResult {
  const text = String(value);
  const commands: ExecCommand[] = [];
  let pos = 0;
  for (;;) {
    const first = extractWord(text, pos);
    // Nothing (left): fine, also after a trailing `;` as systemd allows.
    if (first === undefined) return { ok: true, command: commands };
    if (isWordError(first)) return { ok: false, error: first.error, column: first.offset + 1 };
    const { prefixes, rest: path } = takePrefixes(first.word);
    const pathProblem = checkExecutable(path);
    if (pathProblem) return { ok: false, error: pathProblem, column: first.start + 1 };

    const words: string[] = [];
    pos = first.next;
    let separatorFound = false;
    for (;;) {
      while (pos < text.length && isSeparator(text[pos])) pos++;
      if (pos >= text.length) break;
      // Only a bare, unquoted `;` word separates commands; `\;` is a literal `;` argument.
      if (text[pos] === ';' && isSeparator(text[pos + 1])) {
        pos++;
        separatorFound = true;
        break;
      }
      if (text[pos] === '\\' && text[pos + 1] === ';' && isSeparator(text[pos + 2])) {
        words.push(';');
        pos += 2;
        continue;
      }
      const next = extractWord(text, pos);
      if (next === undefined) break;
      if (isWordError(next)) return { ok: false, error: next.error, column: next.offset + 1 };
      words.push(next.word);
      pos = next.next;
    }

    let argv: string[];
    let argv0: string | undefined;
    if (prefixes.separateArgv0) {
      if (words.length === 0 || words[0] === '')
        return { ok: false, error: 'Empty executable name or zeroeth argument.', column: first.start + 1 };
      argv0 = words[0];
      argv = words;
    } else {
      argv = [path, ...words];
    }
    const command: ExecCommand = {
      path,
      argv,
      ignoreFailure: prefixes.ignoreFailure,
      privileged: prefixes.privileged,
      noSetuid: prefixes.noSetuid,
      ambientFallback: prefixes.ambientFallback,
      noEnvExpansion: prefixes.noEnvExpansion,
      bareName: !path.startsWith('/'),
    };
    if (argv0 !== undefined) command.argv0 = argv0;
    commands.push(command);
    if (!separatorFound) return { ok: true, command: commands };
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** Replaces `${NAME}` (unset → '') and `$$` (→ `$`) inside one word; other `$` stay. */
function expandInWord(word: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  let index = 0;
  while (index < word.length) {
    const ch = word[index];
    if (ch === '$' && word[index + 1] === '$') {
      out += '$';
      index += 2;
      continue;
    }
    if (ch === '$' && word[index + 1] === '{') {
      const close = word.indexOf('}', index + 2);
      const name = close < 0 ? '' : word.slice(index + 2, close);
      if (close >= 0 && isValidEnvName(name)) {
        out += Object.hasOwn(env, name) ? env[name] : '';
        index = close + 1;
        continue;
      }
    }
    out += ch;
    index++;
  }
  return out;
}

/**
 * systemd's run-time variable expansion of an argv: a word that is exactly `$NAME` becomes the
 * variable's value split at whitespace (no words when unset or empty); `${NAME}` inside a word is
 * substituted in place; `$$` is a literal `$`. Skip this for commands with the `:` prefix.
 */
export function expandEnv(argv: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const word of argv) {
    if (word.startsWith('$') && isValidEnvName(word.slice(1))) {
      const name = word.slice(1);
      const found = Object.hasOwn(env, name) ? (env[name] ?? '') : '';
      out.push(...found.split(/[ \t\n\r]+/).filter((part) => part !== ''));
      continue;
    }
    out.push(expandInWord(word, env));
  }
  return out;
}
