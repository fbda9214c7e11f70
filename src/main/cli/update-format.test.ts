import { describe, expect, it } from 'vitest';
import type { MachineUpdate, UpdatesView } from '../../shared/api';
import { runCli, type Io } from './commands';
import { parseLocksmithArgs } from './locksmith';
import {
  findUpdateMachine,
  formatProgress,
  formatStatusLines,
  formatUpdatesView,
  parseUpdateArgs,
  strategyLine,
} from './update';
import { UsageError } from './usage';

const ID1 = '0acdd9bf1c2d4e5f8a9b0c1d2e3f4a5b';
const ID2 = '0acdd9c07d8e9f0a1b2c3d4e5f6a7b8c';

function machine(over: Partial<MachineUpdate> = {}): MachineUpdate {
  return {
    machineId: ID1,
    hostname: 'core-01',
    up: true,
    osVersion: '4459.2.1',
    conf: { group: 'stable', server: 'builtin:', rebootStrategy: 'etcd-lock' },
    partitions: [
      { label: 'USR-A', version: '4459.2.1', priority: 1, tries: 0, successful: true, active: true },
      { label: 'USR-B', version: null, priority: 0, tries: 0, successful: false, active: false },
    ],
    status: {
      lastCheckedTime: 0,
      progress: 0,
      currentOp: 'UPDATE_STATUS_IDLE',
      newVersion: '0.0.0.0',
      newSize: 0,
    },
    reboot: 'none',
    ...over,
  };
}

function view(machines: MachineUpdate[], over: Partial<UpdatesView> = {}): UpdatesView {
  return {
    cluster: 'dev',
    channel: 'stable',
    checkIntervalSec: 3600,
    feed: { server: 'builtin:', feed: { channels: { stable: [], beta: [], alpha: [] } }, loadedAt: 0 },
    machines,
    locks: [],
    ...over,
  };
}

/** The UsageError message parseUpdateArgs throws for these args (fails when it does not throw). */
function usage(parse: (args: string[]) => unknown, args: string[]): string {
  try {
    parse(args);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for: ${args.join(' ')}`);
}

describe('update_engine_client -status lines', () => {
  it('prints PROGRESS as printf %f does', () => {
    expect(formatProgress(0)).toBe('0.000000');
    expect(formatProgress(1)).toBe('1.000000');
    expect(formatProgress(0.5)).toBe('0.500000');
    expect(formatProgress(1 / 3)).toBe('0.333333');
    expect(formatProgress(0.1234567)).toBe('0.123457');
  });

  it('prints the five KEY=VALUE lines in update_engine_client order', () => {
    expect(formatStatusLines(machine().status)).toEqual([
      'LAST_CHECKED_TIME=0',
      'PROGRESS=0.000000',
      'CURRENT_OP=UPDATE_STATUS_IDLE',
      'NEW_VERSION=0.0.0.0',
      'NEW_SIZE=0',
    ]);
    expect(
      formatStatusLines({
        lastCheckedTime: 1_790_000_000,
        progress: 0.42,
        currentOp: 'UPDATE_STATUS_DOWNLOADING',
        newVersion: '4481.0.0',
        newSize: 301_989_888,
      }),
    ).toEqual([
      'LAST_CHECKED_TIME=1790000000',
      'PROGRESS=0.420000',
      'CURRENT_OP=UPDATE_STATUS_DOWNLOADING',
      'NEW_VERSION=4481.0.0',
      'NEW_SIZE=301989888',
    ]);
  });
});

describe('update status --all', () => {
  it('lays the machines out in a tab-aligned table, - for nothing', () => {
    const lines = formatUpdatesView(
      view([
        machine(),
        machine({
          machineId: ID2,
          hostname: 'core-02',
          conf: { group: 'alpha', server: 'builtin:', rebootStrategy: 'etcd-lock' },
          status: {
            lastCheckedTime: 1,
            progress: 1,
            currentOp: 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
            newVersion: '4481.0.0',
            newSize: 10,
          },
          reboot: 'waiting-lock',
          message: 'waits for a reboot slot: held by core-03',
        }),
      ]),
    );
    expect(lines).toEqual([
      'HOSTNAME\tCHANNEL\tVERSION\t\tCURRENT_OP\t\t\t\tPROGRESS\tNEW_VERSION\tREBOOT',
      'core-01\t\tstable\t4459.2.1\tUPDATE_STATUS_IDLE\t\t\t0.000000\t-\t\t-',
      'core-02\t\talpha\t4459.2.1\tUPDATE_STATUS_UPDATED_NEED_REBOOT\t1.000000\t4481.0.0\twaiting-lock',
      '',
      'core-02: waits for a reboot slot: held by core-03',
    ]);
  });

  it('has no notes paragraph when nothing needs a word', () => {
    const lines = formatUpdatesView(view([machine()]));
    expect(lines).toHaveLength(2);
    expect(lines).not.toContain('');
  });

  it('says why: feed problems, machines down, errors and rollbacks', () => {
    const lines = formatUpdatesView(
      view(
        [
          machine({ up: false }),
          machine({
            machineId: ID2,
            hostname: 'core-02',
            lastError: 'feed unreachable',
            lastRollback: {
              at: Date.UTC(2026, 10, 2, 4, 0, 0),
              from: '4481.0.0',
              to: '4459.2.1',
              reason: 'boot check failed: agent did not start',
              manual: false,
            },
          }),
        ],
        {
          feed: {
            server: 'file:///tmp/feed.json',
            feed: { channels: { stable: [], beta: [], alpha: [] } },
            loadedAt: 0,
            problem: 'no such file',
          },
        },
      ),
    );
    expect(lines[1]).toMatch(/^core-01\t.*\tdown\t/);
    expect(lines.slice(3)).toEqual([
      '',
      'feed file:///tmp/feed.json: no such file',
      'core-01: down; it checks for updates again once it is up',
      'core-02: last error: feed unreachable',
      'core-02: rolled back from 4481.0.0 to 4459.2.1 at 2026-11-02T04:00:00.000Z: boot check failed: agent did not start',
    ]);
  });

  it('says so when the cluster has no machines', () => {
    expect(formatUpdatesView(view([]))).toEqual(['No machines.']);
  });
});

describe('findUpdateMachine', () => {
  const machines = [machine(), machine({ machineId: ID2, hostname: 'core-02' })];
  it('finds by host name, id and unique id prefix', () => {
    expect(findUpdateMachine(machines, 'core-02').machineId).toBe(ID2);
    expect(findUpdateMachine(machines, ID1).hostname).toBe('core-01');
    expect(findUpdateMachine(machines, '0acdd9c').hostname).toBe('core-02');
  });
  it('refuses unknown and ambiguous refs, naming the machines', () => {
    expect(() => findUpdateMachine(machines, 'core-09')).toThrow('the cluster has no machine core-09');
    expect(() => findUpdateMachine(machines, '0acdd9')).toThrow('matches 2 machines');
    try {
      findUpdateMachine(machines, 'core-09');
    } catch (err) {
      expect((err as { hint?: string }).hint).toBe('Machines: core-01, core-02');
    }
  });
});

describe('flotctl update arguments', () => {
  it('status and check default to every machine', () => {
    expect(parseUpdateArgs(['status'])).toMatchObject({ sub: 'status', target: { all: true } });
    expect(parseUpdateArgs(['status', '--all'])).toMatchObject({ target: { all: true } });
    expect(parseUpdateArgs(['status', '--machine', 'core-01', '--cluster', 'dev'])).toMatchObject({
      target: { machine: 'core-01' },
      cluster: 'dev',
    });
    expect(parseUpdateArgs(['check'])).toMatchObject({ sub: 'check', target: { all: true } });
  });

  it('refuses --machine with --all', () => {
    for (const sub of [['status'], ['check'], ['set-channel', 'beta'], ['set-server', 'builtin:']])
      expect(usage(parseUpdateArgs, [...sub, '--machine', 'core-01', '--all'])).toContain(
        'either --machine ID or --all, not both',
      );
  });

  it('set-channel takes stable, beta or alpha and lists them otherwise', () => {
    expect(parseUpdateArgs(['set-channel', 'alpha', '--all'])).toMatchObject({
      sub: 'set-channel',
      channel: 'alpha',
      target: { all: true },
    });
    expect(usage(parseUpdateArgs, ['set-channel', 'master', '--all'])).toBe(
      "update set-channel: CHANNEL must be stable, beta or alpha, got 'master'",
    );
    expect(usage(parseUpdateArgs, ['set-channel', '--all'])).toContain('stable, beta or alpha');
  });

  it('settings need --machine or --all: no silent cluster-wide change', () => {
    expect(usage(parseUpdateArgs, ['set-channel', 'beta'])).toContain('--machine ID or --all');
    expect(usage(parseUpdateArgs, ['set-strategy', 'off'])).toContain('--machine ID or --all');
    expect(usage(parseUpdateArgs, ['set-server', 'builtin:'])).toContain('--machine ID or --all');
  });

  it('set-strategy: a window needs both flags, --no-window clears it, nothing keeps it', () => {
    expect(
      parseUpdateArgs([
        'set-strategy',
        'etcd-lock',
        '--window-start',
        'Thu 04:00',
        '--window-length',
        '1h30m',
        '--machine',
        'core-02',
      ]),
    ).toMatchObject({
      strategy: 'etcd-lock',
      window: { start: 'Thu 04:00', length: '1h30m' },
      target: { machine: 'core-02' },
    });
    expect(parseUpdateArgs(['set-strategy', 'reboot', '--no-window', '--all'])).toMatchObject({
      window: null,
    });
    const keep = parseUpdateArgs(['set-strategy', 'off', '--all']);
    expect(keep).toMatchObject({ strategy: 'off' });
    expect((keep as { window?: unknown }).window).toBeUndefined();

    expect(usage(parseUpdateArgs, ['set-strategy', 'reboot', '--window-start', '04:00', '--all'])).toContain(
      '--window-start needs --window-length',
    );
    expect(usage(parseUpdateArgs, ['set-strategy', 'reboot', '--window-length', '1h', '--all'])).toContain(
      '--window-length needs --window-start',
    );
    expect(
      usage(parseUpdateArgs, [
        'set-strategy',
        'reboot',
        '--no-window',
        '--window-start',
        '04:00',
        '--window-length',
        '1h',
        '--all',
      ]),
    ).toContain('--no-window cannot go with');
    expect(
      usage(parseUpdateArgs, ['set-strategy', 'reboot', '--no-window', '--window-length', '1h', '--all']),
    ).toContain('--no-window cannot go with');
  });

  it('set-strategy checks the strategy and the window values', () => {
    expect(usage(parseUpdateArgs, ['set-strategy', 'best-effort', '--all'])).toBe(
      "update set-strategy: STRATEGY must be reboot, etcd-lock or off, got 'best-effort'",
    );
    expect(
      usage(parseUpdateArgs, [
        'set-strategy',
        'reboot',
        '--window-start',
        'Thursday 4am',
        '--window-length',
        '1h',
        '--all',
      ]),
    ).toBe("update set-strategy: --window-start must be a time like 04:00 or Thu 04:00, got 'Thursday 4am'");
    expect(
      usage(parseUpdateArgs, [
        'set-strategy',
        'reboot',
        '--window-start',
        '04:00',
        '--window-length',
        '90',
        '--all',
      ]),
    ).toBe("update set-strategy: --window-length must be a duration like 1h30m, got '90'");
  });

  it('window flags belong to set-strategy only', () => {
    expect(usage(parseUpdateArgs, ['set-channel', 'beta', '--all', '--no-window'])).toContain(
      '--no-window is only for update set-strategy',
    );
  });

  it('set-server takes the contract URLs', () => {
    expect(parseUpdateArgs(['set-server', 'file:///srv/feed.json', '--machine', 'core-01'])).toMatchObject({
      server: 'file:///srv/feed.json',
    });
    expect(parseUpdateArgs(['set-server', 'https://updates.example/feed.json', '--all'])).toMatchObject({
      server: 'https://updates.example/feed.json',
    });
    expect(usage(parseUpdateArgs, ['set-server', 'ftp://x', '--all'])).toContain(
      "must be builtin:, a file:///… or an http(s)://… URL, got 'ftp://x'",
    );
  });

  it('set-interval takes whole seconds 1..86400 and no machine', () => {
    expect(parseUpdateArgs(['set-interval', '600'])).toMatchObject({ sub: 'set-interval', seconds: 600 });
    for (const bad of ['0', '86401', '1.5', 'ten'])
      expect(usage(parseUpdateArgs, ['set-interval', bad])).toContain('SECONDS must be a whole number');
    // A negative number reads as an option: still a usage error.
    expect(usage(parseUpdateArgs, ['set-interval', '-3'])).toContain("Unknown option '-3'");
    expect(usage(parseUpdateArgs, ['set-interval', '60', '--all'])).toContain('do not apply');
  });

  it('reboot and rollback need exactly one --machine', () => {
    expect(parseUpdateArgs(['reboot', '--machine', 'core-01'])).toMatchObject({
      sub: 'reboot',
      machine: 'core-01',
    });
    expect(parseUpdateArgs(['rollback', '--machine', 'core-01'])).toMatchObject({ sub: 'rollback' });
    expect(usage(parseUpdateArgs, ['reboot'])).toContain('--machine ID is required');
    expect(usage(parseUpdateArgs, ['rollback', '--all'])).toContain('one machine at a time');
    expect(usage(parseUpdateArgs, ['reboot', 'core-01'])).toContain('--machine core-01');
  });

  it('refuses unknown subcommands, flags and extra arguments', () => {
    expect(usage(parseUpdateArgs, [])).toContain('missing subcommand');
    expect(usage(parseUpdateArgs, ['upgrade'])).toContain("unknown subcommand 'upgrade'");
    expect(usage(parseUpdateArgs, ['status', '--verbose'])).toContain("Unknown option '--verbose'");
    expect(usage(parseUpdateArgs, ['status', 'core-01'])).toContain("unexpected argument 'core-01'");
  });

  it('set-strategy confirmations say what became of the window', () => {
    expect(strategyLine('core-01', 'off', undefined)).toBe('core-01: REBOOT_STRATEGY=off');
    expect(strategyLine('core-01', 'reboot', null)).toBe('core-01: REBOOT_STRATEGY=reboot, no reboot window');
    expect(strategyLine('core-01', 'etcd-lock', { start: 'Thu 04:00', length: '1h30m' })).toBe(
      'core-01: REBOOT_STRATEGY=etcd-lock, reboot window Thu 04:00 for 1h30m',
    );
  });
});

describe('flotctl locksmith arguments', () => {
  it('parses the four subcommands', () => {
    expect(parseLocksmithArgs(['status'])).toMatchObject({ sub: 'status' });
    expect(parseLocksmithArgs(['status', '--group', 'web', '--cluster', 'dev'])).toMatchObject({
      group: 'web',
      cluster: 'dev',
    });
    expect(parseLocksmithArgs(['lock', 'core-01'])).toMatchObject({ sub: 'lock', machine: 'core-01' });
    expect(parseLocksmithArgs(['unlock', ID1])).toMatchObject({ sub: 'unlock', machine: ID1 });
    expect(parseLocksmithArgs(['set-max', '2'])).toMatchObject({ sub: 'set-max', max: 2 });
  });

  it('lock and unlock need the machine: flotctl has no machine-id of its own', () => {
    expect(usage(parseLocksmithArgs, ['lock'])).toContain('give exactly one machine ID');
    expect(usage(parseLocksmithArgs, ['unlock', 'core-01', 'core-02'])).toContain(
      'give exactly one machine ID',
    );
  });

  it('refuses bad maxima, groups and subcommands', () => {
    for (const bad of ['0', '1001', 'two', '1e3'])
      expect(usage(parseLocksmithArgs, ['set-max', bad])).toContain(
        'N must be a whole number from 1 to 1000',
      );
    expect(usage(parseLocksmithArgs, ['set-max'])).toContain('give the new maximum');
    expect(usage(parseLocksmithArgs, ['status', '--group', 'a/b'])).toContain('--group must be a group name');
    expect(usage(parseLocksmithArgs, ['reboot'])).toContain("unknown subcommand 'reboot'");
    expect(usage(parseLocksmithArgs, ['status', 'extra'])).toContain("unexpected argument 'extra'");
  });
});

describe('exit codes', () => {
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await runCli(['--data-dir', '/nonexistent/flotilla-test', ...argv], io);
    return { code, out, err };
  }

  it('usage mistakes exit 2 before looking for the app', async () => {
    const r = await run('update', 'set-channel', 'edge', '--all');
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe("flotctl: update set-channel: CHANNEL must be stable, beta or alpha, got 'edge'");
    expect((await run('update', 'status', '--machine', 'core-01', '--all')).code).toBe(2);
    expect((await run('locksmith', 'lock')).code).toBe(2);
  });

  it('a valid command without a running app exits 1', async () => {
    const r = await run('locksmith', 'status');
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain('No running Flotilla found');
  });

  it('help lists both commands', async () => {
    const r = await run('help');
    expect(r.out.join('\n')).toMatch(/^ {2}update set-channel /m);
    expect(r.out.join('\n')).toMatch(/^ {2}locksmith set-max N/m);
  });
});
