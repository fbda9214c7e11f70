// Completion for unit files: section names, the keys lint knows per section (documented ones
// first, with their docs), fixed values (Type=, Restart=, Global= …), specifiers after %, and
// from the live cluster: machine IDs, metadata and unit names for the [X-Fleet] options.

import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { Facet } from '@codemirror/state';
import {
  FLEET_SECTION,
  KEY_DOCS,
  SECTION_DOCS,
  SPECIFIER_DOCS,
  UNIT_SECTIONS,
  keyDoc,
  keyValues,
  sectionKeyNames,
} from '../../shared/units';
import { assignment, isCommentLine, isContinuationLine, sectionAt } from './unit-text';

/** What the cluster offers for values: its machines and unit names. */
export interface UnitEditorData {
  machines: readonly { id: string; name: string; metadata: Readonly<Record<string, string>> }[];
  units: readonly string[];
}

const NO_DATA: UnitEditorData = { machines: [], units: [] };

/** The editor's view of the cluster; a page provides it with `unitEditorData.of({...})`. */
export const unitEditorData = Facet.define<UnitEditorData, UnitEditorData>({
  combine: (values) => values[values.length - 1] ?? NO_DATA,
});

/** Keys whose values name other units. */
const UNIT_LIST_KEYS = new Set([
  'Requires',
  'Wants',
  'After',
  'Before',
  'BindsTo',
  'PartOf',
  'Conflicts',
  'MachineOf',
  'Replaces',
]);

function sectionOptions(closeBracket: boolean): Completion[] {
  return UNIT_SECTIONS.map((name, index) => ({
    label: name,
    apply: closeBracket ? `${name}]` : name,
    type: 'namespace',
    info: SECTION_DOCS[name],
    boost: -index,
  }));
}

function keyOptions(section: string, addEquals: boolean): Completion[] {
  const documented = KEY_DOCS[section] ?? {};
  return sectionKeyNames(section).map((key) => {
    const doc = keyDoc(section, key);
    return {
      label: key,
      apply: addEquals ? `${key}=` : key,
      type: 'property',
      ...(doc ? { info: doc } : {}),
      // The keys people write (the documented ones) above systemd's long tail.
      boost: key in documented ? 10 : 0,
    };
  });
}

function valueOptions(section: string, key: string, data: UnitEditorData): Completion[] {
  const fixed = keyValues(section, key);
  if (fixed) return fixed.map((value) => ({ label: value, type: 'enum' }));
  if (section === FLEET_SECTION && key === 'MachineID')
    return data.machines.map((m) => ({ label: m.id, detail: m.name, type: 'constant' }));
  if (section === FLEET_SECTION && key === 'MachineMetadata') {
    const pairs = new Set<string>();
    for (const m of data.machines) for (const [k, v] of Object.entries(m.metadata)) pairs.add(`${k}=${v}`);
    return [...pairs].sort().map((pair) => ({ label: pair, type: 'constant' }));
  }
  if (UNIT_LIST_KEYS.has(key)) return data.units.map((unit) => ({ label: unit, type: 'variable' }));
  return [];
}

function specifierOptions(): Completion[] {
  return Object.entries(SPECIFIER_DOCS).map(([letter, doc]) => ({
    label: `%${letter}`,
    type: 'variable',
    info: doc,
  }));
}

/** The completion source of the `unit` language. */
export function unitCompletions(context: CompletionContext): CompletionResult | null {
  const { state, pos, explicit } = context;
  const line = state.doc.lineAt(pos);
  const before = line.text.slice(0, pos - line.from);
  const after = line.text.slice(pos - line.from);
  if (isCommentLine(line.text)) return null;
  const continuation = isContinuationLine(state.doc, line.number);

  const header = /^[ \t]*\[([A-Za-z0-9-]*)$/.exec(before);
  if (header && !continuation) {
    const typed = header[1] as string;
    return {
      from: pos - typed.length,
      options: sectionOptions(!after.includes(']')),
      validFor: /^[A-Za-z0-9-]*$/,
    };
  }

  const section = sectionAt(state.doc, line.number);
  if (section === undefined) return null;

  const assigned = continuation ? undefined : assignment(before);
  if (!assigned && !continuation) {
    const word = /^[ \t]*([A-Za-z][A-Za-z0-9-]*)?$/.exec(before);
    if (!word) return null;
    const typed = word[1] ?? '';
    if (typed === '' && !explicit) return null;
    const options = keyOptions(section, !after.includes('='));
    return options.length ? { from: pos - typed.length, options, validFor: /^[A-Za-z0-9-]*$/ } : null;
  }

  // In a value: a specifier after %, else the key's known values for the word being typed.
  const specifier = /%[A-Za-z%]?$/.exec(before);
  if (specifier) return { from: pos - specifier[0].length, options: specifierOptions() };
  if (!assigned) return null;
  const word = /[^\s"]*$/.exec(before.slice(assigned.valueFrom))?.[0] ?? '';
  if (word === '' && !explicit) return null;
  const options = valueOptions(section, assigned.key, state.facet(unitEditorData));
  return options.length ? { from: pos - word.length, options, validFor: /^[^\s"]*$/ } : null;
}
