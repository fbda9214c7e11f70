import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/api';
import { RESIZE_DELAY_MS, ShellConnection } from './session';
import { textBytes } from './codec';
import type { SessionState } from './tabs';
import { fakeShellApi, output, started } from './testkit';

function connect(api = fakeShellApi(), { cluster }: { cluster: string | undefined } = { cluster: 'demo' }) {
  const out: string[] = [];
  const states: SessionState[] = [];
  const conn = new ShellConnection(
    api.api,
    { target: 'core-02', cluster },
    {
      output: (t) => out.push(t),
      state: (s) => states.push(s),
    },
  );
  return { api, conn, out, states, text: () => out.join('') };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ShellConnection', () => {
  it('subscribes with a TTY, the size and the cluster; started makes it running', () => {
    const { api, conn, states } = connect();
    conn.start(120, 40);
    expect(api.shell().params).toEqual({
      target: 'core-02',
      tty: true,
      cols: 120,
      rows: 40,
      cluster: 'demo',
    });
    expect(states).toEqual([{ kind: 'connecting' }]);
    api.shell().emit(started('s1', 'machine core-02 (flotilla-demo-core-02)'));
    expect(states.at(-1)).toEqual({
      kind: 'running',
      description: 'machine core-02 (flotilla-demo-core-02)',
    });
    conn.start(1, 1); // once only
    expect(api.shells()).toHaveLength(1);
  });

  it('leaves the cluster out when there is none (the API picks the active one)', () => {
    const { api, conn } = connect(fakeShellApi(), { cluster: undefined });
    conn.start(80, 24);
    expect(api.shell().params).not.toHaveProperty('cluster');
  });

  it('decodes output as UTF-8 across chunk boundaries', () => {
    const { api, conn, text } = connect();
    conn.start(80, 24);
    api.shell().emit(started());
    const bytes = textBytes('naïve €\r\n');
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    api.shell().emit({ type: 'output', stream: 'stdout', data: b64(bytes.subarray(0, 3)) });
    api.shell().emit({ type: 'output', stream: 'stdout', data: b64(bytes.subarray(3, 8)) });
    api.shell().emit({ type: 'output', stream: 'stdout', data: b64(bytes.subarray(8)) });
    expect(text()).toBe('naïve €\r\n');
    expect(text()).not.toContain('\uFFFD');
  });

  it('holds input typed before the session started, then sends it in order, one call at a time', async () => {
    const pending: (() => void)[] = [];
    const api = fakeShellApi((method) =>
      method === 'shell.input' ? new Promise((r) => pending.push(() => r({}))) : Promise.resolve({}),
    );
    const { conn } = connect(api);
    conn.start(80, 24);
    conn.input(textBytes('ec'));
    expect(api.calls).toEqual([]);
    api.shell().emit(started('s9'));
    conn.input(textBytes('ho'));
    conn.input(textBytes(' hi\r'));
    // One call in flight: the first batch; what was typed meanwhile waits and goes as one.
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]?.params.sessionId).toBe('s9');
    pending.shift()!();
    await tick();
    expect(api.calls).toHaveLength(2);
    pending.shift()!();
    await tick();
    expect(api.inputText()).toBe('echo hi\r');
  });

  it('sends a big paste in chunks the API accepts', async () => {
    const { api, conn } = connect();
    conn.start(80, 24);
    api.shell().emit(started());
    conn.input(textBytes('x'.repeat(120_000)));
    await vi.waitFor(() => expect(api.inputText()).toHaveLength(120_000));
    const inputs = api.calls.filter((c) => c.method === 'shell.input');
    expect(inputs.length).toBe(3);
    for (const c of inputs) expect(String(c.params.data).length).toBeLessThanOrEqual(1_000_000);
  });

  it('keeps going after a failed input call (the exit says what happened)', async () => {
    let fail = true;
    const api = fakeShellApi(async (method) => {
      if (method === 'shell.input' && fail) {
        fail = false;
        throw new ApiError('NOT_FOUND', 'no shell session');
      }
      return {};
    });
    const { conn } = connect(api);
    conn.start(80, 24);
    api.shell().emit(started());
    conn.input(textBytes('a'));
    await tick();
    conn.input(textBytes('b'));
    await tick();
    expect(api.inputText()).toBe('ab');
  });

  describe('resizing', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('sends the last size once the drag settles, and not a size the shell has', () => {
      const { api, conn } = connect();
      conn.start(80, 24);
      api.shell().emit(started('s1'));
      conn.resize(90, 30);
      conn.resize(100, 35);
      expect(api.calls).toEqual([]);
      vi.advanceTimersByTime(RESIZE_DELAY_MS);
      expect(api.calls).toEqual([
        { method: 'shell.resize', params: { sessionId: 's1', cols: 100, rows: 35 } },
      ]);
      conn.resize(100, 35);
      vi.advanceTimersByTime(RESIZE_DELAY_MS);
      expect(api.calls).toHaveLength(1);
    });

    it('a resize before the start is sent when the session starts', () => {
      const { api, conn } = connect();
      conn.start(80, 24);
      conn.resize(132, 43);
      vi.advanceTimersByTime(RESIZE_DELAY_MS);
      expect(api.calls).toEqual([]);
      api.shell().emit(started('s1'));
      expect(api.calls).toEqual([
        { method: 'shell.resize', params: { sessionId: 's1', cols: 132, rows: 43 } },
      ]);
    });
  });

  it('reports the exit code, flushes a cut-off sequence, and ignores input afterwards', async () => {
    const { api, conn, states, text } = connect();
    conn.start(80, 24);
    api.shell().emit(started());
    api
      .shell()
      .emit({ type: 'output', stream: 'stdout', data: Buffer.from([0xe2, 0x82]).toString('base64') });
    api.shell().emit({ type: 'exit', code: 3 });
    expect(states.at(-1)).toEqual({ kind: 'exited', code: 3 });
    expect(text()).toBe('\uFFFD');
    expect(api.shell().closed).toBe(true);
    conn.input(textBytes('ls\r'));
    api.shell().emit(output('late'));
    await tick();
    expect(api.calls.filter((c) => c.method === 'shell.input')).toEqual([]);
    expect(text()).toBe('\uFFFD');
  });

  it('fails with the API error and its hint', () => {
    const { api, conn, states } = connect();
    conn.start(80, 24);
    api
      .shell()
      .fail(
        new ApiError('CONFLICT', 'Machine core-02 is stopped', { hint: 'flotctl machine start core-02' }),
      );
    expect(states.at(-1)).toEqual({
      kind: 'failed',
      reason: 'Machine core-02 is stopped — flotctl machine start core-02',
    });
  });

  it('fails when a subscription is refused before subscribe returns', () => {
    const api = fakeShellApi();
    const subscribe = api.api.subscribe.bind(api.api);
    let unsubscribed = false;
    api.api.subscribe = ((event: never, params: never, onPayload: never, onError?: (e: Error) => void) => {
      const off = subscribe(event, params, onPayload, onError);
      onError?.(new ApiError('CONFLICT', 'too many shell sessions'));
      return () => {
        unsubscribed = true;
        off();
      };
    }) as typeof api.api.subscribe;
    const { conn, states } = connect(api);
    conn.start(80, 24);
    expect(states.at(-1)).toEqual({ kind: 'failed', reason: 'too many shell sessions' });
    expect(unsubscribed).toBe(true);
  });

  it('ends the session when the connection to Flotilla drops, instead of a silent new shell', () => {
    const { api, conn, states } = connect();
    conn.start(80, 24);
    api.shell().emit(started());
    api.setConnectionState('open');
    expect(states.at(-1)?.kind).toBe('running');
    api.setConnectionState('reconnecting');
    expect(states.at(-1)).toEqual({ kind: 'failed', reason: 'lost the connection to Flotilla' });
    expect(api.shell().closed).toBe(true);
  });

  it('close unsubscribes (the server kills the process) and reports nothing more', () => {
    const { api, conn, states } = connect();
    conn.start(80, 24);
    api.shell().emit(started());
    conn.close();
    expect(api.shell().closed).toBe(true);
    api.setConnectionState('closed');
    expect(states.at(-1)?.kind).toBe('running');
  });
});
