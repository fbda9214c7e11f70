// The "Add machine → Remote host (SSH)" form: what the person typed, how it is checked (with the
// contract's own rules), and how it becomes the machines.probeRemote / machines.addRemote calls and
// the equivalent flotctl line.
import {
  SshEndpointSchema,
  SshHostSchema,
  SshUserSchema,
  calls,
  type CallParams,
  type MachineInfo,
  type RemoteMachineInput,
  type SshEndpointInput,
} from '../../shared/api';
import { flotctl } from '../actions/flotctl';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The fields as typed. */
export interface RemoteForm {
  host: string;
  port: string;
  user: string;
  /** A private key file on the computer running Flotilla; empty: the ssh-agent's keys. */
  identityFile: string;
  passphrase: string;
  /** A bastion: user@host:port (user and port may be left out). */
  jump: string;
  dockerSocket: string;
  /** Its host name in the cluster; empty: the next free one. */
  name: string;
  /** k=v, comma separated. */
  metadata: string;
}

export const EMPTY_REMOTE: RemoteForm = {
  host: '',
  port: '22',
  user: '',
  identityFile: '',
  passphrase: '',
  jump: '',
  dockerSocket: DEFAULT_DOCKER_SOCKET,
  name: '',
  metadata: '',
};

export type RemoteErrors = Partial<Record<keyof RemoteForm, string>>;

const addShape = calls['machines.addRemote'].params.shape;
const metadataSchema = addShape.metadata.unwrap();
const endpointShape = SshEndpointSchema.shape;

/** The first problem zod reports, as a sentence. */
function problem(
  schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } },
  value: unknown,
): string | undefined {
  const message = schema.safeParse(value).error?.issues[0]?.message;
  return message ? message.charAt(0).toUpperCase() + message.slice(1) : undefined;
}

const portOf = (text: string) => {
  const n = Number(text);
  return /^\d{1,5}$/.test(text.trim()) && n >= 1 && n <= 65535 ? n : undefined;
};

export interface JumpHost {
  host: string;
  port: number;
  user: string;
}

const JUMP = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:@\s[\]]+)(?::(\d+))?$/;

/** `user@host:port` (user defaults to `user`, port to 22), or why it is not one. */
export function parseJump(text: string, user: string): { jump: JumpHost } | { error: string } {
  const m = JUMP.exec(text.trim());
  if (!m) return { error: 'Write it as user@host:port, e.g. admin@bastion.example.com:22' };
  const [, jumpUser = user, host = '', portText = '22'] = m;
  if (!jumpUser) return { error: 'Give the user: user@host:port' };
  const port = portOf(portText);
  if (port === undefined) return { error: 'The port must be from 1 to 65535' };
  const bad = problem(SshHostSchema, host) ?? problem(SshUserSchema, jumpUser);
  if (bad) return { error: bad };
  return { jump: { host, port, user: jumpUser } };
}

/** `role=db, disk=ssd` as metadata, checked with the contract's key and value rules. */
export function parseMetadata(text: string): { metadata: Record<string, string> } | { error: string } {
  const metadata: Record<string, string> = {};
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) return { error: `${entry}: write it as key=value, e.g. role=web` };
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    if (key in metadata) return { error: `${key} is given twice` };
    const bad = problem(metadataSchema.keyType, key) ?? problem(metadataSchema.valueType, value);
    if (bad) return { error: `${entry}: ${bad}` };
    metadata[key] = value;
  }
  return { metadata };
}

/** Field → message; empty when the form may be sent. */
export function remoteErrors(f: RemoteForm, taken: readonly string[]): RemoteErrors {
  const errors: RemoteErrors = {};
  const host = f.host.trim();
  const user = f.user.trim();
  if (host === '') errors.host = 'Give the host name or address';
  else {
    const bad = problem(SshHostSchema, host);
    if (bad) errors.host = bad;
  }
  if (portOf(f.port) === undefined) errors.port = 'A port from 1 to 65535';
  if (user === '') errors.user = 'Give the user to log in as';
  else {
    const bad = problem(SshUserSchema, user);
    if (bad) errors.user = bad;
  }
  if (f.identityFile.trim().length > 4096) errors.identityFile = 'At most 4096 characters';
  if (f.passphrase.length > 1024) errors.passphrase = 'At most 1024 characters';
  if (f.jump.trim() !== '') {
    const jump = parseJump(f.jump, user);
    if ('error' in jump) errors.jump = jump.error;
  }
  const socket = problem(endpointShape.dockerSocket.unwrap(), f.dockerSocket.trim());
  if (socket) errors.dockerSocket = socket;
  const name = f.name.trim();
  if (name !== '') {
    const bad = problem(addShape.hostname.unwrap(), name);
    if (bad) errors.name = bad;
    else if (taken.includes(name)) errors.name = `${name} is in the cluster already`;
  }
  const metadata = parseMetadata(f.metadata);
  if ('error' in metadata) errors.metadata = metadata.error;
  return errors;
}

/** How to reach the host, as probeRemote and addRemote take it (for a form without errors). */
export function sshEndpoint(f: RemoteForm): SshEndpointInput {
  const user = f.user.trim();
  const identityFile = f.identityFile.trim();
  const jump = f.jump.trim() ? parseJump(f.jump, user) : undefined;
  return {
    host: f.host.trim(),
    port: portOf(f.port) ?? 22,
    user,
    ...(identityFile ? { identityFile } : {}),
    ...(f.passphrase ? { passphrase: f.passphrase } : {}),
    ...(jump && 'jump' in jump ? { jump: jump.jump } : {}),
    dockerSocket: f.dockerSocket.trim(),
  };
}

/** A remote host as addRemote and clusters.create's `remotes` take it (for a form without errors). */
export function remoteMachine(
  f: RemoteForm,
  acceptFingerprint: string | undefined,
  hostname = f.name.trim(),
): RemoteMachineInput {
  const metadata = parseMetadata(f.metadata);
  return {
    ssh: sshEndpoint(f),
    ...(acceptFingerprint ? { acceptFingerprint } : {}),
    ...(hostname ? { hostname } : {}),
    metadata: 'metadata' in metadata ? metadata.metadata : {},
  };
}

/** The addRemote call: the endpoint, the fingerprint the person accepted, name and metadata. */
export function addRemoteParams(
  f: RemoteForm,
  cluster: string | undefined,
  acceptFingerprint: string | undefined,
): CallParams<'machines.addRemote'> {
  return { ...(cluster ? { cluster } : {}), ...remoteMachine(f, acceptFingerprint) };
}

/** A remote host checked in the create wizard (key and Docker), to join the new cluster. */
export interface PlannedRemote {
  form: RemoteForm;
  fingerprint: string;
  /** The key was unknown and the person trusted it in the wizard: sent as acceptFingerprint. */
  accept: boolean;
  /** What Docker is there, e.g. "Docker 24.0.7 on linux/amd64". */
  docker: string;
}

/** "Docker 24.0.7 on linux/amd64", from what the probe found. */
export function dockerSummary(docker: { version?: string; os?: string; arch?: string }): string {
  const platform = [docker.os, docker.arch].filter(Boolean).join('/');
  return `Docker ${docker.version ?? '(version unknown)'}${platform ? ` on ${platform}` : ''}`;
}

/** core-04 after core-01 … core-03: the name the cluster gives a machine added without one. */
export function nextMachineName(machines: readonly Pick<MachineInfo, 'name'>[]): string {
  const counts = new Map<string, number[]>();
  for (const m of machines) {
    const match = /^(.+)-(\d{2,})$/.exec(m.name);
    if (!match) continue;
    const [, prefix = '', n = ''] = match;
    counts.set(prefix, [...(counts.get(prefix) ?? []), Number(n)]);
  }
  // The prefix most machines share (the cluster's), else core.
  const [prefix, numbers] = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [
    'core',
    [],
  ];
  return `${prefix}-${String(Math.max(0, ...numbers) + 1).padStart(2, '0')}`;
}

/** host, or [host] when a port follows an IPv6 address. */
const hostPort = (host: string, port: number) =>
  port === 22 ? host : `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;

/**
 * The same addition from a terminal:
 * `flotctl machine add --ssh user@host[:port] [--identity FILE] [--jump user@host:port] [--metadata k=v,…] [--name NAME] --accept-fingerprint SHA256:…`.
 */
export function addMachineCommand(
  f: RemoteForm,
  clusterArgs: readonly string[],
  fingerprint: string | undefined,
): string {
  const ssh = sshEndpoint(f);
  const jump = f.jump.trim() ? parseJump(f.jump, ssh.user) : undefined;
  const metadata = parseMetadata(f.metadata);
  const pairs = 'metadata' in metadata ? Object.entries(metadata.metadata) : [];
  const port = ssh.port ?? 22;
  return flotctl(
    'machine',
    'add',
    ...clusterArgs,
    '--ssh',
    `${ssh.user || 'USER'}@${hostPort(ssh.host || 'HOST', port)}`,
    ...(ssh.identityFile ? ['--identity', ssh.identityFile] : []),
    ...(jump && 'jump' in jump
      ? ['--jump', `${jump.jump.user}@${hostPort(jump.jump.host, jump.jump.port)}`]
      : []),
    ...(ssh.dockerSocket && ssh.dockerSocket !== DEFAULT_DOCKER_SOCKET
      ? ['--docker-socket', ssh.dockerSocket]
      : []),
    ...(pairs.length ? ['--metadata', pairs.map(([k, v]) => `${k}=${v}`).join(',')] : []),
    ...(f.name.trim() ? ['--name', f.name.trim()] : []),
    ...(fingerprint ? ['--accept-fingerprint', fingerprint] : []),
  );
}

/** The file on the host whose fingerprint `ssh-keygen -lf` prints, for a key type. */
export function hostKeyFile(keyType: string): string {
  const kind = keyType.includes('ed25519')
    ? 'ed25519'
    : keyType.includes('ecdsa')
      ? 'ecdsa'
      : keyType.includes('rsa')
        ? 'rsa'
        : keyType.includes('dss')
          ? 'dsa'
          : 'ed25519';
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}
