// fleet's [X-Fleet] options (fleet job/job.go, Documentation/unit-files-and-scheduling.md).

import { validateGlob } from './glob';
import { entries, valuePosition } from './parse';
import { applySpecifiers, findUnknownSpecifiers, validateUnitName } from './names';
import type { Diagnostic, FleetOptions, UnitEntry, UnitFile } from './types';

export const FLEET_SECTION = 'X-Fleet';

export type FleetKey = 'MachineID' | 'MachineOf' | 'MachineMetadata' | 'Conflicts' | 'Global' | 'Replaces';

/** The [X-Fleet] options fleet knows today. */
export const FLEET_KEYS: readonly FleetKey[] = [
  'MachineID',
  'MachineOf',
  'MachineMetadata',
  'Conflicts',
  'Global',
  'Replaces',
];

/** Deprecated spellings fleet still reads, and what they mean today. */
export const DEPRECATED_FLEET_KEYS: Readonly<Record<string, FleetKey>> = {
  'X-ConditionMachineID': 'MachineID',
  // Legacy: a boot ID is not a machine ID; fleet still honours it so such units do not start anywhere.
  'X-ConditionMachineBootID': 'MachineID',
  'X-ConditionMachineOf': 'MachineOf',
  'X-ConditionMachineMetadata': 'MachineMetadata',
  'X-Conflicts': 'Conflicts',
};

/** systemd's parse_boolean words (fleet's isTruthyValue accepts the true half). */
export function parseBoolean(text: string): boolean | undefined {
  switch (text.trim().toLowerCase()) {
    case '1':
    case 'yes':
    case 'y':
    case 'true':
    case 't':
    case 'on':
      return true;
    case '0':
    case 'no':
    case 'n':
    case 'false':
    case 'f':
    case 'off':
      return false;
    default:
      return undefined;
  }
}

export interface ValueToken {
  text: string;
  /** 0-based offset of the token in the value (its opening quote, when quoted). */
  offset: number;
  /** 0-based offset just past the token. */
  end: number;
}

/**
 * Splits a value at whitespace; double quotes group (and are removed), as fleet's
 * parseMultivalueLine does for `MachineMetadata="a=b" "c=d e"`.
 */
export function splitValueTokens(text: string): ValueToken[] {
  const tokens: ValueToken[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/.test(text[index] as string)) index++;
    if (index >= text.length) break;
    const start = index;
    let token = '';
    let quoted = false;
    while (index < text.length) {
      const ch = text[index] as string;
      if (ch === '"') quoted = !quoted;
      else if (!quoted && /\s/.test(ch)) break;
      else token += ch;
      index++;
    }
    tokens.push({ text: token, offset: start, end: index });
  }
  return tokens;
}

interface OptionValue {
  entry: UnitEntry;
  token: ValueToken;
  /** The token with specifiers applied. */
  text: string;
}

export interface FleetOptionsResult {
  options: FleetOptions;
  diagnostics: Diagnostic[];
}

/** fleet's scheduling options from the unit's [X-Fleet] section(s), specifiers resolved for `unitName`. */
export function fleetOptions(unit: UnitFile, unitName: string): FleetOptionsResult {
  const diagnostics: Diagnostic[] = [];
  const options: FleetOptions = {
    machineOf: [],
    machineMetadata: {},
    conflicts: [],
    global: false,
    replaces: [],
  };

  const at = (entry: UnitEntry, token?: ValueToken) =>
    token
      ? {
          ...valuePosition(entry, token.offset),
          endColumn: sameLineEnd(entry, token.offset, token.end),
        }
      : { line: entry.line, column: entry.column, endColumn: entry.column + entry.key.length };
  const report = (
    severity: Diagnostic['severity'],
    message: string,
    entry: UnitEntry,
    token?: ValueToken,
    hint?: string,
  ) => {
    const diagnostic: Diagnostic = {
      severity,
      message,
      ...at(entry, token),
      section: FLEET_SECTION,
      key: entry.key,
    };
    if (hint) diagnostic.hint = hint;
    diagnostics.push(diagnostic);
  };

  const byKey = new Map<
    FleetKey,
    { current: OptionValue[]; deprecated: OptionValue[]; entries: UnitEntry[] }
  >();
  for (const key of FLEET_KEYS) byKey.set(key, { current: [], deprecated: [], entries: [] });

  for (const entry of entries(unit, FLEET_SECTION)) {
    const deprecatedMeaning = DEPRECATED_FLEET_KEYS[entry.key];
    const key = (FLEET_KEYS as readonly string[]).includes(entry.key)
      ? (entry.key as FleetKey)
      : deprecatedMeaning;
    if (!key) {
      report(
        'warning',
        `Unknown option "${entry.key}" in [X-Fleet], ignoring.`,
        entry,
        undefined,
        `fleet knows ${FLEET_KEYS.join(', ')}; fleetctl refuses units with unrecognized requirements.`,
      );
      continue;
    }
    if (deprecatedMeaning) {
      const note =
        entry.key === 'X-ConditionMachineBootID'
          ? 'X-ConditionMachineBootID is a legacy option: a boot ID is not a machine ID, so it will rarely match.'
          : `${entry.key} is deprecated; use ${deprecatedMeaning}= instead.`;
      report('warning', note, entry, undefined, `Rename the key to ${deprecatedMeaning}.`);
    }
    for (const unknown of findUnknownSpecifiers(entry.value)) {
      report(
        'warning',
        `Unknown specifier "${unknown.specifier}" left as written.`,
        entry,
        {
          text: unknown.specifier,
          offset: unknown.offset,
          end: unknown.offset + unknown.specifier.length,
        },
        'fleet resolves %n, %N, %p and %i (and %% for a literal %).',
      );
    }
    const bucket = byKey.get(key) as {
      current: OptionValue[];
      deprecated: OptionValue[];
      entries: UnitEntry[];
    };
    bucket.entries.push(entry);
    for (const token of splitValueTokens(entry.value)) {
      const value: OptionValue = { entry, token, text: applySpecifiers(token.text, unitName) };
      (deprecatedMeaning ? bucket.deprecated : bucket.current).push(value);
    }
  }
  const bucket = (key: FleetKey) =>
    byKey.get(key) as { current: OptionValue[]; deprecated: OptionValue[]; entries: UnitEntry[] };

  // MachineID: the first current value wins, then the deprecated spellings (fleet's order).
  const machineIds = [...bucket('MachineID').current, ...bucket('MachineID').deprecated];
  const chosenMachineId = machineIds[0];
  if (chosenMachineId) {
    const id = chosenMachineId.text;
    if (!/^[0-9a-fA-F]+$/.test(id) || id.length > 32) {
      report(
        'error',
        `MachineID "${id}" is not a machine ID (up to 32 hexadecimal digits).`,
        chosenMachineId.entry,
        chosenMachineId.token,
        'Use the ID `fleetctl list-machines` shows; a prefix of it also works.',
      );
    }
    options.machineId = id;
    for (const extra of machineIds.slice(1)) {
      report('warning', 'Only the first MachineID counts; this one is ignored.', extra.entry, extra.token);
    }
  }

  for (const key of ['MachineOf', 'Replaces'] as const) {
    const target = key === 'MachineOf' ? options.machineOf : options.replaces;
    for (const item of [...bucket(key).deprecated, ...bucket(key).current]) {
      const problem = validateUnitName(item.text);
      if (problem) {
        report('warning', `${key}: ${problem} fleet matches unit names exactly.`, item.entry, item.token);
      }
      if (key === 'MachineOf' && item.text === unitName) {
        report('error', 'MachineOf names the unit itself.', item.entry, item.token);
        continue;
      }
      if (!target.includes(item.text)) target.push(item.text);
    }
  }

  for (const item of [...bucket('MachineMetadata').deprecated, ...bucket('MachineMetadata').current]) {
    const parts = item.text.split('=');
    const [metaKey, metaValue] = parts;
    if (parts.length !== 2 || !metaKey || !metaValue) {
      report(
        'error',
        `Malformed metadata requirement "${item.text}": expected key=value.`,
        item.entry,
        item.token,
        'Separate several requirements with spaces, e.g. MachineMetadata=region=us-east disk=ssd.',
      );
      continue;
    }
    const list = (options.machineMetadata[metaKey] ??= []);
    if (!list.includes(metaValue)) list.push(metaValue);
  }

  for (const item of [...bucket('Conflicts').deprecated, ...bucket('Conflicts').current]) {
    const problem = validateGlob(item.text);
    if (problem) {
      report(
        'error',
        problem,
        item.entry,
        item.token,
        'Go path.Match syntax: * ? [a-z] [^x] and \\ escapes.',
      );
      continue;
    }
    if (!options.conflicts.includes(item.text)) options.conflicts.push(item.text);
  }

  // Global: the last value wins, as in fleet.
  for (const entry of bucket('Global').entries) {
    const text = entry.value.replace(/^"(.*)"$/, '$1');
    if (text.trim() === '') continue;
    const parsed = parseBoolean(text);
    if (parsed === undefined) {
      report(
        'error',
        `Global: "${text}" is not a boolean.`,
        entry,
        { text, offset: 0, end: entry.value.length },
        'Use true or false.',
      );
      continue;
    }
    options.global = parsed;
  }

  // Combinations fleet refuses.
  const firstEntry = (key: FleetKey) => bucket(key).entries[0];
  if (options.global) {
    const clashes: [FleetKey, boolean][] = [
      ['MachineID', options.machineId !== undefined],
      ['MachineOf', options.machineOf.length > 0],
      ['Replaces', options.replaces.length > 0],
    ];
    for (const [key, present] of clashes) {
      const entry = firstEntry(key);
      if (present && entry) {
        report(
          'error',
          `Global=true cannot be combined with ${key}.`,
          entry,
          undefined,
          'Global units may only use MachineMetadata and Conflicts.',
        );
      }
    }
  }
  const replacesEntry = firstEntry('Replaces');
  if (options.replaces.length > 0 && options.conflicts.length > 0 && replacesEntry) {
    report(
      'error',
      'Replaces cannot be combined with Conflicts.',
      replacesEntry,
      undefined,
      'fleet refuses units that use both.',
    );
  }

  return { options, diagnostics };
}

function sameLineEnd(entry: UnitEntry, from: number, to: number): number | undefined {
  const start = valuePosition(entry, from);
  const end = valuePosition(entry, to);
  return start.line === end.line ? end.column : undefined;
}
