import { describe, expect, it } from 'vitest';
import { FLEET_KEYS } from './fleet';
import {
  KEY_DOCS,
  SECTION_DOCS,
  SPECIFIER_DOCS,
  UNIT_SECTIONS,
  keyDoc,
  keyValues,
  sectionKeyNames,
} from './keys-doc';
import { lintUnit } from './lint';
import { KNOWN_SPECIFIERS } from './names';

const unknownKeyWarnings = (section: string, key: string, value = 'x') =>
  lintUnit(`[${section}]\n${key}=${value}\n`, 'app.service').diagnostics.filter((d) =>
    /Unknown (key name|option)/.test(d.message),
  );

describe('the keys catalog', () => {
  it('describes only keys lint knows (no second list that could drift)', () => {
    for (const [section, keys] of Object.entries(KEY_DOCS))
      for (const key of Object.keys(keys)) {
        expect(sectionKeyNames(section), `${section}.${key}`).toContain(key);
        expect(unknownKeyWarnings(section, key), `${section}.${key}`).toEqual([]);
      }
  });

  it('documents every section an editor offers and every [X-Fleet] option', () => {
    for (const section of UNIT_SECTIONS) expect(SECTION_DOCS[section]).toBeTruthy();
    for (const key of FLEET_KEYS) expect(keyDoc('X-Fleet', key)?.length).toBeGreaterThan(40);
    for (const specifier of KNOWN_SPECIFIERS) expect(SPECIFIER_DOCS[specifier]).toBeTruthy();
  });

  it('lists documented keys first, then the rest lint knows', () => {
    const service = sectionKeyNames('Service');
    expect(service.slice(0, 3)).toEqual(['Type', 'ExecStartPre', 'ExecStart']);
    expect(service).toContain('LimitNOFILE');
    expect(new Set(service).size).toBe(service.length);
    expect(sectionKeyNames('X-Fleet')).toEqual(expect.arrayContaining([...FLEET_KEYS]));
    expect(sectionKeyNames('Nope')).toEqual([]);
  });

  it('points deprecated [X-Fleet] spellings at their successor', () => {
    expect(keyDoc('X-Fleet', 'X-Conflicts')).toMatch(/^Deprecated spelling of Conflicts=/);
    expect(keyDoc('X-Fleet', 'Bogus')).toBeUndefined();
    expect(keyDoc('Service', 'LimitNOFILE')).toBeUndefined();
  });

  it('offers only values lint accepts', () => {
    for (const [section, key] of [
      ['Service', 'Type'],
      ['Service', 'Restart'],
      ['Service', 'RemainAfterExit'],
      ['X-Fleet', 'Global'],
    ] as const) {
      const values = keyValues(section, key) ?? [];
      expect(values.length).toBeGreaterThan(1);
      for (const value of values) {
        const file = `[Service]\nExecStart=/bin/true\n[${section}]\n${key}=${value}\n`;
        const errors = lintUnit(file, 'app.service').diagnostics.filter((d) => d.severity === 'error');
        expect(errors, `${key}=${value}`).toEqual([]);
      }
    }
  });
});
