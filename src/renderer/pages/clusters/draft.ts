// The wizard's draft of a new cluster: what the person typed, step by step, and how it becomes the
// clusters.create call and the equivalent flotctl command line.
import type { CallParams, CallResult } from '../../../shared/api';
import type { VagrantImport } from '../../../shared/cloudconfig';
import { flotctl } from '../../actions/flotctl';
import {
  addMachineCommand,
  nextMachineName,
  remoteMachine,
  type PlannedRemote,
} from '../../remote/remote-form';

export type Channel = 'stable' | 'beta' | 'alpha';
export type RebootStrategy = 'reboot' | 'etcd-lock' | 'off';

/** A forwarded port as typed (validated before Next). */
export interface PortDraft {
  guest: string;
  host: string;
}

export interface MachineDraft {
  metadata: Record<string, string>;
  ports: PortDraft[];
}

export interface SshKey {
  key: string;
  /** The .pub file it came from (for the command line); pasted keys get a made-up name. */
  file: string;
}

/** A PEM file chosen in the KV step: its text (what is sent) and its name (for the command line). */
export interface PemFile {
  text: string;
  file: string;
}

export type KvChoice = 'embedded' | 'external';

/** An existing etcd cluster to keep the state in, as typed. */
export interface EtcdDraft {
  /** Client URLs as typed: one per line or comma separated. */
  endpoints: string;
  /** The key prefix as typed; null follows the cluster name (/flotilla/<name>/). */
  prefix: string | null;
  caCert: PemFile | null;
  cert: PemFile | null;
  key: PemFile | null;
  username: string;
  password: string;
}

export interface Draft {
  name: string;
  /** The number of machines as typed. */
  machines: string;
  prefix: string;
  /** Per machine, by index (machine 1 first); missing entries mean nothing set. */
  perMachine: MachineDraft[];
  /** KV members as typed; null follows the machine count. */
  members: string | null;
  /** Embedded KV members, or an existing etcd cluster. */
  kv: KvChoice;
  /** Embedded members secured with TLS (client certificates). */
  tls: boolean;
  etcd: EtcdDraft;
  channel: Channel;
  rebootStrategy: RebootStrategy;
  /** locksmith's window; null for none. */
  rebootWindow: { start: string; length: string } | null;
  sshKeys: SshKey[];
  /** A user-data every machine boots with, merged under the generated settings (coreos-vagrant's). */
  userData: { text: string; file: string } | null;
  /** Cloud-configs edited in the review, by host name; only these are sent. */
  edited: Record<string, string>;
  /** SSH hosts checked in the Machines step, joining once the local machines are up. */
  remotes: PlannedRemote[];
}

export const EMPTY_ETCD: EtcdDraft = {
  endpoints: '',
  prefix: null,
  caCert: null,
  cert: null,
  key: null,
  username: '',
  password: '',
};

export const EMPTY_DRAFT: Draft = {
  name: '',
  machines: '3',
  prefix: 'core',
  perMachine: [],
  members: null,
  kv: 'embedded',
  tls: false,
  etcd: EMPTY_ETCD,
  channel: 'stable',
  rebootStrategy: 'etcd-lock',
  rebootWindow: null,
  sshKeys: [],
  userData: null,
  edited: {},
  remotes: [],
};

const NO_MACHINE_SETTINGS: MachineDraft = { metadata: {}, ports: [] };

/** The machine count, or 0 while what was typed is not one. */
export function machineCount(d: Draft): number {
  const n = Number(d.machines);
  return /^\d+$/.test(d.machines.trim()) && n >= 1 && n <= 50 ? n : 0;
}

/** core-01, core-02 …: the host names of `n` machines. */
export function hostnames(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
}

/** "core-01, core-02, core-03" — the first three and the last, for a preview. */
export function namesPreview(prefix: string, n: number): string {
  const names = hostnames(prefix, n);
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} … ${names.at(-1)}`;
}

/** 1 member up to two machines (two tolerate no more failures than one), 3 up to five, 5 beyond: as the backend. */
export function defaultMembers(machines: number): number {
  return machines <= 2 ? 1 : machines <= 5 ? 3 : 5;
}

/** The members as typed, else the default for the machine count. */
export function membersText(d: Draft): string {
  return d.members ?? String(defaultMembers(machineCount(d)));
}

export function machineDraft(d: Draft, index: number): MachineDraft {
  return d.perMachine[index] ?? NO_MACHINE_SETTINGS;
}

/** The endpoints as typed, one per line or comma separated, blanks dropped. */
export function endpointList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/** Where a cluster's keys live in a shared etcd unless the person says otherwise. */
export function defaultEtcdPrefix(name: string): string {
  return `/flotilla/${name || 'NAME'}/`;
}

/** The key prefix as typed, else the default for the cluster name. */
export function etcdPrefix(d: Draft): string {
  return d.etcd.prefix ?? defaultEtcdPrefix(d.name);
}

/** The draft with its etcd settings changed by `patch`. */
export function withEtcd(d: Draft, patch: Partial<EtcdDraft>): Draft {
  return { ...d, etcd: { ...d.etcd, ...patch } };
}

/** The external etcd as clusters.create and clusters.checkEtcd take it: PEM texts, never paths. */
export function externalEtcd(d: Draft): CallParams<'clusters.checkEtcd'>['etcd'] {
  const e = d.etcd;
  const username = e.username.trim();
  return {
    endpoints: endpointList(e.endpoints),
    prefix: etcdPrefix(d),
    ...(e.caCert ? { caCert: e.caCert.text } : {}),
    ...(e.cert ? { cert: e.cert.text } : {}),
    ...(e.key ? { key: e.key.text } : {}),
    ...(username ? { username } : {}),
    ...(username && e.password ? { password: e.password } : {}),
  };
}

/** The draft with machine `index`'s settings changed by `change`. */
export function withMachine(d: Draft, index: number, change: (m: MachineDraft) => MachineDraft): Draft {
  const perMachine = [...d.perMachine];
  for (let i = perMachine.length; i < index; i++) perMachine[i] = NO_MACHINE_SETTINGS;
  perMachine[index] = change(machineDraft(d, index));
  return { ...d, perMachine };
}

/** Per host name, what is set for it (hosts with nothing set are left out). */
function perHost<T>(d: Draft, pick: (m: MachineDraft) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  hostnames(d.prefix, machineCount(d)).forEach((host, i) => {
    const v = pick(machineDraft(d, i));
    if (v !== undefined) out[host] = v;
  });
  return out;
}

const metadataOf = (d: Draft) => perHost(d, (m) => (Object.keys(m.metadata).length ? m.metadata : undefined));
const portsOf = (d: Draft) =>
  perHost(d, (m) =>
    m.ports.length ? m.ports.map((p) => ({ guest: Number(p.guest), host: Number(p.host) })) : undefined,
  );

/**
 * The remote hosts' names: the one typed, else the next free after the local machines and the
 * hosts before it (core-04 after core-01 … core-03), as machines.addRemote names them.
 */
export function remoteNames(d: Draft): string[] {
  const taken = hostnames(d.prefix, machineCount(d));
  for (const r of d.remotes)
    taken.push(r.form.name.trim() || nextMachineName(taken.map((name) => ({ name }))));
  return taken.slice(machineCount(d));
}

const remotesOf = (d: Draft) => {
  const names = remoteNames(d);
  return d.remotes.map((r, i) => remoteMachine(r.form, r.accept ? r.fingerprint : undefined, names[i]));
};

/** The edits that still name a machine of the cluster (the count or prefix may have changed since). */
export function editedConfigs(d: Draft): Record<string, string> {
  const hosts = new Set(hostnames(d.prefix, machineCount(d)));
  return Object.fromEntries(Object.entries(d.edited).filter(([host]) => hosts.has(host)));
}

/** The clusters.create call for a valid draft, with the network the review showed. */
export function createParams(
  d: Draft,
  network: CallResult<'clusters.addresses'>,
): CallParams<'clusters.create'> {
  const edited = editedConfigs(d);
  return {
    name: d.name,
    machines: machineCount(d),
    prefix: d.prefix,
    // An external etcd replaces the members; embedded ones may be secured with TLS.
    ...(d.kv === 'external'
      ? { etcd: externalEtcd(d) }
      : { members: Number(membersText(d)), ...(d.tls ? { tls: true } : {}) }),
    channel: d.channel,
    metadata: metadataOf(d),
    rebootStrategy: d.rebootStrategy,
    ...(d.rebootWindow ? { rebootWindow: d.rebootWindow } : {}),
    sshAuthorizedKeys: d.sshKeys.map((k) => k.key),
    forwardedPorts: portsOf(d),
    ...(d.userData ? { userData: d.userData.text } : {}),
    ...(Object.keys(edited).length ? { cloudConfigs: edited } : {}),
    network: { subnet: network.subnet, ips: network.ips },
    ...(d.remotes.length ? { remotes: remotesOf(d) } : {}),
  };
}

/** The file an edited cloud-config is saved to by "Download cloud-configs". */
export const cloudConfigFile = (host: string) => `${host}.yaml`;

/** Stands for the file the password is kept in: a password never goes on a command line. */
export const PASSWORD_FILE = 'PASSWORD_FILE';

/** The KV part of the command line: --members and --tls, or the external etcd's flags. */
function kvFlags(d: Draft, n: number): string[] {
  if (d.kv === 'embedded') {
    const members = membersText(d);
    return [
      ...(members !== String(defaultMembers(n)) ? ['--members', members] : []),
      ...(d.tls ? ['--tls'] : []),
    ];
  }
  const e = d.etcd;
  const username = e.username.trim();
  return [
    '--etcd',
    endpointList(e.endpoints).join(',') || 'URL',
    ...(etcdPrefix(d) !== defaultEtcdPrefix(d.name) ? ['--etcd-prefix', etcdPrefix(d)] : []),
    ...(e.caCert ? ['--etcd-cacert', e.caCert.file] : []),
    ...(e.cert ? ['--etcd-cert', e.cert.file] : []),
    ...(e.key ? ['--etcd-key', e.key.file] : []),
    ...(username ? ['--etcd-user', username] : []),
    ...(username && e.password ? ['--etcd-password-file', PASSWORD_FILE] : []),
  ];
}

/** The same creation as a flotctl command line; settings left at their defaults are left out. */
export function createCommand(d: Draft): string {
  const n = machineCount(d);
  const metadata = Object.entries(metadataOf(d)).flatMap(([host, md]) => [
    '--metadata',
    `${host}:${Object.entries(md)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`,
  ]);
  const ports = Object.entries(portsOf(d)).flatMap(([host, list]) =>
    list.flatMap((p) => ['--forward', `${host}:${p.host}:${p.guest}`]),
  );
  return flotctl(
    'cluster',
    'create',
    d.name || 'NAME',
    '--machines',
    n || d.machines,
    ...(d.prefix !== 'core' ? ['--prefix', d.prefix] : []),
    ...kvFlags(d, n),
    ...(d.channel !== 'stable' ? ['--channel', d.channel] : []),
    ...metadata,
    ...(d.rebootStrategy !== 'etcd-lock' ? ['--reboot-strategy', d.rebootStrategy] : []),
    ...(d.rebootWindow ? ['--reboot-window', `${d.rebootWindow.start}/${d.rebootWindow.length}`] : []),
    // A file with several keys is named once.
    ...[...new Set(d.sshKeys.map((k) => k.file))].flatMap((file) => ['--ssh-key', file]),
    ...ports,
    ...(d.userData ? ['--user-data', d.userData.file] : []),
    ...Object.keys(editedConfigs(d)).flatMap((host) => [
      '--cloud-config',
      `${host}=${cloudConfigFile(host)}`,
    ]),
  );
}

/** What adds the remote hosts from a terminal once the cluster exists: a `machine add` each. */
export function remoteCommands(d: Draft): string[] {
  const names = remoteNames(d);
  return d.remotes.map((r, i) =>
    addMachineCommand(
      { ...r.form, name: names[i] ?? '' },
      ['--cluster', d.name || 'NAME'],
      r.accept ? r.fingerprint : undefined,
    ),
  );
}

/**
 * A draft from a coreos-vagrant import: its size, channel and prefix, its forwarded ports on the
 * first machine (where coreos-vagrant forwards them), the user-data's metadata on every machine and
 * its SSH keys, and the user-data itself to boot with.
 */
export function draftFromVagrant(v: VagrantImport, userDataFile: string): Draft {
  return {
    ...EMPTY_DRAFT,
    machines: String(v.numInstances),
    prefix: v.prefix,
    channel: v.channel,
    perMachine: Array.from({ length: v.numInstances }, (_, i) => ({
      metadata: { ...v.metadata },
      ports: i === 0 ? v.forwardedPorts.map((p) => ({ guest: String(p.guest), host: String(p.host) })) : [],
    })),
    sshKeys: v.sshAuthorizedKeys.map((key, i) => ({ key, file: `ssh-key-${i + 1}.pub` })),
    userData: v.userData === undefined ? null : { text: v.userData, file: userDataFile },
  };
}
