import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../machines';
import { FLOTCTL, runFlotctl, startServe as startServeAt, stopChild } from './test-helpers';
import { removeLeftovers } from '../clusters/test-helpers';

// `flotctl ssh` as a user runs it: the built CLI against a real `flotctl serve` with a one-machine
// cluster of real containers.

const docker = new Docker();
const PREFIX = 'itest-ssh';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
let home = '';
let serve: ChildProcess | undefined;

const flotctl = (args: string[], input?: string) => runFlotctl(home, args, input);

async function startServe(): Promise<void> {
  serve = await startServeAt(home);
}

async function stopServe(): Promise<void> {
  const s = serve;
  serve = undefined;
  await stopChild(s);
}

async function machineProcesses(): Promise<string[]> {
  const top = await docker.getContainer(containerName(CLUSTER, 'core-01')).top({ ps_args: '-o pid,args' });
  return (top.Processes as string[][]).map((p) => p.join(' '));
}

const HELLO = `[Unit]
Description=Hello from ssh's test
[Service]
ExecStart=/usr/bin/docker run --name sshtest busybox /bin/sh -c "while true; do sleep 1; done"
`;

beforeAll(async () => {
  await removeLeftovers(docker, `${PREFIX}-`);
  home = await mkdtemp(join(tmpdir(), 'flotilla-ssh-'));
  await writeFile(join(home, 'sshhello.service'), HELLO);
  await startServe();
  const r = flotctl(['cluster', 'create', CLUSTER, '--machines', '1']);
  if (r.code !== 0) throw new Error(`cluster create failed: ${r.err}`);
}, 120_000);

afterAll(async () => {
  await stopServe();
  await removeLeftovers(docker, CLUSTER);
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe('flotctl ssh on a real cluster', () => {
  it("runs a command in a machine and prints the machine's OS", () => {
    const r = flotctl(['ssh', 'core-01', 'cat', '/etc/os-release']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ID=coreos$/m);
    expect(r.out).toMatch(/^VERSION=\d+\.\d+\.\d+$/m);
    expect(r.code).toBe(0);
  });

  it("exits with the remote command's exit code", () => {
    expect(flotctl(['ssh', 'core-01', 'sh', '-c', 'exit 7']).code).toBe(7);
    // Arguments reach the remote argv verbatim, options included, never through a shell.
    const r = flotctl(['ssh', '--cluster', CLUSTER, 'core-01', 'echo', '-n', '$HOME;', '*']);
    expect(r.out).toBe('$HOME; *');
  });

  it('pipes stdin through and keeps stderr apart', () => {
    const r = flotctl(['ssh', 'core-01', 'sh', '-c', 'tr a-z A-Z; echo oops >&2; exit 3'], 'hello\nworld\n');
    expect(r).toEqual({ code: 3, out: 'HELLO\nWORLD\n', err: 'oops\n' });
    // No command and no terminal: a login shell reading its commands from stdin.
    const sh = flotctl(['ssh', 'core-01'], 'hostname; exit 4\n');
    expect(sh).toMatchObject({ code: 4, out: 'core-01\n' });
  });

  it("runs in a unit's container", async () => {
    expect(flotctl(['start', 'sshhello.service']).code).toBe(0);
    await expect
      .poll(() => flotctl(['ssh', 'sshhello', 'ps', '-o', 'args']).out, { timeout: 30_000 })
      .toContain('while true; do sleep 1; done');
    // The unit's own container (the busybox image), not its machine (which has an os-release).
    expect(flotctl(['ssh', 'core-01', 'test', '-e', '/etc/os-release']).code).toBe(0);
    expect(flotctl(['ssh', 'sshhello', 'test', '-e', '/etc/os-release']).code).toBe(1);
    expect(flotctl(['ssh', 'sshhello.service', 'sh', '-c', 'exit 5']).code).toBe(5);
  });

  it('says what is wrong with a target that does not exist', () => {
    const r = flotctl(['ssh', 'core-09', 'true']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: .*core-09/);
    const u = flotctl(['ssh', 'nothere.service', 'true']);
    expect(u.code).toBe(1);
    expect(u.err).toMatch(
      /no machine nothere\.service, and no unit nothere\.service with a running container/,
    );
    expect(flotctl(['ssh']).code).toBe(2);
  });

  it('kills the remote command when flotctl is interrupted', async () => {
    const child = spawn(process.execPath, [FLOTCTL, 'ssh', 'core-01', 'sleep', '4711'], {
      env: { ...process.env, FLOTILLA_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const sleeping = async () => (await machineProcesses()).filter((p) => p.includes('sleep 4711'));
    await expect.poll(sleeping, { timeout: 10_000 }).toHaveLength(1);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await expect.poll(sleeping, { timeout: 10_000 }).toEqual([]);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('gives an interactive shell a terminal that follows its size', async () => {
    // util-linux `script` runs flotctl on a pseudo-terminal: raw mode, then a resize of that
    // terminal while the session runs (the kernel sends SIGWINCH).
    const cmd = [
      'stty cols 120 rows 40',
      // Resizes once the test creates the file `resize`.
      '(while [ ! -e resize ]; do sleep 0.1; done; stty cols 90 rows 20 </dev/tty) &',
      'stty -g > before',
      '"$NODE" "$FLOTCTL" ssh core-01',
      'echo "rc=$?"',
      'stty -g > after',
    ].join('\n');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...process.env, FLOTILLA_HOME: home, NODE: process.execPath, FLOTCTL },
      cwd: home,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    const until = async (re: RegExp) => {
      await expect.poll(() => out, { timeout: 15_000 }).toMatch(re);
    };
    await until(/# /);
    child.stdin.write('stty size; tty\n');
    await until(/40 120/);
    await writeFile(join(home, 'resize'), '');
    // The new size reaches the remote terminal a moment after stty set it here.
    await expect
      .poll(
        async () => {
          child.stdin.write('stty size\n');
          await new Promise((r) => setTimeout(r, 200));
          return out;
        },
        { timeout: 15_000 },
      )
      .toMatch(/20 90/);
    child.stdin.write('exit 6\n');
    await exited;
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    expect(out).toMatch(/rc=6/);
    // The terminal is back the way it was.
    const modes = spawnSync('sh', ['-c', 'cmp before after && echo same'], { cwd: home, encoding: 'utf8' });
    expect(modes.stdout).toBe('same\n');
  });
});
