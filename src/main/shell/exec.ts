import { randomBytes } from 'node:crypto';
import { Writable, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { ApiError } from '../../shared/api';
import type { ContainerShellTarget, ShellRequest } from './types';

/** What a started exec reports; called at most until `exit` or `error`, never after `kill`. */
export interface ExecEvents {
  /** The process runs; called before any output, with the handle `startExec` resolves to. */
  started(exec: RunningExec): void;
  output(stream: 'stdout' | 'stderr', data: Buffer): void;
  exit(code: number): void;
  error(err: Error): void;
}

/** A process exec'd in a container, attached through a hijacked connection. */
export interface RunningExec {
  readonly tty: boolean;
  write(data: Buffer): void;
  /** Half-closes the connection: the process reads end of file on stdin. */
  endInput(): void;
  readonly inputEnded: boolean;
  resize(cols: number, rows: number): void;
  /** Ends the process and everything it started (best effort); no event follows. */
  kill(): Promise<void>;
}

/** Environment variable every session process carries, so that `kill` can find its whole tree. */
const MARKER_VAR = 'FLOTILLA_SHELL_MARK';

/**
 * Docker has no API to signal an exec'd process, and closing the attach connection leaves it
 * running (even with a TTY: no SIGHUP is sent). So a second exec kills every process whose
 * environment carries the session's marker: the shell and everything it started. The marker is
 * passed as an argument ($1), never spliced into the script.
 */
const KILL_SCRIPT = [
  'for d in /proc/[0-9]*; do',
  '  if tr "\\0" "\\n" < "$d/environ" 2>/dev/null | grep -qxF "$1"; then kill -9 "${d#/proc/}" 2>/dev/null; fi',
  'done',
  'exit 0',
].join('\n');

const LOGIN_SHELL = ['/bin/sh', '-l'];
const KILL_TIMEOUT_MS = 5_000;

/** Starts `req` in the target container; resolves once attached. Errors come as ApiErrors. */
export async function startExec(
  target: ContainerShellTarget,
  req: ShellRequest,
  on: ExecEvents,
): Promise<RunningExec> {
  const container = target.docker.getContainer(target.container);
  const marker = `${MARKER_VAR}=${randomBytes(16).toString('hex')}`;
  const env = [marker];
  // busybox sh edits lines without it, but full-screen programs (vi, top) need a terminal type.
  if (req.tty) env.push('TERM=xterm');
  let exec: Docker.Exec;
  let socket: Duplex;
  try {
    exec = await container.exec({
      Cmd: req.command && req.command.length > 0 ? req.command : LOGIN_SHELL,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: req.tty,
      Env: env,
      // Honoured from API 1.42; older engines ignore it and get the resize below.
      ...(req.tty ? { ConsoleSize: [req.rows, req.cols] as [number, number] } : {}),
    });
    socket = (await exec.start({ hijack: true, stdin: true, Tty: req.tty })) as Duplex;
  } catch (err) {
    throw dockerError(err, target);
  }

  let done = false; // exit, error or kill happened: nothing more is reported
  let ended = false; // the engine closed the stream: the process has exited
  let inputEnded = false;
  let killing: Promise<void> | undefined;
  const finish = (report: () => void) => {
    if (done) return;
    done = true;
    report();
  };

  // Keystrokes typed after a resize must reach the process after it: a terminal's SIGWINCH
  // precedes the input that follows it. The resize is an API call and the input a stream, so
  // input waits while a resize is in flight.
  let resizing: Promise<void> | undefined;
  let held: Array<() => void> = [];
  const inOrder = (op: () => void) => (resizing ? held.push(op) : op());
  const resize = (cols: number, rows: number) => {
    if (!req.tty || done) return;
    // The process may be gone by now; its exit is reported through the stream.
    const mine: Promise<void> = (resizing ?? Promise.resolve())
      .then(() => exec.resize({ w: cols, h: rows }))
      .catch(() => undefined)
      .then(() => {
        if (resizing !== mine) return; // a later resize releases the input
        resizing = undefined;
        const ops = held;
        held = [];
        for (const op of ops) op();
      });
    resizing = mine;
  };

  const handle: RunningExec = {
    tty: req.tty,
    get inputEnded() {
      return inputEnded;
    },
    // Once the engine ended the stream the socket is closed for writing too: input that raced
    // with the process's exit is dropped rather than failing the session.
    write(data) {
      if (inputEnded) return;
      inOrder(() => {
        if (!done && !ended) socket.write(data);
      });
    },
    endInput() {
      if (inputEnded) return;
      inputEnded = true;
      inOrder(() => {
        if (!done && !ended) socket.end();
      });
    },
    resize,
    kill() {
      killing ??= (async () => {
        done = true;
        // The stream ends only when the process has exited: nothing left to kill.
        if (ended) {
          socket.destroy();
          return;
        }
        try {
          await killMarked(container, marker);
        } finally {
          socket.destroy();
        }
      })();
      return killing;
    },
  };
  // The terminal has its size before anyone can type: a command typed at once (`stty size`)
  // would otherwise meet a 0×0 terminal.
  if (req.tty) {
    let early: Error | undefined;
    const keep = (err: Error) => (early ??= err);
    socket.on('error', keep);
    await initialSize(exec, req.cols, req.rows, () => done);
    socket.off('error', keep);
    if (early) process.nextTick(() => socket.emit('error', early));
  }
  on.started(handle);

  if (req.tty) {
    socket.on('data', (chunk: Buffer) => {
      if (!done) on.output('stdout', chunk);
    });
  } else {
    const sink = (stream: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (!done) on.output(stream, chunk);
          cb();
        },
      });
    target.docker.modem.demuxStream(socket, sink('stdout'), sink('stderr'));
  }
  const onEnd = () => {
    if (ended) return;
    ended = true;
    void exitCodeOf(exec).then(
      (code) => finish(() => on.exit(code)),
      (err: unknown) => finish(() => on.error(dockerError(err, target))),
    );
  };
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', (err) => {
    if (!ended) finish(() => on.error(dockerError(err, target)));
    socket.destroy();
  });
  return handle;
}

/**
 * The exec's start returns before the process exists, and a resize before then fails; Docker's
 * own CLI retries the first resize the same way (initTtySize).
 */
async function initialSize(exec: Docker.Exec, cols: number, rows: number, stop: () => boolean) {
  for (let attempt = 0; attempt < 10 && !stop(); attempt++) {
    try {
      await exec.resize({ w: cols, h: rows });
      return;
    } catch {
      await sleep(10 * (attempt + 1));
    }
  }
}

/** The exit code once the stream has ended; the engine may take a moment to record it. */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (attempt >= 40) throw new Error('the engine did not report an exit code');
    await sleep(25);
  }
}

async function killMarked(container: Docker.Container, marker: string): Promise<void> {
  const killer = await container.exec({
    Cmd: ['/bin/sh', '-c', KILL_SCRIPT, 'flotilla-shell-kill', marker],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await killer.start({})) as NodeJS.ReadableStream;
  stream.resume();
  await Promise.race([new Promise((r) => stream.once('end', r)), sleep(KILL_TIMEOUT_MS)]);
}

/** An engine failure as an ApiError that names the target. */
export function dockerError(err: unknown, target: ContainerShellTarget): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } };
  const why = e?.json?.message ?? (e instanceof Error ? e.message : String(err));
  if (e?.statusCode === 404)
    return new ApiError('NOT_FOUND', `${target.description}: no such container`, {
      hint: 'The machine or unit may have been removed; list them again.',
    });
  if (e?.statusCode === 409)
    return new ApiError('CONFLICT', `${target.description} is not running`, {
      hint: 'Start the machine or the unit first.',
    });
  if (e?.code === 'ENOENT' || e?.code === 'ECONNREFUSED' || e?.code === 'EACCES')
    return new ApiError(
      'ENGINE_UNAVAILABLE',
      `cannot reach the Docker engine of ${target.description}: ${why}`,
    );
  return new ApiError('INTERNAL', `shell in ${target.description}: ${why}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
