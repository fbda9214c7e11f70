import { describe, expect, it } from 'vitest';
import { parseSshArgs } from './ssh';
import { UsageError } from './usage';

describe('flotctl ssh arguments', () => {
  it('takes flags before the target and everything after it as the remote command', () => {
    expect(parseSshArgs(['--cluster', 'demo', 'core-01', 'ls', '-l', '--cluster', 'x'])).toEqual({
      cluster: 'demo',
      dataDir: undefined,
      target: 'core-01',
      command: ['ls', '-l', '--cluster', 'x'],
    });
    expect(parseSshArgs(['--data-dir=/d', '--', '-odd-name'])).toEqual({
      cluster: undefined,
      dataDir: '/d',
      target: '-odd-name',
      command: [],
    });
    expect(parseSshArgs(['hello.service', 'sh', '-c', 'exit 7']).command).toEqual(['sh', '-c', 'exit 7']);
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => parseSshArgs([])).toThrow(new UsageError('ssh: missing MACHINE or UNIT'));
    expect(() => parseSshArgs(['-t', 'core-01'])).toThrow("ssh: unknown option '-t'");
    expect(() => parseSshArgs(['--cluster'])).toThrow("ssh: option '--cluster' needs a value");
    expect(() => parseSshArgs(['--cluster='])).toThrow("ssh: option '--cluster' needs a value");
  });
});
