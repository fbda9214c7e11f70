import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_HELLO_SERVICE } from '../../shared/units/seed-fixtures';
import type { KvHealth } from '../../shared/api';
import { ExternalKvHealth, externalKvSpec } from '../clusters/external-kv';
import { removeLeftovers } from '../clusters/test-helpers';
import {
  ETCD_BIN,
  ETCDCTL_BIN,
  freePorts,
  startEtcdCluster,
  type RunningCluster,
} from '../kv/conformance/clusters';
import { makeClusterPki, PKI_FILES, writePki } from '../kv/tls';
import { runFlotctl, startServe, stopChild } from './test-helpers';

// Beyond one machine, from the CLI against a real `flotctl serve`: clusters whose state lives in
// a real 3-member etcd (Debian's) started here on loopback — the seeds' hello.service walkthrough
// unchanged, two clusters sharing that etcd without seeing each other's keys, clear refusals for
// endpoints that do not answer or are not etcd — and an embedded KV with TLS that etcdctl reaches
// with the cluster's client certificate and is refused without it.

const docker = new Docker();
const PREFIX = 'itest-ext';
const tag = process.pid.toString(36);
const A = `${PREFIX}-a-${tag}`;
const B = `${PREFIX}-b-${tag}`;
const S = `${PREFIX}-s-${tag}`;
let home = '';
let serve: ChildProcess | undefined;
let etcd: RunningCluster | undefined;
let urls = '';

const flotctl = (...args: string[]) => runFlotctl(home, args);

/** etcdctl against the external etcd (no prefix: it sees every cluster's keys). */
const etcdctl = (...args: string[]) =>
  execFileSync(ETCDCTL_BIN, ['--endpoints', etcd!.endpoints.join(','), ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'utf8',
  });

const keysUnder = (prefix: string) =>
  etcdctl('get', '--prefix', '--keys-only', prefix).split('\n').filter(Boolean);

const haveEtcd = existsSync(ETCD_BIN) && existsSync(ETCDCTL_BIN);
if (!haveEtcd)
  console.warn(
    `external etcd tests skipped: ${ETCD_BIN} or ${ETCDCTL_BIN} is missing (apt-get install etcd-server etcd-client)`,
  );

beforeAll(async () => {
  if (!haveEtcd) return;
  await removeLeftovers(docker, PREFIX);
  home = await mkdtemp(join(tmpdir(), 'flotilla-external-etcd-'));
  await writeFile(join(home, 'hello.service'), SEED_HELLO_SERVICE);
  etcd = await startEtcdCluster({ members: 3 });
  urls = etcd.endpoints.map((e) => `http://${e}`).join(',');
  serve = await startServe(home);
}, 90_000);

afterAll(async () => {
  await stopChild(serve);
  await removeLeftovers(docker, PREFIX);
  await etcd?.stop();
  if (home) await rm(home, { recursive: true, force: true });
}, 90_000);

describe.skipIf(!haveEtcd)('clusters on an external etcd', () => {
  it("runs the seeds' hello.service walkthrough unchanged, every key under the cluster's prefix", async () => {
    const r = flotctl('cluster', 'create', A, '--machines', '2', '--etcd', urls);
    expect(r.err).toMatch(/skipped +core-01: KV member: external etcd http:/);
    expect(r.out).toBe(`Cluster ${A} is running (2 machines).\n`);
    expect(flotctl('submit', '--cluster', A, join(home, 'hello.service'))).toMatchObject({ code: 0 });
    const start = flotctl('start', '--cluster', A, 'hello.service');
    expect(start.out).toMatch(/^Unit hello\.service launched on [0-9a-f]{8}\.\.\.\/[\d.]+\n$/);
    expect(flotctl('list-units', '--cluster', A, '--no-legend', '--fields=unit,active,sub').out).toBe(
      'hello.service\tactive\trunning\n',
    );
    const [hello] = await docker.listContainers({
      filters: { label: ['flotilla.unit=hello.service', `flotilla.cluster=${A}`] },
    });
    expect(hello).toBeDefined();
    await expect
      .poll(async () => (await docker.getContainer(hello!.Id).logs({ stdout: true })).toString(), {
        timeout: 10_000,
      })
      .toContain('Hello World');
    const keys = keysUnder(`/flotilla/${A}/`);
    expect(keys).toContain(`/flotilla/${A}//_coreos.com/fleet/job/hello.service/object`);
    expect(keys.some((k) => k.includes('/_coreos.com/fleet/machines/'))).toBe(true);
    // Nothing of the cluster outside its prefix.
    expect(keysUnder('/_coreos.com/')).toEqual([]);
    const list = flotctl('cluster', 'list').out;
    expect(list).toContain(urls);
  }, 180_000);

  it('lets a second cluster share that etcd without seeing the first one’s keys', async () => {
    const r = flotctl('cluster', 'create', B, '--machines', '1', '--etcd', urls);
    expect(r.code).toBe(0);
    expect(flotctl('list-units', '--cluster', B, '--no-legend').out).toBe('');
    await writeFile(join(home, 'other.service'), '[Service]\nExecStart=/bin/sh -c "sleep 600"\n');
    expect(flotctl('submit', '--cluster', B, join(home, 'other.service')).code).toBe(0);
    expect(flotctl('list-unit-files', '--cluster', A, '--no-legend', '--fields=unit').out).toBe(
      'hello.service\n',
    );
    expect(flotctl('list-unit-files', '--cluster', B, '--no-legend', '--fields=unit').out).toBe(
      'other.service\n',
    );
    expect(keysUnder(`/flotilla/${B}/`).some((k) => k.includes('hello.service'))).toBe(false);
  }, 180_000);

  it('refuses a prefix another cluster uses, and endpoints that are not etcd or do not answer', async () => {
    const clash = flotctl(
      'cluster',
      'create',
      `${PREFIX}-c-${tag}`,
      '--machines',
      '1',
      '--etcd',
      urls,
      '--etcd-prefix',
      `/flotilla/${A}/`,
    );
    expect(clash.code).not.toBe(0);
    expect(clash.err).toMatch(new RegExp(`keys under /flotilla/${A}/ already: another cluster may use them`));
    const [port] = await freePorts(1);
    const silent = flotctl(
      'cluster',
      'create',
      `${PREFIX}-d-${tag}`,
      '--machines',
      '1',
      '--etcd',
      `http://127.0.0.1:${port}`,
    );
    expect(silent.code).not.toBe(0);
    expect(silent.err).toContain(`No etcd answers at http://127.0.0.1:${port}`);
    const web: Server = createServer((_, res) => res.end('hello, I am a web server'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const webPort = (web.address() as { port: number }).port;
      const notEtcd = flotctl(
        'cluster',
        'create',
        `${PREFIX}-e-${tag}`,
        '--machines',
        '1',
        '--etcd',
        `http://127.0.0.1:${webPort}`,
      );
      expect(notEtcd.code).not.toBe(0);
      expect(notEtcd.err).toMatch(/not an etcd v3 server|No etcd answers/);
    } finally {
      web.close();
    }
    // Nothing half-made: no such clusters, no networks.
    const list = flotctl('cluster', 'list').out;
    for (const n of ['c', 'd', 'e']) expect(list).not.toContain(`${PREFIX}-${n}-${tag}`);
    const nets = await docker.listNetworks({ filters: { label: ['flotilla.cluster'] } });
    expect(nets.map((n) => n.Name).filter((n) => /itest-ext-[cde]-/.test(n))).toEqual([]);
  }, 120_000);

  it("shows the etcd's members on the KV page as external: a leader, three up, samples of writes", async () => {
    const health = new ExternalKvHealth(externalKvSpec(B, { endpoints: urls.split(',') }));
    const seen: KvHealth[] = [];
    const off = health.subscribe((h) => seen.push(h));
    try {
      await expect
        .poll(() => seen.find((h) => h.members.length === 3 && h.samples.length > 0), { timeout: 10_000 })
        .toBeDefined();
      const h = seen.at(-1)!;
      expect(h.external).toBe(true);
      expect(h.quorum).toEqual({ voters: 3, up: 3, needed: 2 });
      expect(h.members.filter((m) => m.role === 'leader')).toHaveLength(1);
      expect(h.leader).toBe(h.members.find((m) => m.role === 'leader')!.name);
      expect(h.candidates).toEqual([]);
    } finally {
      off();
    }
  }, 30_000);

  it("destroying a cluster deletes its keys and leaves the other cluster's", () => {
    expect(flotctl('cluster', 'destroy', A).out).toBe(`Destroyed cluster ${A}.\n`);
    expect(keysUnder(`/flotilla/${A}/`)).toEqual([]);
    expect(keysUnder(`/flotilla/${B}/`).length).toBeGreaterThan(0);
    expect(flotctl('cluster', 'destroy', B).code).toBe(0);
    expect(keysUnder(`/flotilla/${B}/`)).toEqual([]);
  }, 120_000);
});

describe.skipIf(!haveEtcd)('an embedded KV with TLS', () => {
  it('answers etcdctl with the cluster client certificate and refuses it without one', () => {
    const r = flotctl('cluster', 'create', S, '--machines', '1', '--tls');
    expect(r.code).toBe(0);
    const env = flotctl('cluster', 'env', S).out;
    const vars = Object.fromEntries(
      [...env.matchAll(/^export (ETCDCTL_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^'|'$/g, '')]),
    );
    expect(vars.ETCDCTL_ENDPOINTS).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(vars).sort()).toEqual([
      'ETCDCTL_API',
      'ETCDCTL_CACERT',
      'ETCDCTL_CERT',
      'ETCDCTL_ENDPOINTS',
      'ETCDCTL_KEY',
    ]);
    const withCert = (args: string[]) =>
      execFileSync(ETCDCTL_BIN, args, { env: { ...process.env, ...vars }, encoding: 'utf8' });
    expect(withCert(['put', '/tls-check', 'yes'])).toBe('OK\n');
    expect(withCert(['get', '/tls-check', '--print-value-only'])).toBe('yes\n');
    // The fleet registry is there, behind the same door.
    expect(withCert(['get', '--prefix', '--keys-only', '/_coreos.com/fleet/machines/'])).toContain('/object');
    let refused = '';
    try {
      execFileSync(
        ETCDCTL_BIN,
        [
          '--endpoints',
          vars.ETCDCTL_ENDPOINTS!,
          '--cacert',
          vars.ETCDCTL_CACERT!,
          '--dial-timeout',
          '2s',
          '--command-timeout',
          '3s',
          'get',
          '/tls-check',
        ],
        { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err) {
      refused = String((err as { stderr?: string }).stderr ?? err);
    }
    expect(refused).toMatch(/certificate|handshake|deadline exceeded|context deadline/i);
    expect(flotctl('cluster', 'destroy', S).code).toBe(0);
  }, 180_000);
});

describe.skipIf(!haveEtcd)('an external etcd with client certificates', () => {
  it('keeps the PEM files given for etcdctl: cluster env names them and etcdctl reaches the cluster’s keys', async () => {
    const pkiDir = await mkdtemp(join(tmpdir(), 'flotilla-external-tls-'));
    let tlsEtcd: RunningCluster | undefined;
    try {
      await writePki(pkiDir, await makeClusterPki('external-etcd'));
      const pem = (name: keyof typeof PKI_FILES) => join(pkiDir, PKI_FILES[name]);
      tlsEtcd = await startEtcdCluster({
        members: 1,
        tls: {
          caFile: pem('caCert'),
          certFile: pem('memberCert'),
          keyFile: pem('memberKey'),
          client: { certFile: pem('clientCert'), keyFile: pem('clientKey') },
        },
      });
      const url = `https://${tlsEtcd.endpoints[0]}`;
      const T = `${PREFIX}-t-${tag}`;
      const created = flotctl(
        'cluster',
        'create',
        T,
        '--machines',
        '1',
        '--etcd',
        url,
        '--etcd-cacert',
        pem('caCert'),
        '--etcd-cert',
        pem('clientCert'),
        '--etcd-key',
        pem('clientKey'),
      );
      expect(created.code, created.out + created.err).toBe(0);
      const vars = Object.fromEntries(
        [...flotctl('cluster', 'env', T).out.matchAll(/^export (ETCDCTL_\w+)=(\S+)$/gm)].map((m) => [
          m[1]!,
          m[2]!.replace(/^'|'$/g, ''),
        ]),
      );
      expect(vars.ETCDCTL_ENDPOINTS).toBe(url);
      // Copies in the cluster's folder, not the files given (those may move or go).
      for (const v of ['ETCDCTL_CACERT', 'ETCDCTL_CERT', 'ETCDCTL_KEY'])
        expect(vars[v]).toContain(join(T, 'etcd'));
      expect((await stat(vars.ETCDCTL_KEY!)).mode & 0o777).toBe(0o600);
      expect(await readFile(vars.ETCDCTL_KEY!, 'utf8')).toBe(await readFile(pem('clientKey'), 'utf8'));
      const keys = execFileSync(
        ETCDCTL_BIN,
        ['get', '--prefix', '--keys-only', `/flotilla/${T}//_coreos.com/fleet/machines/`],
        { env: { ...process.env, ...vars }, encoding: 'utf8' },
      );
      expect(keys).toContain('/object');
      expect(flotctl('cluster', 'destroy', T).code).toBe(0);
    } finally {
      await tlsEtcd?.stop();
      await rm(pkiDir, { recursive: true, force: true });
    }
  }, 180_000);
});
