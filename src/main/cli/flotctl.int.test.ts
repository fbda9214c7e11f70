import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOTCTL } from './test-helpers';

// flotctl as a user runs it.
let home = '';
let serve: ChildProcess | undefined;

function flotctl(...args: string[]) {
  const r = spawnSync(process.execPath, [FLOTCTL, ...args], {
    env: { ...process.env, FLOTILLA_HOME: home },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'flotilla-cli-'));
});
afterAll(async () => {
  serve?.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

describe('flotctl', () => {
  it('prints its version', () => {
    const r = flotctl('version');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flotctl version \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with a clear message on unknown commands and bad flags', () => {
    const unknown = flotctl('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("flotctl: unknown command 'frobnicate'");
    const badFlag = flotctl('docker', 'info', '--verbose');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain("docker info: Unknown option '--verbose'");
    const badPort = flotctl('serve', '--port', 'eighty');
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain("--port must be a whole number, got 'eighty'");
    const badSub = flotctl('docker', 'explode');
    expect(badSub.code).toBe(2);
  });

  it('says how to start the app when none runs', () => {
    const r = flotctl('docker', 'info');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`No running Flotilla found (no ${home}/api.json)`);
    expect(r.err).toContain('flotctl serve');
  });

  it('serve prints the URL with the token, writes api.json 0600, and the CLI uses it', async () => {
    serve = spawn(process.execPath, [FLOTCTL, 'serve', '--port', '0', '--data-dir', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    serve.stdout?.on('data', (d) => (out += d));
    await expect.poll(() => /token=[0-9a-f]{48}/.test(out), { timeout: 15_000 }).toBe(true);
    const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8'));
    expect(out).toContain(`http://127.0.0.1:${api.port}/?token=${api.token}`);
    expect((await stat(join(home, 'api.json'))).mode & 0o777).toBe(0o600);

    const info = flotctl('docker', 'info');
    expect(info.err).toBe('');
    expect(info.out).toMatch(/^Engine: +connected \(/m);
    expect(info.out).toMatch(/^Containers: +\d+ \(\d+ running/m);
    expect(info.code).toBe(0);

    // A clean stop removes api.json.
    const exited = new Promise((r) => serve?.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
    expect(serve.exitCode).toBe(0);
    expect(existsSync(join(home, 'api.json'))).toBe(false);
  });
});
