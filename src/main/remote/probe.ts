import type { RemoteProbe, SshEndpoint } from '../../shared/api';
import { probeSsh, type ConnectOptions } from './connect';
import { checkRemoteDocker } from './docker-check';
import { runCommand } from './exec';

/**
 * machines.probeRemote: the host key against known_hosts, and — only once it is known or
 * accepted — whether Docker is usable there and the host's own name. Writes nothing anywhere.
 */
export async function probeRemoteHost(endpoint: SshEndpoint, opts: ConnectOptions): Promise<RemoteProbe> {
  const { hostKey, client } = await probeSsh(endpoint, opts);
  if (!client) return { hostKey };
  try {
    const [docker, uname] = await Promise.all([
      checkRemoteDocker(client, endpoint),
      runCommand(client, ['uname', '-n']).catch(() => undefined),
    ]);
    const hostname = uname?.code === 0 ? uname.stdout.trim() : '';
    return { hostKey, docker, ...(hostname ? { hostname } : {}) };
  } finally {
    client.end();
  }
}
