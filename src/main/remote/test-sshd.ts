// A real OpenSSH server for the integration tests: Debian's /usr/sbin/sshd with a config, host
// key, client keys and authorized_keys of its own in a temp dir, on 127.0.0.1 and a free port.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
/** Temp dirs of this helper start with it; a crashed run's are found by it. */
const DIR_PREFIX = 'flotilla-test-sshd-';

/** Why a real sshd cannot run here, or undefined when it can. */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  if (!existsSync(SSH_KEYGEN)) return `${SSH_KEYGEN} is not installed (apt-get install openssh-client)`;
  return undefined;
}

export class TestSshd {
  readonly host = '127.0.0.1';
  /** Root can log in and use Docker; anyone else logs in as themselves. */
  readonly user = userInfo().username;
  /** Private keys: `clientKey` and `encryptedKey` (passphrase `ENCRYPTED_KEY_PASSPHRASE`) may log in, `strangerKey` may not. */
  readonly clientKey: string;
  readonly encryptedKey: string;
  readonly strangerKey: string;
  /** The host key a first contact sees (ssh2 prefers ed25519), replaced by replaceHostKey(). */
  readonly hostKeyPub: string;
  /** A second host key, of another type, that stays. */
  readonly ecdsaHostKeyPub: string;
  private listener: ChildProcess | undefined;
  private settings: Record<string, string> = {};

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.clientKey = join(dir, 'client');
    this.encryptedKey = join(dir, 'client-encrypted');
    this.strangerKey = join(dir, 'stranger');
    this.hostKeyPub = join(dir, 'host_ed25519.pub');
    this.ecdsaHostKeyPub = join(dir, 'host_ecdsa.pub');
  }

  /** Keys, config and a running sshd; leftovers of crashed runs are cleared first. */
  static async start(): Promise<TestSshd> {
    await sweepCrashedRuns();
    const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
    await writeFile(join(dir, 'owner.pid'), String(process.pid));
    const sshd = new TestSshd(dir, await freePort());
    keygen(sshd.clientKey, '');
    keygen(sshd.encryptedKey, ENCRYPTED_KEY_PASSPHRASE);
    keygen(sshd.strangerKey, '');
    keygen(join(dir, 'host_ed25519'), '');
    keygen(join(dir, 'host_ecdsa'), '', 'ecdsa');
    const authorized = await Promise.all(
      [sshd.clientKey, sshd.encryptedKey].map((k) => readFile(`${k}.pub`, 'utf8')),
    );
    await writeFile(join(dir, 'authorized_keys'), authorized.join(''), { mode: 0o600 });
    await sshd.resume();
    return sshd;
  }

  /** Starts the server again on the same port with the same host key (after stop). */
  async resume(): Promise<void> {
    if (this.listener) return;
    // The privilege separation directory root's sshd insists on.
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    await writeFile(join(this.dir, 'sshd_config'), this.config());
    const child = spawn(SSHD, ['-D', '-e', '-f', join(this.dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.listener = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log}`)), 10_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
        if (log.includes(`Server listening on ${this.host} port ${this.port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (this.listener === child) this.listener = undefined;
        reject(new Error(`sshd exited (${code}) while starting:\n${log}`));
      });
    });
  }

  /**
   * Stops the listener and every connection's session process: killed listeners leave those
   * running (and their clients connected), so they are found by parent pid first.
   */
  async stop(): Promise<void> {
    const child = this.listener;
    if (!child?.pid) return;
    this.listener = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    killTree(child.pid, 'SIGKILL');
    await exited;
  }

  /**
   * Stops the server and every process under it without closing a socket: connections stay
   * open but nothing answers, as when a host hangs or the network drops packets.
   */
  freeze(): void {
    if (this.listener?.pid) killTree(this.listener.pid, 'SIGSTOP');
  }

  /** Restarts with a new host key: what a reinstalled host, or a man in the middle, presents. */
  async replaceHostKey(): Promise<void> {
    await this.stop();
    await rm(join(this.dir, 'host_ed25519'), { force: true });
    await rm(this.hostKeyPub, { force: true });
    keygen(join(this.dir, 'host_ed25519'), '');
    await this.resume();
  }

  /** Restarts with sshd_config settings changed (e.g. AllowStreamLocalForwarding no); {} resets. */
  async reconfigure(settings: Record<string, string>): Promise<void> {
    await this.stop();
    this.settings = settings;
    await this.resume();
  }

  /** `SHA256:…` of the host key, as ssh-keygen -lf prints it. */
  hostFingerprint(): string {
    return execFileSync(SSH_KEYGEN, ['-lf', this.hostKeyPub], { encoding: 'utf8' }).split(' ')[1]!;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private config(): string {
    const settings: Record<string, string> = {
      Port: String(this.port),
      ListenAddress: this.host,
      PidFile: join(this.dir, 'sshd.pid'),
      AuthorizedKeysFile: join(this.dir, 'authorized_keys'),
      UsePAM: 'no',
      // The temp dir's modes are not sshd's business here.
      StrictModes: 'no',
      PasswordAuthentication: 'no',
      KbdInteractiveAuthentication: 'no',
      PermitRootLogin: 'prohibit-password',
      AllowStreamLocalForwarding: 'yes',
      AllowTcpForwarding: 'yes',
      PrintMotd: 'no',
      ...this.settings,
    };
    const hostKeys = ['host_ed25519', 'host_ecdsa'].map((k) => `HostKey ${join(this.dir, k)}\n`);
    return (
      hostKeys.join('') +
      Object.entries(settings)
        .map(([k, v]) => `${k} ${v}\n`)
        .join('')
    );
  }
}

export const ENCRYPTED_KEY_PASSPHRASE = 'correct horse';

function keygen(file: string, passphrase: string, type = 'ed25519'): void {
  execFileSync(SSH_KEYGEN, ['-q', '-t', type, '-N', passphrase, '-C', 'flotilla-test', '-f', file]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const ppid = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may hold spaces: the fields after it start at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ppid.set(Number(name), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  return ppid;
}

/** Signals `pid` and all its descendants, found before any of them is signalled. */
function killTree(pid: number, signal: NodeJS.Signals): void {
  const ppid = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of ppid) if (parent === tree[i]) tree.push(child);
  for (const p of tree) {
    try {
      process.kill(p, signal);
    } catch {
      // Exited meanwhile.
    }
  }
}

/**
 * A run that crashed left its sshd listening and its temp dir behind: both go when the process
 * that made them is gone. The pid file's process is only killed when its command line still
 * names that dir's config (the pid may have been reused since).
 */
async function sweepCrashedRuns(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '0'));
    if (owner && isAlive(owner)) continue;
    const pid = Number(await readFile(join(dir, 'sshd.pid'), 'utf8').catch(() => '0'));
    if (pid && commandLine(pid).includes(join(dir, 'sshd_config'))) killTree(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists (another user's included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
