// flotctl ssh: a shell in a machine or a unit's container, through the API's shell.session
// (fleetctl ssh's counterpart; there is no sshd in the machines, the app execs into them).
import { ApiError, type ShellEvent } from '../../shared/api';
import { resolveDataDir } from '../app';
import { connectApi, findApp } from './client';
import type { Io } from './io';
import { CommandError, UsageError } from './usage';

export const SSH_HELP = `  ssh [--cluster NAME] MACHINE|UNIT [COMMAND [ARG...]]
                         a login shell in a machine (host name, id or id prefix) or in a
                         unit's container; with COMMAND runs it there without a TTY, stdin
                         piped through, and exits with its exit code`;

/** The terminal flotctl runs in (process.stdin/stdout/stderr; tests may pass others). */
export interface SshStdio {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & TtySize;
  stderr: NodeJS.WritableStream & TtySize;
}
interface TtySize {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** Asks the terminal now (tty.WriteStream); columns/rows are only refreshed on SIGWINCH. */
  getWindowSize?: () => [number, number];
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

interface SshArgs {
  dataDir: string | undefined;
  cluster: string | undefined;
  target: string;
  command: string[];
}

/**
 * Flags come before the target; everything after it is the remote command, verbatim (so that
 * `flotctl ssh core-01 ls -l` passes -l on), as ssh does.
 */
export function parseSshArgs(args: string[]): SshArgs {
  const flags: Record<'cluster' | 'data-dir', string | undefined> = {
    cluster: undefined,
    'data-dir': undefined,
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const m = /^--(cluster|data-dir)(?:=(.*))?$/s.exec(a);
    if (!m) throw new UsageError(`ssh: unknown option '${a}'`);
    const name = m[1] as 'cluster' | 'data-dir';
    const value = m[2] ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`ssh: option '--${name}' needs a value`);
    flags[name] = value;
  }
  const target = args[i];
  if (!target) throw new UsageError('ssh: missing MACHINE or UNIT');
  return { dataDir: flags['data-dir'], cluster: flags.cluster, target, command: args.slice(i + 1) };
}

const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const;

export async function sshCommand(args: string[], _io: Io, stdio: SshStdio = processStdio()): Promise<number> {
  const opts = parseSshArgs(args);
  const api = await findApp(resolveDataDir(opts.dataDir));
  const { stdin, stdout, stderr } = stdio;
  // Like ssh: a terminal on the other side only for an interactive shell typed at a terminal.
  const tty = opts.command.length === 0 && stdin.isTTY === true;
  const screen = stdout.isTTY ? stdout : stderr.isTTY ? stderr : undefined;
  const size = () => {
    const [cols, rows] = screen?.getWindowSize?.() ?? [screen?.columns ?? 80, screen?.rows ?? 24];
    return { cols: clamp(cols), rows: clamp(rows) };
  };
  const client = connectApi(api);

  return new Promise<number>((resolve, reject) => {
    let sessionId: string | undefined;
    let settled = false;
    let off: () => void = () => undefined;
    let raw = false;
    const restoreTerminal = () => {
      if (raw) stdin.setRawMode?.(false);
      raw = false;
    };
    const onSignal = (sig: keyof typeof SIGNALS) => finish(128 + SIGNALS[sig]);
    const signalHandlers = Object.keys(SIGNALS).map((sig) => {
      const h = () => onSignal(sig as keyof typeof SIGNALS);
      // In raw mode ^C is a byte for the remote shell; SIGINT then only comes from kill(1).
      process.on(sig, h);
      return [sig, h] as const;
    });
    // Signals do not queue: of two quick SIGWINCHs (`stty cols 90 rows 20` is two ioctls) Node may
    // see one, and its cached size may be half-changed. So the size is read afresh a moment later.
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    const onResize = () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (sessionId) void client.call('shell.resize', { sessionId, ...size() }).catch(() => undefined);
      }, 30);
    };
    const onData = (chunk: Buffer | string) => {
      if (!sessionId) return;
      // One chunk in flight at a time: stdin is read no faster than the container takes it.
      stdin.pause();
      const data = Buffer.from(chunk).toString('base64');
      client.call('shell.input', { sessionId, data }).then(
        () => {
          if (!settled) stdin.resume();
        },
        (err: Error) => finish(err),
      );
    };
    const onEnd = () => {
      // The remote process reads EOF.
      if (sessionId) void client.call('shell.input', { sessionId, eof: true }).catch((e: Error) => finish(e));
    };

    function finish(outcome: number | Error): void {
      if (settled) return;
      settled = true;
      // Whatever ended the session, the terminal goes back the way it was before anything prints.
      restoreTerminal();
      process.off('exit', restoreTerminal);
      for (const [sig, h] of signalHandlers) process.off(sig, h);
      screen?.off('resize', onResize);
      clearTimeout(resizeTimer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      // Unsubscribing kills the remote process when it is still running.
      off();
      client.close();
      if (typeof outcome === 'number') resolve(outcome);
      else reject(outcome);
    }

    const onEvent = (e: ShellEvent) => {
      if (settled) return;
      switch (e.type) {
        case 'started':
          sessionId = e.sessionId;
          if (tty) {
            stdin.setRawMode?.(true);
            raw = true;
            process.once('exit', restoreTerminal);
            screen?.on('resize', onResize);
          }
          stdin.on('data', onData);
          stdin.on('end', onEnd);
          stdin.resume();
          return;
        case 'output':
          (e.stream === 'stderr' ? stderr : stdout).write(Buffer.from(e.data, 'base64'));
          return;
        case 'exit':
          finish(e.code);
          return;
      }
    };

    const params = {
      target: opts.target,
      tty,
      ...size(),
      ...(opts.cluster ? { cluster: opts.cluster } : {}),
      ...(opts.command.length > 0 ? { command: opts.command } : {}),
    };
    off = client.subscribe('shell.session', params, onEvent, (err) => finish(err));
    client.onConnectionState((s) => {
      if (s === 'closed') finish(new CommandError('lost the connection to Flotilla during the session'));
    });
  }).catch((err: unknown) => {
    if (err instanceof ApiError || err instanceof CommandError) throw err;
    throw new CommandError(`ssh: ${(err as Error).message}`);
  });
}

const clamp = (n: number) => Math.min(1000, Math.max(1, Math.floor(n) || 1));

function processStdio(): SshStdio {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
