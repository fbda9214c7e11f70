// flotctl machine …: the life of a cluster's machines (DESIGN.md decision 3: a machine's KV
// member and agent live and die with it).
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
                         ID: host name (core-02), machine id or a unique id prefix; --cluster NAME`;

const ACTIONS = ['stop', 'start', 'kill', 'restart'] as const;
type Action = (typeof ACTIONS)[number];
const DONE: Record<Action, string> = {
  stop: 'stopped',
  start: 'started',
  kill: 'killed',
  restart: 'restarted',
};

export async function machineCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
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
    ]);
    for (const line of tabwrite([['MACHINE', 'HOSTNAME', 'IP', 'STATE', 'KV', 'METADATA'], ...rows]))
      io.out(line);
    return 0;
  }
  if (!ACTIONS.includes(sub as Action))
    throw new UsageError(
      sub
        ? `machine: unknown subcommand '${sub}' (try: list, stop, start, kill, restart)`
        : 'machine: missing subcommand (list, stop, start, kill, restart)',
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
