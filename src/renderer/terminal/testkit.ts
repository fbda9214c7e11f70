// A fake shell API and the few browser pieces xterm.js needs in jsdom, for the dock's tests.
import type {
  CallName,
  CallParams,
  ConnectionState,
  EventName,
  EventParams,
  EventPayload,
  ShellEvent,
} from '../../shared/api';
import type { RendererApi } from '../api/client';

/** One shell.session (or other) subscription the code under test made. */
export interface FakeSubscription {
  event: EventName;
  params: Record<string, unknown>;
  emit(payload: unknown): void;
  fail(err: Error): void;
  closed: boolean;
}

/** An API whose subscriptions the test drives and whose calls it records; calls answer with `answer`. */
export function fakeShellApi(
  answer: (method: CallName, params: unknown) => Promise<unknown> = async () => ({}),
) {
  const subscriptions: FakeSubscription[] = [];
  const calls: { method: CallName; params: Record<string, unknown> }[] = [];
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const api: RendererApi = {
    transport: 'websocket',
    connectionState: () => 'open',
    onConnectionState: (l) => {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
    call: (async <M extends CallName>(method: M, params: CallParams<M>) => {
      calls.push({ method, params: params as Record<string, unknown> });
      return answer(method, params);
    }) as RendererApi['call'],
    subscribe: <E extends EventName>(
      event: E,
      params: EventParams<E>,
      onPayload: (p: EventPayload<E>) => void,
      onError?: (e: Error) => void,
    ) => {
      const sub: FakeSubscription = {
        event,
        params: params as Record<string, unknown>,
        closed: false,
        emit: (p) => {
          if (!sub.closed) onPayload(p as EventPayload<E>);
        },
        fail: (err) => {
          if (sub.closed) return;
          sub.closed = true;
          onError?.(err);
        },
      };
      subscriptions.push(sub);
      return () => {
        sub.closed = true;
      };
    },
  };
  const shells = () => subscriptions.filter((s) => s.event === 'shell.session');
  return {
    api,
    calls,
    subscriptions,
    shells,
    /** The newest shell.session subscription. */
    shell: () => shells().at(-1)!,
    setConnectionState: (s: ConnectionState) => stateListeners.forEach((l) => l(s)),
    /** shell.input payloads decoded as text, in the order sent. */
    inputText: () =>
      calls
        .filter((c) => c.method === 'shell.input')
        .map((c) =>
          new TextDecoder().decode(Uint8Array.from(atob(String(c.params.data)), (ch) => ch.charCodeAt(0))),
        )
        .join(''),
  };
}

export const started = (sessionId = 's1', description = 'machine core-02'): ShellEvent => ({
  type: 'started',
  sessionId,
  description,
});
export const output = (text: string): ShellEvent => ({
  type: 'output',
  stream: 'stdout',
  data: btoa(String.fromCharCode(...new TextEncoder().encode(text))),
});

/**
 * What xterm.js needs from jsdom to open: matchMedia, a canvas context it may go without, and a
 * box with a size (jsdom lays nothing out) so the dock's terminals open and start their sessions.
 * Returns the undo.
 */
export function installXtermStubs(width = 800, height = 400): () => void {
  const saved = {
    matchMedia: window.matchMedia,
    getContext: HTMLCanvasElement.prototype.getContext,
  };
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
  for (const [key, value] of Object.entries({ clientWidth: width, clientHeight: height }))
    Object.defineProperty(HTMLElement.prototype, key, { configurable: true, get: () => value });
  return () => {
    window.matchMedia = saved.matchMedia;
    HTMLCanvasElement.prototype.getContext = saved.getContext;
    for (const key of ['clientWidth', 'clientHeight']) Reflect.deleteProperty(HTMLElement.prototype, key);
  };
}

/** The text xterm's DOM renderer shows, row by row (trailing blanks trimmed). */
export function screenRows(root: ParentNode = document): string[] {
  return [...root.querySelectorAll('.xterm-rows > div')].map((r) =>
    (r.textContent ?? '').replace(/\s+$/, ''),
  );
}

/** Lets xterm parse what was written (its writes are asynchronous) and React settle. */
export function flush(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
