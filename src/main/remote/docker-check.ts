// Is Docker usable on an SSH host, and if not, exactly what is missing there.
import type { Client } from 'ssh2';
import type { RemoteProbe, SshEndpoint } from '../../shared/api';
import { SshDockerDialError, dockerOverSsh } from './docker-over-ssh';
import { runCommand } from './exec';
import { bareHost } from './known-hosts';

export type RemoteDockerFacts = NonNullable<RemoteProbe['docker']>;
type Problem = NonNullable<RemoteDockerFacts['problem']>;

const API_TIMEOUT_MS = 15_000;

/**
 * One fixed script looks at the host when the engine does not answer. The socket path is data:
 * it arrives as the first line of stdin. Builtins only where possible (a minimal host may lack
 * pgrep and friends): dockerd is looked for in /proc.
 */
export const DIAGNOSIS = [
  'IFS= read -r sock',
  'if [ -S "$sock" ]; then echo socket=yes; elif [ -e "$sock" ]; then echo socket=other; else echo socket=missing; fi',
  'if [ -r "$sock" ] && [ -w "$sock" ]; then echo access=yes; else echo access=no; fi',
  'if command -v docker >/dev/null 2>&1; then echo cli=yes; else echo cli=no; fi',
  'if command -v dockerd >/dev/null 2>&1 || [ -x /usr/bin/dockerd ] || [ -x /usr/sbin/dockerd ] || [ -x /snap/bin/dockerd ]; then echo engine=installed; else echo engine=missing; fi',
  'running=no',
  'for f in /proc/[0-9]*/comm; do { IFS= read -r n < "$f"; } 2>/dev/null && [ "$n" = dockerd ] && { running=yes; break; }; done',
  'echo "running=$running"',
  'for s in /var/run/docker.sock /run/docker.sock; do if [ -S "$s" ]; then echo "default=$s"; break; fi; done',
].join('\n');

/** What the diagnosis found on the host. */
export interface HostFindings {
  socket: 'yes' | 'other' | 'missing';
  access: boolean;
  cli: boolean;
  engineInstalled: boolean;
  engineRunning: boolean;
  /** A Docker socket at a usual place, when there is one. */
  defaultSocket?: string;
}

/** The engine's version, OS and architecture through the connection, or what is missing there. */
export async function checkRemoteDocker(client: Client, endpoint: SshEndpoint): Promise<RemoteDockerFacts> {
  const docker = dockerOverSsh(client, endpoint.dockerSocket);
  let apiError: unknown;
  try {
    const [version, info] = await withTimeout(Promise.all([docker.version(), docker.info()]), API_TIMEOUT_MS);
    return { ok: true, version: version.Version, os: info.OperatingSystem, arch: info.Architecture };
  } catch (err) {
    apiError = err;
  }
  let findings: HostFindings;
  try {
    const out = await runCommand(client, ['/bin/sh', '-c', DIAGNOSIS], `${endpoint.dockerSocket}\n`);
    findings = parseFindings(out.stdout);
  } catch (err) {
    return {
      ok: false,
      problem: {
        message: `Docker on ${bareHost(endpoint.host)} did not answer (${messageOf(apiError)}), and looking into why failed: ${messageOf(err)}`,
        hint: `Run docker info on ${bareHost(endpoint.host)} as ${endpoint.user} to see what is wrong.`,
      },
    };
  }
  return { ok: false, problem: explainDockerProblem(findings, apiError, endpoint) };
}

export function parseFindings(stdout: string): HostFindings {
  const seen = new Map(
    stdout
      .split('\n')
      .map((line) => line.split('='))
      .filter((kv): kv is [string, string] => kv.length === 2),
  );
  const socket = seen.get('socket');
  return {
    socket: socket === 'yes' || socket === 'other' ? socket : 'missing',
    access: seen.get('access') === 'yes',
    cli: seen.get('cli') === 'yes',
    engineInstalled: seen.get('engine') === 'installed',
    engineRunning: seen.get('running') === 'yes',
    ...(seen.get('default') ? { defaultSocket: seen.get('default')! } : {}),
  };
}

/** The first thing in the way, said so that the person knows what to do on which host. */
export function explainDockerProblem(f: HostFindings, apiError: unknown, endpoint: SshEndpoint): Problem {
  const host = bareHost(endpoint.host);
  const sock = endpoint.dockerSocket;
  if (f.socket === 'missing') {
    if (!f.engineInstalled)
      return {
        message: `Docker is not installed on ${host}${f.cli ? ' (only its CLI is)' : ''}.`,
        hint: `Install the engine there: sudo apt-get install docker.io (Debian, Ubuntu) or Docker CE (https://docs.docker.com/engine/install/), then sudo systemctl enable --now docker.`,
      };
    if (f.defaultSocket && f.defaultSocket !== sock)
      return {
        message: `There is no Docker socket at ${sock} on ${host}; the engine's socket there is ${f.defaultSocket}.`,
        hint: `Give ${f.defaultSocket} as the machine's Docker socket.`,
      };
    if (f.engineRunning)
      return {
        message: `dockerd runs on ${host}, but there is no socket at ${sock}.`,
        hint: `Give the unix socket dockerd listens on (its -H option, or "hosts" in /etc/docker/daemon.json).`,
      };
    return {
      message: `Docker is installed on ${host} but not running (there is no socket at ${sock}).`,
      hint: 'Start it there: sudo systemctl start docker (and sudo systemctl enable docker to start it at boot).',
    };
  }
  if (f.socket === 'other')
    return {
      message: `${sock} on ${host} is not a socket.`,
      hint: "Give the path of the Docker engine's unix socket (usually /var/run/docker.sock).",
    };
  if (!f.access)
    return {
      message: `${endpoint.user} on ${host} may not use the Docker socket ${sock} (permission denied).`,
      hint: `On ${host}: sudo usermod -aG docker ${endpoint.user}, then reconnect (a new login picks up the group).`,
    };
  if (!f.engineRunning)
    return {
      message: `The Docker socket ${sock} exists on ${host}, but the engine is not running.`,
      hint: 'Start it there: sudo systemctl start docker.',
    };
  if (apiError instanceof SshDockerDialError && apiError.forwardingError && !f.cli)
    return {
      message: `sshd on ${host} refuses to forward the Docker socket (stream-local forwarding), and there is no docker CLI there to relay instead.`,
      hint: `In /etc/ssh/sshd_config on ${host} set AllowStreamLocalForwarding yes, then sudo systemctl reload ssh — or install the docker CLI there.`,
    };
  return {
    message: `Docker on ${host} did not answer: ${messageOf(apiError)}`,
    hint: `Run docker info on ${host} as ${endpoint.user} to see what is wrong.`,
  };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
