import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ApiError,
  WsApiClient,
  type EngineStatus,
  type ShellEvent,
  type Task,
  type WebSocketLike,
} from '../../shared/api';
import { EngineMonitor } from '../docker';
import { ShellSessions } from '../shell';
import { TaskManager } from '../tasks';
import { HttpTransport } from './http-transport';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityLog } from '../activity';
import { ClusterManager } from '../clusters';
import { ApiService } from './service';

// Real sockets on loopback; the engine endpoint points nowhere, which is a state the API must serve too.
const TOKEN = 'a'.repeat(48);
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function serve(port = 0, Service: typeof ApiService = ApiService) {
  const tasks = new TaskManager();
  const activityDir = mkdtempSync(join(tmpdir(), 'flotilla-http-'));
  cleanup.push(() => rmSync(activityDir, { recursive: true, force: true }));
  const engine = new EngineMonitor({
    endpoint: 'unix:///nonexistent/flotilla-test.sock',
    minRetryMs: 50,
    maxRetryMs: 100,
  });
  engine.start();
  const service = new Service({
    info: {
      product: 'Flotilla',
      version: 't',
      mode: 'serve',
      node: process.versions.node,
      platform: 'x',
      dataDir: '/tmp',
    },
    engine,
    tasks,
    // No cluster is ever created here; the data dir is never written.
    clusters: new ClusterManager('/nonexistent/flotilla-test', engine.docker, tasks),
    shells: new ShellSessions(),
    activity: new ActivityLog(join(activityDir, 'activity.jsonl')),
  });
  const http = new HttpTransport({ service, token: TOKEN, port });
  const boundPort = await http.listen();
  cleanup.push(async () => {
    engine.stop();
    await http.close();
  });
  return { port: boundPort, tasks, http, service };
}

function client(port: number, token = TOKEN) {
  const c = new WsApiClient(
    () =>
      new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`, {
        headers: { Authorization: `Bearer ${token}` },
      }) as unknown as WebSocketLike,
    { maxRetryMs: 100 },
  );
  cleanup.push(() => c.close());
  return c;
}

describe('HTTP + WebSocket transport', () => {
  it('serves calls over the WebSocket with typed results and typed errors', async () => {
    const { port } = await serve();
    const c = client(port);
    const info = await c.call('app.info', {});
    expect(info.product).toBe('Flotilla');
    await expect(c.call('tasks.get', { id: 'missing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no task with id missing',
    });
    // @ts-expect-error: a wrong param type is what a buggy or hostile client sends
    await expect(c.call('tasks.get', { id: 5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('pushes the current engine state on subscribe, with what is wrong and what to do', async () => {
    const { port } = await serve();
    const c = client(port);
    const status = await new Promise<EngineStatus>((resolve) => {
      const off = c.subscribe('docker.status', {}, (s) => {
        if (s.state === 'disconnected') {
          off();
          resolve(s);
        }
      });
    });
    expect(status.problem?.message).toContain('/nonexistent/flotilla-test.sock does not exist');
    expect(status.problem?.hint).toMatch(/dockerd/);
  });

  it('streams task changes and stops after unsubscribe', async () => {
    const { port, tasks } = await serve();
    const c = client(port);
    const seen: Task[] = [];
    const off = c.subscribe('tasks.changed', {}, (t) => seen.push(t));
    await c.call('tasks.list', {}); // the subscribe frame was handled before this answer
    const t = tasks.start({ kind: 'x', title: 'Demo' }, async (ctx) => ctx.progress(0.5, 'half'));
    await tasks.wait(t.id);
    await expect.poll(() => seen.at(-1)?.state).toBe('succeeded');
    off();
    await c.call('tasks.list', {});
    const count = seen.length;
    const t2 = tasks.start({ kind: 'x', title: 'Unseen' }, async () => undefined);
    await tasks.wait(t2.id);
    await c.call('tasks.list', {});
    expect(seen.length).toBe(count);
  });

  it('ends a subscription that fails before it starts with its error', async () => {
    const { port } = await serve();
    const c = client(port);
    const err = await new Promise<Error>((resolve) => {
      c.subscribe('shell.session', { target: 'core-01' }, () => undefined, resolve);
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'There is no cluster yet' });
  });

  it('ends a subscription that fails after it started, on both sides', async () => {
    // A shell session whose target turns out not to exist: the failure comes after `subscribe`
    // returned, through its `fail`, as an `end` frame carrying the error.
    const shells = new ShellSessions();
    let closed = 0;
    class ShellService extends ApiService {
      override subscribe(
        event: string,
        params: unknown,
        emit: (p: unknown) => void,
        fail: (e: ApiError) => void,
      ): () => void {
        if (event !== 'shell.session') return super.subscribe(event, params, emit, fail);
        const close = shells.open(
          async () => {
            await new Promise((r) => setTimeout(r, 20));
            throw new ApiError('NOT_FOUND', 'no machine or unit named core-09');
          },
          { tty: false, cols: 80, rows: 24 },
          emit,
          (e) => fail(ApiError.from(e)),
        );
        return () => {
          closed++;
          close();
        };
      }
    }
    const { port } = await serve(0, ShellService);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    cleanup.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    ws.send(
      JSON.stringify({ type: 'subscribe', id: 7, event: 'shell.session', params: { target: 'core-09' } }),
    );
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]).toEqual({
      type: 'end',
      id: 7,
      error: { code: 'NOT_FOUND', message: 'no machine or unit named core-09' },
    });
    // The server side let go of it: the session is closed once, and a late unsubscribe is harmless.
    expect(closed).toBe(1);
    expect(shells.size).toBe(0);
    ws.send(JSON.stringify({ type: 'unsubscribe', id: 7 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(1);

    // The WebSocket client hands the error to the subscriber.
    const c = client(port);
    const payloads: ShellEvent[] = [];
    const err = await new Promise<Error>((resolve) => {
      c.subscribe('shell.session', { target: 'core-09' }, (p) => payloads.push(p), resolve);
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no machine or unit named core-09' });
    expect(payloads).toEqual([]);
  });

  it('refuses a WebSocket with a wrong token', async () => {
    const { port } = await serve();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`, {
      headers: { Authorization: 'Bearer wrong' },
    });
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', () => resolve('error'));
    });
    expect(outcome).toBe('401');
  });

  it('answers garbage frames with an error and keeps the connection', async () => {
    const { port } = await serve();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    cleanup.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    const replies: string[] = [];
    ws.on('message', (d) => replies.push(String(d)));
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'call', id: 'x' }));
    ws.send(JSON.stringify({ type: 'call', id: 3, method: 'app.info', params: {} }));
    await expect.poll(() => replies.length).toBe(3);
    expect(JSON.parse(replies[0] ?? '').error.message).toMatch(/invalid JSON/);
    expect(JSON.parse(replies[1] ?? '').error.code).toBe('BAD_REQUEST');
    expect(JSON.parse(replies[2] ?? '')).toMatchObject({ type: 'result', id: 3 });
  });

  it('reconnects by itself and resubscribes when the server comes back', async () => {
    const first = await serve();
    const c = client(first.port);
    const states: string[] = [];
    c.onConnectionState((s) => states.push(s));
    const payloads: EngineStatus[] = [];
    c.subscribe('docker.status', {}, (s) => payloads.push(s));
    await expect.poll(() => payloads.length).toBeGreaterThan(0);
    await first.http.close();
    await expect.poll(() => states.includes('reconnecting')).toBe(true);
    const before = payloads.length;
    await serve(first.port); // same port, a new server
    await expect.poll(() => c.connectionState, { timeout: 5000 }).toBe('open');
    await expect.poll(() => payloads.length).toBeGreaterThan(before);
  });
});
