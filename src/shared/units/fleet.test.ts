import { describe, expect, it } from 'vitest';
import { fleetOptions, parseBoolean } from './fleet';
import { parseUnitFile } from './parse';

const fleet = (body: string, name = 'app.service') =>
  fleetOptions(parseUnitFile(`[X-Fleet]\n${body}\n`).unit, name);
const errors = (result: ReturnType<typeof fleet>) => result.diagnostics.filter((d) => d.severity === 'error');
const warnings = (result: ReturnType<typeof fleet>) =>
  result.diagnostics.filter((d) => d.severity === 'warning');

describe('fleetOptions', () => {
  it('defaults when there is no [X-Fleet]', () => {
    expect(fleetOptions(parseUnitFile('[Unit]\n').unit, 'a.service')).toEqual({
      options: { machineOf: [], machineMetadata: {}, conflicts: [], global: false, replaces: [] },
      diagnostics: [],
    });
  });

  it('MachineID: the first value counts, repeats warn', () => {
    const result = fleet('MachineID=2c9e1b\nMachineID=ffff');
    expect(result.options.machineId).toBe('2c9e1b');
    expect(warnings(result)).toMatchObject([
      { line: 3, column: 11, message: expect.stringMatching(/Only the first MachineID/) },
    ]);
    expect(errors(result)).toEqual([]);
  });

  it('MachineID must be hex', () => {
    const result = fleet('MachineID=node-1');
    expect(errors(result)).toMatchObject([{ line: 2, column: 11, endColumn: 17, key: 'MachineID' }]);
  });

  it('prefers MachineID over the deprecated X-ConditionMachineID', () => {
    const result = fleet('X-ConditionMachineID=aaaa\nMachineID=bbbb');
    expect(result.options.machineId).toBe('bbbb');
    expect(warnings(result).map((d) => d.message)).toEqual([
      'X-ConditionMachineID is deprecated; use MachineID= instead.',
      'Only the first MachineID counts; this one is ignored.',
    ]);
  });

  it('MachineOf: repeatable, specifiers applied, itself is an error', () => {
    expect(
      fleet('MachineOf=db.service\nMachineOf=cache@%i.service', 'web@2.service').options.machineOf,
    ).toEqual(['db.service', 'cache@2.service']);
    const self = fleet('MachineOf=%n', 'web@2.service');
    expect(errors(self)).toMatchObject([
      { line: 2, column: 11, message: 'MachineOf names the unit itself.' },
    ]);
  });

  it('MachineMetadata: tokens, quotes, AND across keys, OR within a key, gathered across lines', () => {
    const result = fleet(
      'MachineMetadata=region=us-east disk=ssd\nMachineMetadata="region=us-west" "role=a b"\nMachineMetadata=disk=ssd',
    );
    expect(result.options.machineMetadata).toEqual({
      region: ['us-east', 'us-west'],
      disk: ['ssd'],
      role: ['a b'],
    });
    expect(result.diagnostics).toEqual([]);
  });

  it('MachineMetadata: malformed tokens are errors at their column', () => {
    const result = fleet('MachineMetadata=ok=1 broken =x y= a=b=c');
    expect(errors(result).map((d) => [d.line, d.column, d.endColumn])).toEqual([
      [2, 22, 28],
      [2, 29, 31],
      [2, 32, 34],
      [2, 35, 40],
    ]);
    expect(result.options.machineMetadata).toEqual({ ok: ['1'] });
  });

  it('Conflicts: whitespace-separated globs, repeatable; X-Conflicts maps with a warning', () => {
    const result = fleet('Conflicts=a*.service b?.service\nX-Conflicts=hello*.service');
    expect(result.options.conflicts).toEqual(['hello*.service', 'a*.service', 'b?.service']);
    expect(result.diagnostics).toMatchObject([
      { severity: 'warning', line: 3, column: 1, key: 'X-Conflicts' },
    ]);
  });

  it('Conflicts: a malformed glob is an error', () => {
    const result = fleet('Conflicts=ok.service bad[.service');
    expect(errors(result)).toMatchObject([{ line: 2, column: 22 }]);
    expect(result.options.conflicts).toEqual(['ok.service']);
  });

  it('Global: boolean words, last value wins, garbage is an error', () => {
    for (const word of ['true', 'YES', '1', 'on', 't', 'y'])
      expect(fleet(`Global=${word}`).options.global, word).toBe(true);
    for (const word of ['false', 'No', '0', 'off', 'f', 'n'])
      expect(fleet(`Global=${word}`).options.global, word).toBe(false);
    expect(fleet('Global=true\nGlobal=false').options.global).toBe(false);
    const bad = fleet('Global=maybe');
    expect(errors(bad)).toMatchObject([{ line: 2, column: 8 }]);
    expect(bad.options.global).toBe(false);
  });

  it('Replaces: repeatable', () => {
    expect(fleet('Replaces=old.service\nReplaces=older.service').options.replaces).toEqual([
      'old.service',
      'older.service',
    ]);
  });

  it('deprecated X-ConditionMachineOf / X-ConditionMachineMetadata map with warnings', () => {
    const result = fleet('X-ConditionMachineOf=db.service\nX-ConditionMachineMetadata=role=db');
    expect(result.options).toMatchObject({ machineOf: ['db.service'], machineMetadata: { role: ['db'] } });
    expect(warnings(result)).toHaveLength(2);
  });

  it('warns about unknown keys with their position', () => {
    expect(fleet('  Foo=bar').diagnostics).toMatchObject([
      { severity: 'warning', line: 2, column: 3, endColumn: 6, key: 'Foo' },
    ]);
  });

  it('warns about unknown specifiers', () => {
    expect(fleet('MachineOf=%H.service').diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        line: 2,
        column: 11,
        message: expect.stringMatching(/Unknown specifier "%H"/),
      }),
    );
  });

  it('rejects Global with MachineID, MachineOf or Replaces', () => {
    const result = fleet('Global=true\nMachineID=abc\nMachineOf=db.service\nReplaces=x.service');
    expect(errors(result).map((d) => [d.line, d.message])).toEqual([
      [3, 'Global=true cannot be combined with MachineID.'],
      [4, 'Global=true cannot be combined with MachineOf.'],
      [5, 'Global=true cannot be combined with Replaces.'],
    ]);
    expect(errors(fleet('Global=true\nMachineMetadata=a=b\nConflicts=x*'))).toEqual([]);
  });

  it('rejects Replaces with Conflicts', () => {
    expect(errors(fleet('Replaces=a.service\nConflicts=b*'))).toMatchObject([
      { line: 2, message: 'Replaces cannot be combined with Conflicts.' },
    ]);
  });
});

describe('parseBoolean', () => {
  it('reads systemd boolean words', () => {
    expect(parseBoolean(' On ')).toBe(true);
    expect(parseBoolean('OFF')).toBe(false);
    expect(parseBoolean('2')).toBeUndefined();
  });
});
