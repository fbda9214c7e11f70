import { readFile } from 'node:fs/promises';
import { resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { runTask } from './follow-task';
import type { Io } from './io';
import type { ClusterInfo, ExternalEtcd } from '../../shared/api';
import { UsageError, intFlag, parseFlags } from './usage';

const GLOBAL = { 'data-dir': { type: 'string' } } as const;

export const CLUSTER_HELP = `  cluster create NAME --machines N [--prefix core] [--members K] [--channel stable|beta|alpha]
                 [--metadata core-01:role=web,region=eu ...] [--machine-ttl SEC]
                 [--reboot-strategy reboot|etcd-lock|off] [--reboot-window 'Thu 04:00/1h30m']
                 [--ssh-key FILE ...] [--forward core-01:HOSTPORT:GUESTPORT ...]
                 [--user-data FILE] [--cloud-config core-01=FILE ...]
                 [--tls | --etcd URL,URL... [--etcd-prefix /flotilla/NAME/] [--etcd-cacert FILE]
                  [--etcd-cert FILE --etcd-key FILE] [--etcd-user USER --etcd-password-file FILE]]
                         create a cluster of machine containers (a task; follows it); each boots
                         with a cloud-config rendered from these flags over --user-data, or the
                         one --cloud-config gives for it (names are <prefix>-01 …);
                         --machine-ttl: heartbeat TTL, units of a silent machine move (default 2);
                         --ssh-key: a public key file for the core user;
                         --forward: 127.0.0.1:HOSTPORT reaches the machine's GUESTPORT;
                         --tls: the embedded KV requires client certificates (cluster env);
                         --etcd: keep the state in an existing etcd, keys under the prefix
  cluster list           the clusters, their state and KV endpoints
  cluster env [NAME]     ETCDCTL_* variables for etcdctl against the cluster's KV:
                         eval "$(flotctl cluster env)"; etcdctl get --prefix /_coreos.com
  cluster use NAME       make NAME the cluster commands go to by default
  cluster start NAME     bring a stopped cluster back (machines that were down stay down)
  cluster stop NAME      stop its units, agents, KV members and machines; stays stopped
  cluster destroy NAME   remove everything the cluster made (containers, network, files)`;

/** A machine host name as flags give it: prefix and number (core-01). */
const HOST = '[a-z][a-z0-9-]*-\\d{2,}';

/** `--metadata core-01:role=web,region=eu` → { 'core-01': { role: 'web', region: 'eu' } } */
export function parseMetadataFlags(values: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const v of values) {
    const m = new RegExp(`^(${HOST}):(.+)$`).exec(v);
    if (!m) throw new UsageError(`cluster create: --metadata must be HOST:key=value[,key=value], got '${v}'`);
    const [, host, pairs] = m as unknown as [string, string, string];
    const target = (out[host] ??= {});
    for (const pair of pairs.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1)
        throw new UsageError(`cluster create: --metadata ${v}: '${pair}' is not key=value`);
      target[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

const valid = (port: number | undefined) => port !== undefined && port >= 1 && port <= 65535;

/** `--forward core-01:8080:80` → { 'core-01': [{ host: 8080, guest: 80 }] } */
export function parseForwardFlags(values: string[]): Record<string, { guest: number; host: number }[]> {
  const out: Record<string, { guest: number; host: number }[]> = {};
  for (const v of values) {
    const m = new RegExp(`^(${HOST}):(\\d{1,5}):(\\d{1,5})$`).exec(v);
    const [host, hostPort, guestPort] = m ? [m[1]!, Number(m[2]), Number(m[3])] : [];
    if (!host || !valid(hostPort) || !valid(guestPort))
      throw new UsageError(
        `cluster create: --forward must be HOST:HOSTPORT:GUESTPORT (ports 1-65535), got '${v}'`,
      );
    (out[host] ??= []).push({ guest: guestPort!, host: hostPort! });
  }
  return out;
}

/** `--reboot-window 'Thu 04:00/1h30m'` → { start: 'Thu 04:00', length: '1h30m' } */
export function parseRebootWindow(value: string): { start: string; length: string } {
  const m = /^((?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?:[01]\d|2[0-3]):[0-5]\d)\/((?:\d+h)?(?:\d+m)?)$/.exec(
    value,
  );
  if (!m || !m[2])
    throw new UsageError(
      `cluster create: --reboot-window must be START/LENGTH like 'Thu 04:00/1h30m' or '04:00/45m', got '${value}'`,
    );
  return { start: m[1]!, length: m[2] };
}

/** A file the user named, as text; a failure names the flag and the file. */
async function readFlagFile(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cluster create: ${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** The public keys of --ssh-key files (one or more per file, like authorized_keys). */
async function readSshKeys(files: string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const file of files) {
    const text = await readFlagFile('--ssh-key', file);
    if (text.includes('PRIVATE KEY'))
      throw new UsageError(
        `cluster create: --ssh-key ${file} is a private key; give its public half (${file}.pub)`,
      );
    const found = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    if (!found.length) throw new UsageError(`cluster create: --ssh-key ${file} holds no key`);
    keys.push(...found);
  }
  return keys;
}

/** `--cloud-config core-01=FILE` → { 'core-01': text of FILE } */
async function readCloudConfigs(values: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = new RegExp(`^(${HOST})=(.+)$`).exec(v);
    if (!m) throw new UsageError(`cluster create: --cloud-config must be HOST=FILE, got '${v}'`);
    out[m[1]!] = await readFlagFile('--cloud-config', m[2]!);
  }
  return out;
}

/** --etcd and its companions: files are read here, their texts go to the app. */
async function externalEtcdFlags(values: Record<string, unknown>): Promise<ExternalEtcd | undefined> {
  const flag = (name: string) => values[name] as string | undefined;
  const companions = [
    'etcd-prefix',
    'etcd-cacert',
    'etcd-cert',
    'etcd-key',
    'etcd-user',
    'etcd-password-file',
  ];
  const url = flag('etcd');
  if (url === undefined) {
    const stray = companions.find((c) => flag(c) !== undefined);
    if (stray) throw new UsageError(`cluster create: --${stray} goes with --etcd URL,…`);
    return undefined;
  }
  if (values.tls)
    throw new UsageError(
      'cluster create: --tls is for the embedded KV; an external etcd takes --etcd-cacert/--etcd-cert/--etcd-key',
    );
  const endpoints = url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const e of endpoints)
    if (!/^https?:\/\/[^\s/]+$/.test(e))
      throw new UsageError(`cluster create: --etcd ${e} is not a client URL like https://10.0.0.5:2379`);
  if ((flag('etcd-cert') === undefined) !== (flag('etcd-key') === undefined))
    throw new UsageError('cluster create: --etcd-cert and --etcd-key go together');
  if ((flag('etcd-user') === undefined) !== (flag('etcd-password-file') === undefined))
    throw new UsageError('cluster create: --etcd-user and --etcd-password-file go together');
  const file = async (name: string) => {
    const f = flag(name);
    return f === undefined ? undefined : readFlagFile(`--${name}`, f);
  };
  const [caCert, cert, key, password] = await Promise.all([
    file('etcd-cacert'),
    file('etcd-cert'),
    file('etcd-key'),
    file('etcd-password-file'),
  ]);
  return {
    endpoints,
    ...(flag('etcd-prefix') !== undefined ? { prefix: flag('etcd-prefix') } : {}),
    ...(caCert ? { caCert } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(flag('etcd-user') !== undefined
      ? { username: flag('etcd-user'), password: password!.replace(/\r?\n$/, '') }
      : {}),
  };
}

/** Shell lines that point etcdctl (v3) at a cluster's KV, with its client certificate when TLS is on. */
export function etcdctlEnv(c: ClusterInfo): string[] {
  const kv = c.kv;
  const endpoints =
    kv?.kind === 'external'
      ? kv.endpoints
      : c.endpoints.map((e) =>
          e.includes('://') ? e : `${kv?.kind === 'embedded' && kv.tls ? 'https' : 'http'}://${e}`,
        );
  const lines = [`export ETCDCTL_API=3`, `export ETCDCTL_ENDPOINTS=${shellWord(endpoints.join(','))}`];
  if (kv?.kind === 'embedded' && kv.tls)
    lines.push(
      `export ETCDCTL_CACERT=${shellWord(kv.tls.caFile)}`,
      `export ETCDCTL_CERT=${shellWord(kv.tls.certFile)}`,
      `export ETCDCTL_KEY=${shellWord(kv.tls.keyFile)}`,
    );
  if (kv?.kind === 'external') {
    if (kv.caFile) lines.push(`export ETCDCTL_CACERT=${shellWord(kv.caFile)}`);
    if (kv.certFile) lines.push(`export ETCDCTL_CERT=${shellWord(kv.certFile)}`);
    if (kv.keyFile) lines.push(`export ETCDCTL_KEY=${shellWord(kv.keyFile)}`);
    // etcdctl asks for the password: it never goes into the environment or a command line.
    if (kv.username) lines.push(`export ETCDCTL_USER=${shellWord(kv.username)}`);
    lines.push(`# the cluster's keys are under ${kv.prefix} (etcdctl get --prefix ${shellWord(kv.prefix)})`);
  }
  return lines;
}

/** A word for a POSIX shell: as it is when plain, else single-quoted. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:,@%+=-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

export async function clusterCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values, positionals } = parseFlags(
        'cluster create',
        rest,
        {
          ...GLOBAL,
          machines: { type: 'string' },
          prefix: { type: 'string' },
          members: { type: 'string' },
          channel: { type: 'string', default: 'stable' },
          metadata: { type: 'string', multiple: true, default: [] },
          'machine-ttl': { type: 'string' },
          'reboot-strategy': { type: 'string' },
          'reboot-window': { type: 'string' },
          'ssh-key': { type: 'string', multiple: true, default: [] },
          forward: { type: 'string', multiple: true, default: [] },
          'user-data': { type: 'string' },
          'cloud-config': { type: 'string', multiple: true, default: [] },
          tls: { type: 'boolean' },
          etcd: { type: 'string' },
          'etcd-prefix': { type: 'string' },
          'etcd-cacert': { type: 'string' },
          'etcd-cert': { type: 'string' },
          'etcd-key': { type: 'string' },
          'etcd-user': { type: 'string' },
          'etcd-password-file': { type: 'string' },
        },
        true,
      );
      const name = positionals[0];
      if (!name || positionals.length > 1)
        throw new UsageError('cluster create: give exactly one cluster NAME');
      if (values.machines === undefined) throw new UsageError('cluster create: --machines N is required');
      const machines = intFlag('cluster create', 'machines', values.machines, 1);
      const channel = values.channel as string;
      if (!['stable', 'beta', 'alpha'].includes(channel))
        throw new UsageError(`cluster create: --channel must be stable, beta or alpha, got '${channel}'`);
      const params: Parameters<typeof callApi<'clusters.create'>>[2] = {
        name,
        machines,
        channel: channel as 'stable',
        metadata: parseMetadataFlags(values.metadata as string[]),
      };
      if (values['machine-ttl'] !== undefined)
        params.machineTtlSec = intFlag('cluster create', 'machine-ttl', values['machine-ttl'], 1);
      if (values.members !== undefined)
        params.members = intFlag('cluster create', 'members', values.members, 1);
      if (values.prefix !== undefined) {
        if (!/^[a-z][a-z0-9-]{0,20}$/.test(values.prefix))
          throw new UsageError(
            `cluster create: --prefix must be lower-case letters, digits or dashes starting with a letter, got '${values.prefix}'`,
          );
        params.prefix = values.prefix;
      }
      const strategy = values['reboot-strategy'];
      if (strategy !== undefined) {
        if (strategy !== 'reboot' && strategy !== 'etcd-lock' && strategy !== 'off')
          throw new UsageError(
            `cluster create: --reboot-strategy must be reboot, etcd-lock or off, got '${strategy}'`,
          );
        params.rebootStrategy = strategy;
      }
      if (values['reboot-window'] !== undefined)
        params.rebootWindow = parseRebootWindow(values['reboot-window']);
      const forwarded = parseForwardFlags(values.forward as string[]);
      if (Object.keys(forwarded).length) params.forwardedPorts = forwarded;
      const keys = await readSshKeys(values['ssh-key'] as string[]);
      if (keys.length) params.sshAuthorizedKeys = keys;
      if (values['user-data'] !== undefined)
        params.userData = await readFlagFile('--user-data', values['user-data']);
      const configs = await readCloudConfigs(values['cloud-config'] as string[]);
      if (Object.keys(configs).length) params.cloudConfigs = configs;
      if (values.tls) params.tls = true;
      const etcd = await externalEtcdFlags(values);
      if (etcd) params.etcd = etcd;
      const api = await findApp(resolveDataDir(values['data-dir']));
      const { taskId } = await callApi(api, 'clusters.create', params);
      await runTask(api, taskId, io);
      io.out(`Cluster ${name} is running (${machines} machine${machines === 1 ? '' : 's'}).`);
      return 0;
    }
    case 'list': {
      const { values } = parseFlags('cluster list', rest, { ...GLOBAL });
      const api = await findApp(resolveDataDir(values['data-dir']));
      const clusters = await callApi(api, 'clusters.list', {});
      if (clusters.length === 0) {
        io.out('No clusters. Create one: flotctl cluster create demo --machines 3');
        return 0;
      }
      io.out(['NAME', 'STATE', 'MACHINES', 'ENDPOINTS'].join('\t'));
      for (const c of clusters)
        io.out(
          [`${c.name}${c.active ? '*' : ''}`, c.state, String(c.machines), c.endpoints.join(',') || '-'].join(
            '\t',
          ),
        );
      return 0;
    }
    case 'env': {
      const { values, positionals } = parseFlags('cluster env', rest, { ...GLOBAL }, true);
      if (positionals.length > 1) throw new UsageError('cluster env: give at most one cluster NAME');
      const api = await findApp(resolveDataDir(values['data-dir']));
      const clusters = await callApi(api, 'clusters.list', {});
      const c = positionals[0]
        ? clusters.find((x) => x.name === positionals[0])
        : clusters.find((x) => x.active);
      if (!c)
        throw new UsageError(
          positionals[0]
            ? `cluster env: no cluster named ${positionals[0]}`
            : 'cluster env: no active cluster; name one',
        );
      for (const line of etcdctlEnv(c)) io.out(line);
      return 0;
    }
    case 'use':
    case 'start':
    case 'stop':
    case 'destroy': {
      const { values, positionals } = parseFlags(`cluster ${sub}`, rest, { ...GLOBAL }, true);
      const name = positionals[0];
      if (!name || positionals.length > 1)
        throw new UsageError(`cluster ${sub}: give exactly one cluster NAME`);
      const api = await findApp(resolveDataDir(values['data-dir']));
      if (sub === 'use') {
        await callApi(api, 'clusters.setActive', { name });
        io.out(`Commands now go to cluster ${name}.`);
        return 0;
      }
      const method =
        sub === 'start' ? 'clusters.start' : sub === 'stop' ? 'clusters.stop' : 'clusters.destroy';
      const { taskId } = await callApi(api, method, { name });
      await runTask(api, taskId, io);
      io.out(`${sub === 'start' ? 'Started' : sub === 'stop' ? 'Stopped' : 'Destroyed'} cluster ${name}.`);
      return 0;
    }
    default:
      throw new UsageError(
        sub
          ? `cluster: unknown subcommand '${sub}' (try: create, list, env, use, start, stop, destroy)`
          : 'cluster: missing subcommand (create, list, env, use, start, stop, destroy)',
      );
  }
}
