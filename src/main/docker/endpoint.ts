import Docker from 'dockerode';

/** The engine endpoint the way Docker's own CLI finds it: DOCKER_HOST, else the local socket. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST?.trim();
  if (host) return host;
  return process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

/** A dockerode client for an endpoint string (unix://, tcp://, http(s)://, npipe://). */
export function dockerFor(endpoint: string): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice('unix://'.length) });
  if (endpoint.startsWith('npipe://')) return new Docker({ socketPath: endpoint.slice('npipe://'.length) });
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Docker({
    host: url.hostname,
    port: Number(url.port || 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}

/** What went wrong talking to the engine, and what the user can do about it. */
export function explainEngineError(err: unknown, endpoint: string): { message: string; hint: string } {
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  const socket = endpoint.replace(/^unix:\/\//, '');
  switch (e?.code) {
    case 'ENOENT':
      return {
        message: `No Docker engine at ${endpoint}: the socket ${socket} does not exist.`,
        hint: 'Start the engine (sudo systemctl start docker, or sudo dockerd &). Not installed? sudo apt-get install docker.io',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        message: `Permission denied on ${socket}.`,
        hint: 'Add your user to the docker group (sudo usermod -aG docker $USER), then log out and in again.',
      };
    case 'ECONNREFUSED':
      return {
        message: `The Docker engine at ${endpoint} refused the connection: it is not running.`,
        hint: 'Start the engine (sudo systemctl start docker, or sudo dockerd &), or check DOCKER_HOST.',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
      return {
        message: `The Docker engine at ${endpoint} cannot be reached (${e.code}).`,
        hint: 'Check DOCKER_HOST and that the host is up.',
      };
    default: {
      const msg = e instanceof Error ? e.message : String(err);
      return {
        message: `The Docker engine at ${endpoint} is not usable: ${msg}`,
        hint: 'Check that dockerd is running and healthy (docker info).',
      };
    }
  }
}
