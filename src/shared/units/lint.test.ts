import { describe, expect, it } from 'vitest';
import { lintUnit, parseEnvironment, parseTimespan, serviceSpec } from './lint';
import { parseUnitFile } from './parse';
import { SEED_HELLO_SERVICE } from './seed-fixtures';

// The seed's file: ExecStop uses `docker kill`; its comment line is kept.
const HELLO = SEED_HELLO_SERVICE;

const lint = (service: string, name = 'app.service') => lintUnit(`[Service]\n${service}\n`, name);
const messages = (result: ReturnType<typeof lintUnit>) =>
  result.diagnostics.map((d) => `${d.severity} ${d.line}:${d.column} ${d.message}`);

describe('the seeds’ hello.service', () => {
  it('also parses indented, as printed in the seed document', () => {
    const indented = HELLO.split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
    expect(lintUnit(indented, 'hello.service').diagnostics).toEqual(
      lintUnit(HELLO, 'hello.service').diagnostics.map((d) => ({
        ...d,
        column: d.column + 4,
        endColumn: (d.endColumn ?? 0) + 4,
      })),
    );
  });

  it('parses with only the X-Conflicts deprecation warning', () => {
    const result = lintUnit(HELLO, 'hello.service');
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', line: 14, column: 1, key: 'X-Conflicts' }),
    ]);
    expect(result.description).toBe('Hello World');
    expect(result.options?.conflicts).toEqual(['hello*.service']);
  });

  it('gives the agent a full service spec', () => {
    const spec = serviceSpec(parseUnitFile(HELLO).unit, 'hello.service');
    expect(spec.type).toBe('simple');
    expect(spec.timeoutStartMs).toBe(Infinity);
    expect(spec.timeoutStopMs).toBe(90_000);
    expect(spec.restart).toBe('no');
    expect(spec.restartSecMs).toBe(100);
    expect(spec.execStartPre.map((line) => line.map((c) => [c.ignoreFailure, c.argv.join(' ')]))).toEqual([
      [[true, '/usr/bin/docker kill busybox1']],
      [[true, '/usr/bin/docker rm busybox1']],
      [[false, '/usr/bin/docker pull busybox']],
    ]);
    expect(spec.execStart[0]?.[0]?.argv.at(-1)).toBe('while true; do echo Hello World; sleep 1; done');
    expect(spec.execStop[0]?.[0]?.argv).toEqual(['/usr/bin/docker', 'kill', 'busybox1']);
  });
});

describe('lintUnit', () => {
  it('requires ExecStart unless oneshot', () => {
    expect(messages(lintUnit('[Unit]\nDescription=x\n', 'a.service'))).toEqual([
      'error 1:1 Service has no ExecStart= setting',
    ]);
    expect(messages(lint('Type=simple\nExecStart=/bin/true\nExecStart='))).toEqual([
      'error 1:1 Service has no ExecStart= setting',
    ]);
    expect(lint('Type=oneshot\nExecStop=/bin/true').diagnostics).toEqual([]);
    expect(messages(lint('Type=oneshot'))).toEqual([
      'error 1:1 Service has no ExecStart= or ExecStop= setting',
    ]);
  });

  it('allows several ExecStart= only for oneshot', () => {
    expect(messages(lint('ExecStart=/bin/a\nExecStart=/bin/b'))).toEqual([
      'error 3:1 Service has more than one ExecStart= command, which is only allowed for Type=oneshot services.',
    ]);
    expect(lint('ExecStart=/bin/a ; /bin/b').diagnostics).toHaveLength(1);
    expect(lint('Type=oneshot\nExecStart=/bin/a\nExecStart=/bin/b ; /bin/c').diagnostics).toEqual([]);
  });

  it('maps Exec parse errors to the line and column in the file', () => {
    expect(messages(lint('ExecStart=/bin/echo  "unterminated'))).toEqual([
      'error 2:22 Unbalanced quoting: the " here is never closed.',
    ]);
    expect(messages(lint('ExecStart=/bin/echo ok \\\n   \\q'))).toEqual([
      "error 3:4 Invalid escape sequence '\\q'.",
    ]);
    expect(messages(lint('ExecStart=relative/path'))).toEqual([
      'error 2:11 Neither a valid executable name nor an absolute path: relative/path',
    ]);
  });

  it('checks Type, Restart, time spans and booleans', () => {
    expect(messages(lint('ExecStart=/bin/a\nType=forking\nType=bogus'))).toEqual([
      'warning 3:6 Type=forking is run like Type=simple by Flotilla.',
      'error 4:6 Failed to parse service type "bogus".',
    ]);
    expect(messages(lint('ExecStart=/bin/a\nRestart=sometimes\nRestart=on-failure'))).toEqual([
      'error 3:9 Failed to parse service restart specifier "sometimes".',
    ]);
    expect(
      messages(lint('ExecStart=/bin/a\nRestartSec=5x\nTimeoutStopSec=1min 30s\nRemainAfterExit=perhaps')),
    ).toEqual(['error 3:12 Invalid time span "5x".', 'error 5:17 Failed to parse boolean value "perhaps".']);
  });

  it('checks Environment, EnvironmentFile, WorkingDirectory and User', () => {
    expect(
      messages(
        lint(
          'ExecStart=/bin/a\nEnvironment="A=1 2" 9X=1 B\nEnvironmentFile=rel\nEnvironmentFile=-/etc/ok\nWorkingDirectory=~\nWorkingDirectory=tmp\nUser=bad user',
        ),
      ),
    ).toEqual([
      'warning 3:21 Invalid environment assignment, ignoring: 9X=1',
      'warning 3:26 Invalid environment assignment, ignoring: B',
      'error 4:17 EnvironmentFile= path is not absolute: rel',
      'error 7:18 WorkingDirectory= path is not absolute: tmp',
      'error 8:6 Invalid user name or ID "bad user".',
    ]);
  });

  it('warns about unknown keys and sections, and about unknown specifiers in values we run', () => {
    expect(
      messages(
        lintUnit(
          '[Unit]\nDescrption=x\nConditionPathExists=/x\n[Service]\nExecStart=/bin/echo %h\nExecStop=/bin/a\nFoo=1\n[Install]\nWantedBy=multi-user.target\nWantedBy=nope\n[Weird]\n[X-Mine]\n',
          'a.service',
        ),
      ),
    ).toEqual([
      "warning 2:1 Unknown key name 'Descrption' in section 'Unit', ignoring.",
      'warning 5:21 Specifier "%h" is not resolved by Flotilla and stays as written.',
      "warning 7:1 Unknown key name 'Foo' in section 'Service', ignoring.",
      'warning 10:10 Unit name "nope" has no type suffix such as .service. Ignoring it.',
      "warning 11:1 Unknown section 'Weird'. Ignoring.",
    ]);
  });

  it('checks dependency lists in [Unit] with specifiers applied', () => {
    expect(
      lintUnit(
        '[Unit]\nAfter=db@%i.service network.target\nWants=bad name\n[Service]\nExecStart=/bin/a\n',
        'web@1.service',
      ).diagnostics,
    ).toMatchObject([
      { line: 3, column: 7 },
      { line: 3, column: 11 },
    ]);
  });

  it('does not check [Service] for other unit types, but flags it as unknown there', () => {
    expect(
      messages(lintUnit('[Socket]\nListenStream=80\n[Service]\nExecStart=/bin/a\n', 'web.socket')),
    ).toEqual(["warning 3:1 Unknown section 'Service'. Ignoring."]);
  });

  it('reports an invalid unit name, syntax errors and X-Fleet problems together, in file order', () => {
    const result = lintUnit(
      'A=1\n[Service]\nExecStart=/bin/a\n[X-Fleet]\nGlobal=yes\nMachineID=abc\n',
      'bad name',
    );
    expect(messages(result)).toEqual([
      'error 1:1 Assignment outside of section, ignoring.',
      'error 1:1 Unit name "bad name" has no type suffix such as .service.',
      'error 6:1 Global=true cannot be combined with MachineID.',
    ]);
  });

  it('never throws on random input', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pieces = [
      '[Service]\n',
      '[X-Fleet]\n',
      'ExecStart=',
      'Environment=',
      'Global=',
      'MachineMetadata=',
      'Conflicts=',
      '"',
      '\\',
      '\n',
      ' ',
      'a=b',
      '[',
      '%',
      '/bin/x',
      ';',
      'TimeoutSec=',
    ];
    for (let round = 0; round < 1000; round++) {
      let text = '';
      const length = Math.floor(random() * 20);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      const result = lintUnit(text, 'x@1.service');
      expect(Array.isArray(result.diagnostics)).toBe(true);
      serviceSpec(result.unit, 'x@1.service');
    }
  });
});

describe('serviceSpec', () => {
  const spec = (service: string, name = 'app@7.service') =>
    serviceSpec(parseUnitFile(`[Unit]\nDescription=App %i\n[Service]\n${service}\n`).unit, name);

  it('fills systemd defaults', () => {
    expect(spec('ExecStart=/bin/a')).toEqual({
      type: 'simple',
      description: 'App 7',
      execStartPre: [],
      execStart: [[expect.objectContaining({ path: '/bin/a' })]],
      execStartPost: [],
      execStop: [],
      execStopPost: [],
      execReload: [],
      environment: {},
      environmentFiles: [],
      restart: 'no',
      restartSecMs: 100,
      timeoutStartMs: 90_000,
      timeoutStopMs: 90_000,
      remainAfterExit: false,
    });
  });

  it('reads the settings we act on, specifiers applied', () => {
    const result = spec(
      [
        'Type=oneshot',
        'ExecStart=/bin/run --id=%i',
        'ExecStartPost=/bin/a ; /bin/b',
        'ExecStopPost=-/bin/cleanup %n',
        'Environment="A=1 2" B=x',
        'Environment=A=3',
        'EnvironmentFile=-/etc/default/%p',
        'EnvironmentFile=/etc/app.env',
        'WorkingDirectory=-/srv/%i',
        'User=core',
        'Restart=on-failure',
        'RestartSec=1.5s',
        'TimeoutSec=2min',
        'TimeoutStopSec=500ms',
        'RemainAfterExit=yes',
      ].join('\n'),
    );
    expect(result).toMatchObject({
      type: 'oneshot',
      environment: { A: '3', B: 'x' },
      environmentFiles: [
        { path: '/etc/default/app', optional: true },
        { path: '/etc/app.env', optional: false },
      ],
      workingDirectory: '/srv/7',
      workingDirectoryOptional: true,
      user: 'core',
      restart: 'on-failure',
      restartSecMs: 1500,
      timeoutStartMs: 120_000,
      timeoutStopMs: 500,
      remainAfterExit: true,
    });
    expect(result.execStart[0]?.[0]?.argv).toEqual(['/bin/run', '--id=7']);
    expect(result.execStartPost[0]?.map((c) => c.path)).toEqual(['/bin/a', '/bin/b']);
    expect(result.execStopPost[0]?.[0]).toMatchObject({
      ignoreFailure: true,
      argv: ['/bin/cleanup', 'app@7.service'],
    });
  });

  it('oneshot has no start timeout by default; empty assignments reset', () => {
    expect(spec('Type=oneshot\nExecStart=/bin/a').timeoutStartMs).toBe(Infinity);
    const reset = spec(
      'ExecStart=/bin/a\nExecStartPre=/bin/x\nExecStartPre=\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2',
    );
    expect(reset.execStartPre).toEqual([]);
    expect(reset.environment).toEqual({ B: '2' });
  });
});

describe('parseTimespan', () => {
  it.each([
    ['5', 5000],
    ['5s', 5000],
    ['1min 30s', 90_000],
    ['1min30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2 d', 172_800_000],
    ['1w', 604_800_000],
    ['100us', 0.1],
    ['0', 0],
    ['infinity', Infinity],
    [' 3 sec ', 3000],
  ])('%s → %s ms', (text, ms) => {
    expect(parseTimespan(text)).toBe(ms);
  });

  it.each(['', 'abc', '5x', '-5s', '1min foo', 's', 'infinityx'])('rejects %j', (text) => {
    expect(parseTimespan(text)).toBeUndefined();
  });
});

describe('parseEnvironment', () => {
  it('splits with systemd quoting and escapes', () => {
    expect(parseEnvironment('"A=1 B=2" C=3 \'D=x y\' E="q" F=a\\tb G=')).toEqual({
      assignments: [
        { name: 'A', value: '1 B=2', column: 1 },
        { name: 'C', value: '3', column: 11 },
        { name: 'D', value: 'x y', column: 15 },
        { name: 'E', value: 'q', column: 23 },
        { name: 'F', value: 'a\tb', column: 29 },
        { name: 'G', value: '', column: 36 },
      ],
      errors: [],
    });
  });

  it('reports bad assignments and syntax with columns', () => {
    expect(parseEnvironment('A=1 nope 1B=2 "C=3')).toEqual({
      assignments: [{ name: 'A', value: '1', column: 1 }],
      errors: [
        { message: 'Invalid environment assignment, ignoring: nope', column: 5 },
        { message: 'Invalid environment assignment, ignoring: 1B=2', column: 10 },
        { message: 'Unbalanced quoting: the " here is never closed.', column: 15 },
      ],
    });
  });
});
