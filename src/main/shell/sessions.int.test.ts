import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShellEvent } from '../../shared/api';
import { seedBusybox } from '../docker';
import { SILENT_TASK } from '../tasks';
import { ShellSessions, type ShellRequest, type ShellTarget } from '.';

// Shell sessions against a real busybox container on the local engine.

const docker = new Docker();
const PREFIX = 'shtest-';
const NAME = `${PREFIX}${process.pid.toString(36)}`;
let target: ShellTarget;

async function removeMine(all: boolean) {
  const list = await docker.listContainers({ all: true });
  for (const c of list) {
    const name = c.Names[0]?.replace(/^\//, '') ?? '';
    if (all ? name.startsWith(PREFIX) : name === NAME)
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
}

beforeAll(async () => {
  await removeMine(true);
  await seedBusybox(docker, SILENT_TASK, { tag: 'busybox:latest', offline: false });
  const c = await docker.createContainer({
    Image: 'busybox:latest',
    name: NAME,
    Cmd: ['sleep', '3600'],
    HostConfig: { AutoRemove: false },
  });
  await c.start();
  target = { kind: 'container', docker, container: NAME, description: `test container ${NAME}` };
});

afterAll(async () => {
  await removeMine(false);
});

/** A session as a client sees it: events in order, decoded output, and its end. */
function session(shells: ShellSessions, req: Partial<ShellRequest>, t: () => Promise<ShellTarget>) {
  const events: ShellEvent[] = [];
  const out: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  let failure: Error | undefined;
  let notify = () => undefined as void;
  const changed = () => new Promise<void>((r) => (notify = r));
  const close = shells.open(
    t,
    { tty: false, cols: 80, rows: 24, ...req },
    (e) => {
      events.push(e);
      if (e.type === 'output') out[e.stream] += Buffer.from(e.data, 'base64').toString();
      notify();
    },
    (err) => {
      failure = err;
      notify();
    },
  );
  const until = async (what: string, ok: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (failure) throw failure;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(out)}`);
      await Promise.race([changed(), new Promise((r) => setTimeout(r, 50))]);
    }
  };
  const started = async () => {
    await until('started', () => events.some((e) => e.type === 'started'));
    return (events.find((e) => e.type === 'started') as { sessionId: string }).sessionId;
  };
  const exit = async () => {
    await until('exit', () => events.some((e) => e.type === 'exit'));
    return (events.find((e) => e.type === 'exit') as { code: number }).code;
  };
  return { events, out, close, until, started, exit, failure: () => failure };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function processes(): Promise<string[]> {
  const top = await docker.getContainer(NAME).top({ ps_args: '-o pid,args' });
  return (top.Processes as string[][]).map((p) => p.join(' '));
}

describe('ShellSessions on a real container', () => {
  it('runs one command and reports its output and exit code', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { command: ['sh', '-c', 'echo hello; exit 7'] }, async () => target);
    const id = await s.started();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits
    expect(await s.exit()).toBe(7);
    expect(s.out.stdout).toBe('hello\n');
    expect(s.events[0]).toMatchObject({ type: 'started', description: `test container ${NAME}` });
    expect(s.events.at(-1)).toEqual({ type: 'exit', code: 7 });
    expect(shells.size).toBe(0);
    s.close();
  });

  it('keeps stdout and stderr apart without a TTY', async () => {
    const shells = new ShellSessions();
    const s = session(
      shells,
      { command: ['sh', '-c', 'echo out; echo err >&2; echo out2'] },
      async () => target,
    );
    expect(await s.exit()).toBe(0);
    expect(s.out).toEqual({ stdout: 'out\nout2\n', stderr: 'err\n' });
    s.close();
  });

  it('pipes stdin through; eof closes it', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { command: ['sh', '-c', 'tr a-z A-Z; echo "[eof]"'] }, async () => target);
    const id = await s.started();
    shells.input(id, b64('hello '));
    shells.input(id, b64('world\n'));
    shells.input(id, '', true);
    expect(() => shells.input(id, b64('late'))).toThrow(/closed already/);
    expect(await s.exit()).toBe(0);
    expect(s.out.stdout).toBe('HELLO WORLD\n[eof]\n');
    // The session is gone: input names it as such.
    expect(() => shells.input(id, b64('x'))).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('has ended') }),
    );
    s.close();
  });

  it('runs an interactive login shell on a TTY that follows resizes', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { tty: true, cols: 100, rows: 30 }, async () => target);
    const id = await s.started();
    shells.input(id, b64('stty size; echo "[$TERM]"\n'));
    await s.until('first size', () => s.out.stdout.includes('30 100'));
    shells.resize(id, 132, 43);
    shells.input(id, b64('stty size\n'));
    await s.until('new size', () => s.out.stdout.includes('43 132'));
    expect(s.out.stdout).toContain('[xterm]');
    // One stream on a TTY: stderr arrives as stdout.
    shells.input(id, b64('echo oops >&2; exit 3\n'));
    expect(await s.exit()).toBe(3);
    expect(s.out.stdout).toContain('oops');
    expect(s.out.stderr).toBe('');
    s.close();
  });

  it('kills the process and its children when the session is closed', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { command: ['sh', '-c', 'sleep 4321 & sleep 4322'] }, async () => target);
    await s.started();
    const before = async () => (await processes()).filter((p) => /sleep 432[12]/.test(p));
    const end = Date.now() + 5_000;
    while ((await before()).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await before()).toHaveLength(2);
    s.close();
    const gone = Date.now() + 5_000;
    while ((await before()).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(await before()).toEqual([]);
    // No exit event follows a close: the subscriber is gone.
    expect(s.events.some((e) => e.type === 'exit')).toBe(false);
    expect(shells.size).toBe(0);
  });

  it('kills an interactive shell on closeAll', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { tty: true }, async () => target);
    const id = await s.started();
    shells.input(id, b64('sleep 4323\n'));
    const sleeping = async () => (await processes()).filter((p) => p.includes('sleep 4323'));
    const end = Date.now() + 5_000;
    while ((await sleeping()).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await sleeping()).toHaveLength(1);
    await shells.closeAll();
    const gone = Date.now() + 5_000;
    while ((await sleeping()).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(await sleeping()).toEqual([]);
    expect(() => shells.input(id, b64('x'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('reports a command that does not exist with its exit code', async () => {
    const shells = new ShellSessions();
    const s = session(shells, { command: ['no-such-command'] }, async () => target);
    expect(await s.exit()).toBe(126);
    expect(s.out.stdout + s.out.stderr).toMatch(/no-such-command/);
    s.close();
  });

  it('fails a session whose container does not exist, naming the target', async () => {
    const shells = new ShellSessions();
    const s = session(shells, {}, async () => ({
      kind: 'container',
      docker,
      container: `${PREFIX}missing`,
      description: 'machine core-09',
    }));
    await expect(s.started()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'machine core-09: no such container',
    });
    expect(shells.size).toBe(0);
  });
});
