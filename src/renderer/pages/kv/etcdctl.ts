// "Copy as etcdctl command": what a KV action does, as a line for Debian's etcdctl (v3 API)
// against the cluster's client endpoints. Arguments are quoted for a POSIX shell.
import { shellQuote } from '../../actions/flotctl';

/** `etcdctl --endpoints=a,b` (no flag when the endpoints are not known). */
function base(endpoints: readonly string[]): string[] {
  return ['etcdctl', ...(endpoints.length ? [`--endpoints=${endpoints.join(',')}`] : [])];
}

const line = (args: string[]) => args.map(shellQuote).join(' ');

/**
 * A key as an argument: etcdctl takes a key starting with "-" for a flag, so such keys follow "--".
 */
const keyArgs = (key: string) => (key.startsWith('-') ? ['--', key] : [key]);

export function etcdctlGet(endpoints: readonly string[], key: string): string {
  return line([...base(endpoints), 'get', ...keyArgs(key)]);
}

/** A put; a binary value (base64) goes through stdin, which etcdctl reads when no value is given. */
export function etcdctlPut(
  endpoints: readonly string[],
  key: string,
  value: string,
  opts: { binary?: boolean; lease?: string } = {},
): string {
  const lease = opts.lease ? [`--lease=${BigInt(opts.lease).toString(16)}`] : [];
  if (opts.binary)
    return `echo ${shellQuote(value)} | base64 -d | ${line([...base(endpoints), 'put', ...lease, ...keyArgs(key)])}`;
  // A value starting with "-" would read as a flag: "--" ends etcdctl's flags.
  const rest = key.startsWith('-') || value.startsWith('-') ? ['--', key, value] : [key, value];
  return line([...base(endpoints), 'put', ...lease, ...rest]);
}

export function etcdctlDel(endpoints: readonly string[], key: string): string {
  return line([...base(endpoints), 'del', ...keyArgs(key)]);
}

/** Lease ids print in hex in etcdctl. */
export function leaseHex(id: string): string {
  return BigInt(id).toString(16);
}

export function etcdctlLease(endpoints: readonly string[], id: string): string {
  return line([...base(endpoints), 'lease', 'timetolive', leaseHex(id), '--keys']);
}

export function etcdctlMembers(endpoints: readonly string[]): string {
  return line([...base(endpoints), 'endpoint', 'status', '--cluster', '-w', 'table']);
}

export function etcdctlMemberRemove(endpoints: readonly string[], memberId: string): string {
  return line([...base(endpoints), 'member', 'remove', memberId]);
}

export function etcdctlMoveLeader(endpoints: readonly string[], memberId: string): string {
  return line([...base(endpoints), 'move-leader', memberId]);
}
