// "Beyond one machine", side by side with the reference, as ratios from one run:
//
// 1. SSH, against a real Debian sshd started here on 127.0.0.1 with keys of its own (TestSshd; the
//    section is skipped, saying why, when there is no sshd). The SSH host reaches the local Docker
//    engine through its socket, so "over SSH" and "local" talk to the very same engine.
//    (a) connect + authenticate to a known host (key file; known_hosts in a temp dir, in OpenSSH's
//        format so both clients read the same file): Flotilla's connectSsh, also followed by running
//        `true` on the host, vs the reference OpenSSH client `ssh -F /dev/null -i KEY -p PORT
//        -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=… user@127.0.0.1 true`
//        from spawn to exit, also with `-o KexAlgorithms=curve25519-sha256` (the key exchange ssh2
//        negotiates; OpenSSH 9 defaults to the costlier sntrup761x25519). Runs alternate; p50, max.
//    (b) Docker API round trips through dockerode: ping() and listContainers() over the one SSH
//        connection (Flotilla's agent: one direct-streamlocal channel per request) vs dockerode on
//        the local socket /var/run/docker.sock. --calls sequential calls each (alternating; p50/p99),
//        then bursts of --concurrent calls at once (wall time of a burst, p50 of 5 bursts, 250 ms
//        apart so that one burst's channels have closed before the next), then 30 sequential pings
//        while 4 event streams (getEvents, long-lived like the engine monitor's and the fleet
//        agent's) stay open on the same connection (or the local socket).
//    (c) a container start: create + start of busybox `sleep 30` over SSH vs on the local socket (the
//        bare `docker run -d`), until start() returned. Every container carries the label
//        flotilla.bench-remote=<this run> and is removed right after (untimed), and again by label at
//        the end, also on failure or Ctrl-C. busybox:latest is seeded first if missing (seedBusybox).
// 2. TLS on the embedded KV, one member, fsync on: the Flotilla member runs in a child process of its
//    own (this file again, with --kv-child) with two client ports on the same member, plain and TLS
//    with client certificates (memberTls of a makeClusterPki PKI); the reference is Debian's etcd 3.4,
//    one member listening on a plain and an https client URL with --client-cert-auth and the
//    certificates of the same PKI. One after the other, never both at once (they would share the
//    cores). Puts of 256-byte values through the etcd3 client from 1 and 16 concurrent callers for
//    --seconds each, plain and TLS taking turns in 1-second slices after a 2-second warm-up of
//    each: ops/s, p50, p99, and TLS/plain. Then the per-call cost of etcdctl (ETCDCTL_API=3
//    `etcdctl put`, a fresh process and connection each time) plain vs --cacert/--cert/--key:
//    p50, mean and max over --runs; TLS − plain is mostly the handshake (the mean shows calls that
//    stall in it, which the p50 hides).
// Ratios are Flotilla/reference: for times lower is better, for ops/s higher is better.
// Run: node bench/run.mjs bench/remote.ts [--runs=15] [--calls=200] [--concurrent=40] [--seconds=4]
//      [--only=ssh|kv]
import Docker from 'dockerode';
import { Etcd3 } from 'etcd3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from 'ssh2';
import { SshEndpointSchema, type SshEndpoint } from '../src/shared/api';
import { seedBusybox } from '../src/main/docker';
import { ClusterRunner } from '../src/main/kv/cluster';
import { ETCD_BIN, ETCDCTL_BIN, freePorts, repoRoot } from '../src/main/kv/conformance/clusters';
import { KvServer } from '../src/main/kv/server';
import { clientTls, makeClusterPki, memberTls, PKI_FILES, readPki, writePki } from '../src/main/kv/tls';
import { connectSsh, dockerOverSsh, KnownHosts } from '../src/main/remote';
import { runCommand } from '../src/main/remote/exec';
import { sshdUnavailable, TestSshd } from '../src/main/remote/test-sshd';
import { SILENT_TASK } from '../src/main/tasks';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}
const RUNS = Number(arg('runs', '15'));
const CALLS = Number(arg('calls', '200'));
const CONCURRENT = Number(arg('concurrent', '40'));
const BURSTS = 5;
const BURST_GAP_MS = 250;
const OPEN_STREAMS = 4;
const OPEN_CALLS = 30;
const SECONDS = Number(arg('seconds', '4'));
const WARMUP_SECONDS = 2;
const LEVELS = [1, 16];
const ONLY = arg('only', '');
/** Set in the child process that serves the Flotilla KV member: the bench's temp dir. */
const KV_CHILD = arg('kv-child', '');
const VALUE_BYTES = 256;
const RUN_ID = randomBytes(4).toString('hex');
const LABEL = 'flotilla.bench-remote';
const DOCKER_SOCKET = '/var/run/docker.sock';
const SSH_BIN = '/usr/bin/ssh';

const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const p50 = (xs: number[]) => quantile(xs, 0.5);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const fmtMs = (ms: number) =>
  Number.isNaN(ms) ? '—' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
const since = (t0: number) => performance.now() - t0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A program run with an argument array (never a shell), timed from spawn to exit. */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(bin, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: since(t0) });
    });
  });
}

function must(what: string, r: Run): number {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().slice(-500)}`);
  return r.ms;
}

// ---------------------------------------------------------------------------------------------
// The table: sections of rows, each "what", Flotilla, reference, ratio.

type Row = [what: string, flotilla: string, reference: string, ratio: string];
const sections: { title: string; head: Row; rows: Row[]; notes: string[] }[] = [];

function section(title: string, head: Row): { rows: Row[]; notes: string[] } {
  const s = { title, head, rows: [] as Row[], notes: [] as string[] };
  sections.push(s);
  return s;
}

function printTable(): void {
  const all = sections.flatMap((s) => [s.head, ...s.rows]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: Row) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  for (const s of sections) {
    console.log(`\n${s.title}`);
    console.log(line(s.head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of s.rows) console.log(line(r));
    for (const n of s.notes) console.log(`  ${n}`);
  }
}

/** "p50 / max ms" or "p50 / p99 ms" cells and the ratio of the p50s. */
function timeRow(what: string, f: number[], r: number[], tail: 'max' | 'p99' = 'max'): Row {
  const t = (xs: number[]) => (tail === 'max' ? max(xs) : quantile(xs, 0.99));
  return [
    what,
    `${fmtMs(p50(f))} / ${fmtMs(t(f))}`,
    `${fmtMs(p50(r))} / ${fmtMs(t(r))}`,
    ratio(p50(f), p50(r)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything this run made, in finally, on SIGINT/SIGTERM, and (what can be) on exit.

let tempDir: string | undefined;
let sshd: TestSshd | undefined;
const sshClients = new Set<Client>();
const local = new Docker({ socketPath: DOCKER_SOCKET });
let dockerUsed = false;
const children = new Set<ChildProcess>();

function killChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // etcd runs in a process group of its own (detached); the KV child is ours and dies alone.
    if (child.spawnargs[0] === ETCD_BIN) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Gone meanwhile.
  }
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once it exited. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killChild(child, 'SIGTERM');
    const t = setTimeout(() => killChild(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
  children.delete(child);
}

async function removeContainers(): Promise<number> {
  const left = await local.listContainers({ all: true, filters: { label: [`${LABEL}=${RUN_ID}`] } });
  for (const c of left)
    await local
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  return left.length;
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of sshClients) c.end();
    if (dockerUsed) {
      const n = await removeContainers().catch((e: Error) => {
        log(`removing the containers labelled ${LABEL}=${RUN_ID} failed: ${e.message}`);
        return 0;
      });
      if (n) log(`removed ${n} leftover container(s)`);
    }
    await Promise.all([...children].map((c) => stopChild(c, 2_000)));
    await sshd?.dispose().catch(() => undefined);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  })();
  return cleaning;
}

process.once('exit', () => {
  for (const c of children) killChild(c, 'SIGKILL');
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// 1. SSH

async function end(client: Client): Promise<void> {
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  client.end();
  await closed;
  sshClients.delete(client);
}

async function connect(ep: SshEndpoint, knownHosts: KnownHosts): Promise<Client> {
  const { client, hostKey } = await connectSsh(ep, { knownHosts });
  sshClients.add(client);
  if (hostKey.status !== 'known') throw new Error(`host key is ${hostKey.status}, not known`);
  return client;
}

async function benchSsh(): Promise<void> {
  const missing = sshdUnavailable();
  if (missing) {
    const s = section('1. SSH: skipped', ['what', 'Flotilla', 'reference', 'ratio']);
    s.notes.push(`no real sshd to measure against: ${missing}`);
    log(`SSH section skipped: ${missing}`);
    return;
  }
  log('starting sshd…');
  sshd = await TestSshd.start();
  const knownHosts = new KnownHosts(join(tempDir!, 'known_hosts'));
  // The server's ed25519 host key, as a person who accepted it at first contact would have it.
  const blob = Buffer.from((await readFile(sshd.hostKeyPub, 'utf8')).split(' ')[1]!, 'base64');
  await knownHosts.add(sshd.host, sshd.port, blob);
  const ep = SshEndpointSchema.parse({
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.clientKey,
  });
  const sshArgs = [
    ...['-F', '/dev/null', '-i', sshd.clientKey, '-p', String(sshd.port)],
    ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'],
    ...['-o', `UserKnownHostsFile=${knownHosts.file}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    `${sshd.user}@127.0.0.1`,
    'true',
  ];

  // (a) connect + auth
  const conn: number[] = [];
  const connTrue: number[] = [];
  const openssh: number[] = [];
  const opensshCurve: number[] = [];
  // OpenSSH 9's default key exchange is the post-quantum sntrup761x25519; ssh2 does curve25519.
  const CURVE = ['-o', 'KexAlgorithms=curve25519-sha256'];
  // One untimed round of each first.
  await end(await connect(ep, knownHosts));
  must('ssh', await run(SSH_BIN, sshArgs));
  must('ssh', await run(SSH_BIN, [...CURVE, ...sshArgs]));
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    const c = await connect(ep, knownHosts);
    conn.push(since(t0));
    await end(c);
    t0 = performance.now();
    const c2 = await connect(ep, knownHosts);
    const r = await runCommand(c2, ['true']);
    connTrue.push(since(t0));
    if (r.code !== 0) throw new Error(`true over SSH exited ${r.code}: ${r.stderr}`);
    await end(c2);
    openssh.push(must('ssh', await run(SSH_BIN, sshArgs)));
    opensshCurve.push(must('ssh', await run(SSH_BIN, [...CURVE, ...sshArgs])));
  }
  log(
    `(a) connect: connectSsh p50 ${fmtMs(p50(conn))} ms, + true ${fmtMs(p50(connTrue))} ms, ssh … true ${fmtMs(p50(openssh))} ms`,
  );
  const a = section(`1a. SSH connect + auth to a known host (127.0.0.1, ed25519 key), ${RUNS} runs each`, [
    'what (p50 / max ms)',
    'Flotilla',
    'OpenSSH ssh',
    'F/ssh p50',
  ]);
  a.rows.push(timeRow('connectSsh vs `ssh … true` (spawn → exit)', conn, openssh));
  a.rows.push(timeRow('connectSsh + run `true` vs `ssh … true`', connTrue, openssh));
  a.rows.push(
    timeRow(
      'connectSsh + run `true` vs `ssh -o KexAlgorithms=curve25519-sha256 … true`',
      connTrue,
      opensshCurve,
    ),
  );
  a.notes.push(
    "ssh: -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes, Flotilla's known_hosts; curve25519-sha256 is the key exchange ssh2 negotiates",
  );

  // (b) Docker API round trips
  dockerUsed = true;
  const client = await connect(ep, knownHosts);
  const remote = dockerOverSsh(client, DOCKER_SOCKET);
  const b = section(
    `1b. Docker API through dockerode: over the SSH connection vs the local socket, ${CALLS} sequential calls each`,
    ['what', 'over SSH', 'local socket', 'SSH/local'],
  );
  const calls: [string, (d: Docker) => Promise<unknown>][] = [
    ['ping()', (d) => d.ping()],
    ['listContainers()', (d) => d.listContainers()],
  ];
  for (const [name, call] of calls) {
    for (let i = 0; i < 10; i++) await Promise.all([call(remote), call(local)]);
    const overSsh: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      let t0 = performance.now();
      await call(remote);
      overSsh.push(since(t0));
      t0 = performance.now();
      await call(local);
      direct.push(since(t0));
    }
    b.rows.push(timeRow(`${name}, p50 / p99 ms`, overSsh, direct, 'p99'));
    const burst = async (d: Docker) => {
      const walls: number[] = [];
      for (let i = 0; i < BURSTS; i++) {
        const t0 = performance.now();
        await Promise.all(Array.from({ length: CONCURRENT }, () => call(d)));
        walls.push(since(t0));
        // The burst's channels finish closing before the next one starts (see the next row).
        await sleep(BURST_GAP_MS);
      }
      return walls;
    };
    const sshBurst = await burst(remote);
    const localBurst = await burst(local);
    b.rows.push(timeRow(`${name} ×${CONCURRENT} at once, wall p50 / max ms`, sshBurst, localBurst));
    log(
      `(b) ${name}: ssh p50 ${fmtMs(p50(overSsh))} ms, local ${fmtMs(p50(direct))} ms; ×${CONCURRENT}: ssh ${fmtMs(p50(sshBurst))} ms, local ${fmtMs(p50(localBurst))} ms`,
    );
  }
  // Long-lived requests (event streams, as the engine monitor and the fleet agent keep, logs -f)
  // hold their channel open; every other request shares the connection with them.
  const streams: NodeJS.ReadableStream[] = [];
  const withOpen: Record<'ssh' | 'local', number[]> = { ssh: [], local: [] };
  try {
    for (const [kind, d] of [
      ['ssh', remote],
      ['local', local],
    ] as const) {
      for (let i = 0; i < OPEN_STREAMS; i++) streams.push(await d.getEvents({}));
      await d.ping();
      for (let i = 0; i < OPEN_CALLS; i++) {
        const t0 = performance.now();
        await d.ping();
        withOpen[kind].push(since(t0));
      }
      for (const st of streams.splice(0)) (st as unknown as { destroy(): void }).destroy();
      await sleep(BURST_GAP_MS);
    }
  } finally {
    for (const st of streams) (st as unknown as { destroy(): void }).destroy();
  }
  b.rows.push(
    timeRow(
      `ping() with ${OPEN_STREAMS} event streams open, p50 / p99 ms`,
      withOpen.ssh,
      withOpen.local,
      'p99',
    ),
  );
  log(
    `(b) ping() with ${OPEN_STREAMS} event streams open: ssh p50 ${fmtMs(p50(withOpen.ssh))} ms, local ${fmtMs(p50(withOpen.local))} ms`,
  );
  b.notes.push(
    `bursts: ${BURSTS} each, ${BURST_GAP_MS} ms apart; over SSH every request is its own direct-streamlocal channel of one connection`,
    `with event streams open: ${OPEN_CALLS} sequential pings while ${OPEN_STREAMS} getEvents() requests stay open on the same connection (or socket)`,
  );

  // (c) container start
  log('seeding busybox:latest if missing…');
  const seeded = await seedBusybox(local, SILENT_TASK, { tag: 'busybox:latest', offline: false });
  const startOnce = async (d: Docker): Promise<number> => {
    if (cleaning) throw new Error('interrupted');
    const t0 = performance.now();
    const c = await d.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sleep', '30'],
      Labels: { [LABEL]: RUN_ID },
    });
    try {
      await c.start();
      return since(t0);
    } finally {
      await local.getContainer(c.id).remove({ force: true });
    }
  };
  await startOnce(remote);
  await startOnce(local);
  const sshStart: number[] = [];
  const localStart: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    sshStart.push(await startOnce(remote));
    localStart.push(await startOnce(local));
  }
  log(`(c) create+start: ssh p50 ${fmtMs(p50(sshStart))} ms, local ${fmtMs(p50(localStart))} ms`);
  const c = section(`1c. Container start (busybox sleep 30, create + start), ${RUNS} runs each`, [
    'what (p50 / max ms)',
    'over SSH',
    'local socket',
    'SSH/local',
  ]);
  c.rows.push(timeRow('createContainer + start() returned', sshStart, localStart));
  c.notes.push(`busybox:latest ${seeded.source}; each container removed right after (untimed)`);
  await end(client);
}

// ---------------------------------------------------------------------------------------------
// 2. TLS on the KV

interface Load {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
}

/** What one slice of load saw. */
interface Slice {
  lat: number[];
  seconds: number;
  errors: number;
  firstError?: string;
}

async function putLoad(client: Etcd3, callers: number, seconds: number): Promise<Slice> {
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  const stop = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      const value = Buffer.alloc(VALUE_BYTES, (c * 31) & 0xff);
      for (let i = 0; Date.now() < stop && !cleaning; i++) {
        const s = performance.now();
        try {
          await client
            .put(`bench/${c}/${i % 100}`)
            .value(value)
            .exec();
          lat.push(since(s));
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message;
          // A server that is gone fails every call at once: no hot loop.
          await sleep(10);
        }
      }
    }),
  );
  return { lat, seconds: (Date.now() - t0) / 1000, errors, ...(firstError ? { firstError } : {}) };
}

function summarize(slices: Slice[]): Load {
  const lat = slices.flatMap((s) => s.lat);
  const seconds = slices.reduce((a, s) => a + s.seconds, 0);
  const firstError = slices.find((s) => s.firstError)?.firstError;
  return {
    rate: lat.length / seconds,
    p50: p50(lat),
    p99: quantile(lat, 0.99),
    errors: slices.reduce((a, s) => a + s.errors, 0),
    ...(firstError ? { firstError } : {}),
  };
}

interface KvFigures {
  load: Map<string, Load>;
  etcdctlPlain: number[];
  etcdctlTls: number[];
}

const pkiFile = (f: keyof typeof PKI_FILES) => join(tempDir!, 'pki', PKI_FILES[f]);
const etcdctlTlsFlags = () => [
  `--cacert=${pkiFile('caCert')}`,
  `--cert=${pkiFile('clientCert')}`,
  `--key=${pkiFile('clientKey')}`,
];

/** The same measurements against a server with a plain and a TLS client URL. */
async function measureKv(name: string, urls: { plain: string; tls: string }): Promise<KvFigures> {
  const pki = await readPki(join(tempDir!, 'pki'));
  const t = clientTls(pki);
  const plain = new Etcd3({ hosts: urls.plain, dialTimeout: 5_000 });
  const secure = new Etcd3({
    hosts: urls.tls,
    dialTimeout: 5_000,
    credentials: {
      rootCertificate: Buffer.from(t.ca),
      certChain: Buffer.from(t.cert),
      privateKey: Buffer.from(t.key),
    },
  });
  const load = new Map<string, Load>();
  try {
    for (const c of [plain, secure]) await putLoad(c, 16, WARMUP_SECONDS);
    for (const callers of LEVELS) {
      // Plain and TLS take turns in 1-second slices (the first of each pair alternating), so that
      // neither gets the member's warm-up, a snapshot or a neighbour's burst to itself.
      const slices = { plain: [] as Slice[], tls: [] as Slice[] };
      const n = Math.max(1, Math.round(SECONDS));
      for (let i = 0; i < n; i++) {
        const pair = [
          ['plain', plain],
          ['tls', secure],
        ] as const;
        for (const [kind, c] of i % 2 ? [...pair].reverse() : pair)
          slices[kind].push(await putLoad(c, callers, SECONDS / n));
        if (cleaning) throw new Error('interrupted');
      }
      for (const kind of ['plain', 'tls'] as const) {
        const r = summarize(slices[kind]);
        load.set(`${kind}/${callers}`, r);
        log(
          `${name} put ×${callers} ${kind}: ${r.rate.toFixed(0)} ops/s p50 ${fmtMs(r.p50)} ms p99 ${fmtMs(r.p99)} ms` +
            (r.errors ? ` errors ${r.errors} (${r.firstError})` : ''),
        );
      }
    }
  } finally {
    plain.close();
    secure.close();
  }
  const etcdctl = (url: string, tls: boolean) =>
    run(
      ETCDCTL_BIN,
      [
        `--endpoints=${url}`,
        '--dial-timeout=5s',
        ...(tls ? etcdctlTlsFlags() : []),
        'put',
        'bench/etcdctl',
        'v',
      ],
      { ETCDCTL_API: '3' },
    );
  must(`${name}: etcdctl put (plain)`, await etcdctl(urls.plain, false));
  must(`${name}: etcdctl put (TLS)`, await etcdctl(urls.tls, true));
  const etcdctlPlain: number[] = [];
  const etcdctlTls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    etcdctlPlain.push(must(`${name}: etcdctl put (plain)`, await etcdctl(urls.plain, false)));
    etcdctlTls.push(must(`${name}: etcdctl put (TLS)`, await etcdctl(urls.tls, true)));
  }
  log(`${name} etcdctl put: plain p50 ${fmtMs(p50(etcdctlPlain))} ms, TLS ${fmtMs(p50(etcdctlTls))} ms`);
  return { load, etcdctlPlain, etcdctlTls };
}

/** Collects a child's stderr (last 4 KB) for failure messages. */
function tailOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (text = (text + d).slice(-4_000)));
  return () => text;
}

/** The Flotilla member in a child process: this very file with --kv-child. */
async function startFlotillaKv(): Promise<{ urls: { plain: string; tls: string }; child: ChildProcess }> {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    [join(root, 'bench', 'run.mjs'), join(root, 'bench', 'remote.ts'), `--kv-child=${tempDir}`],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.add(child);
  const stderr = tailOf(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no URLs from the KV child within 30 s')), 30_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`the KV child exited (code ${code}, signal ${sig})`));
    });
  }).catch(async (e: Error) => {
    await stopChild(child);
    throw new Error(`${e.message}\n--- its stderr ---\n${stderr()}`);
  });
  return { urls: JSON.parse(line) as { plain: string; tls: string }, child };
}

/** Debian's etcd, one member, a plain and an https client URL (--client-cert-auth), fsync on. */
async function startEtcd(): Promise<{ urls: { plain: string; tls: string }; child: ChildProcess }> {
  const [plainPort, tlsPort, peerPort] = (await freePorts(3)) as [number, number, number];
  const urls = { plain: `http://127.0.0.1:${plainPort}`, tls: `https://127.0.0.1:${tlsPort}` };
  // Alone in its cluster it never dials a peer: plain http there.
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name=ref',
      `--data-dir=${join(tempDir!, 'etcd')}`,
      `--listen-client-urls=${urls.plain},${urls.tls}`,
      `--advertise-client-urls=${urls.plain},${urls.tls}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=ref=${peer}`,
      `--initial-cluster-token=bench-remote-${RUN_ID}`,
      '--client-cert-auth',
      `--trusted-ca-file=${pkiFile('caCert')}`,
      `--cert-file=${pkiFile('memberCert')}`,
      `--key-file=${pkiFile('memberKey')}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  const stderr = tailOf(child);
  const end = Date.now() + 20_000;
  for (;;) {
    const r = await run(ETCDCTL_BIN, [
      `--endpoints=${urls.tls}`,
      ...etcdctlTlsFlags(),
      '--dial-timeout=1s',
      'endpoint',
      'health',
    ]);
    if (r.code === 0) break;
    if (Date.now() > end || child.exitCode !== null) {
      await stopChild(child);
      throw new Error(
        `etcd did not become healthy within 20 s: ${r.stderr}\n--- etcd's stderr ---\n${stderr()}`,
      );
    }
    await sleep(200);
  }
  return { urls, child };
}

async function benchKv(): Promise<void> {
  log('making the PKI…');
  await writePki(join(tempDir!, 'pki'), await makeClusterPki(`bench-remote-${RUN_ID}`));
  log('starting the Flotilla KV member (child process)…');
  const f = await startFlotillaKv();
  let flotilla: KvFigures;
  try {
    flotilla = await measureKv('flotilla', f.urls);
  } finally {
    await stopChild(f.child);
  }
  let etcd: KvFigures | string;
  if (!existsSync(ETCD_BIN) || !existsSync(ETCDCTL_BIN)) {
    etcd = `${ETCD_BIN} or ${ETCDCTL_BIN} is not installed (apt-get install etcd-server etcd-client)`;
  } else {
    log('starting etcd…');
    const e = await startEtcd();
    try {
      etcd = await measureKv('etcd', e.urls);
    } finally {
      await stopChild(e.child);
    }
  }
  const ref = typeof etcd === 'object' ? etcd : undefined;
  const s = section(
    `2. KV put, ${VALUE_BYTES}-byte values, etcd3 client, one member, fsync on, ${SECONDS} s per level and port (plain and TLS with client certificates, taking turns in slices)`,
    ['what', 'Flotilla', 'etcd 3.4', 'F/etcd'],
  );
  const cell = (r: Load | undefined) =>
    r ? `${r.rate.toFixed(0)} (${fmtMs(r.p50)}/${fmtMs(r.p99)})` : 'n/a';
  const tlsCost = (m: Map<string, Load> | undefined, callers: number) => {
    const a = m?.get(`plain/${callers}`);
    const b = m?.get(`tls/${callers}`);
    return a && b ? b.rate / a.rate : NaN;
  };
  for (const callers of LEVELS) {
    for (const kind of ['plain', 'tls'] as const) {
      const a = flotilla.load.get(`${kind}/${callers}`);
      const b = ref?.load.get(`${kind}/${callers}`);
      s.rows.push([
        `put ×${callers} ${kind === 'tls' ? 'TLS' : 'plain'}: ops/s (p50/p99 ms)`,
        cell(a),
        cell(b),
        a && b ? ratio(a.rate, b.rate) : 'n/a',
      ]);
    }
    const fc = tlsCost(flotilla.load, callers);
    const ec = tlsCost(ref?.load, callers);
    s.rows.push([
      `put ×${callers} TLS/plain ops/s`,
      Number.isNaN(fc) ? 'n/a' : `${fc.toFixed(2)}×`,
      Number.isNaN(ec) ? 'n/a' : `${ec.toFixed(2)}×`,
      ratio(fc, ec),
    ]);
  }
  // The mean beside the p50: a few slow calls (a stalled handshake) move it, not the p50.
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const calls = (xs: number[] | undefined) =>
    xs?.length ? `${fmtMs(p50(xs))} / ${fmtMs(mean(xs))} / ${fmtMs(max(xs))}` : 'n/a';
  for (const [what, pick] of [
    ['plain', (k: KvFigures) => k.etcdctlPlain],
    ['TLS', (k: KvFigures) => k.etcdctlTls],
  ] as const) {
    const a = pick(flotilla);
    const b = ref ? pick(ref) : undefined;
    s.rows.push([
      `etcdctl put, ${what}: p50 / mean / max ms`,
      calls(a),
      calls(b),
      b ? ratio(p50(a), p50(b)) : 'n/a',
    ]);
  }
  const diff = (k: KvFigures | undefined, f: (xs: number[]) => number) =>
    k ? f(k.etcdctlTls) - f(k.etcdctlPlain) : NaN;
  const fd = [diff(flotilla, p50), diff(flotilla, mean)];
  const ed = [diff(ref, p50), diff(ref, mean)];
  s.rows.push([
    'etcdctl put, TLS − plain: p50 / mean ms',
    `${fmtMs(fd[0]!)} / ${fmtMs(fd[1]!)}`,
    `${fmtMs(ed[0]!)} / ${fmtMs(ed[1]!)}`,
    // A ratio of two differences of a few ms each would be mostly noise: compare the columns.
    '—',
  ]);
  s.notes.push(
    `etcdctl: ${RUNS} runs each, a fresh process and connection per call (ETCDCTL_API=3); ratios: ops/s higher is better, ms lower is better`,
  );
  const errs = [...flotilla.load, ...(ref?.load ?? [])].filter(([, r]) => r.errors > 0);
  if (errs.length)
    s.notes.push(`errors: ${errs.map(([k, r]) => `${k}: ${r.errors} (${r.firstError})`).join('; ')}`);
  if (typeof etcd === 'string') s.notes.push(`etcd could not run: ${etcd}`);
}

// ---------------------------------------------------------------------------------------------
// The KV child: one Flotilla member, a plain and a TLS client port, until stdin closes or a signal.

async function kvChild(dir: string): Promise<void> {
  const pki = await readPki(join(dir, 'pki'));
  const cluster = await ClusterRunner.start({ size: 1, baseDir: join(dir, 'flotilla-kv') });
  await cluster.waitForLeader();
  const member = cluster.member(0);
  const plain = new KvServer({ member });
  const secure = new KvServer({ member, tls: memberTls(pki) });
  await plain.start();
  await secure.start();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await plain.close();
      await secure.close();
      await cluster.close();
      process.exit(0);
    })();
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, stop);
  process.stdout.write(`${JSON.stringify({ plain: plain.url, tls: secure.url })}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  tempDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-remote-'));
  const t0 = Date.now();
  if (ONLY !== 'kv') await benchSsh();
  if (ONLY !== 'ssh') await benchKv();
  console.log(
    `bench:remote — one run, ${process.platform}, ${cpus().length} cores, ${((Date.now() - t0) / 1000).toFixed(0)} s; ratios are Flotilla/reference (times: lower is better)`,
  );
  printTable();
}

if (KV_CHILD) {
  kvChild(KV_CHILD).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      log(`${sig}: cleaning up…`);
      process.exitCode = 130;
      void cleanup().finally(() => process.exit(130));
    });
  main()
    .catch((err: unknown) => {
      // Interrupted: what was under way fails as its connections go; the signal handler exits.
      if (cleaning) return;
      console.error(err);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanup();
      // The etcd3 clients' timers may hold the loop; the figures are out.
      process.exit(process.exitCode ?? 0);
    });
}
