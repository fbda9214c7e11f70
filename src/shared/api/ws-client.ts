import {
  type ApiClient,
  type CallName,
  type CallParams,
  type CallResult,
  type EventName,
  type EventParams,
  type EventPayload,
} from './contract';
import { ApiError } from './errors';
import { ServerFrame, type ClientFrame } from './protocol';

/** The subset of the WebSocket interface both browsers and the `ws` package provide. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

interface Subscription {
  event: string;
  params: unknown;
  onPayload: (p: unknown) => void;
  onError?: (e: Error) => void;
}

/**
 * ApiClient over the WebSocket transport, for the browser UI and the CLI. It reconnects by itself
 * with backoff and re-subscribes every live subscription (each subscription's first payload is
 * the current state, so a reconnect resynchronises the UI). Calls made while disconnected wait
 * for the connection.
 */
export class WsApiClient implements ApiClient {
  private ws: WebSocketLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; sent: boolean }
  >();
  private readonly subs = new Map<number, Subscription>();
  private readonly queue: ClientFrame[] = [];
  private state: ConnectionState = 'connecting';
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private retryMs = 250;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connect: () => WebSocketLike,
    private readonly opts: { reconnect?: boolean; maxRetryMs?: number } = {},
  ) {
    this.open();
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
    if (this.closed) return Promise.reject(new ApiError('CANCELED', 'client closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, sent: false });
      this.send({ type: 'call', id, method, params });
    });
  }

  subscribe<E extends EventName>(
    event: E,
    params: EventParams<E>,
    onPayload: (payload: EventPayload<E>) => void,
    onError?: (err: Error) => void,
  ): () => void {
    const id = this.nextId++;
    const sub: Subscription = { event, params, onPayload: onPayload as (p: unknown) => void };
    if (onError) sub.onError = onError;
    this.subs.set(id, sub);
    this.send({ type: 'subscribe', id, event, params });
    return () => {
      if (!this.subs.delete(id)) return;
      this.send({ type: 'unsubscribe', id });
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
    this.setState('closed');
    for (const p of this.pending.values()) p.reject(new ApiError('CANCELED', 'client closed'));
    this.pending.clear();
  }

  private open(): void {
    const ws = this.connect();
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.retryMs = 250;
      this.setState('open');
      // Re-subscribe first: subscriptions made while away are in the queue too, skip duplicates.
      const queued = this.queue.splice(0);
      const queuedSubs = new Set(queued.filter((f) => f.type === 'subscribe').map((f) => f.id));
      for (const [id, s] of this.subs) {
        if (!queuedSubs.has(id))
          this.sendNow(ws, { type: 'subscribe', id, event: s.event, params: s.params });
      }
      for (const f of queued) this.sendNow(ws, f);
    });
    ws.addEventListener('message', (ev) => this.receive(ev.data));
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      // Calls in flight have no answer coming; the caller decides whether to retry. Calls still
      // queued go out on the next connection.
      for (const [id, p] of this.pending) {
        if (!p.sent) continue;
        this.pending.delete(id);
        p.reject(new ApiError('INTERNAL', 'connection to Flotilla lost'));
      }
      if (this.closed || this.opts.reconnect === false) {
        this.setState('closed');
        return;
      }
      this.setState('reconnecting');
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs ?? 5000);
    });
    ws.addEventListener('error', () => {
      /* 'close' follows and handles it */
    });
  }

  private send(frame: ClientFrame): void {
    if (this.ws && this.ws.readyState === 1) this.sendNow(this.ws, frame);
    else if (frame.type !== 'unsubscribe') this.queue.push(frame);
  }

  private sendNow(ws: WebSocketLike, frame: ClientFrame): void {
    ws.send(JSON.stringify(frame));
    if (frame.type === 'call') {
      const p = this.pending.get(frame.id);
      if (p) p.sent = true;
    }
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = ServerFrame.parse(JSON.parse(String(data)));
    } catch {
      return; // A frame we cannot read is dropped rather than crashing the UI.
    }
    switch (frame.type) {
      case 'result':
      case 'error': {
        const p = this.pending.get(frame.id);
        if (!p) return;
        this.pending.delete(frame.id);
        if (frame.type === 'result') p.resolve(frame.result);
        else p.reject(ApiError.fromBody(frame.error));
        return;
      }
      case 'event':
        this.subs.get(frame.id)?.onPayload(frame.payload);
        return;
      case 'end': {
        const s = this.subs.get(frame.id);
        this.subs.delete(frame.id);
        if (s && frame.error) s.onError?.(ApiError.fromBody(frame.error));
        return;
      }
    }
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }
}
