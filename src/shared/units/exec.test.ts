import { describe, expect, it } from 'vitest';
import { expandEnv, parseExecLine } from './exec';

const commands = (line: string) => {
  const result = parseExecLine(line);
  if (!result.ok) throw new Error(`${result.error} at ${result.column}`);
  return result.command;
};
const argv = (line: string) => commands(line).map((c) => c.argv);
const failure = (line: string) => {
  const result = parseExecLine(line);
  if (result.ok) throw new Error(`expected ${line} to fail`);
  return result;
};

describe('parseExecLine', () => {
  it('splits a plain command line', () => {
    expect(commands('/usr/bin/docker run --name busybox1  busybox')).toEqual([
      {
        path: '/usr/bin/docker',
        argv: ['/usr/bin/docker', 'run', '--name', 'busybox1', 'busybox'],
        ignoreFailure: false,
        privileged: false,
        noSetuid: false,
        ambientFallback: false,
        noEnvExpansion: false,
        bareName: false,
      },
    ]);
  });

  it('treats an empty value as no commands (the reset form)', () => {
    expect(commands('')).toEqual([]);
    expect(commands('   ')).toEqual([]);
  });

  it('handles double and single quotes, also in the middle of a word', () => {
    expect(argv(`/bin/sh -c "while true; do echo Hello World; sleep 1; done"`)).toEqual([
      ['/bin/sh', '-c', 'while true; do echo Hello World; sleep 1; done'],
    ]);
    expect(argv(`/bin/echo 'a "b" c' x"y z"w ''`)).toEqual([['/bin/echo', 'a "b" c', 'xy zw', '']]);
  });

  it('resolves C escapes outside and inside quotes', () => {
    expect(argv('/bin/echo a\\nb \\t \\\\ \\" \\\' \\s')).toEqual([
      ['/bin/echo', 'a\nb', '\t', '\\', '"', "'", ' '],
    ]);
    expect(argv('/bin/echo \\x41 \\101 \\u00e9 \\U0001F600 "\\x42\\x43" \'\\n\'')).toEqual([
      ['/bin/echo', 'A', 'A', 'é', '😀', 'BC', '\n'],
    ]);
    // \x escapes are bytes: two of them can form one UTF-8 character.
    expect(argv('/bin/echo \\xc3\\xa9')).toEqual([['/bin/echo', 'é']]);
    // A backslash before a space is not a known escape (systemd: use quotes or \\s).
    expect(failure('/bin/echo a\\ b').column).toBe(12);
  });

  it('rejects bad escapes, trailing backslashes and unbalanced quotes with columns', () => {
    expect(failure('/bin/echo \\q')).toMatchObject({ column: 11, error: expect.stringMatching(/escape/) });
    expect(failure('/bin/echo \\x4')).toMatchObject({ column: 11 });
    expect(failure('/bin/echo \\x00')).toMatchObject({ column: 11 });
    expect(failure('/bin/echo \\18')).toMatchObject({ column: 11 });
    expect(failure('/bin/echo \\uD800')).toMatchObject({ column: 11 });
    expect(failure('/bin/echo ab\\')).toMatchObject({
      column: 13,
      error: expect.stringMatching(/Trailing backslash/),
    });
    expect(failure('/bin/echo "abc')).toMatchObject({
      column: 11,
      error: expect.stringMatching(/Unbalanced/),
    });
    expect(failure("/bin/echo x 'abc")).toMatchObject({ column: 13 });
  });

  it('reads the - @ + ! !! : prefixes, combined', () => {
    const [ignore] = commands('-/bin/false');
    expect(ignore).toMatchObject({ path: '/bin/false', ignoreFailure: true, argv: ['/bin/false'] });
    const [plus] = commands('+/bin/id');
    expect(plus).toMatchObject({ privileged: true, noSetuid: false });
    const [bang] = commands('!/bin/id');
    expect(bang).toMatchObject({ noSetuid: true, ambientFallback: false });
    const [bangbang] = commands('!!/bin/id');
    expect(bangbang).toMatchObject({ noSetuid: false, ambientFallback: true });
    const [colon] = commands(':/bin/echo $X');
    expect(colon).toMatchObject({ noEnvExpansion: true, argv: ['/bin/echo', '$X'] });
    const [combined] = commands('-:+/bin/true x');
    expect(combined).toMatchObject({
      ignoreFailure: true,
      noEnvExpansion: true,
      privileged: true,
      path: '/bin/true',
    });
    // `+` excludes `!`: the `!` then stays part of the path, which is not a valid name.
    expect(failure('+!/bin/id').column).toBe(1);
    // A prefix may not repeat: the second - remains in the path.
    expect(failure('--/bin/true').error).toMatch(/Neither a valid executable name nor an absolute path/);
  });

  it('uses the word after the path as argv[0] with @', () => {
    const [command] = commands('@/bin/sh mysh -c "echo hi"');
    expect(command).toMatchObject({ path: '/bin/sh', argv0: 'mysh', argv: ['mysh', '-c', 'echo hi'] });
    expect(failure('@/bin/sh').error).toMatch(/zeroeth argument/);
    expect(failure('-@/bin/sh ; /bin/true').error).toMatch(/zeroeth argument/);
  });

  it('separates commands with a lone ; and keeps \\; as a literal argument', () => {
    expect(argv('/bin/echo a ; /bin/echo b')).toEqual([
      ['/bin/echo', 'a'],
      ['/bin/echo', 'b'],
    ]);
    expect(argv('/bin/echo a \\; b')).toEqual([['/bin/echo', 'a', ';', 'b']]);
    expect(argv('/bin/echo a; b ";" \';\'')).toEqual([['/bin/echo', 'a;', 'b', ';', ';']]);
    expect(argv('/bin/echo a ;')).toEqual([['/bin/echo', 'a']]);
    const [first, second] = commands('-/bin/a ; @/bin/b bee');
    expect(first?.ignoreFailure).toBe(true);
    expect(second).toMatchObject({ ignoreFailure: false, argv0: 'bee' });
  });

  it('accepts absolute paths and bare names (flagged), rejects relative paths and directories', () => {
    expect(commands('/usr/bin/env x')[0]?.bareName).toBe(false);
    expect(commands('docker ps')[0]).toMatchObject({
      path: 'docker',
      bareName: true,
      argv: ['docker', 'ps'],
    });
    expect(failure('bin/docker ps')).toMatchObject({ column: 1, error: expect.stringMatching(/Neither/) });
    expect(failure('  ./run.sh')).toMatchObject({ column: 3 });
    expect(failure('/usr/bin/')).toMatchObject({ error: expect.stringMatching(/directory/) });
    expect(failure('-')).toMatchObject({ error: expect.stringMatching(/Empty path/) });
    expect(failure('/bin/echo ok ; x/y').column).toBe(16);
  });

  it('never throws on random input', () => {
    let seed = 99;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = [
      '/',
      'a',
      ' ',
      ';',
      '\\',
      '"',
      "'",
      'x',
      '4',
      '1',
      'u',
      '@',
      '-',
      '+',
      '!',
      ':',
      '$',
      '{',
      '}',
    ];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const length = Math.floor(random() * 30);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const result = parseExecLine(text);
      if (!result.ok) expect(result.column).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('expandEnv', () => {
  const env = { A: 'one', LIST: ' x  y\tz ', EMPTY: '' };

  it('splits a word that is exactly $NAME at whitespace', () => {
    expect(expandEnv(['/bin/echo', '$LIST', '$A'], env)).toEqual(['/bin/echo', 'x', 'y', 'z', 'one']);
  });

  it('drops a $NAME word when the variable is unset or empty', () => {
    expect(expandEnv(['/bin/echo', '$NOPE', '$EMPTY', 'end'], env)).toEqual(['/bin/echo', 'end']);
  });

  it('substitutes ${NAME} inside a word without splitting', () => {
    expect(expandEnv(['--list=${LIST}', 'pre${A}post', '${NOPE}'], env)).toEqual([
      '--list= x  y\tz ',
      'preonepost',
      '',
    ]);
  });

  it('turns $$ into a literal $ and leaves other $ alone', () => {
    expect(expandEnv(['$$A', 'cost$$', 'a$A', '${', '${1x}'], env)).toEqual([
      '$A',
      'cost$',
      'a$A',
      '${',
      '${1x}',
    ]);
  });
});
