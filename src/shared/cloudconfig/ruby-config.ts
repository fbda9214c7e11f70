// A small reader for coreos-vagrant's config.rb. config.rb is Ruby, and there is no maintained Ruby
// parser for JavaScript worth adding, so this reads only what config.rb holds in practice:
// `$name = literal` lines (integers, floats, strings with #{$var}, true/false/nil, symbols, arrays,
// hashes), comments, and whole statements or blocks it does not understand, which it reports
// with their range and never runs. Total: never throws.

export type RubyValue =
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string' | 'symbol'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'array'; items: RubyLiteral[] }
  | { kind: 'hash'; entries: { key: RubyLiteral; value: RubyLiteral }[] };

/** A literal with where it is written (offsets into the text, end exclusive). */
export type RubyLiteral = RubyValue & { start: number; end: number };

export interface RubyAssignment {
  /** The global's name without `$`. */
  name: string;
  nameStart: number;
  nameEnd: number;
  /** The value when it is a literal; undefined when it is code (method calls, operators …). */
  value?: RubyLiteral;
  valueStart: number;
  valueEnd: number;
}

export interface RubySkipped {
  /** `block`: an if/unless/def/… … end block; `statement`: any other line of code. */
  kind: 'block' | 'statement';
  start: number;
  end: number;
  text: string;
}

export interface RubyReading {
  assignments: RubyAssignment[];
  skipped: RubySkipped[];
  /** Text that is not even Ruby's token syntax (e.g. an unterminated string). */
  errors: { message: string; start: number; end: number }[];
}

type TokenType = 'global' | 'ident' | 'int' | 'float' | 'string' | 'symbol' | 'punct' | 'newline' | 'eof';

interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
  /** int/float: the number; string/symbol: the text with escapes undone. */
  number?: number;
  string?: string;
  /** Interpolated `#{…}` parts of a double-quoted string, as source text. */
  interpolations?: { expression: string; index: number }[];
}

/** How deeply arrays and hashes may nest in a value. */
const MAX_LITERAL_DEPTH = 32;

const BLOCK_OPENERS = new Set([
  'if',
  'unless',
  'while',
  'until',
  'case',
  'begin',
  'def',
  'class',
  'module',
  'for',
]);
/** Tokens after which a line break does not end the statement. */
const CONTINUATIONS = new Set([
  ',',
  '(',
  '[',
  '{',
  '=>',
  '&&',
  '||',
  '=',
  '+',
  '-',
  '*',
  '/',
  '.',
  '&.',
  'and',
  'or',
  '|',
]);
const PUNCTUATION = [
  '**=',
  '||=',
  '&&=',
  '...',
  '<=>',
  '===',
  '=>',
  '==',
  '!=',
  '&&',
  '||',
  '+=',
  '-=',
  '*=',
  '::',
  '..',
  '<<',
  '>>',
  '<=',
  '>=',
  '&.',
  '=~',
];

function lex(text: string, errors: RubyReading['errors']): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const atLineStart = (index: number): boolean => index === 0 || text[index - 1] === '\n';
  while (at < text.length) {
    const ch = text[at]!;
    const start = at;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      at++;
    } else if (ch === '\\' && text[at + 1] === '\n') {
      at += 2;
    } else if (ch === '#') {
      while (at < text.length && text[at] !== '\n') at++;
    } else if (ch === '\n') {
      tokens.push({ type: 'newline', text: '\n', start, end: ++at });
    } else if (atLineStart(at) && text.startsWith('=begin', at)) {
      const close = text.indexOf('\n=end', at);
      at = close < 0 ? text.length : close + 5;
      while (at < text.length && text[at] !== '\n') at++;
    } else if (atLineStart(at) && /^__END__\r?(\n|$)/.test(text.slice(at, at + 9))) {
      break;
    } else if (ch === '$' && /[A-Za-z_]/.test(text[at + 1] ?? '')) {
      at++;
      while (/[A-Za-z0-9_]/.test(text[at] ?? '')) at++;
      tokens.push({ type: 'global', text: text.slice(start, at), start, end: at });
    } else if (/[A-Za-z_]/.test(ch)) {
      while (/[A-Za-z0-9_]/.test(text[at] ?? '')) at++;
      if ((text[at] === '?' || text[at] === '!') && text[at + 1] !== '=') at++;
      tokens.push({ type: 'ident', text: text.slice(start, at), start, end: at });
    } else if (/[0-9]/.test(ch)) {
      const match = /^(0[xX][0-9a-fA-F_]+|0[0-7_]+|\d[\d_]*(\.\d[\d_]*)?([eE][-+]?\d+)?)/.exec(
        text.slice(at),
      )!;
      at += match[0].length;
      const digits = match[0].replace(/_/g, '');
      const isFloat = /[.eE]/.test(digits) && !/^0[xX]/.test(digits);
      const value = /^0[xX]/.test(digits)
        ? parseInt(digits.slice(2), 16)
        : /^0[0-7]+$/.test(digits)
          ? parseInt(digits, 8) // Ruby reads a leading 0 as octal
          : Number(digits);
      tokens.push({ type: isFloat ? 'float' : 'int', text: match[0], start, end: at, number: value });
    } else if (ch === '"' || ch === "'") {
      const token = lexString(text, at, errors);
      tokens.push(token);
      at = token.end;
    } else if (ch === ':' && /[A-Za-z_]/.test(text[at + 1] ?? '') && text[at - 1] !== ':') {
      at++;
      while (/[A-Za-z0-9_]/.test(text[at] ?? '')) at++;
      if (text[at] === '?' || text[at] === '!') at++;
      tokens.push({
        type: 'symbol',
        text: text.slice(start, at),
        start,
        end: at,
        string: text.slice(start + 1, at),
      });
    } else {
      const punct = PUNCTUATION.find((p) => text.startsWith(p, at)) ?? ch;
      at += punct.length;
      tokens.push({ type: 'punct', text: punct, start, end: at });
    }
  }
  tokens.push({ type: 'eof', text: '', start: text.length, end: text.length });
  return tokens;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', s: ' ', e: '\x1b', '0': '\0' };

function lexString(text: string, start: number, errors: RubyReading['errors']): Token {
  const quote = text[start]!;
  let at = start + 1;
  let value = '';
  const interpolations: { expression: string; index: number }[] = [];
  while (at < text.length && text[at] !== quote) {
    const ch = text[at]!;
    if (ch === '\\' && at + 1 < text.length) {
      const next = text[at + 1]!;
      if (quote === "'") value += next === "'" || next === '\\' ? next : ch + next;
      else value += ESCAPES[next] ?? next;
      at += 2;
    } else if (quote === '"' && ch === '#' && text[at + 1] === '{') {
      let depth = 1;
      let close = at + 2;
      while (close < text.length && depth > 0) {
        if (text[close] === '{') depth++;
        else if (text[close] === '}') depth--;
        close++;
      }
      interpolations.push({ expression: text.slice(at + 2, close - 1).trim(), index: value.length });
      at = close;
    } else {
      value += ch;
      at++;
    }
  }
  if (at >= text.length) {
    errors.push({ message: `unterminated string: the ${quote} here is never closed`, start, end: start + 1 });
    return {
      type: 'string',
      text: text.slice(start),
      start,
      end: text.length,
      string: value,
      interpolations,
    };
  }
  return {
    type: 'string',
    text: text.slice(start, at + 1),
    start,
    end: at + 1,
    string: value,
    interpolations,
  };
}

class Parser {
  private index = 0;
  private readonly result: RubyReading;
  /** Globals assigned so far, for `#{$var}` in later strings. */
  private readonly known = new Map<string, RubyLiteral>();

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    errors: RubyReading['errors'],
  ) {
    this.result = { assignments: [], skipped: [], errors };
  }

  private get token(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)]!;
  }

  private peek(offset: number): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private isPunct(text: string, token = this.token): boolean {
    return token.type === 'punct' && token.text === text;
  }

  private atStatementEnd(): boolean {
    return this.token.type === 'newline' || this.token.type === 'eof' || this.isPunct(';');
  }

  read(): RubyReading {
    for (;;) {
      while (this.token.type === 'newline' || this.isPunct(';')) this.index++;
      if (this.token.type === 'eof') return this.result;
      const start = this.index;
      if (this.token.type === 'global' && this.isPunct('=', this.peek(1))) {
        this.assignment();
      } else if (this.token.type === 'ident' && BLOCK_OPENERS.has(this.token.text)) {
        this.skipStatement();
        this.skipped('block', start);
      } else {
        this.skipStatement();
        this.skipped('statement', start);
      }
    }
  }

  private skipped(kind: RubySkipped['kind'], from: number): void {
    const first = this.tokens[from]!;
    const last = this.tokens[Math.max(from, this.index - 1)]!;
    this.result.skipped.push({
      kind,
      start: first.start,
      end: last.end,
      text: this.text.slice(first.start, last.end),
    });
  }

  private assignment(): void {
    const name = this.token;
    this.index += 2;
    const valueStart = this.index;
    const value = this.literal();
    const literal = value !== undefined && this.atStatementEnd() ? value : undefined;
    if (!literal) {
      this.index = valueStart;
      this.skipStatement();
    }
    const first = this.tokens[valueStart]!;
    const last = this.tokens[Math.max(valueStart, this.index - 1)]!;
    const assignment: RubyAssignment = {
      name: name.text.slice(1),
      nameStart: name.start,
      nameEnd: name.end,
      valueStart: first.start,
      valueEnd: Math.max(first.start, last.end),
    };
    if (literal) {
      assignment.value = literal;
      this.known.set(assignment.name, literal);
    } else {
      this.known.delete(assignment.name);
    }
    this.result.assignments.push(assignment);
  }

  /** Moves past one statement: to a line end outside brackets and blocks, not after an operator. */
  private skipStatement(): void {
    let brackets = 0;
    let blocks = 0;
    let statementStart = true;
    let previous: Token | undefined;
    for (;;) {
      const token = this.token;
      if (token.type === 'eof') return;
      const ends = token.type === 'newline' || this.isPunct(';');
      if (
        ends &&
        brackets <= 0 &&
        blocks <= 0 &&
        !(previous && CONTINUATIONS.has(previous.text) && token.type === 'newline')
      )
        return;
      if (token.type === 'punct' && '([{'.includes(token.text)) brackets++;
      else if (token.type === 'punct' && ')]}'.includes(token.text)) brackets--;
      else if (
        token.type === 'ident' &&
        (token.text === 'do' || (statementStart && BLOCK_OPENERS.has(token.text)))
      )
        blocks++;
      else if (token.type === 'ident' && token.text === 'end') blocks--;
      statementStart =
        ends || (token.type === 'ident' && ['then', 'else', 'do', 'begin'].includes(token.text));
      if (token.type !== 'newline') previous = token;
      this.index++;
    }
  }

  private skipNewlines(): void {
    while (this.token.type === 'newline') this.index++;
  }

  /**
   * A literal value, or undefined (position then unspecified) when the text is code. Nesting
   * deeper than config.rb ever needs is taken for code too, so odd input cannot exhaust the stack.
   */
  private literal(depth = 0): RubyLiteral | undefined {
    if (depth > MAX_LITERAL_DEPTH) return undefined;
    const token = this.token;
    const at = (value: RubyValue, end = token.end): RubyLiteral => ({ ...value, start: token.start, end });
    switch (token.type) {
      case 'int':
      case 'float':
        this.index++;
        return at({ kind: token.type, value: token.number ?? NaN });
      case 'string': {
        this.index++;
        const value = this.interpolate(token);
        return value === undefined ? undefined : at({ kind: 'string', value });
      }
      case 'symbol':
        this.index++;
        return at({ kind: 'symbol', value: token.string ?? '' });
      case 'ident':
        if (token.text === 'true' || token.text === 'false') {
          this.index++;
          return at({ kind: 'bool', value: token.text === 'true' });
        }
        if (token.text === 'nil') {
          this.index++;
          return at({ kind: 'nil' });
        }
        return undefined;
      case 'punct':
        if (
          token.text === '-' &&
          (this.peek(1).type === 'int' || this.peek(1).type === 'float') &&
          this.peek(1).start === token.end
        ) {
          const number = this.peek(1);
          this.index += 2;
          return at({ kind: number.type as 'int' | 'float', value: -(number.number ?? NaN) }, number.end);
        }
        if (token.text === '[') return this.array(depth);
        if (token.text === '{') return this.hash(depth);
        return undefined;
      default:
        return undefined;
    }
  }

  /** The string's value with `#{$var}` filled in from earlier literal assignments; undefined for other code. */
  private interpolate(token: Token): string | undefined {
    const value = token.string ?? '';
    let result = '';
    let from = 0;
    for (const part of token.interpolations ?? []) {
      const global = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(part.expression);
      const known = global ? this.known.get(global[1]!) : undefined;
      if (!known || known.kind === 'array' || known.kind === 'hash') return undefined;
      result += value.slice(from, part.index) + ('value' in known ? String(known.value) : '');
      from = part.index;
    }
    return result + value.slice(from);
  }

  private array(depth: number): RubyLiteral | undefined {
    const start = this.token.start;
    this.index++;
    const items: RubyLiteral[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct(']')) break;
      const item = this.literal(depth + 1);
      if (!item) return undefined;
      items.push(item);
      this.skipNewlines();
      if (this.isPunct(',')) this.index++;
      else if (!this.isPunct(']')) return undefined;
    }
    const end = this.token.end;
    this.index++;
    return { kind: 'array', items, start, end };
  }

  private hash(depth: number): RubyLiteral | undefined {
    const start = this.token.start;
    this.index++;
    const entries: { key: RubyLiteral; value: RubyLiteral }[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct('}')) break;
      let key: RubyLiteral | undefined;
      // `{ name: value }` and `{ "name": value }` are symbol keys.
      if ((this.token.type === 'ident' || this.token.type === 'string') && this.isPunct(':', this.peek(1))) {
        const token = this.token;
        key = {
          kind: 'symbol',
          value: token.type === 'ident' ? token.text : (token.string ?? ''),
          start: token.start,
          end: token.end,
        };
        this.index += 2;
      } else {
        key = this.literal(depth + 1);
        this.skipNewlines();
        if (!key || !this.isPunct('=>')) return undefined;
        this.index++;
      }
      this.skipNewlines();
      const value = this.literal(depth + 1);
      if (!value) return undefined;
      entries.push({ key, value });
      this.skipNewlines();
      if (this.isPunct(',')) this.index++;
      else if (!this.isPunct('}')) return undefined;
    }
    const end = this.token.end;
    this.index++;
    return { kind: 'hash', entries, start, end };
  }
}

/** Reads config.rb's global assignments; everything else is handed back as skipped code. */
export function readRubyConfig(text: string): RubyReading {
  const errors: RubyReading['errors'] = [];
  return new Parser(text, lex(text, errors), errors).read();
}
