// Line diffs between two values, as rows to show: unchanged, removed (only in the old), added
// (only in the new), with line numbers on each side. Pure.
import { diffLines } from 'diff';
import { prettyIfJson } from './json-model';

export interface DiffRow {
  kind: 'same' | 'removed' | 'added';
  text: string;
  /** 1-based line in the old text (absent on added rows). */
  oldLine?: number;
  /** 1-based line in the new text (absent on removed rows). */
  newLine?: number;
}

/** Splits a diff chunk into its lines; the chunk's final newline ends its last line. */
function linesOf(chunk: string): string[] {
  const lines = chunk.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The rows of a line diff from `before` to `after`. JSON documents are pretty-printed first, so
 * a change inside a one-line JSON value shows as the lines that changed, not as one huge line.
 */
export function diffRows(before: string, after: string): DiffRow[] {
  const a = prettyIfJson(before);
  const b = prettyIfJson(after);
  const rows: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  // A missing final newline would make "x" and "x\n" differ on their last line; compare both
  // with one so only real changes show.
  for (const change of diffLines(a.endsWith('\n') ? a : `${a}\n`, b.endsWith('\n') ? b : `${b}\n`)) {
    for (const text of linesOf(change.value)) {
      if (change.added) rows.push({ kind: 'added', text, newLine: newLine++ });
      else if (change.removed) rows.push({ kind: 'removed', text, oldLine: oldLine++ });
      else rows.push({ kind: 'same', text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return rows;
}

/** How many lines were added and removed. */
export function diffStats(rows: readonly DiffRow[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const r of rows) {
    if (r.kind === 'added') added++;
    else if (r.kind === 'removed') removed++;
  }
  return { added, removed };
}

/**
 * The rows worth showing: changes with `context` unchanged lines around them; longer unchanged
 * runs fold into one `{ skipped }` marker. With no change at all, no rows.
 */
export function withContext(
  rows: readonly DiffRow[],
  context = 3,
): ({ row: DiffRow } | { skipped: number })[] {
  const near = new Array<boolean>(rows.length).fill(false);
  rows.forEach((r, i) => {
    if (r.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) near[j] = true;
  });
  const out: ({ row: DiffRow } | { skipped: number })[] = [];
  let skipped = 0;
  rows.forEach((row, i) => {
    if (near[i]) {
      if (skipped) out.push({ skipped });
      skipped = 0;
      out.push({ row });
    } else skipped++;
  });
  if (skipped && out.length) out.push({ skipped });
  return out;
}
