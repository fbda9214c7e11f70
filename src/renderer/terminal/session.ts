// One shell.session as a terminal drives it: subscribe with the terminal's size, decode output,
// send keystrokes in order, follow resizes, and say how it ended.
import type { RendererApi } from '../api/client';
import { errorText } from '../app/notify';
import { OutputDecoder, inputChunks } from './codec';
import type { SessionState } from './tabs';

/** The part of the app's API a session needs (tests pass a fake). */
export type ShellApi = Pick<RendererApi, 'call' | 'subscribe' | 'onConnectionState'>;

export interface SessionSink {
  /** Decoded output, in order. */
  output(text: string): void;
  state(state: SessionState): void;
}

/** Trailing delay for resizes: dragging the dock's edge fits the terminal on every frame. */
export const RESIZE_DELAY_MS = 60;

/**
 * A session that ended stays ended: a new one is a new ShellConnection. Input typed before the
 * session started waits for it; input after it ended is dropped.
 */
export class ShellConnection {
  private readonly decoder = new OutputDecoder();
  private off: (() => void) | undefined;
  private started = false;
  private offConnection: (() => void) | undefined;
  private sessionId: string | undefined;
  private ended = false;
  private queue: Uint8Array[] = [];
  private sending = false;
  /** The size the shell has (or was asked for), and the one the terminal has now. */
  private sent = { cols: 0, rows: 0 };
  private size = { cols: 0, rows: 0 };
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: ShellApi,
    private readonly where: { target: string; cluster: string | undefined },
    private readonly sink: SessionSink,
  ) {}

  start(cols: number, rows: number): void {
    if (this.started || this.ended) return;
    this.started = true;
    this.size = { cols, rows };
    this.sent = { cols, rows };
    this.sink.state({ kind: 'connecting' });
    // The WebSocket client re-subscribes after a reconnect, which would start a fresh shell behind
    // the person's back; a lost connection ends this session instead, and Reconnect is theirs.
    this.offConnection = this.api.onConnectionState((s) => {
      if (s === 'reconnecting' || s === 'closed') this.fail('lost the connection to Flotilla');
    });
    const off = this.api.subscribe(
      'shell.session',
      {
        target: this.where.target,
        tty: true,
        cols,
        rows,
        ...(this.where.cluster ? { cluster: this.where.cluster } : {}),
      },
      (e) => {
        if (this.ended) return;
        switch (e.type) {
          case 'started':
            this.sessionId = e.sessionId;
            this.sink.state({ kind: 'running', description: e.description });
            if (this.size.cols !== this.sent.cols || this.size.rows !== this.sent.rows) this.sendResize();
            this.pump();
            return;
          case 'output':
            this.sink.output(this.decoder.decode(e.data));
            return;
          case 'exit':
            this.finish({ kind: 'exited', code: e.code });
            return;
        }
      },
      (err) => this.fail(errorText(err)),
    );
    // A transport may fail the subscription before subscribe returns.
    if (this.ended) off();
    else this.off = off;
  }

  /** Bytes typed or pasted; sent one call at a time so they arrive in order. */
  input(bytes: Uint8Array): void {
    if (this.ended || bytes.length === 0) return;
    this.queue.push(bytes);
    this.pump();
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.ended || !this.sessionId) return;
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.sendResize(), RESIZE_DELAY_MS);
  }

  /** Ends the session (unsubscribing kills the process); nothing is reported afterwards. */
  close(): void {
    this.ended = true;
    this.stop();
  }

  private sendResize(): void {
    const { cols, rows } = this.size;
    if (this.ended || !this.sessionId || (cols === this.sent.cols && rows === this.sent.rows)) return;
    this.sent = { cols, rows };
    // A resize racing with the exit fails with NOT_FOUND; the exit says what happened.
    this.api.call('shell.resize', { sessionId: this.sessionId, cols, rows }).catch(() => undefined);
  }

  private pump(): void {
    const sessionId = this.sessionId;
    if (this.sending || !sessionId || this.ended || this.queue.length === 0) return;
    const [first, ...rest] = inputChunks(this.queue);
    this.queue = [];
    this.sending = true;
    // The rest of a big paste goes after the first chunk, ahead of anything typed meanwhile.
    const send = (chunks: string[]): Promise<void> => {
      const data = chunks[0];
      if (data === undefined || this.ended) return Promise.resolve();
      return this.api.call('shell.input', { sessionId, data }).then(() => send(chunks.slice(1)));
    };
    send(first === undefined ? [] : [first, ...rest])
      // Input to a session that has just ended fails (NOT_FOUND); its exit or error follows.
      .catch(() => undefined)
      .finally(() => {
        this.sending = false;
        this.pump();
      });
  }

  private fail(reason: string): void {
    this.finish({ kind: 'failed', reason });
  }

  private finish(state: SessionState): void {
    if (this.ended) return;
    this.ended = true;
    this.stop();
    const rest = this.decoder.end();
    if (rest) this.sink.output(rest);
    this.sink.state(state);
  }

  private stop(): void {
    clearTimeout(this.resizeTimer);
    this.queue = [];
    this.offConnection?.();
    this.offConnection = undefined;
    const off = this.off;
    this.off = undefined;
    off?.();
  }
}
