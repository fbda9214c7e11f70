// What the wizard checks before Next, field by field, with the contract's own rules where it has
// them (so the wizard never lets through what clusters.create would refuse).
import { ExternalEtcdSchema, calls } from '../../../shared/api';
import {
  endpointList,
  etcdPrefix,
  hostnames,
  machineCount,
  machineDraft,
  membersText,
  remoteNames,
  type Draft,
} from './draft';

const shape = calls['clusters.create'].params.shape;
const metadataSchema = shape.metadata.unwrap().valueType;
const windowSchema = shape.rebootWindow.unwrap().shape;

/** Field id → message. An empty object means the step may be left. */
export type FieldErrors = Record<string, string>;

/** The first problem zod reports, as a sentence. */
function problem(
  schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } },
  value: unknown,
) {
  const message = schema.safeParse(value).error?.issues[0]?.message;
  return message ? message.charAt(0).toUpperCase() + message.slice(1) : undefined;
}

const whole = (text: string, min: number, max: number) => {
  const n = Number(text);
  return /^\d+$/.test(text.trim()) && n >= min && n <= max ? n : undefined;
};

export function nameError(name: string, existing: readonly string[]): string | undefined {
  if (name === '') return 'Give the cluster a name';
  if (name.length > 31) return 'At most 31 characters';
  return (
    problem(shape.name, name) ??
    (existing.includes(name) ? `A cluster named ${name} exists already` : undefined)
  );
}

export function basicsErrors(d: Draft, existing: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  const name = nameError(d.name, existing);
  if (name) errors.name = name;
  if (whole(d.machines, 1, 50) === undefined) errors.machines = 'A number from 1 to 50';
  if (d.prefix === '') errors.prefix = 'Give a prefix (core by default)';
  else {
    const prefix = problem(shape.prefix, d.prefix);
    if (prefix) errors.prefix = prefix;
  }
  return errors;
}

/** What is wrong with a metadata pair, by the contract's key and value rules. */
const pairError = (key: string, value: string) =>
  problem(metadataSchema.keyType, key) ?? problem(metadataSchema.valueType, value);

/** Why `key=value` cannot be added to metadata that has `existing` keys, if it cannot. */
export function metadataEntryError(entry: string, existing: Record<string, string>): string | undefined {
  const eq = entry.indexOf('=');
  if (eq < 0) return 'Write it as key=value, e.g. role=web';
  const key = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (key in existing) return `${key} is set already: remove it first`;
  return pairError(key, value);
}

/** `key=value` as a pair, for an entry metadataEntryError accepted. */
export function splitEntry(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

const PORT_RANGE = 'A port from 1 to 65535';

/**
 * Field ids: `metadata-<i>`, `port-<i>-<j>-guest`, `port-<i>-<j>-host` (machine i, row j, from 0);
 * `remote-<k>` (remote host k: a name that a local machine or another host has, after the count
 * or prefix changed).
 */
export function machinesErrors(d: Draft): FieldErrors {
  const errors: FieldErrors = {};
  const hosts = hostnames(d.prefix, machineCount(d));
  const remotes = remoteNames(d);
  remotes.forEach((name, k) => {
    if (hosts.includes(name))
      errors[`remote-${k}`] =
        `${name} is a local machine's name: remove this host and add it again with another name`;
    else if (remotes.indexOf(name) !== k) errors[`remote-${k}`] = `${name} is given to another remote host`;
  });
  // A host port can be bound once on 127.0.0.1, whichever machine asks for it.
  const hostPortUses = new Map<string, number>();
  hosts.forEach((_, i) =>
    machineDraft(d, i).ports.forEach((p) => hostPortUses.set(p.host, (hostPortUses.get(p.host) ?? 0) + 1)),
  );
  hosts.forEach((host, i) => {
    const m = machineDraft(d, i);
    const wrong = Object.entries(m.metadata)
      .map(([k, v]) => ({ pair: `${k}=${v}`, error: pairError(k, v) }))
      .find((x) => x.error);
    if (wrong) errors[`metadata-${i}`] = `${wrong.pair}: ${wrong.error}`;
    const guests = new Set<string>();
    m.ports.forEach((p, j) => {
      const id = `port-${i}-${j}`;
      if (whole(p.guest, 1, 65535) === undefined) errors[`${id}-guest`] = PORT_RANGE;
      else if (guests.has(p.guest)) errors[`${id}-guest`] = `Port ${p.guest} of ${host} is forwarded already`;
      guests.add(p.guest);
      if (whole(p.host, 1, 65535) === undefined) errors[`${id}-host`] = PORT_RANGE;
      else if ((hostPortUses.get(p.host) ?? 0) > 1)
        errors[`${id}-host`] = `Host port ${p.host} is forwarded twice`;
    });
  });
  return errors;
}

/** Field ids: `members` (embedded); `etcd-endpoints`, `etcd-prefix`, `etcd-cert`, `etcd-key`, `etcd-password` (external). */
export function kvErrors(d: Draft): FieldErrors {
  return d.kv === 'external' ? etcdErrors(d) : membersErrors(d);
}

function membersErrors(d: Draft): FieldErrors {
  const machines = machineCount(d);
  const max = Math.min(7, machines);
  const text = membersText(d);
  if (whole(text, 1, 7) === undefined) return { members: `A number from 1 to ${max}` };
  if (Number(text) > machines)
    return { members: `Each KV member lives on a machine: at most ${machines} for ${machines}` };
  return {};
}

const etcdShape = ExternalEtcdSchema.shape;
/** An etcd client URL with an explicit port: http(s)://host:port, host a name or an address ([…] for IPv6). */
const CLIENT_URL = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const URL_EXAMPLE = 'like https://10.0.0.5:2379 (http or https, a host and a port)';

/** Why one endpoint is not an etcd client URL, if it is not. */
export function endpointError(url: string): string | undefined {
  const m = CLIENT_URL.exec(url);
  if (!m) return `${url}: must be a client URL ${URL_EXAMPLE}`;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `${url}: the port must be from 1 to 65535`;
  return problem(etcdShape.endpoints.element, url);
}

/** Why the endpoints as typed cannot be used, if they cannot. */
export function endpointsError(text: string): string | undefined {
  const list = endpointList(text);
  if (list.length === 0) return `Give at least one endpoint, ${URL_EXAMPLE}`;
  if (list.length > 15) return 'At most 15 endpoints';
  for (const [i, url] of list.entries()) {
    const bad = endpointError(url);
    if (bad) return bad;
    if (list.indexOf(url) !== i) return `${url} is given twice`;
  }
  return undefined;
}

export type PemKind = 'caCert' | 'cert' | 'key';

/** Why a chosen file's text cannot be the CA certificate, client certificate or client key. */
export function pemError(kind: PemKind, text: string): string | undefined {
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text))
    return 'Not a PEM file: expected a line like -----BEGIN CERTIFICATE-----';
  const isKey = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text);
  if (kind === 'key' && !isKey) return 'Not a private key: expected -----BEGIN PRIVATE KEY----- or similar';
  if (kind !== 'key' && isKey) return 'This is a private key: choose it as the client key';
  if (kind !== 'key' && !/-----BEGIN CERTIFICATE-----/.test(text))
    return 'Not a certificate: expected -----BEGIN CERTIFICATE-----';
  return problem(etcdShape[kind].unwrap(), text);
}

/** The first line of a PEM text, to tell one file from another ("-----BEGIN CERTIFICATE-----"). */
export function pemFirstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

function etcdErrors(d: Draft): FieldErrors {
  const errors: FieldErrors = {};
  const e = d.etcd;
  const endpoints = endpointsError(e.endpoints);
  if (endpoints) errors['etcd-endpoints'] = endpoints;
  const prefix = etcdPrefix(d);
  if (prefix === '') errors['etcd-prefix'] = 'Give a prefix, e.g. /flotilla/' + (d.name || 'demo') + '/';
  else {
    const bad = problem(etcdShape.prefix.unwrap(), prefix);
    if (bad) errors['etcd-prefix'] = bad;
  }
  for (const kind of ['caCert', 'cert', 'key'] as const) {
    const file = e[kind];
    const bad = file && pemError(kind, file.text);
    if (bad) errors[`etcd-${kind}`] = bad;
  }
  if (e.cert && !e.key && !errors['etcd-cert']) errors['etcd-key'] = 'A client certificate needs its key';
  if (e.key && !e.cert && !errors['etcd-key']) errors['etcd-cert'] = 'A client key needs its certificate';
  const username = e.username.trim();
  if (username.length > 128) errors['etcd-username'] = 'At most 128 characters';
  if (e.password && !username) errors['etcd-password'] = 'A password goes with a user name';
  else if (e.password.length > 1024) errors['etcd-password'] = 'At most 1024 characters';
  return errors;
}

/** What a member count means for failures; warnings for the counts people regret. */
export function kvAdvice(members: number): { tolerance: string; warnings: string[] } {
  const tolerated = Math.floor((members - 1) / 2);
  const warnings: string[] = [];
  if (members < 3)
    warnings.push('No failure tolerated: losing one member stops the KV, and the cluster with it');
  if (members % 2 === 0)
    warnings.push(
      `An even number of members tolerates no more failures than one fewer (${members - 1} would do as well)`,
    );
  return {
    tolerance: `${members} member${members === 1 ? '' : 's'}: a quorum is ${Math.floor(members / 2) + 1}, ${
      tolerated === 0 ? 'no failure' : tolerated === 1 ? 'one failure' : `${tolerated} failures`
    } tolerated`,
    warnings,
  };
}

export function updatesErrors(d: Draft): FieldErrors {
  if (!d.rebootWindow) return {};
  const errors: FieldErrors = {};
  const start = problem(windowSchema.start, d.rebootWindow.start);
  const length = problem(windowSchema.length, d.rebootWindow.length);
  if (start) errors.windowStart = start;
  if (length) errors.windowLength = length;
  return errors;
}

const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) AAAA[A-Za-z0-9+/]+={0,3}( .*)?$/;

/** Why a line is not an SSH public key, if it is not. */
export function sshKeyError(line: string): string | undefined {
  if (/PRIVATE KEY/.test(line)) return 'This is a private key: give the public one (the .pub file)';
  if (!SSH_KEY.test(line.trim()))
    return 'Not an SSH public key: expected a line like ssh-ed25519 AAAA… you@host';
  return undefined;
}

/** Field ids: `key-<i>`. Keys are checked when added; imported ones are checked here. */
export function accessErrors(d: Draft): FieldErrors {
  const errors: FieldErrors = {};
  d.sshKeys.forEach((k, i) => {
    const bad = sshKeyError(k.key);
    if (bad) errors[`key-${i}`] = bad;
  });
  return errors;
}
