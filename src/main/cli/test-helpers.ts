import { spawn, type ChildProcess } from 'node:child_process';
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
