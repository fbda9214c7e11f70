// flotctl machine …: the life of a cluster's machines (DESIGN.md decision 3: a machine's KV
// member and agent live and die with it).
import { resolve } from 'node:path';
import { resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { formatMetadata, tabwrite } from './fleet-format';
import { runTask } from './follow-task';
import type { Io } from './io';
import { UsageError, parseFlags } from './usage';

export const MACHINE_HELP = `  machine list           every machine of the cluster: up, stopped or dead, and its KV member
  machine stop ID        clean stop: its units move first, then agent, KV member and container
  machine kill ID        sudden death: container killed, KV member and agent gone without goodbye
  machine start ID       back again: stale unit containers are removed before anything else
  machine restart ID     stop, then start
  machine add --ssh USER@HOST[:PORT] [--identity FILE] [--jump USER@HOST[:PORT]]
              [--metadata k=v,...] [--name NAME] [--docker-socket PATH] [--accept-fingerprint SHA256:...]
                         add an SSH host with Docker as a machine (ssh-agent keys without
                         --identity); on first contact it prints the host key's fingerprint:
                         compare it, then run again with --accept-fingerprint
  machine remove ID      take a machine without a KV member out of the cluster (units move)
  machine forget-host-key HOST[:PORT]
                         drop a host's key from Flotilla's known_hosts (after a change you trust)
                         ID: host name (core-02), machine id or a unique id prefix; --cluster NAME`;

/** user@host[:port] as ssh takes it. */
export function parseSshTarget(flag: string, text: string): { user: string; host: string; port: number } {
  const m = /^([A-Za-z_][A-Za-z0-9._-]*)@(\[[0-9A-Fa-f:.]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? 22 : Number(m[3]);
  if (!m || port < 1 || port > 65535)
    throw new UsageError(`machine add: ${flag} must be USER@HOST or USER@HOST:PORT, got '${text}'`);
  return { user: m[1]!, host: m[2]!, port };
}

/** k=v,k=v → a record; a pair without = is an error naming it. */
function parseMetadata(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`machine add: --metadata '${pair}' is not key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function addMachine(rest: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    'machine add',
    rest,
    {
      'data-dir': { type: 'string' },
      cluster: { type: 'string' },
      ssh: { type: 'string' },
      identity: { type: 'string' },
      jump: { type: 'string' },
      metadata: { type: 'string' },
      name: { type: 'string' },
      'docker-socket': { type: 'string' },
      'accept-fingerprint': { type: 'string' },
    },
    true,
  );
  if (positionals.length) throw new UsageError('machine add: takes no arguments besides flags');
  if (!values.ssh) throw new UsageError('machine add: --ssh USER@HOST[:PORT] is required');
  const ssh = {
    ...parseSshTarget('--ssh', values.ssh),
    ...(values.identity ? { identityFile: resolve(values.identity) } : {}),
    ...(values.jump ? { jump: parseSshTarget('--jump', values.jump) } : {}),
    ...(values['docker-socket'] ? { dockerSocket: values['docker-socket'] } : {}),
  };
  const api = await findApp(resolveDataDir(values['data-dir']));
  const { taskId } = await callApi(api, 'machines.addRemote', {
    ...(values.cluster === undefined ? {} : { cluster: values.cluster }),
    ssh,
    metadata: parseMetadata(values.metadata),
    ...(values.name ? { hostname: values.name } : {}),
    ...(values['accept-fingerprint'] ? { acceptFingerprint: values['accept-fingerprint'] } : {}),
  });
  await runTask(api, taskId, io);
  io.out(`Added ${values.ssh} to the cluster${values.name ? ` as ${values.name}` : ''}.`);
  return 0;
}

const ACTIONS = ['stop', 'start', 'kill', 'restart', 'remove'] as const;
type Action = (typeof ACTIONS)[number];
const DONE: Record<Action, string> = {
  stop: 'stopped',
  start: 'started',
  kill: 'killed',
  restart: 'restarted',
  remove: 'removed from the cluster',
};

export async function machineCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return addMachine(rest, io);
  if (sub === 'forget-host-key') {
    const { values, positionals } = parseFlags(
      'machine forget-host-key',
      rest,
      { 'data-dir': { type: 'string' } },
      true,
    );
    const m =
      positionals.length === 1 ? /^(\[[0-9A-Fa-f:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(positionals[0]!) : null;
    if (!m) throw new UsageError('machine forget-host-key: give one HOST or HOST:PORT');
    const api = await findApp(resolveDataDir(values['data-dir']));
    const { removed } = await callApi(api, 'machines.forgetHostKey', {
      host: m[1]!,
      port: m[2] === undefined ? 22 : Number(m[2]),
    });
    io.out(
      removed
        ? `Removed ${removed} key${removed === 1 ? '' : 's'} of ${positionals[0]} from known_hosts.`
        : `known_hosts has no key of ${positionals[0]}.`,
    );
    return 0;
  }
  const { values, positionals } = parseFlags(
    `machine ${sub ?? ''}`.trim(),
    rest,
    { 'data-dir': { type: 'string' }, cluster: { type: 'string' } },
    true,
  );
  const cluster = values.cluster === undefined ? {} : { cluster: values.cluster };
  if (sub === 'list') {
    if (positionals.length) throw new UsageError('machine list: takes no arguments');
    const api = await findApp(resolveDataDir(values['data-dir']));
    const machines = await callApi(api, 'machines.list', cluster);
    const rows = machines.map((m) => [
      m.id.slice(0, 8),
      m.name,
      m.ip || '-',
      m.life ?? '-',
      m.kvMember ? 'member' : '-',
      formatMetadata(m.metadata),
      m.remote
        ? `${m.remote.address} (${m.remote.state}${m.remote.problem ? `: ${m.remote.problem}` : ''})`
        : 'local',
    ]);
    for (const line of tabwrite([['MACHINE', 'HOSTNAME', 'IP', 'STATE', 'KV', 'METADATA', 'HOST'], ...rows]))
      io.out(line);
    return 0;
  }
  if (!ACTIONS.includes(sub as Action))
    throw new UsageError(
      sub
        ? `machine: unknown subcommand '${sub}' (try: list, add, stop, start, kill, restart, remove, forget-host-key)`
        : 'machine: missing subcommand (list, add, stop, start, kill, restart, remove, forget-host-key)',
    );
  const action = sub as Action;
  const machine = positionals[0];
  if (!machine || positionals.length > 1)
    throw new UsageError(`machine ${action}: give exactly one machine ID`);
  const api = await findApp(resolveDataDir(values['data-dir']));
  const { taskId } = await callApi(api, `machines.${action}`, { ...cluster, machine });
  await runTask(api, taskId, io);
  io.out(`Machine ${machine} ${DONE[action]}.`);
  return 0;
}
