import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortHash, unitHash } from '../../shared/units';
import { SEED_HELLO_SERVICE } from '../../shared/units/seed-fixtures';
import { runFlotctl, startServe as startServeAt, stopChild } from './test-helpers';
import { removeLeftovers } from '../clusters/test-helpers';

// The seeds' fleetctl walkthrough (002_*) as a user runs it, end to end: `flotctl serve`, a real
// three-machine cluster of Docker containers with its KV members, engine and agents, and the
// hello.service unit running as a real busybox container. Outputs are compared with fleetctl's.

const docker = new Docker();
const PREFIX = 'itest-wt';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
let home = '';
let serve: ChildProcess | undefined;

const HELLO = SEED_HELLO_SERVICE;
const HASH = shortHash(unitHash(HELLO));

/** A table as fleetctl prints it (tabwriter-aligned), as rows of cells. Exact column layout is
 *  checked by the formatter's golden tests; here the content matters. */
const cells = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\t+/));

const flotctl = (...args: string[]) => runFlotctl(home, args);

async function startServe(): Promise<void> {
  serve = await startServeAt(home);
}

async function stopServe(): Promise<void> {
  const s = serve;
  serve = undefined;
  await stopChild(s);
}

/** Containers and networks of test clusters, this run's or a crashed earlier one's. */
async function leftovers(cluster?: string) {
  const all = await docker.listContainers({ all: true, filters: { label: ['flotilla.cluster'] } });
  const networks = await docker.listNetworks({ filters: { label: ['flotilla.cluster'] } });
  const mine = (l: Record<string, string> | undefined) =>
    cluster ? l?.['flotilla.cluster'] === cluster : !!l?.['flotilla.cluster']?.startsWith(PREFIX);
  return { containers: all.filter((c) => mine(c.Labels)), networks: networks.filter((n) => mine(n.Labels)) };
}

const running = async (name: string) =>
  (await docker.listContainers({ filters: { name: [name], status: ['running'] } })).map((c) => c.Id);

beforeAll(async () => {
  await removeLeftovers(docker, PREFIX);
  home = await mkdtemp(join(tmpdir(), 'flotilla-walkthrough-'));
  await writeFile(join(home, 'hello.service'), HELLO);
  await writeFile(join(home, 'hello@.service'), HELLO);
  await startServe();
}, 60_000);

afterAll(async () => {
  await stopServe();
  await removeLeftovers(docker, CLUSTER);
  await rm(home, { recursive: true, force: true });
}, 60_000);

describe("the seeds' fleetctl walkthrough on a real cluster", () => {
  let legend = new Map<string, string>(); // machine id → "8chars.../ip"

  it('creates a three-machine cluster from the CLI', () => {
    const r = flotctl('cluster', 'create', CLUSTER, '--machines', '3', '--metadata', 'core-01:role=web');
    expect(r.err).toMatch(/done +core-03: agent/);
    expect(r.out).toBe(`Cluster ${CLUSTER} is running (3 machines).\n`);
    expect(r.code).toBe(0);
    const machines = flotctl('list-machines', '-l', '--no-legend');
    const rows = machines.out
      .trim()
      .split('\n')
      .map((l) => l.split(/\t+/));
    expect(rows).toHaveLength(3);
    for (const [id, ip, meta] of rows) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(['role=web', '-']).toContain(meta);
      legend.set(id!, `${id!.slice(0, 8)}.../${ip}`);
    }
    legend = new Map(legend);
  }, 120_000);

  it('submit → list-unit-files → load → start → list-units → stop → unload → destroy', async () => {
    expect(flotctl('submit', join(home, 'hello.service'))).toEqual({ code: 0, out: '', err: '' });
    const files = flotctl('list-unit-files');
    expect(files.out).toBe(
      `UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\nhello.service\t${HASH}\tinactive\tinactive\t-\n`,
    );
    expect(flotctl('cat', 'hello').out).toBe(HELLO);

    const load = flotctl('load', '--block-attempts=10', 'hello.service');
    expect({ code: load.code, err: load.err }).toEqual({ code: 0, err: '' });
    const [, machineId] = /^Unit hello\.service loaded on ([0-9a-f]{8})\.\.\.\//.exec(load.out) ?? [];
    const full = [...legend.keys()].find((id) => id.startsWith(machineId ?? '-'))!;
    expect(load.out).toBe(`Unit hello.service loaded on ${legend.get(full)}\n`);

    const start = flotctl('start', 'hello.service');
    expect(start.out).toBe(`Unit hello.service launched on ${legend.get(full)}\n`);
    expect(cells(flotctl('list-units').out)).toEqual([
      ['UNIT', 'MACHINE', 'ACTIVE', 'SUB'],
      ['hello.service', legend.get(full), 'active', 'running'],
    ]);
    // It really runs: one busybox container on that machine, in its network namespace, saying hello.
    const [id] = await running(`flotilla-${CLUSTER}-`);
    expect(id).toBeDefined();
    const hello = await docker.listContainers({
      filters: { label: [`flotilla.unit=hello.service`, `flotilla.cluster=${CLUSTER}`] },
    });
    expect(hello).toHaveLength(1);
    expect(hello[0]!.Labels['flotilla.machine']).toBe(full);
    await expect
      .poll(async () => (await docker.getContainer(hello[0]!.Id).logs({ stdout: true })).toString(), {
        timeout: 10_000,
      })
      .toContain('Hello World');

    const status = flotctl('status', 'hello');
    expect(status.out).toContain('● hello.service - Hello World\n');
    expect(status.out).toContain('   Active: active (running)\n');

    expect(flotctl('stop', 'hello.service').out).toBe(`Unit hello.service loaded on ${legend.get(full)}\n`);
    expect(cells(flotctl('list-units').out)).toEqual([
      ['UNIT', 'MACHINE', 'ACTIVE', 'SUB'],
      ['hello.service', legend.get(full), 'inactive', 'dead'],
    ]);
    expect(flotctl('unload', 'hello.service').out).toBe('Unit hello.service inactive\n');
    expect(flotctl('destroy', 'hello.service').out).toBe('Destroyed hello.service\n');
    expect(flotctl('list-unit-files', '--no-legend').out).toBe('');
    await expect
      .poll(
        async () =>
          (await docker.listContainers({ all: true, filters: { label: [`flotilla.unit=hello.service`] } }))
            .length,
      )
      .toBe(0);
  }, 120_000);

  it("keeps fleetctl's other messages: differing files, --no-block, stopping what is not running", async () => {
    expect(flotctl('submit', 'hello.service').code).toBe(0);
    await writeFile(join(home, 'hello.service'), `${HELLO}# edited\n`);
    const differs = flotctl('submit', 'hello.service');
    expect(differs.err).toContain(
      'WARNING: Unit hello.service in registry differs from local unit file hello.service. Add --replace to override.',
    );
    expect(flotctl('cat', 'hello.service').out).toBe(HELLO);
    const stop = flotctl('stop', 'hello.service');
    expect(stop.code).toBe(1);
    expect(stop.err).toContain('Unable to stop unit hello.service in state inactive');
    expect(flotctl('start', '--no-block', 'hello.service').out).toBe('Triggered unit hello.service start\n');
    await writeFile(join(home, 'hello.service'), HELLO);
    expect(flotctl('destroy', 'hello.service').out).toBe('Destroyed hello.service\n');
    await expect
      .poll(
        async () =>
          (await docker.listContainers({ all: true, filters: { label: [`flotilla.unit=hello.service`] } }))
            .length,
        { timeout: 20_000 },
      )
      .toBe(0);
  }, 120_000);

  it('spreads hello@ instances with Conflicts, and says why a fourth cannot run', () => {
    const r = flotctl('start', 'hello@1', 'hello@2', 'hello@3');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const placed = r.out
      .trim()
      .split('\n')
      .map((l) => /launched on (\S+)$/.exec(l)?.[1]);
    expect(new Set(placed).size).toBe(3);
    const fourth = flotctl('start', '--block-attempts=2', 'hello@4');
    expect(fourth.code).toBe(1);
    expect(fourth.err).toContain('Unit hello@4.service cannot be placed: Conflicts=hello*.service');
    for (const l of legend.values()) expect(fourth.err).toContain(`  ${l}: Conflicts: runs hello@`);
  }, 120_000);

  it('after an app restart the units are adopted, never started twice', async () => {
    const before = (
      await docker.listContainers({
        filters: { label: [`flotilla.cluster=${CLUSTER}`, 'flotilla.role=unit'] },
      })
    )
      .map((c) => c.Id)
      .sort();
    expect(before).toHaveLength(3);
    await stopServe();
    await startServe();
    await expect
      .poll(() => flotctl('cluster', 'list').out, { timeout: 30_000 })
      .toMatch(new RegExp(`${CLUSTER}\\*?\\trunning`));
    await expect
      .poll(() => flotctl('list-units', '--no-legend', '--fields=unit,active').out, { timeout: 20_000 })
      .toBe('hello@1.service\tactive\nhello@2.service\tactive\nhello@3.service\tactive\n');
    const after = (
      await docker.listContainers({
        filters: { label: [`flotilla.cluster=${CLUSTER}`, 'flotilla.role=unit'] },
      })
    )
      .map((c) => c.Id)
      .sort();
    expect(after).toEqual(before);
  }, 120_000);

  it('cluster destroy removes every container and network it made, and nothing else', async () => {
    // A bystander that looks like ours (a flotilla label, a name with the cluster's) but is not
    // the cluster's: it must survive. Other tests' containers come and go meanwhile, so the
    // engine-wide list cannot be compared.
    const bystander = await docker.createContainer({
      Image: 'busybox:latest',
      name: `${CLUSTER}-bystander`,
      Cmd: ['true'],
      Labels: { 'flotilla.cluster': `${CLUSTER}-other` },
    });
    try {
      const r = flotctl('cluster', 'destroy', CLUSTER);
      expect(r.out).toBe(`Destroyed cluster ${CLUSTER}.\n`);
      const left = await leftovers(CLUSTER);
      expect(left.containers).toEqual([]);
      expect(left.networks).toEqual([]);
      expect((await bystander.inspect()).Id).toBe(bystander.id);
    } finally {
      await bystander.remove({ force: true }).catch(() => undefined);
    }
    expect(flotctl('cluster', 'list').out).toContain('No clusters.');
  }, 120_000);
});
