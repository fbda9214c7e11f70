import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The built CLI, as a user runs it (npm run build comes first in every test command). */
export const FLOTCTL = join(ROOT, 'bin', 'flotctl');
if (!existsSync(join(ROOT, 'dist', 'main', 'flotctl.cjs'))) {
  throw new Error('flotctl is not built: run `npm run build` first');
}

/**
 * Starts `flotctl ARGS…` and resolves with the first line it prints (kv serve prints its endpoints
 * there); rejects with its stderr if it exits first. The child is handed to `track` for cleanup.
 */
export function spawnFirstLine(args: string[], track: (c: ChildProcess) => void): Promise<string> {
  const child = spawn(process.execPath, [FLOTCTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) =>
      reject(new Error(`flotctl ${args.slice(0, 2).join(' ')} exited ${code}: ${err}`)),
    );
  });
}

/** Runs the built flotctl against the app whose data dir is `home` (stdin from `input`). */
export function runFlotctl(home: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [FLOTCTL, ...args], {
    env: { ...process.env, FLOTILLA_HOME: home },
    encoding: 'utf8',
    cwd: home,
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts a real `flotctl serve` on the data dir `home`; resolves once it serves. */
export async function startServe(home: string): Promise<ChildProcess> {
  const s = spawn(process.execPath, [FLOTCTL, 'serve', '--port', '0', '--data-dir', home], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  s.stdout?.on('data', (d) => (out += d));
  const end = Date.now() + 20_000;
  while (!out.includes('token=')) {
    if (Date.now() > end || s.exitCode !== null) {
      s.kill('SIGKILL');
      throw new Error(`flotctl serve did not come up: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return s;
}

/** Signals a child (if it still runs) and resolves with its exit code once it is gone. */
export function stopChild(
  c: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (!c || c.exitCode !== null) return Promise.resolve(c?.exitCode ?? null);
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  c.kill(signal);
  return exited;
}
