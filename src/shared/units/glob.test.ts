import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch, validateGlob } from './glob';

// Cases follow Go's path.Match table (src/path/match_test.go) plus fleet's unit names.
describe('globMatch (Go path.Match)', () => {
  const cases: [pattern: string, name: string, matches: boolean][] = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*', '', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', 'a', false],
    ['*x', 'xxx', true],
    // a class may match `/` (only `*` and `?` stop at it)
    ['a[/]b', 'a/b', true],
    // an inverted range matches nothing but is not malformed
    ['[z-a]', 'm', false],
    ['[^z-a]', 'm', true],
    ['[^z-a]', '/', true],
    // consecutive stars, and a literal head and tail that must not overlap
    ['a**b', 'ab', true],
    ['**', '', true],
    ['ab*ba', 'abba', true],
    ['ab*ba', 'aba', false],
    ['a*a', 'a', false],
    ['*.service', 'x/y.service', false],
    ['a?*c', 'ac', false],
    ['a?*c', 'a/c', false],
    ['a?*c', 'abbc', true],
    // characters are code points: an astral character is one character, as a Go rune
    ['a?b', 'a😀b', true],
    ['a??b', 'a😀b', false],
    ['[😀]', '😀', true],
    ['*😀', 'x😀', true],
    ['\ud83d*', '😀', false],
    // fleet's names
    ['hello*.service', 'hello@1.service', true],
    ['hello*.service', 'hello.service', true],
    ['hello*.service', 'world.service', false],
    ['hello@?.service', 'hello@12.service', false],
    ['*.service', 'a.socket', false],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, name, matches) => {
    expect(globMatch(pattern, name)).toBe(matches);
    expect(compileGlob(pattern).test(name)).toBe(matches);
  });

  it.each(['[]a]', '[-]', '[x-]', '[-x]', '\\', 'a\\', '[a-b-c]', '[', '[^', '[^bc', 'a[', 'ab[c', '*[a'])(
    'malformed %s never matches and is flagged',
    (pattern) => {
      expect(validateGlob(pattern)).toMatch(/Malformed/);
      const glob = compileGlob(pattern);
      expect(glob.valid).toBe(false);
      expect(glob.literal).toBeNull();
      expect(glob.test('a')).toBe(false);
      expect(glob.test(pattern)).toBe(false);
      expect(globMatch(pattern, 'a')).toBe(false);
    },
  );

  it('accepts well-formed patterns', () => {
    expect(validateGlob('web@*.service')).toBeUndefined();
    expect(compileGlob('[^z-a]').valid).toBe(true);
  });

  it('reports literals with escapes resolved so callers can index them', () => {
    expect(compileGlob('db.service').literal).toBe('db.service');
    expect(compileGlob('a\\*b').literal).toBe('a*b');
    expect(compileGlob('').literal).toBe('');
    expect(compileGlob('db*.service').literal).toBeNull();
    expect(compileGlob('db[12].service').literal).toBeNull();
    // two escaped halves of a surrogate pair are two characters, so no name is this literal
    const split = compileGlob('\ud83d\\\ude00');
    expect(split.literal).toBeNull();
    expect(split.test('😀')).toBe(false);
  });

  it('treats regex metacharacters as plain text', () => {
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('a+(b)|c$', 'a+(b)|c$')).toBe(true);
    expect(globMatch('[.]x', 'ax')).toBe(false);
  });

  it('takes linear time where a backtracking matcher would take forever', () => {
    const glob = compileGlob('*a*a*a*a*a*a*a*b');
    const started = Date.now();
    expect(glob.test('a'.repeat(255))).toBe(false);
    expect(glob.test(`${'a'.repeat(254)}b`)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('matches patterns with more wildcards than a bitmask holds', () => {
    const glob = compileGlob(`*${'?a'.repeat(20)}[xy]*`);
    expect(glob.test(`z${'ba'.repeat(20)}yz`)).toBe(true);
    expect(glob.test(`${'ba'.repeat(20)}x`)).toBe(true);
    expect(glob.test(`${'ba'.repeat(19)}x`)).toBe(false);
    expect(glob.test(`${'ba'.repeat(10)}/a${'ba'.repeat(9)}x`)).toBe(false);
    expect(glob.test(`/${'ba'.repeat(20)}x`)).toBe(false);
  });

  it('can be tested again and again', () => {
    const glob = compileGlob('a*b?c*x');
    for (let round = 0; round < 3; round++) {
      expect(glob.test('abxbbxdbxebxczzx')).toBe(true);
      expect(glob.test('abxbbxdbxebxczzy')).toBe(false);
    }
  });
});
