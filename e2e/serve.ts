import type { Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Served {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');

/** The repo's flotctl; a bundled caller (bench) passes its own, its __dirname being elsewhere. */
export const FLOTCTL = join(ROOT, 'bin', 'flotctl');

/** Starts `flotctl serve --port 0` in a fresh data dir and waits for its printed URL. */
export async function startServe(env: NodeJS.ProcessEnv = {}, flotctl = FLOTCTL): Promise<Served> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-'));
  const proc = spawn(process.execPath, [flotctl, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`flotctl serve printed no URL in 20 s:\n${output}`)),
      20_000,
    );
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`flotctl serve exited with ${code}:\n${output}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    proc,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the app at a route in a fresh page: the printed URL first (it sets the token cookie). */
export async function openApp(page: Page, served: Served, route = '/'): Promise<void> {
  await page.goto(served.url);
  await page.waitForURL((u) => !u.searchParams.has('token'));
  await page.goto(`${served.origin}/#${route}`);
}
