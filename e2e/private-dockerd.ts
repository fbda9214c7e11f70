import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'flotilla-e2e-dockerd-';

/**
 * A second, private Docker engine with its own sockets and state, so a test can stop and start a
 * real dockerd without touching the engine everything else uses. Needs root (dockerd does).
 */
export class PrivateDockerd {
  private proc: ChildProcess | undefined;
  private constructor(readonly dir: string) {}

  static whyNot(): string | undefined {
    if (process.getuid?.() !== 0) return 'a private dockerd needs root, and this test runs as a normal user';
    if (!['/usr/sbin/dockerd', '/usr/bin/dockerd'].some(existsSync)) return 'dockerd is not installed';
    if (!['/usr/bin/unshare', '/bin/unshare'].some(existsSync))
      return 'unshare (util-linux) is not installed';
    return undefined;
  }

  static async create(): Promise<PrivateDockerd> {
    killLeftovers();
    return new PrivateDockerd(await mkdtemp(join(tmpdir(), PREFIX)));
  }

  get socket(): string {
    return join(this.dir, 'docker.sock');
  }
  get endpoint(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<void> {
    // Its own network namespace: a second dockerd in the host's would fight the main engine over
    // interfaces such as docker0 (seen here: it deleted it).
    this.proc = spawn(
      'unshare',
      [
        '--net',
        '--',
        'dockerd',
        '--data-root',
        join(this.dir, 'data'),
        '--exec-root',
        join(this.dir, 'exec'),
        '--pidfile',
        join(this.dir, 'docker.pid'),
        '-H',
        this.endpoint,
        '--bridge',
        'none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await this.answers()) return;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`private dockerd did not come up (exit code ${this.proc.exitCode})`);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async answers(): Promise<boolean> {
    const http = await import('node:http');
    return new Promise((resolve) => {
      const req = http.request({ socketPath: this.socket, path: '/_ping' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }
}

/** A crashed earlier run may have left its private dockerd running: stop it. */
function killLeftovers(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    try {
      const pid = Number(readFileSync(join(tmpdir(), name, 'docker.pid'), 'utf8'));
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // no pidfile or no such process: nothing to stop
    }
  }
}
