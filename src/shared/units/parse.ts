// systemd unit-file syntax, following the rules of systemd's conf-parser: sections, comments,
// `Key=Value` assignments, backslash continuations. Pure and total: never throws.

import type { Diagnostic, UnitEntry, UnitFile, UnitSection, ValueSegment } from './types';

/** systemd's WHITESPACE set. */
const WHITESPACE = ' \t\n\r';
const COMMENT_CHARS = '#;';
const UTF8_BOM = '\uFEFF';

export interface ParseResult {
  unit: UnitFile;
  diagnostics: Diagnostic[];
}

/** A logical line: one or more physical lines joined by continuations. */
interface LogicalLine {
  text: string;
  segments: ValueSegment[];
}

export function isWhitespace(ch: string | undefined): boolean {
  return ch !== undefined && ch !== '' && WHITESPACE.includes(ch);
}

/** 1-based line/column of an offset into a logical line (or a value), via its segments. */
export function positionAt(
  segments: readonly ValueSegment[],
  offset: number,
): { line: number; column: number } {
  let found = segments[0] ?? { offset: 0, line: 1, column: 1 };
  for (const segment of segments) {
    if (segment.offset <= offset) found = segment;
    else break;
  }
  return { line: found.line, column: found.column + (offset - found.offset) };
}

/** True when the text ends in a backslash that is not itself escaped (systemd scans the whole text). */
function endsWithContinuation(text: string): boolean {
  let escaped = false;
  for (const ch of text) {
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
  }
  return escaped;
}

export function parseUnitFile(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const sections: UnitSection[] = [];
  let current: UnitSection | undefined;

  const physicalLines = String(text).split('\n');
  let pending: LogicalLine | undefined;

  const handle = (logical: LogicalLine): void => {
    current = parseLogicalLine(logical, current, sections, diagnostics);
  };

  physicalLines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    // Editors do not show the BOM, so it does not count as a column either.
    if (index === 0 && line.startsWith(UTF8_BOM)) line = line.slice(1);
    // Comment lines are skipped before continuation handling, so they vanish even inside a
    // continued value (systemd does the same). Empty lines are not comments: they end a continuation.
    const firstNonBlank = line.replace(/^[ \t\n\r]+/, '')[0];
    if (firstNonBlank !== undefined && COMMENT_CHARS.includes(firstNonBlank)) return;

    const logical: LogicalLine = pending ?? { text: '', segments: [] };
    logical.segments.push({ offset: logical.text.length, line: lineNumber, column: 1 });
    logical.text += line;
    if (endsWithContinuation(logical.text)) {
      // The backslash becomes a space and the next line is appended as is.
      logical.text = logical.text.slice(0, -1) + ' ';
      pending = logical;
      return;
    }
    pending = undefined;
    handle(logical);
  });
  // A trailing backslash at EOF: systemd still parses what was collected.
  if (pending) handle(pending);

  return { unit: { sections }, diagnostics };
}

const hasControlOrBracket = (text: string): boolean =>
  Array.from(text).some((ch) => {
    const code = ch.codePointAt(0) as number;
    return code < 0x20 || code === 0x7f || ch === '[' || ch === ']';
  });

function trimRange(text: string): { start: number; end: number } {
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text[start])) start++;
  while (end > start && isWhitespace(text[end - 1])) end--;
  return { start, end };
}

/** Parses one logical line; returns the section that is current afterwards. */
function parseLogicalLine(
  logical: LogicalLine,
  current: UnitSection | undefined,
  sections: UnitSection[],
  diagnostics: Diagnostic[],
): UnitSection | undefined {
  const { text, segments } = logical;
  const { start, end } = trimRange(text);
  if (start === end) return current;
  const at = (offset: number) => positionAt(segments, offset);
  const lineStart = at(start);
  const spanEnd = (from: number, to: number): number | undefined => {
    const a = at(from);
    const b = at(to);
    return a.line === b.line ? b.column : undefined;
  };

  const stripped = text.slice(start, end);
  if (COMMENT_CHARS.includes(stripped[0] ?? '')) return current;

  if (stripped.startsWith('.include')) {
    diagnostics.push({
      severity: 'error',
      message: '.include directives are not supported (systemd removed them); use drop-ins instead.',
      ...lineStart,
      endColumn: spanEnd(start, end),
    });
    return current;
  }

  if (stripped[0] === '[') {
    const name = stripped.slice(1, -1);
    const badHeader =
      stripped.length < 2 || !stripped.endsWith(']') || name.length === 0 || hasControlOrBracket(name);
    if (badHeader) {
      diagnostics.push({
        severity: 'error',
        message: `Invalid section header '${stripped}'.`,
        ...lineStart,
        endColumn: spanEnd(start, end),
        hint: 'A section header looks like [Unit], [Service], [Install] or [X-Fleet].',
      });
      // systemd rejects the file here; we keep going so every problem shows, and give the
      // following entries a detached section so they neither count nor cause more errors.
      return { name, line: lineStart.line, entries: [] };
    }
    const section: UnitSection = { name, line: lineStart.line, entries: [] };
    sections.push(section);
    return section;
  }

  const equals = text.indexOf('=', start);
  if (equals < 0 || equals >= end) {
    diagnostics.push({
      severity: 'error',
      message: "Missing '=', ignoring line.",
      ...lineStart,
      endColumn: spanEnd(start, end),
      section: current?.name,
      hint: 'Assignments look like Key=Value.',
    });
    return current;
  }
  const keyRange = trimRange(text.slice(0, equals));
  const key = text.slice(keyRange.start, keyRange.end);
  if (key.length === 0) {
    diagnostics.push({
      severity: 'error',
      message: "Missing key name before '=', ignoring line.",
      ...at(equals),
      section: current?.name,
    });
    return current;
  }
  if (!current) {
    diagnostics.push({
      severity: 'error',
      message: 'Assignment outside of section, ignoring.',
      ...lineStart,
      endColumn: spanEnd(start, end),
      key,
      hint: 'Put it under a section header such as [Unit] or [Service].',
    });
    return current;
  }

  let valueStart = equals + 1;
  while (valueStart < end && isWhitespace(text[valueStart])) valueStart++;
  const value = text.slice(valueStart, end);
  const keyPosition = at(keyRange.start);
  const valuePosition = at(valueStart);
  // Re-base the segments onto the value so offsets inside the value map back to the file.
  const valueSegments: ValueSegment[] = [];
  for (const segment of segments) {
    const segmentEnd = nextOffset(segments, segment, text.length);
    if (segmentEnd <= valueStart) continue;
    const from = Math.max(segment.offset, valueStart);
    valueSegments.push({
      offset: from - valueStart,
      line: segment.line,
      column: segment.column + (from - segment.offset),
    });
  }
  if (valueSegments.length === 0) valueSegments.push({ offset: 0, ...valuePosition });

  const entry: UnitEntry = {
    section: current.name,
    key,
    value,
    line: keyPosition.line,
    column: keyPosition.column,
    valueLine: valuePosition.line,
    valueColumn: valuePosition.column,
    valueSegments,
  };
  current.entries.push(entry);
  return current;
}

function nextOffset(segments: readonly ValueSegment[], segment: ValueSegment, fallback: number): number {
  const index = segments.indexOf(segment);
  return segments[index + 1]?.offset ?? fallback;
}

/** 1-based position of an offset inside an entry's value. */
export function valuePosition(entry: UnitEntry, offset: number): { line: number; column: number } {
  const segments = entry.valueSegments ?? [{ offset: 0, line: entry.valueLine, column: entry.valueColumn }];
  return positionAt(segments, offset);
}

/** All entries of every section with this name (systemd merges repeated sections), in file order. */
export function entries(unit: UnitFile, section: string): UnitEntry[] {
  return unit.sections.filter((s) => s.name === section).flatMap((s) => s.entries);
}

/** Entries for one key, in file order, all assignments kept (empty ones included). */
export function keyEntries(unit: UnitFile, section: string, key: string): UnitEntry[] {
  return entries(unit, section).filter((e) => e.key === key);
}

/** The entries that still count under list semantics: an empty assignment drops those before it. */
export function effectiveListEntries(unit: UnitFile, section: string, key: string): UnitEntry[] {
  let kept: UnitEntry[] = [];
  for (const entry of keyEntries(unit, section, key)) {
    if (entry.value === '') kept = [];
    else kept.push(entry);
  }
  return kept;
}

/** List semantics: every assignment appends, `Key=` (empty) resets the list so far. */
export function values(unit: UnitFile, section: string, key: string): string[] {
  return effectiveListEntries(unit, section, key).map((e) => e.value);
}

/** The last assignment's value ('' when the last assignment is empty), undefined when never set. */
export function value(unit: UnitFile, section: string, key: string): string | undefined {
  const all = keyEntries(unit, section, key);
  return all[all.length - 1]?.value;
}
