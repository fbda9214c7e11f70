// Row geometry. Without wrap every line is one row of ROW_H px. With wrap a line's height is
// computed, not measured: the font is monospace and texts break anywhere (`word-break:
// break-all`), so a line of n characters in a text column of c characters takes ceil(n / c) rows.
// That is exact for the usual ASCII logs and costs a division per line — the virtualizer asks
// for the size of every line whenever the count changes. Wide characters (CJK, emoji) and tabs
// can make the guess short; the rows on screen are also measured and those few corrected.

export const ROW_H = 20;
export const FONT_PX = 12.5;
export const MONOSPACE = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
/** Left lane bar (3 px) + left padding (6) + right padding (8). */
export const ROW_PAD_PX = 17;
/** The stream marker column (ERR, SYS). */
export const MARK_CHARS = 3;
const TAB = 8;

/** Visual rows a text takes in `cols` columns (at least 1; each '\n' starts a new row). */
export function rowsFor(text: string, cols: number): number {
  if (cols <= 0) return 1;
  let rows = 0;
  let col = 0;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      rows += Math.max(1, Math.ceil(col / cols));
      col = 0;
      any = false;
      continue;
    }
    // A surrogate pair is one character on screen.
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    col += c === 9 ? TAB - (col % TAB) : 1;
    any = true;
  }
  // A last '\n' ends the text without starting an empty row.
  if (any || rows === 0) rows += Math.max(1, Math.ceil(col / cols));
  return rows;
}

/** Rows a text takes without wrap: one per line of it. */
export function linesOf(text: string): number {
  let i = text.indexOf('\n');
  if (i < 0) return 1;
  let n = 1;
  while (i >= 0 && i < text.length - 1) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

/** Characters before the text: time, source label, marker, each followed by one space. */
export function prefixChars(o: { timestamps: boolean; labelChars: number }): number {
  return (o.timestamps ? 19 + 1 : 0) + o.labelChars + 1 + MARK_CHARS + 1;
}

/** Characters a wrapped line's text column holds in a scroller `width` px wide. */
export function textColumns(width: number, charWidth: number, prefix: number): number {
  return Math.max(10, Math.floor((width - ROW_PAD_PX - prefix * charWidth) / charWidth));
}

let measured: number | undefined;

/** The advance of one character of the viewer's font, in px (a canvas measures it once). */
export function charWidth(): number {
  if (measured !== undefined) return measured;
  measured = FONT_PX * 0.6; // a typical monospace advance: the fallback where nothing measures
  if (typeof navigator !== 'undefined' && navigator.userAgent.includes('jsdom')) return measured;
  try {
    const ctx = document.createElement('canvas').getContext('2d');
    if (ctx) {
      ctx.font = `${FONT_PX}px ${MONOSPACE}`;
      const w = ctx.measureText('0'.repeat(100)).width / 100;
      if (w > 0) measured = w;
    }
  } catch {
    // no canvas: keep the fallback; measuring the rows on screen corrects what it gets wrong
  }
  return measured;
}
