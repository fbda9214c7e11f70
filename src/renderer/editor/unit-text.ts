// Reading a unit file line by line the way systemd's parser does (src/shared/units/parse.ts), for
// the editor's completion and hover, which look at one line and its surroundings, not the whole parse.

import type { Text } from '@codemirror/state';

/** A comment line: its first non-blank character is # or ; (such lines vanish even inside a continued value). */
export function isCommentLine(text: string): boolean {
  return /^[ \t]*[#;]/.test(text);
}

/** True when the line ends in a backslash that is not itself escaped: the value goes on on the next line. */
export function endsWithContinuation(text: string): boolean {
  let escaped = false;
  for (const ch of text) escaped = escaped ? false : ch === '\\';
  return escaped;
}

/** Whether line `lineNumber` (1-based) continues the value of an assignment above it. */
export function isContinuationLine(doc: Text, lineNumber: number): boolean {
  for (let n = lineNumber - 1; n >= 1; n--) {
    const text = doc.line(n).text;
    if (isCommentLine(text)) continue;
    return text.trim() !== '' && endsWithContinuation(text);
  }
  return false;
}

/** A section header's name, when the line is one (`[X-Fleet]` → `X-Fleet`). */
export function sectionHeader(text: string): string | undefined {
  return /^[ \t]*\[([^\]]*)\][ \t]*$/.exec(text)?.[1];
}

/** The section line `lineNumber` belongs to: the nearest header above it, if any. */
export function sectionAt(doc: Text, lineNumber: number): string | undefined {
  for (let n = lineNumber - 1; n >= 1; n--) {
    const name = sectionHeader(doc.line(n).text);
    if (name !== undefined && !isContinuationLine(doc, n)) return name;
  }
  return undefined;
}

/** An assignment's key and where it and its value start on the line (0-based offsets), else undefined. */
export function assignment(
  text: string,
): { key: string; keyFrom: number; keyTo: number; valueFrom: number } | undefined {
  const match = /^([ \t]*)([^=\s[#;][^=]*?)[ \t]*=[ \t]*/.exec(text);
  if (!match) return undefined;
  const keyFrom = (match[1] as string).length;
  const key = match[2] as string;
  return { key, keyFrom, keyTo: keyFrom + key.length, valueFrom: match[0].length };
}
