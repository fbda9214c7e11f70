import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus, Task } from '../../shared/api';
import { TaskManager } from '../tasks';
import { EngineMonitor } from './engine-monitor';
import { seedBusybox, SEEDED_LABEL } from './seed';

// Against the real local engine (DOCKER_HOST honoured). Everything made here carries a unique
// tag and is removed afterwards.
const run = randomBytes(4).toString('hex');
const TAG = `flotilla-test/busybox:${run}`;
const docker = new Docker();
const monitor = new EngineMonitor({ endpoint: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' });

beforeAll(async () => {
  monitor.start();
  await monitor.whenConnected(15_000);
});
afterAll(async () => {
  monitor.stop();
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`flotilla.test=${run}`] } });
  for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
  await docker
    .getImage(TAG)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('EngineMonitor on the real engine', () => {
  it('reports version and counts', () => {
    const s = monitor.current();
    expect(s.state).toBe('connected');
    expect(s.version).toMatch(/^\d+\.\d+/);
    expect(s.containers?.total).toBeGreaterThanOrEqual(0);
  });

  it('follows the engine event stream: a new container changes the counts without polling', async () => {
    await seed(true);
    // Seeding's build made and removed containers of its own: start from the engine's own count.
    const before = (await docker.info()).Containers as number;
    await expect.poll(() => monitor.current().containers?.total, { timeout: 5000 }).toBe(before);
    const changes: EngineStatus[] = [];
    const off = monitor.onChange((s) => changes.push(s));
    const c = await docker.createContainer({ Image: TAG, Cmd: ['true'], Labels: { 'flotilla.test': run } });
    await expect.poll(() => changes.at(-1)?.containers?.total, { timeout: 5000 }).toBe(before + 1);
    await c.remove({ force: true });
    await expect.poll(() => changes.at(-1)?.containers?.total, { timeout: 5000 }).toBe(before);
    off();
  });

  it('says exactly what is wrong when the engine is not there', async () => {
    const m = new EngineMonitor({ endpoint: 'tcp://127.0.0.1:1', minRetryMs: 50 });
    m.start();
    await expect.poll(() => m.current().state).toBe('disconnected');
    expect(m.current().problem?.message).toBe(
      'The Docker engine at tcp://127.0.0.1:1 refused the connection: it is not running.',
    );
    m.stop();
  });
});

async function seed(offline: boolean, busyboxPaths?: string[]): Promise<Task> {
  const tm = new TaskManager();
  const t = tm.start({ kind: 'seed', title: 'seed' }, (ctx) =>
    seedBusybox(docker, ctx, { tag: TAG, offline, ...(busyboxPaths ? { busyboxPaths } : {}) }),
  );
  return tm.wait(t.id);
}

describe('busybox seeding on the real engine', () => {
  it('builds FROM scratch with the host busybox, runnable, labelled, then finds it present', async () => {
    await docker
      .getImage(TAG)
      .remove({ force: true })
      .catch(() => undefined);
    const built = await seed(true);
    expect(built.state).toBe('succeeded');
    expect(built.result).toMatchObject({ tag: TAG, source: 'built' });
    const info = await docker.getImage(TAG).inspect();
    expect(info.Config.Labels?.[SEEDED_LABEL]).toBe('busybox-static');

    const c = await docker.createContainer({
      Image: TAG,
      Cmd: ['sh', '-c', 'echo seeded-ok'],
      Labels: { 'flotilla.test': run },
    });
    await c.start();
    await c.wait();
    const logs = (await c.logs({ stdout: true })) as Buffer;
    expect(logs.toString()).toContain('seeded-ok');
    await c.remove({ force: true });

    const again = await seed(true);
    expect(again.result).toMatchObject({ source: 'present' });
  });

  it('falls back to building when no registry answers', async () => {
    await docker
      .getImage(TAG)
      .remove({ force: true })
      .catch(() => undefined);
    const t = await seed(false);
    expect(t.state).toBe('succeeded');
    // Here no registry is reachable, so the pull step is skipped with the reason; where one is,
    // the image is pulled instead. Either way the image exists now.
    expect(['pulled', 'built']).toContain((t.result as { source: string }).source);
    if ((t.result as { source: string }).source === 'built') {
      expect(t.steps.find((s) => s.name === 'pull from a registry')?.detail).toMatch(/^no registry answered/);
    }
  });

  it('fails with what to install when only a dynamic busybox exists', async () => {
    await docker
      .getImage(TAG)
      .remove({ force: true })
      .catch(() => undefined);
    const t = await seed(true, [process.execPath]);
    expect(t.state).toBe('failed');
    expect(t.error?.message).toMatch(/is dynamically linked/);
    expect(t.error?.hint).toMatch(/apt-get install busybox-static/);
  });
});
