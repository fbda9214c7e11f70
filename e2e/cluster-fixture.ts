import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOTCTL, startServe, type Served } from './serve';

/**
 * A `flotctl serve` with one running cluster made by `flotctl cluster create`, for the e2e specs
 * that need machines but do not test the wizard. Each spec file gets its own cluster name, data
 * dir and unit dir; `close()` removes everything, and also what a crashed earlier run left.
 */
export interface ServedCluster {
  served: Served;
  name: string;
  /** A scratch dir flotctl runs in (unit files written here are found by name). */
  unitDir: string;
  /** Runs flotctl against this serve; throws with its output when it fails. */
  flotctl(...args: string[]): string;
  close(): Promise<void>;
}

/** Containers and the network of a cluster, whatever happened to the test that made them. */
export function removeClusterLeftovers(name: string): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=flotilla.cluster=${name}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `flotilla-${name}`], { stdio: 'ignore' });
}

/** What a crashed earlier run of a spec left (its clusters are `<tag>` + 5 characters; one worker). */
export function removeEarlierRuns(tag: string): void {
  const names = execFileSync(
    'docker',
    ['ps', '-a', '--filter', 'label=flotilla.cluster', '--format', '{{.Label "flotilla.cluster"}}'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((n) => new RegExp(`^${tag}[0-9a-z]{5}$`).test(n));
  for (const name of new Set(names)) removeClusterLeftovers(name);
}

export interface ServeClusterOptions {
  /** flotctl to run (default: the repo's). */
  flotctl?: string;
  /** Gets the cleanup as soon as there is something to clean, before the cluster is made (Ctrl-C). */
  register?: (close: () => Promise<void>) => void;
}

/** `tag` makes the name recognisable in `docker ps` (≤ 8 letters); a time suffix keeps runs apart. */
export async function serveCluster(
  tag: string,
  machines = 3,
  extra: string[] = [],
  opts: ServeClusterOptions = {},
): Promise<ServedCluster> {
  const bin = opts.flotctl ?? FLOTCTL;
  removeEarlierRuns(tag);
  const name = `${tag}${Date.now().toString(36).slice(-5)}`;
  const unitDir = mkdtempSync(join(tmpdir(), `flotilla-e2e-${tag}-`));
  const served = await startServe({}, bin);
  const flotctl = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, FLOTILLA_HOME: served.dataDir },
      cwd: unitDir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0)
      throw new Error(`flotctl ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  // One cleanup however many ask (a run's end and a Ctrl-C both may): all wait for it.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await served.stop();
      removeClusterLeftovers(name);
      rmSync(unitDir, { recursive: true, force: true });
    })());
  opts.register?.(close);
  try {
    flotctl('cluster', 'create', name, '--machines', String(machines), ...extra);
  } catch (err) {
    await close();
    throw err;
  }
  return { served, name, unitDir, flotctl, close };
}
