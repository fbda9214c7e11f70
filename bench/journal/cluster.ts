// `flotctl serve` with a one-machine cluster for the benchmark, as e2e/cluster-fixture.ts makes
// them (that fixture finds flotctl through its own __dirname, which a bundled bench does not
// keep), and everything it needs removed afterwards whatever happened.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchCluster {
  name: string;
  url: string;
  origin: string;
  dataDir: string;
  unitDir: string;
  proc: ChildProcess;
  flotctl(...args: string[]): string;
  close(): Promise<void>;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function removeLeftovers(name: string): void {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=flotilla.cluster=${name}`], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `flotilla-${name}`], { stdio: 'ignore' });
}

/**
 * `register` gets the cleanup as soon as there is something to clean (before the cluster is
 * made), so that an interrupted start is cleaned up too.
 */
export async function startCluster(
  flotctlPath: string,
  machines: number,
  register: (close: () => Promise<void>) => void,
): Promise<BenchCluster> {
  const name = `jbench${Date.now().toString(36).slice(-5)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-journal-'));
  const unitDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-journal-units-'));
  const proc = spawn(process.execPath, [flotctlPath, 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // One cleanup however many callers (the run's end and a Ctrl-C can both ask): all wait for it.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeOnce());
  const closeOnce = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    removeLeftovers(name);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(unitDir, { recursive: true, force: true });
  };
  register(close);
  try {
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
    const flotctl = (...args: string[]): string => {
      const r = spawnSync(process.execPath, [flotctlPath, ...args], {
        env: { ...process.env, FLOTILLA_HOME: dataDir },
        cwd: unitDir,
        encoding: 'utf8',
        timeout: 180_000,
      });
      if (r.status !== 0)
        throw new Error(`flotctl ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    flotctl('cluster', 'create', name, '--machines', String(machines));
    return { name, url, origin: new URL(url).origin, dataDir, unitDir, proc, flotctl, close };
  } catch (err) {
    await close();
    throw err;
  }
}
