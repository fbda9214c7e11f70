import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOTCTL, spawnFirstLine } from './test-helpers';

// `flotctl kv serve` as a user runs it (built CLI), driven by Debian's real etcdctl 3.4.
const ETCDCTL = '/usr/bin/etcdctl';
let dir = '';
let serve: ChildProcess | undefined;
let endpoints = '';

function startServe(args: string[]): Promise<string> {
  return spawnFirstLine(['kv', 'serve', '--data-dir', join(dir, 'kv'), ...args], (c) => (serve = c));
}

function stopServe(): Promise<number | null> {
  const child = serve;
  serve = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

function etcdctl(...args: string[]) {
  const r = spawnSync(ETCDCTL, ['--endpoints', endpoints, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-kvserve-'));
  endpoints = await startServe(['--members', '3', '--base-port', '0']);
});

afterAll(async () => {
  await stopServe();
  await rm(dir, { recursive: true, force: true });
});

describe('flotctl kv serve', () => {
  it('prints the client endpoints first', () => {
    expect(endpoints).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
  });

  it('serves etcdctl: put, get, del, txn errors', () => {
    expect(etcdctl('put', 'foo', 'bar').out.trim()).toBe('OK');
    const got = json(etcdctl('get', 'foo', '-w', 'json').out);
    const kvs = got.kvs as { key: string; value: string; version: number }[];
    expect(Buffer.from(kvs[0]!.key, 'base64').toString()).toBe('foo');
    expect(Buffer.from(kvs[0]!.value, 'base64').toString()).toBe('bar');
    expect(kvs[0]!.version).toBe(1);
    expect(etcdctl('get', 'foo', '--print-value-only').out.trim()).toBe('bar');
    expect(etcdctl('get', 'foo', '--rev', '99999').err).toContain('required revision is a future revision');
    expect(etcdctl('del', 'foo').out.trim()).toBe('1');
  });

  it('watch --rev replays history', () => {
    etcdctl('put', 'w', '1');
    etcdctl('put', 'w', '2');
    const r = spawnSync(ETCDCTL, ['--endpoints', endpoints, 'watch', '--rev', '1', 'w'], {
      env: { ...process.env, ETCDCTL_API: '3' },
      encoding: 'utf8',
      timeout: 2_000,
    });
    expect(r.stdout).toContain('PUT\nw\n1\nPUT\nw\n2\n');
  });

  it('leases: grant, put --lease, timetolive --keys, keep-alive --once, list, revoke', () => {
    const grant = etcdctl('lease', 'grant', '30').out;
    const id = /lease ([0-9a-f]+) granted/.exec(grant)![1]!;
    expect(etcdctl('put', '--lease', id, 'lk', 'v').out.trim()).toBe('OK');
    expect(etcdctl('lease', 'timetolive', id, '--keys').out).toContain('attached keys([lk])');
    const followerOnly = endpoints.split(',')[2]!;
    const ka = spawnSync(ETCDCTL, ['--endpoints', followerOnly, 'lease', 'keep-alive', '--once', id], {
      env: { ...process.env, ETCDCTL_API: '3' },
      encoding: 'utf8',
    });
    expect(ka.stdout).toContain(`lease ${id} keepalived with TTL(30)`);
    expect(etcdctl('lease', 'list').out).toContain(id);
    expect(etcdctl('lease', 'revoke', id).out).toContain('revoked');
    expect(etcdctl('get', 'lk').out).toBe('');
    expect(etcdctl('lease', 'revoke', id).err).toContain('etcdserver: requested lease not found');
  });

  it('member list, endpoint status/health (also --cluster)', () => {
    const ml = json(etcdctl('member', 'list', '-w', 'json').out);
    expect((ml.members as unknown[]).length).toBe(3);
    const st = JSON.parse(etcdctl('endpoint', 'status', '-w', 'json').out) as {
      Status: { version: string };
    }[];
    expect(st).toHaveLength(3);
    expect(st[0]!.Status.version).toBe('3.4.23');
    const health = JSON.parse(etcdctl('endpoint', 'health', '-w', 'json').out) as { health: boolean }[];
    expect(health.every((h) => h.health)).toBe(true);
    const cl = etcdctl('endpoint', 'status', '--cluster', '-w', 'json');
    expect(cl.code).toBe(0);
    expect(JSON.parse(cl.out)).toHaveLength(3);
  });

  it('answers the JSON gateway on the same port', async () => {
    const url = `http://${endpoints.split(',')[0]}`;
    const r = await fetch(`${url}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({
        key: Buffer.from('gw').toString('base64'),
        value: Buffer.from('ok').toString('base64'),
      }),
    });
    expect(r.status).toBe(200);
    const g = (await (
      await fetch(`${url}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('gw').toString('base64') }),
      })
    ).json()) as { kvs: { value: string }[] };
    expect(Buffer.from(g.kvs[0]!.value, 'base64').toString()).toBe('ok');
  });

  it('stops cleanly on SIGTERM and comes back with its data', async () => {
    etcdctl('put', 'persist', 'me');
    const before = endpoints;
    expect(await stopServe()).toBe(0);
    endpoints = await startServe([]);
    expect(endpoints).toBe(before);
    let value = '';
    for (let i = 0; i < 50 && value !== 'me'; i++) {
      value = etcdctl('get', 'persist', '--print-value-only').out.trim();
      if (value !== 'me') await new Promise((r) => setTimeout(r, 200));
    }
    expect(value).toBe('me');
  });

  it('exits 2 on usage errors', () => {
    const r = spawnSync(process.execPath, [FLOTCTL, 'kv', 'serve', '--members', '3'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--data-dir is required');
    const bad = spawnSync(process.execPath, [FLOTCTL, 'kv', 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
