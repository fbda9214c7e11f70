import { describe, expect, it } from 'vitest';
import { DEFAULT_UPDATE_SERVER } from '../machines/files';
import { parseUpdateConf, renderUpdateConf } from './update-conf';

const defaults = { group: 'stable' as const, server: 'builtin:' };

describe('parseUpdateConf', () => {
  it('reads every key, quotes, comments and lines of the user', () => {
    const text = [
      '# set by the admin',
      'GROUP=beta',
      '',
      'SERVER="file:///srv/feed.json"',
      "REBOOT_STRATEGY='etcd-lock'",
      'LOCKSMITHD_REBOOT_WINDOW_START="Thu 04:00"',
      'LOCKSMITHD_REBOOT_WINDOW_LENGTH=1h30m',
      'LOCKSMITHD_GROUP=web',
      'MY_OWN=thing',
      '  # indented comment',
    ].join('\n');
    expect(parseUpdateConf(text, defaults)).toEqual({
      conf: {
        group: 'beta',
        server: 'file:///srv/feed.json',
        rebootStrategy: 'etcd-lock',
        windowStart: 'Thu 04:00',
        windowLength: '1h30m',
        lockGroup: 'web',
      },
      problems: [],
      extra: ['# set by the admin', 'MY_OWN=thing', '  # indented comment'],
    });
  });

  it('uses the defaults for what the file does not say; reboot is the default strategy', () => {
    expect(parseUpdateConf('', defaults)).toEqual({
      conf: { group: 'stable', server: 'builtin:', rebootStrategy: 'reboot' },
      problems: [],
      extra: [],
    });
    expect(parseUpdateConf('GROUP=\nSERVER=\n', { group: 'alpha', server: 'builtin:' }).conf.group).toBe(
      'alpha',
    );
  });

  it('accepts CRLF line ends, spaces around =, and the last of repeated keys', () => {
    const { conf, problems } = parseUpdateConf('GROUP = alpha\r\nGROUP=beta\r\n', defaults);
    expect(conf.group).toBe('beta');
    expect(problems).toEqual([]);
  });

  it('takes CoreOS default SERVER (it stands for the built-in feed when loaded)', () => {
    expect(parseUpdateConf(`SERVER=${DEFAULT_UPDATE_SERVER}`, defaults).conf.server).toBe(
      DEFAULT_UPDATE_SERVER,
    );
  });

  it('best-effort is etcd-lock', () => {
    expect(parseUpdateConf('REBOOT_STRATEGY=best-effort', defaults).conf.rebootStrategy).toBe('etcd-lock');
  });

  it('reports a bad strategy with line, key, value, accepted values and the fallback', () => {
    const text = 'GROUP=stable\nREBOOT_STRATEGY=sometimes\n';
    expect(parseUpdateConf(text, defaults).problems).toEqual([
      'line 2: REBOOT_STRATEGY=sometimes is not one of reboot, etcd-lock, best-effort, off; using reboot',
    ]);
    const withDefault = parseUpdateConf(text, { ...defaults, rebootStrategy: 'etcd-lock' });
    expect(withDefault.conf.rebootStrategy).toBe('etcd-lock');
    expect(withDefault.problems).toEqual([
      'line 2: REBOOT_STRATEGY=sometimes is not one of reboot, etcd-lock, best-effort, off; using etcd-lock',
    ]);
  });

  it('reports a bad group and a SERVER it cannot read, falling back to the defaults', () => {
    const { conf, problems } = parseUpdateConf('GROUP=master\nSERVER=ftp://x/feed.json', {
      group: 'beta',
      server: 'builtin:',
    });
    expect(conf).toEqual({ group: 'beta', server: 'builtin:', rebootStrategy: 'reboot' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe('line 1: GROUP=master is not one of stable, beta, alpha; using beta');
    expect(problems[1]).toMatch(
      /^line 2: SERVER=ftp:\/\/x\/feed\.json is not a feed Flotilla can read \(builtin:.*\); using builtin:$/,
    );
  });

  it('ignores a window start without a length, and a length without a start', () => {
    const onlyStart = parseUpdateConf('LOCKSMITHD_REBOOT_WINDOW_START=04:00', defaults);
    expect(onlyStart.conf.windowStart).toBeUndefined();
    expect(onlyStart.problems).toEqual([
      'line 1: LOCKSMITHD_REBOOT_WINDOW_START is set but LOCKSMITHD_REBOOT_WINDOW_LENGTH is not; ' +
        'both are needed, so there is no reboot window (reboots at any time)',
    ]);
    const onlyLength = parseUpdateConf('GROUP=beta\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=1h', defaults);
    expect(onlyLength.conf.windowLength).toBeUndefined();
    expect(onlyLength.problems[0]).toMatch(/^line 2: LOCKSMITHD_REBOOT_WINDOW_LENGTH is set but/);
  });

  it('ignores a window whose start or length is malformed', () => {
    const badStart = parseUpdateConf(
      'LOCKSMITHD_REBOOT_WINDOW_START=thu 4:00\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=1h',
      defaults,
    );
    expect(badStart.conf).not.toHaveProperty('windowStart');
    expect(badStart.conf).not.toHaveProperty('windowLength');
    expect(badStart.problems).toEqual([
      'line 1: LOCKSMITHD_REBOOT_WINDOW_START=thu 4:00 must be a time like 04:00 or Thu 04:00; ' +
        'no reboot window (reboots at any time)',
    ]);
    const badLength = parseUpdateConf(
      'LOCKSMITHD_REBOOT_WINDOW_START=04:00\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=1.5h',
      defaults,
    );
    expect(badLength.conf.windowStart).toBeUndefined();
    expect(badLength.problems[0]).toBe(
      'line 2: LOCKSMITHD_REBOOT_WINDOW_LENGTH=1.5h must be a duration like 1h30m; no reboot window (reboots at any time)',
    );
  });

  it('keeps a zero-length window but warns that it never opens', () => {
    const { conf, problems } = parseUpdateConf(
      'LOCKSMITHD_REBOOT_WINDOW_START=04:00\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=0h0m',
      defaults,
    );
    expect(conf.windowLength).toBe('0h0m');
    expect(problems).toEqual([
      'line 2: LOCKSMITHD_REBOOT_WINDOW_LENGTH=0h0m is a window that never opens: the machine will not reboot by itself',
    ]);
  });

  it('rejects a lock group that cannot be a KV key segment', () => {
    const { conf, problems } = parseUpdateConf('LOCKSMITHD_GROUP=a/b', defaults);
    expect(conf.lockGroup).toBeUndefined();
    expect(problems[0]).toMatch(
      /^line 1: LOCKSMITHD_GROUP=a\/b must be letters, digits.*; using the default group$/,
    );
  });

  it('reports a line that is not KEY=VALUE and keeps it', () => {
    const { problems, extra } = parseUpdateConf('GROUP=beta\nthis is not it\n', defaults);
    expect(problems).toEqual(['line 2: "this is not it" is not KEY=VALUE; ignored']);
    expect(extra).toEqual(['this is not it']);
  });
});

describe('renderUpdateConf', () => {
  it('writes the known keys in a fixed order, quoting values with spaces, then the extra lines', () => {
    const text = renderUpdateConf(
      {
        lockGroup: 'web',
        windowLength: '1h30m',
        windowStart: 'Thu 04:00',
        rebootStrategy: 'etcd-lock',
        server: 'builtin:',
        group: 'alpha',
      },
      ['# mine', 'MY_OWN=1'],
    );
    expect(text).toBe(
      [
        'GROUP=alpha',
        'SERVER=builtin:',
        'REBOOT_STRATEGY=etcd-lock',
        'LOCKSMITHD_REBOOT_WINDOW_START="Thu 04:00"',
        'LOCKSMITHD_REBOOT_WINDOW_LENGTH=1h30m',
        'LOCKSMITHD_GROUP=web',
        '# mine',
        'MY_OWN=1',
        '',
      ].join('\n'),
    );
  });

  it('writes only the three main keys when there is no window or lock group', () => {
    expect(renderUpdateConf({ group: 'stable', server: 'builtin:', rebootStrategy: 'off' })).toBe(
      'GROUP=stable\nSERVER=builtin:\nREBOOT_STRATEGY=off\n',
    );
  });

  it('refuses a value that would break the file', () => {
    expect(() =>
      renderUpdateConf({ group: 'stable', server: 'builtin:\nGROUP=alpha', rebootStrategy: 'off' }),
    ).toThrow('SERVER cannot hold a line break or a double quote');
  });

  it('round-trips: a rewrite keeps the settings and the user lines', () => {
    const original = [
      '# tuned for the web tier',
      'REBOOT_STRATEGY=best-effort',
      'GROUP=beta',
      'LOCKSMITHD_REBOOT_WINDOW_LENGTH=45m',
      'LOCKSMITHD_REBOOT_WINDOW_START=Sun 23:00',
      'EXTRA_FLAG="x y"',
    ].join('\n');
    const first = parseUpdateConf(original, defaults);
    const rewritten = renderUpdateConf(first.conf, first.extra);
    const second = parseUpdateConf(rewritten, defaults);
    expect(second).toEqual(first);
    expect(renderUpdateConf(second.conf, second.extra)).toBe(rewritten);
    expect(first.conf).toEqual({
      group: 'beta',
      server: 'builtin:',
      rebootStrategy: 'etcd-lock',
      windowStart: 'Sun 23:00',
      windowLength: '45m',
    });
  });
});
