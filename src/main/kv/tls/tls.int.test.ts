// TLS on the embedded KV, the way CoreOS's etcd client SSL guide sets it up: a 3-member cluster whose
// members talk mutual TLS among themselves and whose client ports want a client certificate from the
// cluster's CA. Real etcdctl (Debian's 3.4), the etcd3 client, curl and raw sockets knock on it.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRunner } from '../cluster';
import { ETCD_BIN, ETCDCTL_BIN, freePorts } from '../conformance/clusters';
import { Transport } from '../member';
import { MessageType } from '../raft';
import { makeMessage } from '../raft/util';
import { KvServer } from '../server';
import { clientTls, makeClusterPki, memberTls, PKI_FILES, writePki, type ClusterPki } from '.';

const FAST = { tickMs: 10, electionTicks: 10, requestTimeoutMs: 3_000 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command run without blocking the event loop (the members answer from this very process). */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

let pki: ClusterPki;
let other: ClusterPki;
let dir: string;
let cluster: ClusterRunner;
const servers: (KvServer | undefined)[] = [];
const directory = new Map<bigint, string>();
const clients: Etcd3[] = [];

const ours = (f: keyof typeof PKI_FILES) => join(dir, 'ours', PKI_FILES[f]);
const theirs = (f: keyof typeof PKI_FILES) => join(dir, 'other', PKI_FILES[f]);
const urls = () => servers.map((s) => s!.url).join(',');

function etcdctl(args: string[], auth: string[] = clientFlags()): Promise<Run> {
  return run(ETCDCTL_BIN, [`--endpoints=${urls()}`, '--dial-timeout=3s', ...auth, ...args], {
    ETCDCTL_API: '3',
  });
}

function clientFlags(): string[] {
  return [`--cacert=${ours('caCert')}`, `--cert=${ours('clientCert')}`, `--key=${ours('clientKey')}`];
}

async function startServer(i: number, port = 0): Promise<KvServer> {
  const s = new KvServer({ member: cluster.member(i), directory, port, tls: memberTls(pki) });
  await s.start();
  servers[i] = s;
  return s;
}

/** An etcd3 client showing `p`'s client certificate, trusting our CA. */
function etcd3(p: ClusterPki, hosts = servers.map((s) => s!.url)): Etcd3 {
  const t = clientTls(p);
  const c = new Etcd3({
    hosts,
    credentials: {
      rootCertificate: Buffer.from(pki.ca.cert),
      certChain: Buffer.from(t.cert),
      privateKey: Buffer.from(t.key),
    },
    dialTimeout: 2_000,
  });
  clients.push(c);
  return c;
}

/**
 * Debian's etcd 3.4 on loopback with the same PKI and etcd's client-cert auth, as the reference for
 * what etcdctl says when it is refused. Its data dir lives under `dir`.
 */
async function startReferenceEtcd(): Promise<{ url: string; stop(): Promise<void> }> {
  const [client, peer] = (await freePorts(2)) as [number, number];
  const url = `https://127.0.0.1:${client}`;
  // Alone in its cluster, it never dials a peer: plain http there.
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name=ref',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=ref=${peerUrl}`,
      '--client-cert-auth',
      `--trusted-ca-file=${ours('caCert')}`,
      `--cert-file=${ours('memberCert')}`,
      `--key-file=${ours('memberKey')}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (log = (log + d).slice(-4_000)));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    process.off('exit', kill);
    kill();
    await exited;
  };
  try {
    await until(
      async () =>
        (
          await run(ETCDCTL_BIN, [`--endpoints=${url}`, ...clientFlags(), 'endpoint', 'health'], {
            ETCDCTL_API: '3',
          })
        ).code === 0,
      20_000,
      'the reference etcd',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- etcd's stderr ---\n${log}`);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

/** What etcdctl says on stderr, less its timestamps and random client ids. */
const refusal = (r: Run) => ({
  code: r.code,
  stdout: r.stdout,
  stderr: r.stderr
    .replace(/"ts":"[^"]*"/g, '"ts":…')
    .replace(/client-[0-9a-f-]+\/127\.0\.0\.1:\d+/g, 'client/…'),
});

beforeAll(async () => {
  [pki, other] = await Promise.all([makeClusterPki('tls-test'), makeClusterPki('intruder')]);
  dir = await mkdtemp(join(tmpdir(), 'flotilla-tls-'));
  await writePki(join(dir, 'ours'), pki);
  await writePki(join(dir, 'other'), other);
  cluster = await ClusterRunner.start({ size: 3, member: { ...FAST, peerTls: memberTls(pki) } });
  for (let i = 0; i < 3; i++) await startServer(i);
  await cluster.waitForLeader();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s?.close()));
  await cluster?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('client port with TLS', () => {
  it('reports https URLs', () => {
    for (const s of servers) expect(s!.url).toBe(`https://127.0.0.1:${s!.port}`);
  });

  it('serves etcdctl with the client certificate: put, get, endpoint status, member list', async () => {
    expect(await etcdctl(['put', 'tls/a', 'secret'])).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect(await etcdctl(['get', 'tls/a'])).toMatchObject({ code: 0, stdout: 'tls/a\nsecret\n' });
    const status = await etcdctl(['endpoint', 'status', '-w', 'json']);
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as { Endpoint: string; Status: { leader: number } }[];
    expect(rows.map((r) => r.Endpoint).sort()).toEqual(servers.map((s) => s!.url).sort());
    expect(new Set(rows.map((r) => r.Status.leader)).size).toBe(1);
    const members = await etcdctl(['member', 'list']);
    expect(members.code).toBe(0);
    for (const s of servers) expect(members.stdout).toContain(s!.url);
  });

  it('refuses clients without a certificate of our CA, saying what etcd 3.4 says', async () => {
    const cases: Record<string, string[]> = {
      'no client certificate': [`--cacert=${ours('caCert')}`],
      "another cluster's client certificate": [
        `--cacert=${ours('caCert')}`,
        `--cert=${theirs('clientCert')}`,
        `--key=${theirs('clientKey')}`,
      ],
      "trusting another cluster's CA": [`--cacert=${theirs('caCert')}`],
    };
    const etcd = await startReferenceEtcd();
    try {
      for (const [what, flags] of Object.entries(cases)) {
        const get = (url: string) =>
          run(
            ETCDCTL_BIN,
            [`--endpoints=${url}`, '--dial-timeout=2s', '--command-timeout=2s', ...flags, 'get', 'tls/a'],
            {
              ETCDCTL_API: '3',
            },
          );
        const [mine, theirsToo] = await Promise.all([get(servers[0]!.url), get(etcd.url)]);
        expect(refusal(mine), what).toEqual(refusal(theirsToo));
        expect(mine.code, what).toBe(1);
        expect(mine.stdout, what).toBe('');
        // grpc-go keeps the TLS error to itself: the call runs out of time on a connection that fails.
        expect(mine.stderr, what).toContain('all SubConns are in TransientFailure');
        expect(mine.stderr, what).toMatch(/\nError: context deadline exceeded\n$/);
      }
    } finally {
      await etcd.stop();
    }
  });

  it('refuses at the TLS level: an alert without a certificate, a hang-up with a foreign one', async () => {
    const { host, port } = { host: '127.0.0.1', port: servers[0]!.port };
    const attempt = (opts: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host, port, ca: pki.ca.cert, ...opts });
        // TLS 1.3: the client's handshake is over before the server has checked its certificate,
        // so the refusal comes as an alert on the first read.
        s.on('secureConnect', () => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
        s.on('data', () => resolve('answered'));
        s.on('error', (e) => resolve(e.message));
        s.on('close', () => resolve('closed'));
      });
    expect(await attempt({})).toMatch(/alert certificate required/);
    // A certificate OpenSSL takes but the CA did not sign: Node checks the chain once the handshake
    // is done and hangs up before the connection reaches the server, without an alert.
    const t = clientTls(other);
    expect(await attempt({ cert: t.cert, key: t.key })).toBe('closed');
    const ok = clientTls(pki);
    expect(await attempt({ cert: ok.cert, key: ok.key, ALPNProtocols: ['h2'] })).toBe('answered');
  });

  it('speaks gRPC to a TLS client that agreed on no protocol by ALPN (HTTP/2 by prior knowledge)', async () => {
    const t = clientTls(pki);
    const port = servers[0]!.port;
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port, ca: t.ca, cert: t.cert, key: t.key }),
    });
    try {
      // An empty RangeRequest (a 5-byte gRPC frame of length 0): the server answers etcd's error.
      const req = session.request({
        ':method': 'POST',
        ':path': '/etcdserverpb.KV/Range',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      // An error without a message comes as a trailers-only response: the status is in the headers.
      const status = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        req.on('response', (h) => h['grpc-status'] !== undefined && resolve(h));
        req.on('trailers', resolve);
        req.on('error', reject);
        req.resume();
        req.end(Buffer.alloc(5));
      });
      expect(status['grpc-status']).toBe('3');
      expect(decodeURIComponent(String(status['grpc-message']))).toBe('etcdserver: key is not provided');
    } finally {
      session.close();
    }
  });

  it('speaks TLS only: a plaintext client gets nowhere', async () => {
    const plain = servers[0]!.url.replace('https://', 'http://');
    const r = await run(
      ETCDCTL_BIN,
      [`--endpoints=${plain}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'tls/a'],
      { ETCDCTL_API: '3' },
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('serves the JSON gateway over TLS (curl offers h2 and http/1.1; node offers no ALPN)', async () => {
    const url = `${servers[1]!.url}/v3/kv/range`;
    const body = JSON.stringify({ key: Buffer.from('tls/a').toString('base64') });
    const curl = await run('curl', [
      '-sS',
      '--cacert',
      ours('caCert'),
      '--cert',
      ours('clientCert'),
      '--key',
      ours('clientKey'),
      '-d',
      body,
      '-w',
      '\n%{http_version}',
      url,
    ]);
    expect(curl.code).toBe(0);
    const [json, version] = curl.stdout.split('\n');
    // curl offered h2 first; the server picked HTTP/1.1 for it.
    expect(version).toBe('1.1');
    const kvs = (JSON.parse(json!) as { kvs: { value: string }[] }).kvs;
    expect(Buffer.from(kvs[0]!.value, 'base64').toString()).toBe('secret');

    const t = clientTls(pki);
    const viaNode = await new Promise<string>((resolve, reject) => {
      const req = https.request(url, { method: 'POST', ca: t.ca, cert: t.cert, key: t.key }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(viaNode).toContain(Buffer.from('secret').toString('base64'));

    const noCert = await run('curl', ['-sS', '--cacert', ours('caCert'), '-d', body, url]);
    expect(noCert.code).not.toBe(0);
  });

  it('serves the etcd3 client with credentials; refuses one with a foreign certificate', async () => {
    const c = etcd3(pki);
    await c.put('tls/etcd3').value('via etcd3');
    expect(await c.get('tls/etcd3').string()).toBe('via etcd3');
    const w = await c.watch().key('tls/watched').create();
    const seen: string[] = [];
    w.on('put', (kv) => seen.push(kv.value.toString()));
    await c.put('tls/watched').value('1');
    await until(() => seen.length === 1, 5_000, 'watch event over TLS');
    await w.cancel();
    // Lease keep-alives and time-to-live are the leader's: a follower forwards them, over TLS,
    // showing the member certificate as its client certificate.
    const leader = await cluster.waitForLeader();
    const follower = servers.find((s) => s!.member !== leader)!;
    const viaFollower = etcd3(pki, [follower.url]);
    const lease = viaFollower.lease(10, { autoKeepAlive: false });
    await lease.put('tls/leased').value('x');
    expect(Number((await lease.keepaliveOnce()).TTL)).toBeGreaterThan(0);
    const ttl = await viaFollower.leaseClient.leaseTimeToLive({ ID: await lease.grant(), keys: true });
    expect(ttl.keys.map((k) => k.toString())).toEqual(['tls/leased']);
    await lease.revoke();

    const foreign = etcd3(other);
    await expect(foreign.get('tls/etcd3').string()).rejects.toThrow();
  });
});

describe('peer port with mutual TLS', () => {
  const term = () => Math.max(...cluster.running().map(({ member }) => member.raftTerm));

  interface Collected {
    data: Buffer;
    /** Whether the far end closed the connection (rather than `ms` passing). */
    closed: boolean;
    error?: string;
  }

  /** Everything a connection receives until it closes (or `ms` pass). */
  function collect(socket: net.Socket, ms: number): Promise<Collected> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let error: string | undefined;
      const done = (closed: boolean) => {
        clearTimeout(t);
        socket.destroy();
        resolve({ data: Buffer.concat(chunks), closed, ...(error ? { error } : {}) });
      };
      const t = setTimeout(() => done(false), ms);
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', (e) => (error = e.message));
      socket.on('close', () => done(true));
    });
  }

  it('drops plaintext and certificate-less peers; the cluster keeps its leader and term', async () => {
    const leader = await cluster.waitForLeader();
    const before = term();
    const target = cluster.member((cluster.indexOf(leader.id) + 1) % 3);
    // A heartbeat "from the leader" at a far higher term: a member that took it would move to that
    // term (and the real leader, hearing of it, would step down).
    const forged = makeMessage({
      type: MessageType.Heartbeat,
      from: leader.id,
      to: target.id,
      term: before + 1000,
    });
    const addr = target.peerAddress;

    // Impostors that know the cluster id and the leader's id, and say so in the peer handshake:
    // one in plaintext, one over TLS with another cluster's member certificate.
    const refused: bigint[] = [];
    const impostor = (extra: Partial<ConstructorParameters<typeof Transport>[0]>) =>
      new Transport({
        id: leader.id,
        clusterId: leader.clusterId,
        onMessage: () => undefined,
        onUnreachable: (p) => refused.push(p),
        ...extra,
      });
    const plain = impostor({});
    const foreign = impostor({ tls: { ...memberTls(other), ca: pki.ca.cert } });
    try {
      for (const t of [plain, foreign]) {
        await t.start();
        t.addPeer(target.id, addr);
        t.send([forged]);
      }
      // Raw sockets: one that says nothing, one that sends bytes in the clear, one that speaks TLS
      // without a client certificate.
      const silent = collect(net.connect(addr.port, addr.host), 2_000);
      const clear = net.connect(addr.port, addr.host);
      clear.write(Buffer.alloc(64, 1));
      const cleartext = collect(clear, 2_000);
      const noCert = tls.connect({ host: addr.host, port: addr.port, ca: pki.ca.cert });
      noCert.on('secureConnect', () => noCert.write('hello'));
      const anonymous = collect(noCert, 2_000);

      const [s, c, a] = await Promise.all([silent, cleartext, anonymous]);
      // Not a byte back; bytes in the clear are hung up on.
      expect(s.data.length).toBe(0);
      expect(c).toEqual({ data: Buffer.alloc(0), closed: true });
      // TLS 1.3 ends the client's handshake before the server checks its certificate: the refusal
      // arrives as an alert on the first read.
      expect(a.data.length).toBe(0);
      expect(a.closed).toBe(true);
      expect(a.error).toMatch(/alert certificate required/);
      // Both impostors lost their connection, and the forged heartbeat reached no one.
      await until(() => refused.filter((id) => id === target.id).length >= 2, 5_000, 'impostors refused');
      await sleep(300);
      expect(term()).toBe(before);
    } finally {
      await plain.kill();
      await foreign.kill();
    }
    expect((await cluster.waitForLeader()).id).toBe(leader.id);
    // Still replicates: a write reaches every member.
    expect(await etcdctl(['put', 'tls/after', 'still'])).toMatchObject({ code: 0 });
    await until(
      () =>
        cluster
          .running()
          .every(({ member }) => member.store.range({ key: Buffer.from('tls/after') }).kvs.length === 1),
      5_000,
      'replication to every member',
    );
  });

  it('a member stopped and restarted rejoins over TLS and catches up', async () => {
    const leader = await cluster.waitForLeader();
    const i = (cluster.indexOf(leader.id) + 1) % 3;
    const port = servers[i]!.port;
    await servers[i]!.close();
    servers[i] = undefined;
    await cluster.stop(i);
    // etcd3 spreads calls over its hosts: only the running ones here.
    const live = etcd3(
      pki,
      servers.filter((s): s is KvServer => s !== undefined).map((s) => s.url),
    );
    for (let n = 0; n < 20; n++) await live.put(`tls/while-down/${n}`).value(String(n));

    await cluster.restart(i);
    await startServer(i, port);
    await until(
      () => cluster.member(i).store.range({ key: Buffer.from('tls/while-down/19') }).kvs.length === 1,
      10_000,
      'the restarted member to catch up',
    );
    const got = await run(
      ETCDCTL_BIN,
      [
        `--endpoints=${servers[i]!.url}`,
        ...clientFlags(),
        'get',
        '--prefix',
        '--consistency=s',
        '--keys-only',
        '-w',
        'json',
        'tls/while-down/',
      ],
      { ETCDCTL_API: '3' },
    );
    expect(JSON.parse(got.stdout)).toMatchObject({ count: 20 });
    expect(await etcd3(pki).get('tls/while-down/0').string()).toBe('0');
  });
});
