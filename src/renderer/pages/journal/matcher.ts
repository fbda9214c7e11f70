// Search: a query, as plain text or a regular expression, with or without case, compiled once into
// something that finds the matches in a line. Empty matches (`a*`, `^`) are not matches: they
// could not be highlighted and would make every line "match".

export interface SearchOptions {
  regex: boolean;
  caseSensitive: boolean;
}

export type Matcher =
  | { kind: 'none' }
  | { kind: 'error'; message: string }
  | {
      kind: 'ok';
      /** True when the line has at least one (non-empty) match. */
      test(text: string): boolean;
      /** The matches as [start, end) pairs, at most `max`. */
      ranges(text: string, max?: number): Array<[number, number]>;
      /** How many matches the line has. */
      count(text: string): number;
    };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Highlights beyond this many per line are not drawn (a line of 48 KiB of "a" searching "a"). */
export const MAX_RANGES = 1000;

export function compileMatcher(query: string, o: SearchOptions): Matcher {
  if (query === '') return { kind: 'none' };
  let re: RegExp;
  try {
    re = new RegExp(o.regex ? query : escape(query), o.caseSensitive ? 'g' : 'gi');
  } catch (err) {
    // V8 says "Invalid regular expression: /(/gi: Unterminated group"; the reason is the last part.
    const raw = err instanceof Error ? err.message : String(err);
    const reason = raw.includes(': ') ? raw.slice(raw.lastIndexOf(': ') + 2) : raw;
    return { kind: 'error', message: `Not a valid regular expression: ${reason}` };
  }
  const each = (text: string, max: number, fn: (start: number, end: number) => void): number => {
    re.lastIndex = 0;
    let n = 0;
    while (n < max) {
      const m = re.exec(text);
      if (!m) break;
      if (m[0].length === 0) {
        // Step over the empty match (by a whole surrogate pair when there is one).
        const code = text.charCodeAt(m.index);
        re.lastIndex = m.index + (code >= 0xd800 && code <= 0xdbff ? 2 : 1);
        if (re.lastIndex > text.length) break;
        continue;
      }
      fn(m.index, m.index + m[0].length);
      n++;
    }
    return n;
  };
  return {
    kind: 'ok',
    test: (text) => each(text, 1, () => undefined) > 0,
    ranges: (text, max = MAX_RANGES) => {
      const out: Array<[number, number]> = [];
      each(text, max, (a, b) => out.push([a, b]));
      return out;
    },
    count: (text) => each(text, Number.MAX_SAFE_INTEGER, () => undefined),
  };
}

/** Splits a text into plain and matched parts for rendering. */
export function splitByRanges(
  text: string,
  ranges: ReadonlyArray<readonly [number, number]>,
): Array<{ text: string; match: number }> {
  const out: Array<{ text: string; match: number }> = [];
  let at = 0;
  ranges.forEach(([a, b], k) => {
    if (a > at) out.push({ text: text.slice(at, a), match: -1 });
    out.push({ text: text.slice(a, b), match: k });
    at = b;
  });
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), match: -1 });
  return out;
}
