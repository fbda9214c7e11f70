import { join } from 'node:path';
import { ApiError, type EngineStatus, type Task } from '../../shared/api';
import { VERSION } from '../../shared/version';
import { AppCore, resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { CLUSTER_HELP, clusterCommand } from './cluster';
import { kvCommand } from './kv';
import { SSH_HELP, sshCommand } from './ssh';
import { MACHINE_HELP, machineCommand } from './machine';
import { JOURNAL_HELP, journalCommand } from './journal';
import { LOCKSMITH_HELP, locksmithCommand } from './locksmith';
import { UPDATE_HELP, updateCommand } from './update';
import { runTask } from './follow-task';
import { UNITS_HELP, unitCommands } from './units';
import { CommandError, UsageError, intFlag, parseFlags } from './usage';

export type { Io } from './io';
import type { Io } from './io';

const GLOBAL = { 'data-dir': { type: 'string' } } as const;

export const HELP = `flotctl — drive a Flotilla cluster from the command line

Usage: flotctl [--data-dir DIR] COMMAND [ARGS]

Commands:
  serve [--port N]       run Flotilla headless: the API and the web UI on 127.0.0.1
  version                print the version
  docker info            the Docker engine as Flotilla sees it
  docker seed [--offline] [--tag NAME:TAG]
                         make sure the busybox image exists (pull, else build from the host)
  tasks                  list running and recent tasks
  kv serve --members N --data-dir DIR [--base-port P]
                         run an embedded etcd-compatible KV cluster (etcdctl, etcd3 work);
                         prints the client endpoints first, stops on SIGINT/SIGTERM
  kv init --members N --data-dir DIR [--base-port P]
                         write the KV cluster layout, print its client endpoints
  kv serve --data-dir DIR --member NAME [--peer NAME=HOST:PORT ...]
                         run one member of that layout (one process per member)
${SSH_HELP}
${JOURNAL_HELP}
  help                   this text

${CLUSTER_HELP}

${MACHINE_HELP}

${UNITS_HELP}

${UPDATE_HELP}

${LOCKSMITH_HELP}

Data dir: --data-dir, else $FLOTILLA_HOME, else ~/.config/flotilla.
Exit codes: 0 ok, 1 failure, 2 usage.`;

type Handler = (args: string[], io: Io) => Promise<number>;

export const commands: Record<string, Handler> = {
  help: async (_args, io) => {
    io.out(HELP);
    return 0;
  },
  version: async (args, io) => {
    parseFlags('version', args, {});
    io.out(`flotctl version ${VERSION}`);
    return 0;
  },
  serve: async (args, io) => {
    const { values } = parseFlags('serve', args, { ...GLOBAL, port: { type: 'string' } });
    const port = intFlag('serve', 'port', values.port, 4780);
    if (port > 65535) throw new UsageError(`serve: --port must be at most 65535, got ${port}`);
    const dataDir = resolveDataDir(values['data-dir']);
    const core = new AppCore({
      mode: 'serve',
      dataDir,
      port,
      rendererDir: join(__dirname, '..', 'renderer'),
    });
    try {
      await core.start();
    } catch (err) {
      throw new CommandError(`serve: ${(err as Error).message}`);
    }
    io.out(`Flotilla ${VERSION} is serving on 127.0.0.1:${core.port} (data dir ${dataDir})`);
    io.out('Open this URL in a browser; it carries the access token:');
    io.out(`    ${core.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.out('Stopping…');
    await core.stop();
    return 0;
  },
  docker: async (args, io) => {
    const [sub, ...rest] = args;
    if (sub === 'info') return dockerInfo(rest, io);
    if (sub === 'seed') return dockerSeed(rest, io);
    throw new UsageError(
      sub
        ? `docker: unknown subcommand '${sub}' (try: info, seed)`
        : 'docker: missing subcommand (info, seed)',
    );
  },
  kv: (args, io) => kvCommand(args, io),
  cluster: (args, io) => clusterCommand(args, io),
  ssh: (args, io) => sshCommand(args, io),
  machine: (args, io) => machineCommand(args, io),
  journal: (args, io) => journalCommand(args, io),
  update: (args, io) => updateCommand(args, io),
  locksmith: (args, io) => locksmithCommand(args, io),
  ...unitCommands,
  tasks: async (args, io) => {
    const { values } = parseFlags('tasks', args, { ...GLOBAL });
    const api = await findApp(resolveDataDir(values['data-dir']));
    const tasks = await callApi(api, 'tasks.list', {});
    if (tasks.length === 0) {
      io.out('No tasks.');
      return 0;
    }
    io.out(['ID', 'STATE', 'PROGRESS', 'TITLE'].join('\t'));
    for (const t of tasks) io.out([t.id.slice(0, 8), t.state, progressText(t), t.title].join('\t'));
    return 0;
  },
};

async function dockerInfo(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags('docker info', args, { ...GLOBAL });
  const api = await findApp(resolveDataDir(values['data-dir']));
  const s = await callApi(api, 'docker.status', {});
  for (const line of formatEngineStatus(s)) io.out(line);
  return s.state === 'connected' ? 0 : 1;
}

export function formatEngineStatus(s: EngineStatus): string[] {
  const lines = [`Engine:      ${s.state} (${s.endpoint})`];
  if (s.state === 'connected') {
    lines.push(`Version:     ${s.version} (API ${s.apiVersion})`);
    lines.push(`OS:          ${s.os} (${s.arch})`);
    const c = s.containers;
    if (c)
      lines.push(`Containers:  ${c.total} (${c.running} running, ${c.paused} paused, ${c.stopped} stopped)`);
    lines.push(`Images:      ${s.images}`);
  } else if (s.problem) {
    lines.push(`Problem:     ${s.problem.message}`);
    lines.push(`What to do:  ${s.problem.hint}`);
  }
  return lines;
}

async function dockerSeed(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags('docker seed', args, {
    ...GLOBAL,
    offline: { type: 'boolean', default: false },
    tag: { type: 'string' },
  });
  const api = await findApp(resolveDataDir(values['data-dir']));
  const params: { offline: boolean; tag?: string } = { offline: values.offline ?? false };
  if (values.tag) params.tag = values.tag;
  const { taskId } = await callApi(api, 'docker.seedImage', params);
  const final = await runTask(api, taskId, io);
  const r = final.result as { tag: string; source: string } | undefined;
  io.out(`${r?.tag ?? 'image'}: ${r?.source ?? 'done'}`);
  return 0;
}

function progressText(t: Task): string {
  return t.progress === null ? '-' : `${Math.round(t.progress * 100)}%`;
}

/** Runs flotctl with argv (without node and script); returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  // --data-dir may come before the command, as a global flag.
  const args = [...argv];
  const lead: string[] = [];
  while (args[0]?.startsWith('--data-dir')) {
    lead.push(args.shift() as string);
    if (!lead.at(-1)?.includes('=') && args.length) lead.push(args.shift() as string);
  }
  const [name, ...rest] = args;
  try {
    if (!name || name === '--help' || name === '-h') {
      io.out(HELP);
      return name ? 0 : 2;
    }
    const handler = commands[name];
    if (!handler) throw new UsageError(`unknown command '${name}'`);
    // ssh passes everything after its target to the remote command: global flags go first.
    return await handler(name === 'ssh' ? [...lead, ...rest] : [...rest, ...lead], io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`flotctl: ${err.message}`);
      io.err(`Run 'flotctl help' for usage.`);
      return 2;
    }
    if (err instanceof CommandError || err instanceof ApiError) {
      io.err(`Error: ${err.message}`);
      if (err.hint) io.err(`Hint: ${err.hint}`);
      return 1;
    }
    io.err(`Error: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
