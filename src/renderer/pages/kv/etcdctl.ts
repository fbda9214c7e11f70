// "Copy as etcdctl command": what a KV action does, as a line for Debian's etcdctl (v3 API)
// against the cluster's client endpoints. Arguments are quoted for a POSIX shell.
import type { ClusterInfo } from '../../../shared/api';
import { shellQuote } from '../../actions/flotctl';

/** What etcdctl needs to reach the cluster's KV and name its keys. */
export interface EtcdctlTarget {
  endpoints: readonly string[];
  /**
   * An external etcd keeps the cluster's keys under this prefix; the page shows them without it
   * (Flotilla's client is namespaced), etcdctl must name them with it.
   */
  prefix?: string;
  /** The files of --cacert, --cert and --key: the embedded KV's, or those given for an external etcd. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** An external etcd's user: etcdctl --user asks for the password, which never goes on the line. */
  user?: string;
}

/** The etcdctl target of a cluster: its KV members (with TLS files), or its external etcd, prefix, files and user. */
export function etcdctlTarget(cluster: ClusterInfo | undefined): EtcdctlTarget {
  const kv = cluster?.kv;
  if (kv?.kind === 'external') {
    const { caFile, certFile, keyFile } = kv;
    const files = {
      ...(caFile ? { caFile } : {}),
      ...(certFile ? { certFile } : {}),
      ...(keyFile ? { keyFile } : {}),
    };
    return {
      endpoints: kv.endpoints,
      prefix: kv.prefix,
      ...(Object.keys(files).length ? { tls: files } : {}),
      ...(kv.username ? { user: kv.username } : {}),
    };
  }
  return { endpoints: cluster?.endpoints ?? [], ...(kv?.tls ? { tls: kv.tls } : {}) };
}

/** `etcdctl --endpoints=a,b` (no flag when the endpoints are not known), the TLS files and the user. */
function base(t: EtcdctlTarget): string[] {
  return [
    'etcdctl',
    ...(t.endpoints.length ? [`--endpoints=${t.endpoints.join(',')}`] : []),
    ...(t.tls?.caFile ? [`--cacert=${t.tls.caFile}`] : []),
    ...(t.tls?.certFile ? [`--cert=${t.tls.certFile}`] : []),
    ...(t.tls?.keyFile ? [`--key=${t.tls.keyFile}`] : []),
    ...(t.user ? [`--user=${t.user}`] : []),
  ];
}

const line = (args: string[]) => args.map(shellQuote).join(' ');

/** The key as etcd has it: under the prefix of an external etcd. */
const fullKey = (t: EtcdctlTarget, key: string) => (t.prefix ?? '') + key;

/**
 * A key as an argument: etcdctl takes a key starting with "-" for a flag, so such keys follow "--".
 */
const keyArgs = (t: EtcdctlTarget, key: string) => {
  const k = fullKey(t, key);
  return k.startsWith('-') ? ['--', k] : [k];
};

export function etcdctlGet(t: EtcdctlTarget, key: string): string {
  return line([...base(t), 'get', ...keyArgs(t, key)]);
}

/** A put; a binary value (base64) goes through stdin, which etcdctl reads when no value is given. */
export function etcdctlPut(
  t: EtcdctlTarget,
  key: string,
  value: string,
  opts: { binary?: boolean; lease?: string } = {},
): string {
  const lease = opts.lease ? [`--lease=${BigInt(opts.lease).toString(16)}`] : [];
  if (opts.binary)
    return `echo ${shellQuote(value)} | base64 -d | ${line([...base(t), 'put', ...lease, ...keyArgs(t, key)])}`;
  // A value starting with "-" would read as a flag: "--" ends etcdctl's flags.
  const k = fullKey(t, key);
  const rest = k.startsWith('-') || value.startsWith('-') ? ['--', k, value] : [k, value];
  return line([...base(t), 'put', ...lease, ...rest]);
}

export function etcdctlDel(t: EtcdctlTarget, key: string): string {
  return line([...base(t), 'del', ...keyArgs(t, key)]);
}

/** Lease ids print in hex in etcdctl. */
export function leaseHex(id: string): string {
  return BigInt(id).toString(16);
}

export function etcdctlLease(t: EtcdctlTarget, id: string): string {
  return line([...base(t), 'lease', 'timetolive', leaseHex(id), '--keys']);
}

export function etcdctlMembers(t: EtcdctlTarget): string {
  return line([...base(t), 'endpoint', 'status', '--cluster', '-w', 'table']);
}

export function etcdctlMemberRemove(t: EtcdctlTarget, memberId: string): string {
  return line([...base(t), 'member', 'remove', memberId]);
}

export function etcdctlMoveLeader(t: EtcdctlTarget, memberId: string): string {
  return line([...base(t), 'move-leader', memberId]);
}
