import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, KvHealth, MachineInfo, MachinesEvent, MoveTarget, UnitInfo } from '../../shared/api';
import { AppCore } from '../app';
import { FLOTCTL } from '../cli/test-helpers';
import { OS_VERSIONS } from './manager';
import { eventually, removeLeftovers, runningMains } from './test-helpers';

// The machines board's live data, end to end: one real 3-machine cluster in an in-process app
// (its ClusterManager, ApiService and HTTP API, as `flotctl serve` runs them), machines.changed
// followed through the ApiService while machines die and come back, units' time in state,
// plan.moveTargets, and `flotctl move` through the real CLI.

const PREFIX = 'itest-board';
const NAME = `${PREFIX}-${randomBytes(2).toString('hex')}`;
const docker = new Docker();
const execFileP = promisify(execFile);

let home = '';
let core: AppCore | undefined;
let unsubscribe: (() => void) | undefined;
/** The board as a renderer would hold it: snapshot, then upserts and removes applied. */
const board = new Map<string, MachineInfo>();
let snapshots = 0;

const machines = () => [...board.values()].sort((a, b) => a.name.localeCompare(b.name));
const byName = (name: string) => machines().find((m) => m.name === name)!;
const leaders = () => machines().filter((m) => m.kvRole === 'leader');
const control = () => core!.clusters.control(NAME);
const unit = (name: string): UnitInfo | undefined =>
  control()
    .listUnits()
    .find((u) => u.name === name);
const hostOf = (id: string | undefined) => machines().find((m) => m.id === id)?.name;

/** The built flotctl against the in-process app; async, as this process serves the API it calls. */
async function flotctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await execFileP(process.execPath, [FLOTCTL, ...args], {
      env: { ...process.env, FLOTILLA_HOME: home },
      timeout: 90_000,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

const sleeper = (xfleet: string[] = []) =>
  [
    '[Service]',
    'ExecStart=/usr/bin/docker run --rm --name %p-%i busybox sleep 3600',
    ...(xfleet.length ? ['[X-Fleet]', ...xfleet] : []),
    '',
  ].join('\n');

beforeAll(async () => {
  const removed = await removeLeftovers(docker, PREFIX);
  if (removed.length) console.log(`removed leftovers of an earlier run: ${removed.join(', ')}`);
  home = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  core = new AppCore({ mode: 'serve', dataDir: home, port: 0 });
  await core.start();
  const task = await core.clusters.create({ name: NAME, machines: 3, channel: 'stable', metadata: {} });
  // Subscribed while the cluster comes up: the board follows it from the start.
  unsubscribe = core.service.subscribe('machines.changed', { cluster: NAME }, (payload) => {
    const e = payload as MachinesEvent;
    if (e.kind === 'snapshot') {
      snapshots++;
      board.clear();
      for (const m of e.machines) board.set(m.id, m);
    } else if (e.kind === 'upsert') board.set(e.machine.id, e.machine);
    else board.delete(e.id);
  });
  const done = await core.tasks.wait(task.id);
  expect(done.state, `cluster create failed: ${JSON.stringify(done.error)}`).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  unsubscribe?.();
  if (core?.clusters.list().some((c) => c.name === NAME))
    await core.tasks.wait(core.clusters.destroy(NAME).id).catch(() => undefined);
  await core?.stop();
  await removeLeftovers(docker, NAME);
  if (home) await rm(home, { recursive: true, force: true });
}, 90_000);

describe(`the machines board on a live cluster (${NAME})`, () => {
  it('shows every machine healthy, with its channel and OS version, and exactly one KV leader', async () => {
    await eventually(
      'three healthy machines and one leader on the board',
      () => machines().map((m) => [m.name, m.life, m.health, m.kvRole]),
      () =>
        board.size === 3 &&
        machines().every((m) => m.life === 'up' && m.health === 'healthy') &&
        leaders().length === 1,
      10_000,
    );
    expect(snapshots).toBe(1);
    for (const m of machines()) {
      expect(m).toMatchObject({ channel: 'stable', osVersion: OS_VERSIONS.stable, kvMember: true });
      expect(m.kvRole === 'leader' || m.kvRole === 'follower').toBe(true);
    }
    await eventually(
      'the board to hold what machines.list says',
      () => machines(),
      (ms) => JSON.stringify(ms) === JSON.stringify(core!.clusters.get(NAME).listMachines()),
      2_000,
    );
  });

  it('a killed machine turns dead, down and loses its KV role within seconds; another machine leads', async () => {
    const victim = leaders()[0]!.name;
    const t0 = Date.now();
    await core!.clusters.get(NAME).machineAction(victim, 'kill');
    await eventually(
      `${victim} dead on the board`,
      () => byName(victim),
      (m) => m.life === 'dead' && m.health === 'down' && m.kvRole === 'none',
      3_000,
    );
    console.log(`board shows ${victim} dead ${Date.now() - t0} ms after the kill was asked`);
    const next = await eventually(
      'another machine to lead',
      () => leaders().map((m) => m.name),
      (names) => names.length === 1 && names[0] !== victim,
      10_000,
    );
    expect(next).not.toContain(victim);
  });

  it('started again, it is healthy and a KV member again', async () => {
    const victim = machines().find((m) => m.life === 'dead')!.name;
    await core!.clusters.get(NAME).machineAction(victim, 'start');
    await eventually(
      `${victim} healthy on the board`,
      () => byName(victim),
      (m) => m.life === 'up' && m.health === 'healthy' && (m.kvRole === 'follower' || m.kvRole === 'leader'),
      10_000,
    );
    expect(leaders()).toHaveLength(1);
  });

  it('the Raft health panel: members, samples of writes and commit latency, leadership handed over on request', async () => {
    const payloads: KvHealth[] = [];
    const off = core!.service.subscribe('kv.health', { cluster: NAME }, (h) => payloads.push(h as KvHealth));
    try {
      const first = payloads[0]!;
      expect(first.external).toBe(false);
      expect(first.members.map((m) => m.hostname).sort()).toEqual(['core-01', 'core-02', 'core-03']);
      expect(first.quorum).toEqual({ voters: 3, up: 3, needed: 2 });
      const leader = first.leader!;
      expect(first.members.find((m) => m.hostname === leader)!.role).toBe('leader');
      // Writes through the API land in the next samples.
      for (let i = 0; i < 20; i++)
        await core!.service.call('kv.put', { cluster: NAME, key: `/health/${i}`, value: 'x' });
      const sampled = await eventually(
        'a sample with writes and a commit latency',
        () => payloads.flatMap((p) => p.samples),
        (s) => s.some((x) => x.writesPerSecond > 0 && x.commitLatencyP50Ms !== undefined),
        5_000,
      );
      expect(sampled.find((x) => x.writesPerSecond > 0)!.commitLatencyP99Ms).toBeGreaterThan(0);
      const follower = payloads.at(-1)!.members.find((m) => m.role === 'follower')!;
      expect(follower.lag).toBeGreaterThanOrEqual(0);
      expect(follower.lastContactMs).toBeLessThan(2_000);
      const target = follower.hostname!;
      await expect(
        core!.service.call('kv.transferLeader', { cluster: NAME, machine: target }),
      ).resolves.toEqual({
        leader: target,
      });
      await eventually(
        `${target} to lead on the panel and on the board`,
        () => ({ panel: payloads.at(-1)!.leader, board: leaders().map((m) => m.name) }),
        (v) => v.panel === target && v.board.join() === target,
        5_000,
      );
      const again = await core!.service
        .call('kv.transferLeader', { cluster: NAME, machine: target })
        .catch((e: ApiError) => e);
      expect(again).toMatchObject({ code: 'CONFLICT', message: `${target} already leads` });
    } finally {
      off();
    }
  });

  describe('units', () => {
    let since: number | undefined;
    let sinceAt = 0;

    it("report since when their state took its value; plan.moveTargets names Conflicts for the other's machine", async () => {
      const names = ['hello@1.service', 'hello@2.service'];
      await control().submit(
        names.map((name) => ({ name, content: sleeper(['Conflicts=hello@*']) })),
        false,
      );
      const before = Date.now();
      await control().setState(names, 'launched');
      const [one, two] = await eventually(
        'hello@1 and hello@2 active',
        () => names.map(unit),
        (us) => us.every((u) => u?.states.some((s) => s.machineId === u.machineId && s.active === 'active')),
        30_000,
      );
      const state = one!.states.find((s) => s.machineId === one!.machineId)!;
      expect(state.since).toBeGreaterThanOrEqual(before);
      expect(state.since).toBeLessThanOrEqual(Date.now());
      since = state.since;
      sinceAt = Date.now();

      const { targets } = (await core!.service.call('plan.moveTargets', {
        cluster: NAME,
        unit: 'hello@1.service',
      })) as { targets: MoveTarget[] };
      expect(targets.map((t) => hostOf(t.machineId))).toEqual(['core-01', 'core-02', 'core-03']);
      const verdict = (id: string | undefined) => targets.find((t) => t.machineId === id)!;
      expect(verdict(one!.machineId)).toMatchObject({
        allowed: false,
        constraint: 'State',
        problems: [`hello@1.service is already on ${hostOf(one!.machineId)}`],
      });
      expect(verdict(two!.machineId)).toMatchObject({ allowed: false, constraint: 'Conflicts' });
      expect(verdict(two!.machineId).problems[0]).toBe(
        `Conflicts=hello@*: ${hostOf(two!.machineId)} runs hello@2.service, which matches Conflicts=hello@*`,
      );
      const free = targets.filter((t) => t.machineId !== one!.machineId && t.machineId !== two!.machineId);
      expect(free).toEqual([{ machineId: free[0]!.machineId, allowed: true, problems: [], followers: [] }]);
    });

    it('flotctl move moves a free unit and it runs on the target; a move into a conflict is refused', async () => {
      await control().submit([{ name: 'free@1.service', content: sleeper() }], false);
      await control().setState(['free@1.service'], 'launched');
      const placed = await eventually(
        'free@1 to run',
        () => runningMains(docker, NAME, 'free@1.service'),
        (l) => l.length === 1,
        30_000,
      );
      const from = hostOf(placed[0]!.machineId)!;
      const to = machines().find((m) => m.name !== from)!;

      const moved = await flotctl('move', 'free@1', to.name);
      expect(moved.err).toBe('');
      expect(moved.code).toBe(0);
      const lines = moved.out.trimEnd().split('\n');
      expect(lines.slice(0, 3)).toEqual([
        `Moving free@1.service to ${to.name}:`,
        `  stop   free@1.service on ${from} (moved to ${to.name} by request)`,
        `  start  free@1.service on ${to.name} (moved here by request)`,
      ]);
      expect(lines[3]).toMatch(
        new RegExp(`^Unit free@1\\.service launched on ${to.id.slice(0, 8)}\\.\\.\\./`),
      );
      await eventually(
        `free@1 to run on ${to.name} only`,
        () => runningMains(docker, NAME, 'free@1.service'),
        (l) => l.length === 1 && l[0]!.machineId === to.id,
        30_000,
      );

      const two = unit('hello@2.service')!;
      const refused = await flotctl('move', 'hello@1.service', hostOf(two.machineId)!);
      expect(refused.code).toBe(1);
      expect(refused.out).toBe('');
      const [message, hint] = refused.err.trimEnd().split('\n');
      expect(message).toBe(
        `Error: Cannot move hello@1.service to ${hostOf(two.machineId)}: Conflicts=hello@*: ${hostOf(two.machineId)} runs hello@2.service, which matches Conflicts=hello@*`,
      );
      expect(hint).toMatch(/^Hint: hello@1\.service may move to: core-0\d$/);
    });

    it('since stays the same across agent reconcile passes while the state is unchanged', async () => {
      // Agents reconcile every 5 s, and every registry change above made them run a pass too.
      const passes = 2 * 5_000 + 1_000;
      await new Promise((r) => setTimeout(r, Math.max(0, sinceAt + passes - Date.now())));
      const state = unit('hello@1.service')!.states[0]!;
      expect(state.active).toBe('active');
      expect(state.since).toBe(since);
    });
  });

  it('follows the cluster through a stop: every machine down, no KV roles, on the same subscription', async () => {
    const stop = await core!.tasks.wait(core!.clusters.stop(NAME).id);
    expect(stop.state, `cluster stop failed: ${JSON.stringify(stop.error)}`).toBe('succeeded');
    await eventually(
      'every machine down on the board',
      () => machines().map((m) => [m.name, m.life, m.health, m.kvRole]),
      () => machines().every((m) => m.life === 'stopped' && m.health === 'down' && m.kvRole === 'none'),
      5_000,
    );
    expect(snapshots).toBe(1);
    expect(machines()).toEqual(core!.clusters.get(NAME).listMachines());
  });
});
