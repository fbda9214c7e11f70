import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOTCTL, spawnFirstLine } from './test-helpers';

// `flotctl kv init` + `flotctl kv serve --member`: one member per process, as the fault test runs them.
let dir = '';
const children: ChildProcess[] = [];

const flotctl = (...args: string[]) =>
  spawnSync(process.execPath, [FLOTCTL, ...args], { encoding: 'utf8', timeout: 20_000 });

function serveMember(name: string, ...extra: string[]): Promise<string> {
  return spawnFirstLine(['kv', 'serve', '--data-dir', dir, '--member', name, ...extra], (c) =>
    children.push(c),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-kvmember-'));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('flotctl kv init / kv serve --member', () => {
  it('refuses to serve a member without a layout (exit 2)', () => {
    const r = flotctl('kv', 'serve', '--data-dir', dir, '--member', 'kv-01');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/kv init/);
  });

  it('init writes the layout and prints the endpoints', () => {
    const r = flotctl('kv', 'init', '--members', '3', '--data-dir', dir, '--base-port', '0');
    expect(r.status, r.stderr).toBe(0);
    const layout = JSON.parse(readFileSync(join(dir, 'kv-cluster.json'), 'utf8')) as {
      host: string;
      members: { name: string; clientPort: number }[];
    };
    expect(layout.members.map((m) => m.name)).toEqual(['kv-01', 'kv-02', 'kv-03']);
    expect(r.stdout.trim()).toBe(layout.members.map((m) => `${layout.host}:${m.clientPort}`).join(','));
  });

  it('rejects bad members and --peer values (exit 2)', () => {
    for (const args of [
      ['--member', 'kv-09'],
      ['--member', 'kv-01', '--peer', 'kv-02'],
      ['--member', 'kv-01', '--peer', 'kv-07=127.0.0.1:1'],
      ['--member', 'kv-01', '--peer', 'kv-01=127.0.0.1:1'],
      ['--member', 'kv-01', '--base-port', '3'],
    ]) {
      const r = flotctl('kv', 'serve', '--data-dir', dir, ...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect(flotctl('kv', 'serve', '--data-dir', dir, '--peer', 'kv-02=127.0.0.1:1').status).toBe(2);
  });

  it('runs one member per process; they form one cluster', async () => {
    const endpoints = await Promise.all(['kv-01', 'kv-02', 'kv-03'].map((n) => serveMember(n)));
    const init = flotctl('kv', 'init', '--data-dir', dir);
    expect(endpoints.join(',')).toBe(init.stdout.trim());
    const a = new Etcd3({ hosts: [`http://${endpoints[0]}`] });
    const c = new Etcd3({ hosts: [`http://${endpoints[2]}`] });
    try {
      const end = Date.now() + 15_000;
      for (;;) {
        try {
          await a.put('m/k').value('v1');
          break;
        } catch (err) {
          if (Date.now() > end) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(await c.get('m/k').string()).toBe('v1');
      expect((await c.cluster.memberList({})).members).toHaveLength(3);
    } finally {
      a.close();
      c.close();
    }
    const codes = await Promise.all(
      children.slice(-3).map(
        (ch) =>
          new Promise<number | null>((res) => {
            ch.once('exit', (code) => res(code));
            ch.kill('SIGTERM');
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0]);
  });
});
