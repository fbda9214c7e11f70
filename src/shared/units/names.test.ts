import { describe, expect, it } from 'vitest';
import {
  applySpecifiers,
  findUnknownSpecifiers,
  instanceName,
  parseUnitName,
  validateUnitName,
  withDefaultSuffix,
} from './names';

describe('unit names', () => {
  it('parses plain, template and instance names', () => {
    expect(parseUnitName('hello.service')).toEqual({
      name: 'hello.service',
      prefix: 'hello',
      type: 'service',
      isTemplate: false,
    });
    expect(parseUnitName('hello@.service')).toEqual({
      name: 'hello@.service',
      prefix: 'hello',
      instance: '',
      type: 'service',
      isTemplate: true,
      template: 'hello@.service',
    });
    expect(parseUnitName('web@8080.socket')).toMatchObject({
      prefix: 'web',
      instance: '8080',
      type: 'socket',
      isTemplate: false,
      template: 'web@.socket',
    });
    // The first @ separates; the instance may contain more.
    expect(parseUnitName('a@b@c.service')).toMatchObject({ prefix: 'a', instance: 'b@c' });
    expect(parseUnitName('dev-sda1.mount')?.type).toBe('mount');
  });

  it('rejects invalid names with a reason', () => {
    expect(validateUnitName('hello.service')).toBeUndefined();
    expect(validateUnitName('')).toMatch(/empty/);
    expect(validateUnitName('hello')).toMatch(/no type suffix/);
    expect(validateUnitName('hello.txt')).toMatch(/unknown type suffix/);
    expect(validateUnitName('.service')).toMatch(/empty name/);
    expect(validateUnitName('@x.service')).toMatch(/empty name/);
    expect(validateUnitName('he llo.service')).toMatch(/characters/);
    expect(validateUnitName('a@b c.service')).toMatch(/instance/);
    expect(validateUnitName(`${'a'.repeat(248)}.service`)).toMatch(/longer than 255/);
    expect(validateUnitName(`${'a'.repeat(247)}.service`)).toBeUndefined();
    expect(parseUnitName('nope')).toBeUndefined();
  });

  it('adds .service when there is no known suffix (fleet assumes services)', () => {
    expect(withDefaultSuffix('hello')).toBe('hello.service');
    expect(withDefaultSuffix('hello@1')).toBe('hello@1.service');
    expect(withDefaultSuffix('hello.socket')).toBe('hello.socket');
    expect(withDefaultSuffix('my.app')).toBe('my.app.service');
  });

  it('builds instance names from templates', () => {
    expect(instanceName('hello@.service', '1')).toBe('hello@1.service');
    expect(instanceName('hello@', '2')).toBe('hello@2.service');
    expect(instanceName('hello.service', '1')).toBeUndefined();
    expect(instanceName('hello@.service', 'a b')).toBeUndefined();
  });
});

describe('applySpecifiers', () => {
  it('resolves %n %N %p %i on an instance', () => {
    expect(applySpecifiers('%n|%N|%p|%i', 'hello@1.service')).toBe('hello@1.service|hello@1|hello|1');
  });

  it('resolves on a template (empty instance) and a plain unit', () => {
    expect(applySpecifiers('%n|%N|%p|%i', 'hello@.service')).toBe('hello@.service|hello@|hello|');
    expect(applySpecifiers('%n|%N|%p|%i', 'hello.service')).toBe('hello.service|hello|hello|');
  });

  it('keeps escapes in %N (fleet does not unescape)', () => {
    expect(applySpecifiers('%N', 'web@a\\x2db.service')).toBe('web@a\\x2db');
  });

  it('turns %% into % and does not expand substituted text again', () => {
    expect(applySpecifiers('100%% %%i', 'a@x.service')).toBe('100% %i');
    expect(applySpecifiers('%i', 'a@%p.service')).toBe('%p');
  });

  it('leaves unknown specifiers as written and reports them', () => {
    expect(applySpecifiers('%h/%u %', 'a.service')).toBe('%h/%u %');
    expect(findUnknownSpecifiers('%h/%u %% %n %')).toEqual([
      { specifier: '%h', offset: 0 },
      { specifier: '%u', offset: 3 },
      { specifier: '%', offset: 12 },
    ]);
  });
});
