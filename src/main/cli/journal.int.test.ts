import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../shared/api';
import { FLOTCTL, runFlotctl, startServe as startServeAt, stopChild } from './test-helpers';
import { removeLeftovers } from '../clusters/test-helpers';

// flotctl journal and status against `flotctl serve` and a real one-machine cluster whose unit
// prints a numbered tick to stdout and stderr; `journal -f` must survive an app restart without
// printing a tick twice or leaving one out.

const docker = new Docker();
const PREFIX = 'jtest-cli';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
let home = '';
let serve: ChildProcess | undefined;
let follower: ChildProcess | undefined;

const TICKER = `[Unit]
Description=Ticker
[Service]
ExecStartPre=-/usr/bin/docker rm -f ticker
ExecStart=/usr/bin/docker run --name ticker busybox sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; echo warn $i >&2; sleep 0.1; done'
ExecStop=/usr/bin/docker stop -t 1 ticker
`;

const flotctl = (...args: string[]) => runFlotctl(home, args);

async function startServe(): Promise<void> {
  serve = await startServeAt(home);
}

const ticks = (entries: JournalEntry[], stream: 'stdout' | 'stderr') =>
  entries.filter((e) => e.stream === stream).map((e) => Number(e.text.split(' ')[1]));

beforeAll(async () => {
  await removeLeftovers(docker, PREFIX);
  home = await mkdtemp(join(tmpdir(), 'jtest-cli-'));
  await writeFile(join(home, 'ticker.service'), TICKER);
  await startServe();
}, 60_000);

afterAll(async () => {
  await stopChild(follower, 'SIGKILL');
  if (serve && serve.exitCode === null) flotctl('cluster', 'destroy', CLUSTER);
  await stopChild(serve);
  await removeLeftovers(docker, PREFIX);
  await rm(home, { recursive: true, force: true });
}, 60_000);

describe('flotctl journal on a real cluster', () => {
  it('shows a unit’s output and systemd’s lines, in short and JSON form, and under status', async () => {
    const created = flotctl('cluster', 'create', CLUSTER, '--machines', '1');
    expect(created.code, created.err).toBe(0);
    const started = flotctl('start', '--block-attempts=15', join(home, 'ticker.service'));
    expect(started.code, started.err).toBe(0);

    await expect
      .poll(() => flotctl('journal', '-n', '100', 'ticker').out, { timeout: 15_000 })
      .toMatch(/ticker\.service\[stdout\]: tick 3\n/);
    const short = flotctl('journal', '--utc', '-n', '1000', 'ticker');
    expect(short.code).toBe(0);
    const lines = short.out.trimEnd().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\w{3} \d\d \d\d:\d\d:\d\d core-01 systemd\[1\]: Starting Ticker\.\.\.$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/ core-01 systemd\[1\]: Started Ticker\.$/));
    expect(lines).toContainEqual(expect.stringMatching(/ core-01 ticker\.service\[stdout\]: tick 1$/));
    expect(lines).toContainEqual(expect.stringMatching(/ core-01 ticker\.service\[stderr\]: warn 1$/));

    const json = flotctl('journal', '-o', 'json', '-n', '3', '--machine', 'core-01', 'ticker.service');
    const entries = json.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalEntry);
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      expect(e).toMatchObject({ hostname: 'core-01', unit: 'ticker.service' });
      expect(e.cursor).toMatch(/^j1\./);
    }
    expect(flotctl('journal', 'nothing-here').out).toBe('-- No entries --\n');
    expect(flotctl('journal', '--machine', 'core-09').code).toBe(1);

    const status = flotctl('status', 'ticker');
    expect(status.code).toBe(0);
    const [fleet, tail] = status.out.split('\n\n');
    expect(fleet).toContain('ticker.service');
    const tailLines = (tail ?? '').trimEnd().split('\n');
    expect(tailLines).toHaveLength(10);
    for (const l of tailLines)
      expect(l).toMatch(/ core-01 ticker\.service\[std(out|err)\]: (tick|warn) \d+$/);
  }, 180_000);

  it('-f prints new lines as they come and resumes by cursor across an app restart', async () => {
    const f = spawn(process.execPath, [FLOTCTL, 'journal', '-f', '-o', 'json', 'ticker'], {
      env: { ...process.env, FLOTILLA_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    follower = f;
    let out = '';
    let err = '';
    f.stdout?.on('data', (d) => (out += d));
    f.stderr?.on('data', (d) => (err += d));
    const got = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as JournalEntry);
    await expect.poll(() => got().length, { timeout: 10_000 }).toBeGreaterThan(20);

    await stopChild(serve); // the app goes away; the cluster's containers keep running
    serve = undefined;
    await new Promise((r) => setTimeout(r, 1000));
    await startServe();
    await expect
      .poll(() => err, { timeout: 30_000 })
      .toContain('-- reconnected; resuming where it stopped --');
    const atReconnect = ticks(got(), 'stdout').at(-1) ?? 0;
    await expect
      .poll(() => ticks(got(), 'stdout').at(-1) ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(atReconnect + 20);

    expect(await stopChild(f, 'SIGINT')).toBe(0);
    follower = undefined;
    expect(err).toContain('-- connection to Flotilla lost; reconnecting --');
    for (const stream of ['stdout', 'stderr'] as const) {
      const n = ticks(got(), stream);
      const first = n[0] as number;
      expect(n).toEqual(Array.from({ length: n.length }, (_, i) => first + i));
    }
  }, 180_000);
});
