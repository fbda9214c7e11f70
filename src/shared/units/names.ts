// Unit names (systemd's unit-name rules) and the specifiers fleet resolves in [X-Fleet] values.

import type { UnitName } from './types';

/** The unit types systemd knows; a name must end in one of them. */
export const UNIT_TYPES = [
  'service',
  'socket',
  'target',
  'device',
  'mount',
  'automount',
  'swap',
  'timer',
  'path',
  'slice',
  'scope',
] as const;

export type UnitType = (typeof UNIT_TYPES)[number];

/** systemd's UNIT_NAME_MAX is 256 including the terminating NUL. */
export const UNIT_NAME_MAX_LENGTH = 255;

const isUnitType = (text: string): text is UnitType => (UNIT_TYPES as readonly string[]).includes(text);
/** systemd's VALID_CHARS for unit names: letters, digits and `:-_.\`. */
const PREFIX_CHARS = /^[A-Za-z0-9:\-_.\\]+$/;
/** Instances may also contain `@`. */
const INSTANCE_CHARS = /^[A-Za-z0-9:\-_.\\@]*$/;

/** Why `name` is not a valid unit name, or undefined when it is. */
export function validateUnitName(name: string): string | undefined {
  if (name.length === 0) return 'Unit name is empty.';
  if (name.length > UNIT_NAME_MAX_LENGTH)
    return `Unit name is longer than ${UNIT_NAME_MAX_LENGTH} characters.`;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return `Unit name "${name}" has no type suffix such as .service.`;
  const type = name.slice(dot + 1);
  if (!isUnitType(type)) return `Unit name "${name}" has an unknown type suffix ".${type}".`;
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  const prefix = at < 0 ? stem : stem.slice(0, at);
  if (prefix.length === 0) return `Unit name "${name}" has an empty name before the suffix or "@".`;
  if (!PREFIX_CHARS.test(prefix))
    return `Unit name "${name}" contains characters systemd does not allow (use letters, digits and :-_.\\).`;
  if (at >= 0 && !INSTANCE_CHARS.test(stem.slice(at + 1)))
    return `Unit name "${name}" has an instance with characters systemd does not allow.`;
  return undefined;
}

/** Takes a valid unit name apart; undefined when the name is not valid. */
export function parseUnitName(name: string): UnitName | undefined {
  if (validateUnitName(name) !== undefined) return undefined;
  const dot = name.lastIndexOf('.');
  const type = name.slice(dot + 1);
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  if (at < 0) return { name, prefix: stem, type, isTemplate: false };
  const prefix = stem.slice(0, at);
  const instance = stem.slice(at + 1);
  return {
    name,
    prefix,
    instance,
    type,
    isTemplate: instance === '',
    template: `${prefix}@.${type}`,
  };
}

/** fleet (and systemctl) assume `.service` when the name has no known unit suffix. */
export function withDefaultSuffix(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && isUnitType(name.slice(dot + 1))) return name;
  return `${name}.service`;
}

/** `hello@.service` + `1` → `hello@1.service`; undefined when `template` is not a template name. */
export function instanceName(template: string, instance: string): string | undefined {
  const parsed = parseUnitName(withDefaultSuffix(template));
  if (!parsed || !parsed.isTemplate) return undefined;
  const name = `${parsed.prefix}@${instance}.${parsed.type}`;
  return validateUnitName(name) === undefined ? name : undefined;
}

/** The parts specifiers refer to; lenient like fleet's UnitNameInfo, so odd names still resolve. */
function specifierParts(unitName: string): {
  full: string;
  withoutSuffix: string;
  prefix: string;
  instance: string;
} {
  const dot = unitName.lastIndexOf('.');
  const withoutSuffix = dot < 0 ? unitName : unitName.slice(0, dot);
  const at = withoutSuffix.indexOf('@');
  return {
    full: unitName,
    withoutSuffix,
    prefix: at < 0 ? withoutSuffix : withoutSuffix.slice(0, at),
    instance: at < 0 ? '' : withoutSuffix.slice(at + 1),
  };
}

/** The specifiers we resolve. */
export const KNOWN_SPECIFIERS = ['n', 'N', 'p', 'i', '%'] as const;

/**
 * Resolves %n (full name), %N (name without type suffix — fleet's meaning; escapes are kept, as
 * fleet does), %p (prefix), %i (instance, '' when none) and %% (a literal %), in one pass so a
 * substituted value is never expanded again. Unknown specifiers stay as written.
 */
export function applySpecifiers(text: string, unitName: string): string {
  const parts = specifierParts(unitName);
  const replacements: Record<string, string> = {
    n: parts.full,
    N: parts.withoutSuffix,
    p: parts.prefix,
    i: parts.instance,
    '%': '%',
  };
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const ch = text[index];
    const next = text[index + 1];
    if (ch === '%' && next !== undefined && Object.hasOwn(replacements, next)) {
      out += replacements[next];
      index++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Specifiers we do not resolve, with their 0-based offsets (a lone trailing % counts too). */
export function findUnknownSpecifiers(text: string): { specifier: string; offset: number }[] {
  const found: { specifier: string; offset: number }[] = [];
  for (let index = 0; index < text.length; index++) {
    if (text[index] !== '%') continue;
    const next = text[index + 1];
    if (next !== undefined && (KNOWN_SPECIFIERS as readonly string[]).includes(next)) {
      index++;
      continue;
    }
    found.push({ specifier: next === undefined ? '%' : `%${next}`, offset: index });
    if (next !== undefined) index++;
  }
  return found;
}
