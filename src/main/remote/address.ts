import type { SshEndpoint } from '../../shared/api';
import { bareHost } from './known-hosts';

/** Where one SSH hop goes. */
export interface Hop {
  host: string;
  port: number;
  user: string;
}

/** `user@host:port` (IPv6 in brackets), as messages and the board name a hop. */
export function sshAddress(hop: Hop): string {
  return `${hop.user}@${hostAndPort(hop.host, hop.port)}`;
}

/** The target's address, with ` via <jump>` when there is a jump host. */
export function endpointAddress(endpoint: SshEndpoint): string {
  const target = sshAddress(endpoint);
  return endpoint.jump ? `${target} via ${sshAddress(endpoint.jump)}` : target;
}

/** `host:port`, IPv6 in brackets. */
export const hostAndPort = (host: string, port: number): string => {
  const bare = bareHost(host);
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
};
