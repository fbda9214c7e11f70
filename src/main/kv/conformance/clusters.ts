// Starts the two clusters the conformance suites and bench/kv.ts compare: a real 3-member etcd 3.4
// (Debian's /usr/bin/etcd) and a 3-member Flotilla cluster (`flotctl kv serve`), both on loopback,
// in temp data dirs, fsync on. Every process is started in its own process group and recorded in a
// registry under the OS temp dir, so a later run kills what a crashed run left behind.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export type ClusterKind = 'etcd' | 'flotilla';

export interface RunningCluster {
  kind: ClusterKind;
  /** Client endpoints, host:port. */
  endpoints: string[];
  dataDir: string;
  /** Last lines of the processes' stderr, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl';

/** The repository root (the folder whose package.json is Flotilla's), found from the cwd upwards. */
export function repoRoot(): string {
  let dir = resolve(process.cwd());
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"flotilla"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`not inside the Flotilla repository: ${process.cwd()}`);
    dir = up;
  }
}

// ---------------------------------------------------------------------------------------------
// Registry of what this process started, so the next run can clean up after a crash.

const REGISTRY = join(tmpdir(), 'flotilla-conformance-registry');
const mine = { pids: new Set<number>(), dirs: new Set<string>() };

function saveRegistry(): void {
  mkdirSync(REGISTRY, { recursive: true });
  const file = join(REGISTRY, `${process.pid}.json`);
  if (mine.pids.size === 0 && mine.dirs.size === 0) rmSync(file, { force: true });
  else writeFileSync(file, JSON.stringify({ pids: [...mine.pids], dirs: [...mine.dirs] }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (killed, not yet reaped by a parent that may never reap it) is dead to us.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** Kills the processes and deletes the data dirs of earlier runs whose owner process is gone. */
export function reapLeftovers(): void {
  if (!existsSync(REGISTRY)) return;
  for (const f of readdirSync(REGISTRY)) {
    const owner = Number(f.replace(/\.json$/, ''));
    if (!Number.isInteger(owner) || owner === process.pid || alive(owner)) continue;
    const file = join(REGISTRY, f);
    try {
      const rec = JSON.parse(readFileSync(file, 'utf8')) as { pids: number[]; dirs: string[] };
      for (const pid of rec.pids) {
        // Only what we would have started: a pid may have been reused by now.
        if (/etcd|flotctl/.test(cmdline(pid))) killGroup(pid, 'SIGKILL');
      }
      for (const d of rec.dirs) rmSync(d, { recursive: true, force: true });
    } catch {
      /* unreadable record: drop it */
    }
    rmSync(file, { force: true });
  }
}

process.once('exit', () => {
  for (const pid of mine.pids) killGroup(pid, 'SIGKILL');
  for (const d of mine.dirs) rmSync(d, { recursive: true, force: true });
  if (mine.pids.size || mine.dirs.size) rmSync(join(REGISTRY, `${process.pid}.json`), { force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  mine.dirs.add(d);
  saveRegistry();
  return d;
}

function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  mine.pids.add(child.pid);
  saveRegistry();
  child.once('exit', () => {
    mine.pids.delete(child.pid!);
    saveRegistry();
  });
}

/** Stops a child: SIGTERM to its group, SIGKILL after `graceMs`. Resolves when it has exited. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child.pid, 'SIGTERM');
  const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
  // Descendants that outlived the group leader.
  killGroup(child.pid, 'SIGKILL');
}

function tail(buf: string[], max = 4_000): string {
  const s = buf.join('');
  return s.length > max ? '…' + s.slice(-max) : s;
}

/** Ports the kernel hands out now; closed again before returning (a small race we accept). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs etcdctl once (ETCDCTL_API=3) and returns exit code, stdout and stderr. */
export function etcdctlSync(
  endpoints: string[],
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(ETCDCTL_BIN, [`--endpoints=${endpoints.join(',')}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 15_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Waits until every endpoint answers `etcdctl endpoint health` (a Range through Raft). */
export async function waitHealthy(
  endpoints: string[],
  timeoutMs: number,
  why: () => string,
  flags: string[] = [],
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    const r = etcdctlSync(endpoints, [...flags, 'endpoint', 'health', '--command-timeout=2s'], {
      timeoutMs: 5_000,
    });
    if (r.code === 0) return;
    last = r.stdout + r.stderr;
    await sleep(200);
  }
  throw new Error(`cluster not healthy after ${timeoutMs} ms: ${last}\n--- logs ---\n${why()}`);
}

// ---------------------------------------------------------------------------------------------
// Real etcd

export interface EtcdOptions {
  members?: number;
  heartbeatMs?: number;
  electionMs?: number;
  /**
   * Client ports speak TLS only and require a client certificate signed by `caFile` (etcd's
   * --client-cert-auth); peers stay plain. `client` is what etcdctl presents to check health.
   */
  tls?: {
    caFile: string;
    certFile: string;
    keyFile: string;
    client: { certFile: string; keyFile: string };
  };
}

export async function startEtcdCluster(opts: EtcdOptions = {}): Promise<RunningCluster> {
  if (!existsSync(ETCD_BIN)) {
    throw new Error(`${ETCD_BIN} is missing: install Debian's etcd-server (apt-get install -y etcd-server)`);
  }
  reapLeftovers();
  const n = opts.members ?? 3;
  const dataDir = tempDir('flotilla-conformance-etcd-');
  const ports = await freePorts(2 * n);
  const names = Array.from({ length: n }, (_, i) => `m${i}`);
  const tls = opts.tls;
  const client = (i: number) => `${tls ? 'https' : 'http'}://127.0.0.1:${ports[2 * i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initial = names.map((nm, i) => `${nm}=${peer(i)}`).join(',');
  const logs: string[] = [];
  const children = names.map((name, i) => {
    const child = spawn(
      ETCD_BIN,
      [
        `--name=${name}`,
        `--data-dir=${join(dataDir, name)}`,
        `--listen-client-urls=${client(i)}`,
        `--advertise-client-urls=${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=flotilla-conformance-${process.pid}-${ports[0]}`,
        `--heartbeat-interval=${opts.heartbeatMs ?? 100}`,
        `--election-timeout=${opts.electionMs ?? 1000}`,
        ...(tls
          ? [
              '--client-cert-auth',
              `--trusted-ca-file=${tls.caFile}`,
              `--cert-file=${tls.certFile}`,
              `--key-file=${tls.keyFile}`,
            ]
          : []),
        '--logger=zap',
        '--log-level=error',
      ],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    track(child);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      logs.push(`[${name}] ${d}`);
      if (logs.length > 200) logs.shift();
    });
    return child;
  });
  const endpoints = names.map((_, i) => `127.0.0.1:${ports[2 * i]}`);
  const cluster: RunningCluster = {
    kind: 'etcd',
    endpoints,
    dataDir,
    logs: () => tail(logs),
    stop: async () => {
      // Data is thrown away: no need for etcd's graceful leader hand-over (which waits for peers
      // that are stopping too).
      await Promise.all(children.map((c) => stopChild(c, 1_500)));
      rmSync(dataDir, { recursive: true, force: true });
      mine.dirs.delete(dataDir);
      saveRegistry();
    },
  };
  try {
    await waitHealthy(
      tls ? names.map((_, i) => client(i)) : endpoints,
      30_000,
      cluster.logs,
      tls ? [`--cacert=${tls.caFile}`, `--cert=${tls.client.certFile}`, `--key=${tls.client.keyFile}`] : [],
    );
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

// ---------------------------------------------------------------------------------------------
// Flotilla (`flotctl kv serve`)

/**
 * Starts `node bin/flotctl kv serve --members N --data-dir <tmp> --base-port 0` and reads the
 * endpoints line. Throws — with flotctl's own words — when the command is not built or does not
 * exist yet: the suites must fail loudly then, never skip.
 */
export async function startFlotillaCluster(opts: { members?: number } = {}): Promise<RunningCluster> {
  reapLeftovers();
  const root = repoRoot();
  const bin = join(root, 'bin', 'flotctl');
  const n = opts.members ?? 3;
  const dataDir = tempDir('flotilla-conformance-kv-');
  const logs: string[] = [];
  const child = spawn(
    process.execPath,
    [bin, 'kv', 'serve', '--members', String(n), '--data-dir', dataDir, '--base-port', '0'],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(child);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    logs.push(d);
    if (logs.length > 200) logs.shift();
  });
  const stop = async () => {
    await stopChild(child, 10_000);
    rmSync(dataDir, { recursive: true, force: true });
    mine.dirs.delete(dataDir);
    saveRegistry();
  };
  const firstLine = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => done(new Error('no endpoints line on stdout within 30 s')), 30_000);
    const onData = (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) done(null, out.slice(0, nl).trim());
    };
    const onExit = (code: number | null, sig: string | null) =>
      done(new Error(`exited (code ${code}, signal ${sig}) before printing its endpoints`));
    function done(err: Error | null, line?: string) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.stdout!.resume(); // keep draining later output
      if (err) rej(err);
      else res(line!);
    }
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (e: Error) => {
    await stop();
    throw new Error(
      `Flotilla's cluster cannot run: \`node bin/flotctl kv serve --members ${n} --data-dir … --base-port 0\` ` +
        `${e.message}.\n` +
        `(Is src/main/kv/server/ + \`flotctl kv serve\` built? run \`npm run build\`.)\n--- flotctl stderr ---\n${tail(logs)}`,
    );
  });
  const endpoints = firstLine
    .split(',')
    .map((s) => s.trim().replace(/^https?:\/\//, ''))
    .filter(Boolean);
  const cluster: RunningCluster = { kind: 'flotilla', endpoints, dataDir, logs: () => tail(logs), stop };
  if (endpoints.length !== n || !endpoints.every((e) => /^[\w.-]+:\d+$/.test(e))) {
    await stop();
    throw new Error(`flotctl kv serve: first stdout line is not ${n} host:port endpoints: ${firstLine}`);
  }
  try {
    await waitHealthy(endpoints, 30_000, cluster.logs);
  } catch (e) {
    await stop();
    throw e;
  }
  return cluster;
}

export function startCluster(kind: ClusterKind): Promise<RunningCluster> {
  return kind === 'etcd' ? startEtcdCluster() : startFlotillaCluster();
}
