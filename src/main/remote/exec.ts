// Processes on a remote machine's host itself, over its SSH connection: the shell sessions of
// remote machines (a terminal on the host, not in a container), and short fixed commands.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';
import { ApiError } from '../../shared/api';
import type { ExecEvents, RunningExec } from '../shell/exec';
import type { ShellRequest } from '../shell/types';
import { shellCommand } from './shell-quote';

const KILL_TIMEOUT_MS = 5_000;

/** Environment variable every session process carries, so that kill() can find its whole tree. */
const MARKER_VAR = 'FLOTILLA_SHELL_MARK';

/**
 * Every session starts through this fixed script: it puts the marker ($1) into the environment,
 * which everything the session starts inherits, then runs the command — or, given none, the
 * user's login shell.
 */
const LAUNCH = 'export "$1"; shift; if [ $# -eq 0 ]; then exec "${SHELL:-/bin/sh}" -l; fi; exec "$@"';

/**
 * Kills every process of the user whose environment carries the marker, read from stdin (Linux:
 * /proc). Needed because OpenSSH refuses signal requests on root logins (no privilege separation
 * after a root login), and closing the channel of a session without a terminal leaves it running.
 */
const KILL_SCRIPT = [
  'IFS= read -r mark',
  'for d in /proc/[0-9]*; do',
  '  if tr "\\0" "\\n" < "$d/environ" 2>/dev/null | grep -qxF "$mark"; then kill -9 "${d#/proc/}" 2>/dev/null; fi',
  'done',
  'exit 0',
].join('\n');

/**
 * Starts `req` on the host: its command (quoted for the remote shell), or the user's login shell;
 * with a pseudo-terminal of the requested size when `tty`. Resolves once the channel is open.
 */
export async function startSshExec(client: Client, req: ShellRequest, on: ExecEvents): Promise<RunningExec> {
  const pty: PseudoTtyOptions | false = req.tty ? { cols: req.cols, rows: req.rows, term: 'xterm' } : false;
  const marker = `${MARKER_VAR}=${randomBytes(16).toString('hex')}`;
  const command = shellCommand(['/bin/sh', '-c', LAUNCH, 'flotilla-shell', marker, ...(req.command ?? [])]);
  let channel: ClientChannel;
  try {
    channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.exec(command, { pty }, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
  } catch (err) {
    throw new ApiError('ENGINE_UNAVAILABLE', `sshd did not open a session: ${(err as Error).message}`, {
      hint: 'The SSH link may be lost, or sshd limits the sessions of one connection (MaxSessions).',
    });
  }

  let done = false; // exit, error or kill happened: nothing more is reported
  let inputEnded = false;
  let exitCode: number | undefined;
  let killing: Promise<void> | undefined;
  let ended = false; // the channel closed: the process is gone
  const closed = new Promise<void>((resolve) =>
    channel.once('close', () => {
      ended = true;
      resolve();
    }),
  );
  const finish = (report: () => void) => {
    if (done) return;
    done = true;
    report();
  };

  const handle: RunningExec = {
    tty: req.tty,
    get inputEnded() {
      return inputEnded;
    },
    write(data) {
      if (!done && !inputEnded) channel.write(data);
    },
    endInput() {
      if (inputEnded) return;
      inputEnded = true;
      if (done) return;
      // sshd ignores EOF on a terminal's channel (the pty stays open): a terminal's end of input
      // is Ctrl-D. Without a terminal, EOF closes the process's stdin; eof() rather than end()
      // keeps the channel able to carry a signal for kill().
      if (req.tty) channel.write('\x04');
      else channel.eof();
    },
    resize(cols, rows) {
      if (req.tty && !done) channel.setWindow(rows, cols, 0, 0);
    },
    kill() {
      killing ??= (async () => {
        done = true;
        if (ended) return;
        // OpenSSH delivers a signal to the session's process group, where it accepts one at all.
        channel.signal('KILL');
        await runCommand(client, ['/bin/sh', '-c', KILL_SCRIPT], `${marker}\n`, KILL_TIMEOUT_MS).catch(
          () => undefined,
        );
        channel.close();
        await Promise.race([closed, sleep(KILL_TIMEOUT_MS)]);
      })();
      return killing;
    },
  };
  on.started(handle);

  channel.on('data', (chunk: Buffer) => {
    if (!done) on.output('stdout', chunk);
  });
  channel.stderr.on('data', (chunk: Buffer) => {
    if (!done) on.output('stderr', chunk);
  });
  channel.on('exit', (code: number | null, signal?: string) => {
    // Killed by a signal: a shell would report 128 + its number.
    exitCode = code ?? 128 + (constants.signals[`SIG${signal}` as NodeJS.Signals] ?? 0);
  });
  channel.on('error', (err: Error) => finish(() => on.error(err)));
  // Output may still arrive after the exit status: the exit is reported once the channel closed.
  void closed.then(() =>
    finish(() =>
      exitCode !== undefined
        ? on.exit(exitCode)
        : on.error(new Error('the SSH connection was lost before the process reported its exit')),
    ),
  );
  return handle;
}

/**
 * Runs a fixed command to its end with `input` on its stdin; stdout and stderr come back (the
 * last 1 MB of each). A command is never built from user strings: data goes in through stdin.
 */
export function runCommand(
  client: Client,
  argv: string[],
  input = '',
  timeoutMs = 15_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(shellCommand(argv), (err, channel) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code = -1;
      const keep = (text: string, chunk: Buffer) => (text + chunk.toString()).slice(-1_000_000);
      const timer = setTimeout(() => {
        channel.close();
        reject(new Error(`${argv[0]} did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      channel.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
      channel.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
      channel.on('exit', (status: number | null) => (code = status ?? -1));
      channel.once('close', () => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      channel.end(input);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
