import { join, posix } from 'node:path';
import { ApiError } from '../../shared/api';
import { isBuiltinUnit, parseCloudConfig, type CloudConfig, type CloudUnit } from '../../shared/cloudconfig';
import { lintUnit, validateUnitName } from '../../shared/units';
import type { FleetControl } from '../fleet/control';
import { assertMetadata, CHANNELS, HOSTNAME_RE, type Channel, type TarFile } from '../machines';
import type { TaskContext } from '../tasks';

// What a machine's cloud-config makes of it, as coreos-cloudinit would at boot: its settings
// (hostname, fleet metadata, channel), the files it carries and the units it brings to fleet.

export const BOOT_UNITS_STEP = 'units from cloud-config';

/** Where a cluster keeps the cloud-config a machine boots with (its final text). */
export const cloudConfigPath = (clusterDir: string, hostname: string): string =>
  join(clusterDir, 'cloud-config', `${hostname}.yaml`);

/**
 * A machine's cloud-config, parsed. Errors fail with BAD_REQUEST naming the machine, line, column
 * and message; `fix` says what to do about it.
 */
export function parseMachineConfig(hostname: string, text: string, fix: string): CloudConfig {
  const { config, diagnostics } = parseCloudConfig(text);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (config && !first) return config;
  const where = first ? `line ${first.line}, column ${first.column}: ${first.message}` : 'it does not parse';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new ApiError('BAD_REQUEST', `Cloud-config of ${hostname}, ${where}${more}`, {
    hint: fix,
    details: {
      machine: hostname,
      ...(first ? { line: first.line, column: first.column, message: first.message } : {}),
      diagnostics: errors,
    },
  });
}

const bad = (hostname: string, message: string, hint?: string) =>
  new ApiError('BAD_REQUEST', `Cloud-config of ${hostname}: ${message}`, {
    ...(hint ? { hint } : {}),
    details: { machine: hostname },
  });

export interface BootSettings {
  hostname: string;
  metadata: Record<string, string>;
  channel: Channel;
  /** manage_etc_hosts: localhost */
  hostnameIsLocalhost: boolean;
}

/** The machine settings a cloud-config decides; `hostname` and `channel` are used where it is silent. */
export function bootSettings(
  hostname: string,
  config: CloudConfig,
  fallback: { channel: Channel },
): BootSettings {
  const name = config.hostname ?? hostname;
  if (!HOSTNAME_RE.test(name))
    throw bad(
      hostname,
      `hostname ${JSON.stringify(name)} is not a host name`,
      'Use 1 to 63 lower-case letters, digits or dashes, not starting or ending with a dash.',
    );
  const group = config.coreos.update.group ?? fallback.channel;
  if (!(CHANNELS as readonly string[]).includes(group))
    throw bad(
      hostname,
      `coreos.update.group ${JSON.stringify(group)} is not a channel Flotilla serves`,
      `Use one of ${CHANNELS.join(', ')}.`,
    );
  const metadata = config.coreos.fleet.metadata;
  try {
    assertMetadata(metadata);
  } catch (err) {
    throw bad(hostname, `coreos.fleet.metadata: ${(err as Error).message}`);
  }
  return {
    hostname: name,
    metadata,
    channel: group as Channel,
    hostnameIsLocalhost: config.manageEtcHosts === 'localhost',
  };
}

/**
 * /etc/coreos/update.conf as CoreOS writes it from coreos.update and coreos.locksmith: the group
 * always (the machine's channel), the other keys when given.
 */
export function updateConf(config: CloudConfig, channel: Channel): string {
  const { update, locksmith } = config.coreos;
  const lines = [`GROUP=${channel}`];
  if (update.server) lines.push(`SERVER=${update.server}`);
  if (update.rebootStrategy) lines.push(`REBOOT_STRATEGY=${update.rebootStrategy}`);
  if (locksmith.windowStart) lines.push(`LOCKSMITHD_REBOOT_WINDOW_START=${locksmith.windowStart}`);
  if (locksmith.windowLength) lines.push(`LOCKSMITHD_REBOOT_WINDOW_LENGTH=${locksmith.windowLength}`);
  return `${lines.join('\n')}\n`;
}

/** A path of the cloud-config as a path in the machine's archive (etc/motd), or undefined if not plain. */
function archivePath(path: string): string | undefined {
  if (!path.startsWith('/') || path === '/' || posix.normalize(path) !== path || path.endsWith('/'))
    return undefined;
  return path.slice(1);
}

function authorizedKeys(hostname: string, home: string, keys: string[]): TarFile[] {
  const dir = archivePath(`${home}/.ssh`);
  if (!dir) throw bad(hostname, `home directory ${JSON.stringify(home)} is not an absolute path`);
  return [
    { name: dir, type: 'directory', mode: 0o700 },
    { name: `${dir}/authorized_keys`, content: `${keys.join('\n')}\n`, mode: 0o600 },
  ];
}

/**
 * The files a cloud-config puts into its machine: update.conf, the users' authorized_keys (the core
 * user's from ssh_authorized_keys too), write_files (last: they win), and the text itself as
 * /var/lib/coreos-install/user_data.
 */
export function bootFiles(hostname: string, config: CloudConfig, channel: Channel, text: string): TarFile[] {
  const files: TarFile[] = [
    { name: 'etc/coreos', type: 'directory' },
    { name: 'etc/coreos/update.conf', content: updateConf(config, channel) },
    { name: 'var/lib/coreos-install', type: 'directory' },
    // It may hold secrets (keys, tokens in write_files): root only.
    { name: 'var/lib/coreos-install/user_data', content: text, mode: 0o600 },
  ];
  const keys = new Map<string, string[]>([['core', [...config.sshAuthorizedKeys]]]);
  const homes = new Map<string, string>([['core', '/home/core']]);
  for (const u of config.users) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(u.name))
      throw bad(hostname, `users: ${JSON.stringify(u.name)} is not a user name`);
    keys.set(u.name, [...(keys.get(u.name) ?? []), ...u.sshAuthorizedKeys]);
    homes.set(u.name, u.homedir ?? homes.get(u.name) ?? (u.name === 'root' ? '/root' : `/home/${u.name}`));
  }
  for (const [user, list] of keys)
    if (list.length) files.push(...authorizedKeys(hostname, homes.get(user)!, list));
  for (const f of config.writeFiles) {
    const name = archivePath(f.path);
    if (!name)
      throw bad(hostname, `write_files: ${JSON.stringify(f.path)} is not an absolute path to a file`);
    files.push({ name, content: Buffer.from(f.content), mode: f.permissions });
  }
  return files;
}

/** A unit fleet runs for the cloud-configs that name it. */
export interface BootUnit {
  name: string;
  content: string;
  /** command: start (or a restart, which starts a stopped unit too). */
  launch: boolean;
  /** The host names whose cloud-config names it. */
  machines: string[];
}

export interface BootUnitPlan {
  units: BootUnit[];
  /** Why units were left out, one line each (for the task step). */
  skipped: string[];
  /** Units the configs name that Flotilla provides itself (etcd2, fleet …). */
  builtin: string[];
}

const LAUNCHING = new Set(['start', 'restart', 'reload-or-restart']);

/** The unit file with its drop-ins after it (systemd reads them after the unit: later settings win). */
function withDropIns(u: CloudUnit): string {
  return [u.content!, ...u.dropIns.map((d) => d.content)]
    .map((c) => (c.endsWith('\n') ? c : `${c}\n`))
    .join('');
}

/**
 * The units of the machines' cloud-configs for fleet. Built-in ones (etcd2, fleet, …) are
 * Flotilla's own and skipped; one without content, or of a kind fleet does not run (networkd's
 * .network), is skipped with a warning. A unit one machine
 * names is pinned to it (an [X-Fleet] MachineID= section after its own); fleet names are cluster
 * wide, so a unit every machine names alike (a user-data for all) runs on each as a global unit,
 * and any other sharing of a name is refused. Every resulting file is linted.
 */
export function planBootUnits(
  machines: { hostname: string; machineId: string; config: CloudConfig }[],
): BootUnitPlan {
  const named = new Map<
    string,
    { hostname: string; machineId: string; content: string; launch: boolean }[]
  >();
  const skipped: string[] = [];
  const builtin = new Set<string>();
  for (const m of machines) {
    for (const u of m.config.coreos.units) {
      const notFleet = validateUnitName(u.name);
      if (isBuiltinUnit(u.name)) builtin.add(u.name);
      else if (u.mask) skipped.push(`${m.hostname}: ${u.name} is masked`);
      // systemd-networkd files and the like: Docker gives machines their network.
      else if (notFleet) skipped.push(`${m.hostname}: ${u.name} is not a unit fleet runs (${notFleet})`);
      else if (u.content === undefined)
        skipped.push(`${m.hostname}: ${u.name} has no content and is not one Flotilla provides`);
      else {
        const list = named.get(u.name) ?? [];
        list.push({
          hostname: m.hostname,
          machineId: m.machineId,
          content: withDropIns(u),
          launch: LAUNCHING.has(u.command ?? ''),
        });
        named.set(u.name, list);
      }
    }
  }
  const units: BootUnit[] = [];
  for (const [name, list] of named) {
    const hosts = list.map((l) => l.hostname);
    const first = list[0]!;
    let fleet: string;
    if (list.length === 1) fleet = `MachineID=${first.machineId}`;
    else if (list.length === machines.length && list.every((l) => l.content === first.content))
      fleet = 'Global=true';
    else
      throw bad(
        hosts[1]!,
        `unit ${name} is also in the cloud-config of ${hosts.filter((h) => h !== hosts[1]).join(', ')}${list.length === machines.length ? ' with other content' : ''}`,
        'A fleet unit name is one unit in the whole cluster: name it in one machine, or alike in every machine (it then runs on each), or give the copies different names.',
      );
    const content = `${first.content}\n[X-Fleet]\n${fleet}\n`;
    const errors = lintUnit(content, name).diagnostics.filter((d) => d.severity === 'error');
    if (errors[0])
      throw bad(first.hostname, `unit ${name}, line ${errors[0].line}: ${errors[0].message}`, errors[0].hint);
    units.push({ name, content, launch: list.some((l) => l.launch), machines: hosts });
  }
  return { units, skipped, builtin: [...builtin].sort() };
}

/** Submits the planned units to the cluster's fleet and starts those their configs start. */
export async function submitBootUnits(
  control: FleetControl,
  plan: BootUnitPlan,
  ctx: TaskContext,
): Promise<void> {
  ctx.step(BOOT_UNITS_STEP, 'running');
  if (plan.units.length) {
    await control.submit(
      plan.units.map((u) => ({ name: u.name, content: u.content })),
      false,
    );
    const launch = plan.units.filter((u) => u.launch).map((u) => u.name);
    if (launch.length) await control.setState(launch, 'launched');
  }
  const done = plan.units.map(
    (u) =>
      `${u.name} ${u.launch ? 'started' : 'submitted'} on ${u.machines.length > 1 ? 'every machine' : u.machines[0]}`,
  );
  const detail = [
    ...done,
    ...plan.skipped.map((s) => `skipped ${s}`),
    ...(plan.builtin.length ? [`provided by Flotilla: ${plan.builtin.join(', ')}`] : []),
  ].join('; ');
  ctx.step(BOOT_UNITS_STEP, plan.units.length ? 'done' : 'skipped', detail || 'the cloud-configs name none');
}
