import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './shell-quote';

// The real /bin/sh reads the quoted words back: printf prints each argument it received on a line
// of its own, so any splitting, expansion or lost byte shows.
const ARGS = [
  'plain',
  '',
  'two words',
  "it's",
  "''",
  '$HOME `id` $(id)',
  'a;b|c&d>e<f',
  '*?[a]',
  'back\\slash',
  'new\nline',
  '~user',
  '-n',
  '#hash',
  'é ü 字',
  '!bang',
];

describe('POSIX shell quoting', () => {
  it('leaves safe words bare and quotes the rest', () => {
    expect(shellQuote('docker')).toBe('docker');
    expect(shellQuote('/var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('round-trips every argument through /bin/sh -c unchanged', () => {
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellCommand(ARGS)}`]);
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(ARGS);
  });
});
