import Docker from 'dockerode';
import { Etcd3 } from 'etcd3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, KvHealth } from '../../shared/api';
import { AppCore } from '../app';
import { eventually, removeLeftovers } from './test-helpers';

// KV members added and removed on a live 4-machine cluster through the API (as the Raft panel
// does): a remove that would break the quorum is refused, a member is removed and another added
// on the machine that had none, the data stays, and after a cluster stop and start the members
// are the changed ones — each on the ports and data its peers know.

const PREFIX = 'itest-kvmem';
const NAME = `${PREFIX}-${randomBytes(2).toString('hex')}`;
const docker = new Docker();
let home = '';
let core: AppCore | undefined;

const health = async (): Promise<KvHealth> =>
  new Promise((resolve) => {
    let off: (() => void) | undefined = undefined;
    off = core!.service.subscribe('kv.health', { cluster: NAME }, (h) => {
      resolve(h as KvHealth);
      queueMicrotask(() => off?.());
    });
  });
const members = async () =>
  (await health()).members.map((m) => `${m.hostname}:${m.role === 'down' ? 'down' : 'up'}`).sort();

async function runTask(method: 'kv.addMember' | 'kv.removeMember', machine: string): Promise<void> {
  const { taskId } = (await core!.service.call(method, { cluster: NAME, machine })) as { taskId: string };
  const t = await core!.tasks.wait(taskId);
  expect(t.state, `${method} ${machine}: ${JSON.stringify(t.error)}`).toBe('succeeded');
}

/** A fresh client on the cluster's current endpoints. */
function client(): Etcd3 {
  const endpoints = core!.clusters.list().find((c) => c.name === NAME)!.endpoints;
  return new Etcd3({ hosts: endpoints.map((e) => `http://${e}`) });
}

beforeAll(async () => {
  const removed = await removeLeftovers(docker, PREFIX);
  if (removed.length) console.log(`removed leftovers of an earlier run: ${removed.join(', ')}`);
  home = await mkdtemp(join(tmpdir(), `${PREFIX}-`));
  core = new AppCore({ mode: 'serve', dataDir: home, port: 0 });
  await core.start();
  const task = await core.clusters.create({
    name: NAME,
    machines: 4,
    members: 3,
    channel: 'stable',
    metadata: {},
  });
  const done = await core.tasks.wait(task.id);
  expect(done.state, `cluster create failed: ${JSON.stringify(done.error)}`).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  if (core?.clusters.list().some((c) => c.name === NAME))
    await core.tasks.wait(core.clusters.destroy(NAME).id).catch(() => undefined);
  await core?.stop();
  await removeLeftovers(docker, NAME);
  if (home) await rm(home, { recursive: true, force: true });
}, 90_000);

describe(`KV members added and removed (${NAME})`, () => {
  it('a remove that would leave no quorum is refused with the reason, and nothing changes', async () => {
    expect(await members()).toEqual(['core-01:up', 'core-02:up', 'core-03:up']);
    expect((await health()).candidates.map((c) => [c.hostname, c.refuseAdd])).toEqual([
      ['core-04', undefined],
    ]);
    // The killed machine leads: the two left must elect a leader before membership can change.
    if ((await health()).leader !== 'core-03')
      await core!.service.call('kv.transferLeader', { cluster: NAME, machine: 'core-03' });
    await core!.clusters.get(NAME).machineAction('core-03', 'kill');
    try {
      await eventually('a leader among the two left', async () => (await health()).leader, Boolean, 10_000);
      const refused = await core!.service
        .call('kv.removeMember', { cluster: NAME, machine: 'core-02' })
        .catch((e: ApiError) => e);
      expect(refused).toMatchObject({
        code: 'CONFLICT',
        message:
          'Removing core-02 leaves 1 of 2 members up, below the quorum of 2: start the machines that are down first',
      });
      expect(await members()).toEqual(['core-01:up', 'core-02:up', 'core-03:down']);
    } finally {
      await core!.clusters.get(NAME).machineAction('core-03', 'start');
    }
  });

  it('removes the leader’s member after handing leadership over, and adds one on core-04; data stays', async () => {
    const kv = client();
    try {
      await kv.put('/kept/before').value('yes');
      const h = await eventually(
        'three members up with a leader',
        () => health(),
        (x) => x.quorum.up === 3 && !!x.leader,
        10_000,
      );
      const leader = h.leader;
      await runTask('kv.removeMember', leader!);
      const after = await health();
      expect(after.members.map((m) => m.hostname).sort()).toEqual(
        ['core-01', 'core-02', 'core-03'].filter((h) => h !== leader),
      );
      expect(after.quorum).toEqual({ voters: 2, up: 2, needed: 2 });
      expect(after.leader).not.toBe(leader);
      await runTask('kv.addMember', 'core-04');
      await eventually(
        'core-04 to catch up with the leader',
        () => health(),
        (h) =>
          h.quorum.voters === 3 &&
          h.quorum.up === 3 &&
          h.members.find((m) => m.hostname === 'core-04')?.lag === 0,
        10_000,
      );
      const machines = core!.clusters.get(NAME).listMachines();
      expect(machines.find((m) => m.name === leader)!.kvMember).toBe(false);
      expect(machines.find((m) => m.name === 'core-04')!.kvMember).toBe(true);
    } finally {
      kv.close();
    }
    const fresh = client();
    try {
      expect(await fresh.get('/kept/before').string()).toBe('yes');
      await fresh.put('/kept/after').value('yes');
    } finally {
      fresh.close();
    }
  });

  it('after a cluster stop and start the changed members come back, with every write', async () => {
    const before = (await health()).members.map((m) => m.hostname).sort();
    for (const step of [() => core!.clusters.stop(NAME), () => core!.clusters.start(NAME)]) {
      const t = step();
      const done = await core!.tasks.wait(t.id);
      expect(done.state, `${t.title}: ${JSON.stringify(done.error)}`).toBe('succeeded');
    }
    await eventually(
      'the same members up with a leader',
      () => health(),
      (h) =>
        h.members
          .map((m) => m.hostname)
          .sort()
          .join() === before.join() &&
        h.quorum.up === 3 &&
        !!h.leader,
      15_000,
    );
    const kv = client();
    try {
      expect(await kv.get('/kept/before').string()).toBe('yes');
      expect(await kv.get('/kept/after').string()).toBe('yes');
    } finally {
      kv.close();
    }
  });
});
