// The view as a text file: journalctl's short-precise lines (`Nov 22 02:51:03.123456 core-01
// hello.service[stdout]: Hello`), what the filter shows and nothing else. A text of several lines
// continues indented under the first, as journalctl prints it.

import type { Line } from './store';
import { formatClock } from './time';

/** Who said it: the unit and the stream; a machine's own lines are Flotilla's agent talking. */
export function speaker(line: Pick<Line, 'stream' | 'source'>): string {
  return `${line.source.unit ?? 'flotilla'}[${line.stream}]`;
}

export function formatLine(line: Line, o: { utc: boolean }): string {
  const time = formatClock(line.time, { utc: o.utc, digits: 6 });
  if (line.stream === 'notice') return `${time} -- ${line.text} --`;
  const head = `${time} ${line.source.hostname} ${speaker(line)}: `;
  return head + line.text.split('\n').join(`\n${' '.repeat(head.length)}`);
}

/**
 * The lines as file parts (a few thousand lines each): a Blob takes them as they are, so a
 * million lines never become one giant string.
 */
export function downloadParts(count: number, lineAt: (k: number) => Line, o: { utc: boolean }): string[] {
  const parts: string[] = [];
  const PART = 5000;
  for (let from = 0; from < count; from += PART) {
    const lines: string[] = [];
    for (let k = from; k < Math.min(count, from + PART); k++) lines.push(formatLine(lineAt(k), o));
    parts.push(`${lines.join('\n')}\n`);
  }
  return parts;
}

/** `journal-dev-hello.service-20261122-025103.log`: which cluster, what was followed, when. */
export function downloadName(cluster: string, units: readonly string[], now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const what = units.length === 1 ? `-${units[0]}` : units.length > 1 ? `-${units.length}-units` : '';
  return `journal-${cluster}${what}-${stamp}.log`.replace(/[^A-Za-z0-9._@-]/g, '_');
}

/** Hands the parts to the browser as a file download. */
export function saveText(parts: string[], name: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has started the download; the URL can go once it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
