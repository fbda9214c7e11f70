import { resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { runTask } from './follow-task';
import type { Io } from './io';
import { UsageError, intFlag, parseFlags } from './usage';

const GLOBAL = { 'data-dir': { type: 'string' } } as const;

export const CLUSTER_HELP = `  cluster create NAME --machines N [--members K] [--channel stable|beta|alpha]
                 [--metadata core-01:role=web,region=eu ...] [--machine-ttl SEC]
                         create a cluster of machine containers (a task; follows it);
                         --machine-ttl: heartbeat TTL, units of a silent machine move (default 2)
  cluster list           the clusters, their state and KV endpoints
  cluster use NAME       make NAME the cluster commands go to by default
  cluster start NAME     bring a stopped cluster back (machines that were down stay down)
  cluster stop NAME      stop its units, agents, KV members and machines; stays stopped
  cluster destroy NAME   remove everything the cluster made (containers, network, files)`;

/** `--metadata core-01:role=web,region=eu` → { 'core-01': { role: 'web', region: 'eu' } } */
export function parseMetadataFlags(values: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const v of values) {
    const m = /^(core-\d{2,}):(.+)$/.exec(v);
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
          members: { type: 'string' },
          channel: { type: 'string', default: 'stable' },
          metadata: { type: 'string', multiple: true, default: [] },
          'machine-ttl': { type: 'string' },
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
          ? `cluster: unknown subcommand '${sub}' (try: create, list, use, start, stop, destroy)`
          : 'cluster: missing subcommand (create, list, use, start, stop, destroy)',
      );
  }
}
