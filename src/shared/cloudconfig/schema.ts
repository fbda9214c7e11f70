// What a cloud-config may say, as coreos-cloudinit reads it (its config/*.go): the keys of each
// section with the kind of value each takes, the allowed values, and the checks Flotilla adds.
// Keys are kept in underscore form; a dash in a document's key means the same key.

import type { Channel, RebootStrategy, UnitCommand } from './types';

export type ValueKind = 'string' | 'int' | 'float' | 'bool';

/** `reboot-strategy` and `reboot_strategy` are one key to coreos-cloudinit. */
export const normalizeKey = (key: string): string => key.replace(/-/g, '_');
export const dashedKey = (key: string): string => key.replace(/_/g, '-');

/** `"name addr:i verbose:b"` → { name: 'string', addr: 'int', verbose: 'bool' }. */
function keyKinds(spec: string): Readonly<Record<string, ValueKind>> {
  const kindOf: Record<string, ValueKind> = { i: 'int', f: 'float', b: 'bool' };
  const table: Record<string, ValueKind> = {};
  for (const word of spec.trim().split(/\s+/)) {
    const [key = '', kind = ''] = word.split(':');
    table[key] = kindOf[kind] ?? 'string';
  }
  return table;
}

export const ETCD2_KEYS = keyKinds(`
  advertise_client_urls ca_file cert_file client_cert_auth:b cors data_dir debug:b discovery
  discovery_fallback discovery_srv discovery_proxy election_timeout:i enable_pprof:b
  force_new_cluster:b heartbeat_interval:i initial_advertise_peer_urls initial_cluster
  initial_cluster_state initial_cluster_token key_file listen_client_urls listen_peer_urls
  log_package_levels max_snapshots:i max_wals:i name peer_ca_file peer_cert_file peer_key_file
  peer_client_cert_auth:b peer_trusted_ca_file proxy proxy_dial_timeout:i proxy_failure_wait:i
  proxy_read_timeout:i proxy_refresh_interval:i proxy_write_timeout:i snapshot_count:i
  strict_reconfig_check:b trusted_ca_file wal_dir`);

/** etcd 0.4's section: its own flags plus the etcd2 ones coreos-cloudinit still accepts there. */
export const ETCD_KEYS: Readonly<Record<string, ValueKind>> = {
  ...ETCD2_KEYS,
  ...keyKinds(`
  addr bind_addr cluster_active_size:i cluster_remove_delay:f cluster_sync_interval:f
  graphite_host http_read_timeout:f http_write_timeout:f max_result_buffer:i max_retry_attempts:i
  peer_addr peer_bind_addr peer_election_timeout:i peer_heartbeat_interval:i peers peers_file
  retry_interval:f snapshot:b trace verbose:b very_verbose:b very_very_verbose:b`),
};

export const FLEET_KEYS = keyKinds(`
  agent_ttl authorized_keys_file disable_engine:b engine_reconcile_interval:f etcd_cafile
  etcd_certfile etcd_keyfile etcd_key_prefix etcd_request_timeout:f etcd_servers etcd_username
  etcd_password metadata public_ip token_limit:i verbosity:i verify_units:b`);

export const FLANNEL_KEYS = keyKinds(`
  etcd_endpoints etcd_cafile etcd_certfile etcd_keyfile etcd_prefix etcd_username etcd_password
  ip_masq subnet_file interface public_ip`);

export const LOCKSMITH_KEYS = keyKinds(`
  endpoint etcd_cafile etcd_certfile etcd_keyfile etcd_username etcd_password group window_start
  window_length`);

export const OEM_KEYS = keyKinds('id name version_id home_url bug_report_url');

export const UPDATE_KEYS = keyKinds('reboot_strategy group server');

export const TOP_LEVEL_KEYS = [
  'coreos',
  'ssh_authorized_keys',
  'hostname',
  'users',
  'write_files',
  'manage_etc_hosts',
];
export const COREOS_KEYS = ['etcd', 'etcd2', 'fleet', 'flannel', 'locksmith', 'oem', 'update', 'units'];
export const UNIT_KEYS = ['name', 'mask', 'enable', 'runtime', 'content', 'command', 'drop_ins'];
export const DROP_IN_KEYS = ['name', 'content'];
export const WRITE_FILE_KEYS = ['path', 'content', 'permissions', 'owner', 'encoding'];
export const USER_KEYS = keyKinds(`
  name passwd ssh_authorized_keys gecos homedir no_create_home:b primary_group groups
  no_user_group:b system:b no_log_init:b shell coreos_ssh_import_github
  coreos_ssh_import_github_users coreos_ssh_import_url`);
/** User keys whose value is a list of strings rather than one string. */
export const USER_LIST_KEYS = new Set(['ssh_authorized_keys', 'groups', 'coreos_ssh_import_github_users']);

export const CHANNELS: readonly Channel[] = ['stable', 'beta', 'alpha'];
export const REBOOT_STRATEGIES: readonly RebootStrategy[] = ['reboot', 'etcd-lock', 'best-effort', 'off'];
export const UNIT_COMMANDS: readonly UnitCommand[] = [
  'start',
  'stop',
  'restart',
  'reload',
  'try-restart',
  'reload-or-restart',
  'reload-or-try-restart',
];
export const FILE_ENCODINGS = [
  'b64',
  'base64',
  'gz',
  'gzip',
  'gz+b64',
  'gz+base64',
  'gzip+b64',
  'gzip+base64',
] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

/** The mode coreos-cloudinit gives a written file when the document names none. */
export const DEFAULT_FILE_PERMISSIONS = 0o644;

const BUILTIN_UNITS = new Set([
  'etcd.service',
  'etcd2.service',
  'etcd-member.service',
  'fleet.service',
  'fleet.socket',
  'docker.service',
  'docker.socket',
  'docker-tcp.socket',
  'early-docker.service',
  'early-docker.socket',
  'early-docker.target',
  'flanneld.service',
  'locksmithd.service',
  'update-engine.service',
]);

/** Units Flotilla provides itself: a cloud-config may name them, Flotilla does not run them as units. */
export function isBuiltinUnit(name: string): boolean {
  return BUILTIN_UNITS.has(name);
}

/** systemd-networkd's files, which coreos-cloudinit also takes as units. */
export function isNetworkdUnit(name: string): boolean {
  return /\.(network|netdev|link)$/.test(name);
}

/** Why `name` is not a host name coreos-cloudinit can set (one RFC 1123 label), or undefined. */
export function hostnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty; give a name like core-01';
  if (name.length > 63) return `is ${name.length} characters long; a host name has at most 63`;
  if (name.includes('.'))
    return `'${name}' has dots; give only the host's own label (foo of foo.example.com)`;
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(name))
    return `'${name}' is not a valid host name: use letters, digits and dashes, not starting or ending with a dash`;
  return undefined;
}

export interface MetadataPair {
  key: string;
  value: string;
  /** Where the pair starts in the text, and its length. */
  offset: number;
  length: number;
}

/** fleet's `metadata: "k=v,k2=v2"`: pairs split on commas, key and value trimmed. */
export function parseFleetMetadata(text: string): {
  pairs: MetadataPair[];
  problems: { message: string; offset: number; length: number }[];
} {
  const pairs: MetadataPair[] = [];
  const problems: { message: string; offset: number; length: number }[] = [];
  if (text.trim() === '') return { pairs, problems };
  let offset = 0;
  for (const piece of text.split(',')) {
    const length = piece.length;
    const equals = piece.indexOf('=');
    const key = equals < 0 ? '' : piece.slice(0, equals).trim();
    const value = equals < 0 ? '' : piece.slice(equals + 1).trim();
    if (equals < 0 || key === '' || value === '') {
      problems.push({
        message: `'${piece.trim()}' is not a key=value pair; write metadata like role=web,zone=a`,
        offset,
        length,
      });
    } else if (!/^[A-Za-z0-9_.-]{1,63}$/.test(key)) {
      problems.push({
        message: `key '${key}' may have only letters, digits, _ . and - (at most 63)`,
        offset,
        length,
      });
    } else if (/[\s=]/.test(value)) {
      problems.push({ message: `value '${value}' of ${key} may not contain blanks or =`, offset, length });
    } else {
      pairs.push({ key, value, offset, length });
    }
    offset += length + 1;
  }
  return { pairs, problems };
}

/** `{ role: 'web', zone: 'a' }` → `role=web,zone=a`, keys sorted so the text is stable. */
export function formatFleetMetadata(metadata: Record<string, string>): string {
  return Object.keys(metadata)
    .sort()
    .map((key) => `${key}=${metadata[key]}`)
    .join(',');
}

/** locksmith's window start: `04:00` or `Thu 04:00` (day names in any case). */
export const WINDOW_START =
  /^((sun|mon|tue|wed|thu|fri|sat) )?0*([0-9]|1[0-9]|2[0-3]):0*([0-9]|[1-5][0-9])$/i;
/** locksmith's window length: a Go duration such as `1h30m` or `45m`. */
export const WINDOW_LENGTH = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;

/** `0644`, `644` or `1777`: the octal text coreos-cloudinit takes for permissions. */
export const OCTAL_PERMISSIONS = /^0?[0-7]{3,4}$/;

/** `core`, `core:core`, `500:500`. */
export const FILE_OWNER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/;

/** An OpenSSH public key line, optionally with authorized_keys options before the key type. */
const SSH_PUBLIC_KEY =
  /(^|\s)(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(\s|$)/;

export function looksLikeSshPublicKey(text: string): boolean {
  return SSH_PUBLIC_KEY.test(text.trim());
}

/** The known name closest to `word` when it is a likely typo (edit distance at most 2). */
export function closestName(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
