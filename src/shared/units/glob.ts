// Go's path.Match, which fleet uses for Conflicts= and Replaces=: compiled once, tested many times.
// The one implementation: the unit linter checks patterns with it, the engine schedules with it.
//
// Semantics: `*` is any run of characters except `/`, `?` one character except `/`, `[...]` a
// class of characters and `lo-hi` ranges (`^` after `[` negates; a class may match `/`; an
// inverted range matches nothing but is not malformed), and `\x` the character x; inside a class
// `-` and `]` must be escaped. Characters are code points, like Go's runes. A malformed pattern
// (Go's ErrBadPattern) matches nothing: fleet logs the error and treats it as not matching.
//
// Matching runs the pattern's automaton over the name (a bitmask step per character for
// patterns of up to 30 tokens) and never backtracks: a RegExp needs exponential time for
// `*a*a*a*a*a*b` against `aaaa…`.

/** A glob compiled once and tested many times. */
export interface Glob {
  readonly pattern: string;
  /** The name the pattern matches when it has no wildcards (escapes resolved), else null. */
  readonly literal: string | null;
  /** False when Go would return ErrBadPattern; such a glob matches nothing. */
  readonly valid: boolean;
  test(name: string): boolean;
}

const STAR = 0;
const ANY = 1;
const CHAR = 2;
const CLASS = 3;
const SLASH = 0x2f;

interface CharClass {
  negated: boolean;
  /** low, high, low, high, … code points. */
  ranges: number[];
}

interface Tokens {
  kinds: number[];
  /** CHAR: the code point; CLASS: the index in `classes`. */
  args: number[];
  classes: CharClass[];
}

/** Tokenizes a pattern; undefined when it is malformed. */
function tokenize(pattern: string): Tokens | undefined {
  const chars = Array.from(pattern); // code points, like Go's runes
  const tokens: Tokens = { kinds: [], args: [], classes: [] };
  let index = 0;
  // One (possibly escaped) class character; `-` and `]` must be escaped there, as in Go's getEsc.
  const classChar = (): number | undefined => {
    let ch = chars[index];
    if (ch === undefined || ch === '-' || ch === ']') return undefined;
    if (ch === '\\') {
      index++;
      ch = chars[index];
      if (ch === undefined) return undefined;
    }
    index++;
    return ch.codePointAt(0);
  };
  while (index < chars.length) {
    const ch = chars[index] as string;
    if (ch === '*' || ch === '?') {
      tokens.kinds.push(ch === '*' ? STAR : ANY);
      tokens.args.push(0);
      index++;
    } else if (ch === '[') {
      index++;
      const cls: CharClass = { negated: false, ranges: [] };
      if (chars[index] === '^') {
        cls.negated = true;
        index++;
      }
      for (;;) {
        // An unclosed class runs out of characters, which classChar refuses.
        if (chars[index] === ']' && cls.ranges.length > 0) {
          index++;
          break;
        }
        const low = classChar();
        if (low === undefined) return undefined;
        let high = low;
        if (chars[index] === '-') {
          index++;
          const end = classChar();
          if (end === undefined) return undefined;
          high = end;
        }
        cls.ranges.push(low, high);
      }
      tokens.kinds.push(CLASS);
      tokens.args.push(tokens.classes.length);
      tokens.classes.push(cls);
    } else {
      let plain = ch;
      if (ch === '\\') {
        const escaped = chars[index + 1];
        if (escaped === undefined) return undefined;
        plain = escaped;
        index++;
      }
      index++;
      tokens.kinds.push(CHAR);
      tokens.args.push(plain.codePointAt(0) as number);
    }
  }
  return tokens;
}

function inClass(cls: CharClass, code: number): boolean {
  const ranges = cls.ranges;
  let inside = false;
  for (let index = 0; index < ranges.length; index += 2) {
    if ((ranges[index] as number) <= code && code <= (ranges[index + 1] as number)) {
      inside = true;
      break;
    }
  }
  return inside !== cls.negated;
}

const NEVER = (): boolean => false;

function text(codes: number[]): string {
  return codes.map((code) => String.fromCodePoint(code)).join('');
}

/** A lone surrogate: it could pair up with a neighbour when strings are joined. */
function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

/** Compiles a Go path.Match pattern. */
export function compileGlob(pattern: string): Glob {
  const tokens = tokenize(pattern);
  if (tokens === undefined) return { pattern, literal: null, valid: false, test: NEVER };
  const { kinds, args, classes } = tokens;
  const count = kinds.length;

  // The literal head and tail are compared as strings; lone surrogates stay in the automaton, so
  // that string comparison and code point matching agree at every boundary.
  let head = 0;
  while (head < count && kinds[head] === CHAR && !isSurrogate(args[head] as number)) head++;
  let tail = count;
  while (tail > head && kinds[tail - 1] === CHAR && !isSurrogate(args[tail - 1] as number)) tail--;
  const prefix = text(args.slice(0, head));
  const suffix = text(args.slice(tail, count));

  if (head === count) return { pattern, literal: prefix, valid: true, test: (name) => name === prefix };
  if (kinds.every((what) => what === CHAR)) {
    // Lone surrogates: a literal unless two of them join into one character (`\ud800\\\udc00`).
    const exact = text(args);
    if (Array.from(exact).length === count)
      return { pattern, literal: exact, valid: true, test: (name) => name === exact };
  }

  const fixed = prefix.length + suffix.length;
  if (tail - head === 1 && kinds[head] === STAR) {
    // `prefix*suffix`, the common shape (`web@*.service`): anything but a slash in between.
    return {
      pattern,
      literal: null,
      valid: true,
      test: (name) => {
        if (name.length < fixed || !name.startsWith(prefix) || !name.endsWith(suffix)) return false;
        const slash = name.indexOf('/', prefix.length);
        return slash === -1 || slash >= name.length - suffix.length;
      },
    };
  }
  const matchMiddle = middleMatcher(kinds.slice(head, tail), args.slice(head, tail), classes);
  return {
    pattern,
    literal: null,
    valid: true,
    test: (name) =>
      name.length >= fixed &&
      name.startsWith(prefix) &&
      name.endsWith(suffix) &&
      matchMiddle(name, prefix.length, name.length - suffix.length),
  };
}

/** Whether the tokens match exactly the code points of name[start, end). */
type MiddleMatcher = (name: string, start: number, end: number) => boolean;

/** Most patterns fit a bitmask automaton: one bit per token, plus one for "all consumed". */
const MAX_MASK_TOKENS = 30;

function middleMatcher(kinds: number[], args: number[], classes: CharClass[]): MiddleMatcher {
  const count = kinds.length;
  const consumes = (token: number, code: number): boolean => {
    const kind = kinds[token];
    if (kind === ANY) return code !== SLASH;
    if (kind === CHAR) return code === args[token];
    return kind === CLASS && inClass(classes[args[token] as number] as CharClass, code);
  };
  return count <= MAX_MASK_TOKENS ? maskMatcher(kinds, consumes) : arrayMatcher(kinds, consumes);
}

/**
 * Shift-And: bit s of the state set = the first s tokens match the name so far. A character
 * moves bit s to s+1 when token s consumes it, and keeps bit s when token s is a star (and the
 * character is not a slash); a star may also match nothing, so bit s+1 follows bit s.
 */
function maskMatcher(kinds: number[], consumes: (token: number, code: number) => boolean): MiddleMatcher {
  const count = kinds.length;
  let stars = 0;
  for (let token = 0; token < count; token++) if (kinds[token] === STAR) stars |= 1 << token;
  const consumers = (code: number): number => {
    let mask = 0;
    for (let token = 0; token < count; token++) if (consumes(token, code)) mask |= 1 << token;
    return mask;
  };
  const ascii = new Int32Array(128);
  for (let code = 0; code < 128; code++) ascii[code] = consumers(code);
  const skipStars = (set: number): number => {
    let closed = set | ((set & stars) << 1);
    while (closed !== set) {
      set = closed;
      closed = set | ((set & stars) << 1);
    }
    return closed;
  };
  const initial = skipStars(1);
  const done = 1 << count;
  return (name, start, end) => {
    let set = initial;
    for (let index = start; index < end;) {
      const code = name.codePointAt(index) as number;
      index += code > 0xffff ? 2 : 1;
      const moved = (set & (code < 128 ? (ascii[code] as number) : consumers(code))) << 1;
      set = code === SLASH ? moved : moved | (set & stars);
      if (set === 0) return false;
      if ((set & stars) !== 0) set = skipStars(set);
    }
    return (set & done) !== 0;
  };
}

/** The same automaton with one byte per state, for patterns too long for a bitmask. */
function arrayMatcher(kinds: number[], consumes: (token: number, code: number) => boolean): MiddleMatcher {
  const count = kinds.length;
  let current = new Uint8Array(count + 1);
  let next = new Uint8Array(count + 1);
  const skipStars = (set: Uint8Array): void => {
    for (let token = 0; token < count; token++) {
      if (set[token] === 1 && kinds[token] === STAR) set[token + 1] = 1;
    }
  };
  return (name, start, end) => {
    current.fill(0);
    current[0] = 1;
    skipStars(current);
    for (let index = start; index < end;) {
      const code = name.codePointAt(index) as number;
      index += code > 0xffff ? 2 : 1;
      next.fill(0);
      let alive = false;
      for (let token = 0; token < count; token++) {
        if (current[token] !== 1) continue;
        if (kinds[token] === STAR ? code !== SLASH : consumes(token, code)) {
          next[kinds[token] === STAR ? token : token + 1] = 1;
          alive = true;
        }
      }
      if (!alive) return false;
      skipStars(next);
      [current, next] = [next, current];
    }
    return current[count] === 1;
  };
}

/** Go's path.Match(pattern, name), with a malformed pattern counting as no match. */
export function globMatch(pattern: string, name: string): boolean {
  return compileGlob(pattern).test(name);
}

/** Why a glob is malformed, or undefined when it is fine. */
export function validateGlob(pattern: string): string | undefined {
  return compileGlob(pattern).valid ? undefined : `Malformed glob pattern "${pattern}".`;
}
