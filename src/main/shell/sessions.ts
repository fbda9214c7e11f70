import { randomBytes } from 'node:crypto';
import { ApiError, type ShellEvent } from '../../shared/api';
import { startSshExec } from '../remote';
import { dockerError, startExec, type ExecEvents, type RunningExec } from './exec';
import type { ShellRequest, ShellTarget } from './types';

/** Each session is a process in a container and a hijacked engine connection: keep them bounded. */
export const MAX_SHELL_SESSIONS = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Session {
  /** Set once the process runs and `started` was emitted; input and resize need it. */
  exec: RunningExec | undefined;
  closed: boolean;
}

/**
 * Exec sessions in containers, driven through the API (flotctl ssh, the GUI terminal).
 *
 * Protocol: subscribing to `shell.session` calls `open`; the first payload is `started` with the
 * session id, then `output` chunks, then `exit` with the process's code. `input` with empty data
 * means end of input (the process reads EOF on stdin). Unsubscribing calls the returned end, which
 * kills the process and everything it started. Ids are 128-bit random: knowing one is the
 * capability to type into that shell.
 */
export class ShellSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly limit = MAX_SHELL_SESSIONS) {}

  /** Starts a session once `target` resolves; returns its end (kills the process). */
  open(
    target: () => Promise<ShellTarget>,
    req: ShellRequest,
    emit: (e: ShellEvent) => void,
    fail: (err: Error) => void,
  ): () => void {
    if (this.sessions.size >= this.limit)
      throw new ApiError('CONFLICT', `too many shell sessions: ${this.limit} are open in this app`, {
        hint: 'Close a terminal or end a flotctl ssh, then try again.',
      });
    const id = randomBytes(16).toString('base64url');
    const session: Session = { exec: undefined, closed: false };
    this.sessions.set(id, session);
    const forget = () => {
      if (this.sessions.get(id) === session) this.sessions.delete(id);
    };

    void (async () => {
      let resolved: ShellTarget | undefined;
      try {
        resolved = await target();
        if (session.closed) return;
        const t = resolved;
        const events: ExecEvents = {
          started: (running) => {
            session.exec = running;
            if (!session.closed) emit({ type: 'started', sessionId: id, description: t.description });
          },
          output: (stream, data) => {
            if (!session.closed) emit({ type: 'output', stream, data: data.toString('base64') });
          },
          exit: (code) => {
            forget();
            if (!session.closed) emit({ type: 'exit', code });
          },
          error: (err) => {
            forget();
            if (!session.closed) fail(err);
          },
        };
        const exec =
          t.kind === 'ssh' ? await startSshExec(t.client, req, events) : await startExec(t, req, events);
        // Unsubscribed while the exec was starting: the process exists now, end it.
        if (session.closed) await exec.kill();
      } catch (err) {
        forget();
        if (!session.closed)
          fail(resolved?.kind === 'container' ? dockerError(err, resolved) : (err as Error));
      }
    })();

    return () => {
      if (session.closed) return;
      session.closed = true;
      forget();
      void session.exec?.kill().catch(() => undefined);
    };
  }

  /** Bytes for the session's stdin (base64); `eof` closes its stdin after them. */
  input(sessionId: string, base64: string, eof = false): void {
    const exec = this.running(sessionId);
    if (!BASE64.test(base64)) throw new ApiError('BAD_REQUEST', 'shell input must be base64');
    if (base64 !== '') {
      if (exec.inputEnded)
        throw new ApiError('CONFLICT', `the input of shell session ${sessionId} was closed already`);
      exec.write(Buffer.from(base64, 'base64'));
    }
    if (eof) exec.endInput();
  }

  /** New terminal size; sessions without a TTY ignore it. */
  resize(sessionId: string, cols: number, rows: number): void {
    this.running(sessionId).resize(cols, rows);
  }

  /** Ends every session (app stop) and waits for their processes to be killed. */
  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) s.closed = true;
    await Promise.all(all.map((s) => s.exec?.kill().catch(() => undefined)));
  }

  /** Sessions started and not ended. */
  get size(): number {
    return this.sessions.size;
  }

  private running(sessionId: string): RunningExec {
    const exec = this.sessions.get(sessionId)?.exec;
    if (!exec)
      throw new ApiError('NOT_FOUND', `no shell session ${sessionId}: it has ended or never existed`);
    return exec;
  }
}
