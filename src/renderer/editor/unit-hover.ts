// What a section, key or specifier means, on hover, from the shared catalog (keys-doc.ts).

import type { Text } from '@codemirror/state';
import { hoverTooltip, type Tooltip } from '@codemirror/view';
import { SECTION_DOCS, SPECIFIER_DOCS, keyDoc } from '../../shared/units';
import { assignment, isCommentLine, isContinuationLine, sectionAt, sectionHeader } from './unit-text';

export interface UnitDocHit {
  /** Document offsets of the word the doc is about. */
  from: number;
  to: number;
  title: string;
  doc: string;
}

/** The documentation for what is at `pos`, or null when there is none. */
export function unitDocAt(doc: Text, pos: number): UnitDocHit | null {
  const line = doc.lineAt(pos);
  const offset = pos - line.from;
  if (isCommentLine(line.text)) return null;
  const continuation = isContinuationLine(doc, line.number);

  const header = continuation ? undefined : sectionHeader(line.text);
  if (header !== undefined) {
    const text = SECTION_DOCS[header];
    if (!text) return null;
    const from = line.text.indexOf('[');
    return {
      from: line.from + from,
      to: line.from + from + header.length + 2,
      title: `[${header}]`,
      doc: text,
    };
  }

  const assigned = continuation ? undefined : assignment(line.text);
  if (assigned && offset >= assigned.keyFrom && offset <= assigned.keyTo) {
    const section = sectionAt(doc, line.number);
    const text = section === undefined ? undefined : keyDoc(section, assigned.key);
    if (!text) return null;
    return {
      from: line.from + assigned.keyFrom,
      to: line.from + assigned.keyTo,
      title: `${assigned.key}=`,
      doc: text,
    };
  }

  if (!assigned && !continuation) return null;
  const valueFrom = assigned?.valueFrom ?? 0;
  for (const match of line.text.slice(valueFrom).matchAll(/%([A-Za-z%])/g)) {
    const from = valueFrom + match.index;
    const letter = match[1] as keyof typeof SPECIFIER_DOCS;
    if (offset < from || offset > from + 2) continue;
    const text = SPECIFIER_DOCS[letter];
    if (!text) return null;
    return { from: line.from + from, to: line.from + from + 2, title: `%${letter}`, doc: text };
  }
  return null;
}

function tooltipDom(hit: UnitDocHit): HTMLElement {
  const dom = document.createElement('div');
  dom.className = 'cm-unit-doc';
  const title = document.createElement('strong');
  title.textContent = hit.title;
  const body = document.createElement('div');
  body.textContent = hit.doc;
  dom.append(title, body);
  return dom;
}

/** Hovering a section, key or specifier shows what it means. */
export const unitHover = hoverTooltip((view, pos): Tooltip | null => {
  const hit = unitDocAt(view.state.doc, pos);
  if (!hit) return null;
  return { pos: hit.from, end: hit.to, above: true, create: () => ({ dom: tooltipDom(hit) }) };
});
