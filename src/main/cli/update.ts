// flotctl update …: update_engine_client and /etc/coreos/update.conf for a cluster's machines
// (../shared/reference/coreos.md §3). Parsing and formatting are pure and exported for the tests;
// updateCommand only wires them to the API.
import {
  ChannelSchema,
  RebootStrategySchema,
  WindowSchema,
  calls,
  type CallParams,
  type MachineUpdate,
  type RebootWindow,
  type UpdateStatus,
  type UpdatesView,
} from '../../shared/api';
import { resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { tabwrite } from './fleet-format';
import { runTask } from './follow-task';
import type { Io } from './io';
import { CommandError, UsageError, parseFlags } from './usage';

export const UPDATE_HELP = `  update status [--machine ID | --all]
                         one machine: update_engine_client -status (LAST_CHECKED_TIME, PROGRESS,
                         CURRENT_OP, NEW_VERSION, NEW_SIZE); --all (the default): a table of every
                         machine, then why the ones that wait are waiting
  update check [--machine ID | --all]
                         check for an update now and install it (machines that are up; default all)
  update set-channel stable|beta|alpha --machine ID | --all
                         GROUP in update.conf (--all: also the cluster's default); a check follows;
                         a channel older than the running version never downgrades
  update set-strategy reboot|etcd-lock|off [--window-start 'Thu 04:00' --window-length 1h30m |
                 --no-window] --machine ID | --all
                         REBOOT_STRATEGY and locksmith's reboot window (start '04:00' = every day);
                         without window flags the window stays as it is
  update set-server builtin:|file:///FEED.json|http(s)://URL --machine ID | --all
                         SERVER in update.conf: where the machine reads its release feed
  update set-interval SECONDS
                         seconds between the periodic update checks of the cluster's machines
  update reboot --machine ID
                         reboot into the updated partition now (window and strategy aside; still
                         through the reboot lock and never below the KV quorum)
  update rollback --machine ID
                         boot the other /usr partition again (manual rollback)
                         ID: host name (core-01), machine id or a unique id prefix; --cluster NAME`;

const SUBCOMMANDS = [
  'status',
  'check',
  'set-channel',
  'set-strategy',
  'set-server',
  'set-interval',
  'reboot',
  'rollback',
] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** Which machines a command is for: one (a host name, id or id prefix) or all of the cluster. */
export type Target = { machine: string } | { all: true };

/** A parsed `flotctl update …` command line: what to ask the API, without doing it. */
export type UpdateRequest = { dataDir: string | undefined; cluster: string | undefined } & (
  | { sub: 'status'; target: Target }
  | { sub: 'check'; target: Target }
  | { sub: 'set-channel'; target: Target; channel: CallParams<'updates.setChannel'>['channel'] }
  | {
      sub: 'set-strategy';
      target: Target;
      strategy: CallParams<'updates.setStrategy'>['strategy'];
      /** undefined: leave the window as it is; null: no window. */
      window: RebootWindow | null | undefined;
    }
  | { sub: 'set-server'; target: Target; server: string }
  | { sub: 'set-interval'; seconds: number }
  | { sub: 'reboot' | 'rollback'; machine: string }
);

const FLAGS = {
  'data-dir': { type: 'string' },
  cluster: { type: 'string' },
  machine: { type: 'string' },
  all: { type: 'boolean' },
  'window-start': { type: 'string' },
  'window-length': { type: 'string' },
  'no-window': { type: 'boolean' },
} as const;

/** The values of an enum schema as `a, b or c`. */
function oneOf(values: readonly string[]): string {
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** `flotctl update ARGS` → the request; UsageError (exit 2) for anything the API would refuse anyway. */
export function parseUpdateArgs(args: string[]): UpdateRequest {
  const [sub, ...rest] = args;
  if (!SUBCOMMANDS.includes(sub as Sub))
    throw new UsageError(
      sub
        ? `update: unknown subcommand '${sub}' (try: ${SUBCOMMANDS.join(', ')})`
        : `update: missing subcommand (${SUBCOMMANDS.join(', ')})`,
    );
  const cmd = `update ${sub}`;
  const { values, positionals } = parseFlags(cmd, rest, FLAGS, true);
  const base = { dataDir: values['data-dir'], cluster: values.cluster };
  if (values.machine !== undefined && values.all)
    throw new UsageError(`${cmd}: give either --machine ID or --all, not both`);
  // Window flags only mean something to set-strategy; elsewhere they are a mistake, not a no-op.
  const windowFlags = ['window-start', 'window-length', 'no-window'] as const;
  if (sub !== 'set-strategy')
    for (const f of windowFlags)
      if (values[f] !== undefined) throw new UsageError(`${cmd}: --${f} is only for update set-strategy`);
  const args1 = (what: string): string => {
    if (positionals.length !== 1) throw new UsageError(`${cmd}: give exactly one ${what}`);
    return positionals[0]!;
  };
  const none = () => {
    if (positionals.length) throw new UsageError(`${cmd}: unexpected argument '${positionals[0]}'`);
  };
  /** status and check go to every machine unless told otherwise. */
  const targetOrAll = (): Target =>
    values.machine !== undefined ? { machine: values.machine } : { all: true };
  /** Settings change only the machines named: changing all by default is too easy a mistake. */
  const targetRequired = (): Target => {
    if (values.machine !== undefined) return { machine: values.machine };
    if (values.all) return { all: true };
    throw new UsageError(`${cmd}: say which machines: --machine ID or --all`);
  };
  const machineOnly = (): string => {
    if (values.all) throw new UsageError(`${cmd}: works on one machine at a time: --machine ID, not --all`);
    if (values.machine === undefined) throw new UsageError(`${cmd}: --machine ID is required`);
    return values.machine;
  };

  switch (sub as Sub) {
    case 'status':
      none();
      return { ...base, sub: 'status', target: targetOrAll() };
    case 'check':
      none();
      return { ...base, sub: 'check', target: targetOrAll() };
    case 'set-channel': {
      const channel = ChannelSchema.safeParse(args1(`CHANNEL (${oneOf(ChannelSchema.options)})`));
      if (!channel.success)
        throw new UsageError(
          `${cmd}: CHANNEL must be ${oneOf(ChannelSchema.options)}, got '${positionals[0]}'`,
        );
      return { ...base, sub: 'set-channel', target: targetRequired(), channel: channel.data };
    }
    case 'set-strategy': {
      const strategy = RebootStrategySchema.safeParse(
        args1(`STRATEGY (${oneOf(RebootStrategySchema.options)})`),
      );
      if (!strategy.success)
        throw new UsageError(
          `${cmd}: STRATEGY must be ${oneOf(RebootStrategySchema.options)}, got '${positionals[0]}'`,
        );
      const window = parseWindowFlags(cmd, values);
      return { ...base, sub: 'set-strategy', target: targetRequired(), strategy: strategy.data, window };
    }
    case 'set-server': {
      const url = args1('URL (builtin:, file:///… or http(s)://…)');
      // The contract's own rule, so the CLI refuses exactly what the service would.
      const server = calls['updates.setServer'].params.shape.server.safeParse(url);
      if (!server.success)
        throw new UsageError(
          `${cmd}: URL ${server.error.issues[0]?.message ?? 'is not valid'}, got '${url}'`,
        );
      return { ...base, sub: 'set-server', target: targetRequired(), server: server.data };
    }
    case 'set-interval': {
      if (values.machine !== undefined || values.all)
        throw new UsageError(`${cmd}: the interval is the cluster's; --machine and --all do not apply`);
      const text = args1('SECONDS');
      const seconds = calls['updates.setCheckInterval'].params.shape.seconds.safeParse(
        /^\d+$/.test(text) ? Number(text) : NaN,
      );
      if (!seconds.success)
        throw new UsageError(`${cmd}: SECONDS must be a whole number from 1 to 86400, got '${text}'`);
      return { ...base, sub: 'set-interval', seconds: seconds.data };
    }
    case 'reboot':
    case 'rollback':
      if (positionals.length)
        throw new UsageError(`${cmd}: name the machine with --machine ${positionals[0]}`);
      return { ...base, sub: sub as 'reboot' | 'rollback', machine: machineOnly() };
  }
}

/** --window-start/--window-length (both or neither) or --no-window → set-strategy's window. */
function parseWindowFlags(
  cmd: string,
  values: { 'window-start'?: string; 'window-length'?: string; 'no-window'?: boolean },
): RebootWindow | null | undefined {
  const start = values['window-start'];
  const length = values['window-length'];
  if (values['no-window']) {
    if (start !== undefined || length !== undefined)
      throw new UsageError(`${cmd}: --no-window cannot go with --window-start or --window-length`);
    return null;
  }
  if (start === undefined && length === undefined) return undefined;
  if (start === undefined) throw new UsageError(`${cmd}: --window-length needs --window-start`);
  if (length === undefined) throw new UsageError(`${cmd}: --window-start needs --window-length`);
  const window = WindowSchema.safeParse({ start, length });
  if (!window.success) {
    const issue = window.error.issues[0]!;
    const flag = issue.path[0] === 'start' ? 'window-start' : 'window-length';
    throw new UsageError(
      `${cmd}: --${flag} ${issue.message}, got '${flag === 'window-start' ? start : length}'`,
    );
  }
  return window.data;
}

/** PROGRESS as update_engine_client prints it: a double with printf's %f (six decimals). */
export function formatProgress(progress: number): string {
  return progress.toFixed(6);
}

/** update_engine_client -status: its five KEY=VALUE lines. */
export function formatStatusLines(s: UpdateStatus): string[] {
  return [
    `LAST_CHECKED_TIME=${s.lastCheckedTime}`,
    `PROGRESS=${formatProgress(s.progress)}`,
    `CURRENT_OP=${s.currentOp}`,
    `NEW_VERSION=${s.newVersion}`,
    `NEW_SIZE=${s.newSize}`,
  ];
}

/** The machine a ref names (host name, full id or unique id prefix), as the API resolves them. */
export function findUpdateMachine(machines: readonly MachineUpdate[], ref: string): MachineUpdate {
  const exact = machines.find((m) => m.hostname === ref || m.machineId === ref);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? machines.filter((m) => m.machineId.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  const hint = machines.length
    ? `Machines: ${machines.map((m) => m.hostname).join(', ')}`
    : 'The cluster has no machines.';
  throw new CommandError(
    byPrefix.length > 1
      ? `machine id prefix ${ref} matches ${byPrefix.length} machines`
      : `the cluster has no machine ${ref}`,
    hint,
  );
}

/** The REBOOT column: the reboot state, '-' when there is nothing to reboot for. */
function rebootCell(m: MachineUpdate): string {
  return m.reboot === 'none' ? '-' : m.reboot;
}

/**
 * `update status --all`: one table row per machine, then a paragraph of what deserves a word —
 * a feed that failed to load, machines that are down, why a machine waits, errors, rollbacks.
 */
export function formatUpdatesView(view: UpdatesView): string[] {
  const header = ['HOSTNAME', 'CHANNEL', 'VERSION', 'CURRENT_OP', 'PROGRESS', 'NEW_VERSION', 'REBOOT'];
  const rows = view.machines.map((m) => [
    m.hostname,
    m.conf.group,
    m.osVersion,
    m.up ? m.status.currentOp : 'down',
    formatProgress(m.status.progress),
    m.status.newVersion === '0.0.0.0' ? '-' : m.status.newVersion,
    rebootCell(m),
  ]);
  const lines = view.machines.length ? tabwrite([header, ...rows]) : ['No machines.'];
  const notes: string[] = [];
  if (view.feed.problem) notes.push(`feed ${view.feed.server}: ${view.feed.problem}`);
  for (const m of view.machines) {
    if (!m.up) notes.push(`${m.hostname}: down; it checks for updates again once it is up`);
    if (m.message) notes.push(`${m.hostname}: ${m.message}`);
    if (m.lastError) notes.push(`${m.hostname}: last error: ${m.lastError}`);
    const rb = m.lastRollback;
    if (rb)
      notes.push(
        `${m.hostname}: rolled back from ${rb.from} to ${rb.to} at ${new Date(rb.at).toISOString()}` +
          `${rb.manual ? ' (by hand)' : ''}: ${rb.reason}`,
      );
  }
  if (notes.length) lines.push('', ...notes);
  return lines;
}

/** The confirmation of set-strategy for one machine: REBOOT_STRATEGY and what became of the window. */
export function strategyLine(
  machine: string,
  strategy: string,
  window: RebootWindow | null | undefined,
): string {
  const w =
    window === undefined
      ? ''
      : window === null
        ? ', no reboot window'
        : `, reboot window ${window.start} for ${window.length}`;
  return `${machine}: REBOOT_STRATEGY=${strategy}${w}`;
}

/** The API's `machine` parameter for a target: absent means every machine. */
function machineParam(target: Target): { machine?: string } {
  return 'machine' in target ? { machine: target.machine } : {};
}

/** The machines a call acted on; none means nothing happened, which the user must hear about. */
function requireSome(machines: string[], what: string): string[] {
  if (!machines.length)
    throw new CommandError(
      `no machine to ${what}`,
      'Machines that are down are left alone; start them first.',
    );
  return machines;
}

export async function updateCommand(args: string[], io: Io): Promise<number> {
  const req = parseUpdateArgs(args);
  const api = await findApp(resolveDataDir(req.dataDir));
  const cluster = req.cluster === undefined ? {} : { cluster: req.cluster };
  switch (req.sub) {
    case 'status': {
      const view = await callApi(api, 'updates.status', cluster);
      if ('all' in req.target) {
        for (const line of formatUpdatesView(view)) io.out(line);
        return 0;
      }
      const m = findUpdateMachine(view.machines, req.target.machine);
      // A machine that is down runs no update_engine: say the status is its last known one.
      if (!m.up) io.err(`${m.hostname} is down: this is its last known status.`);
      for (const line of formatStatusLines(m.status)) io.out(line);
      return 0;
    }
    case 'check': {
      const { machines } = await callApi(api, 'updates.check', { ...cluster, ...machineParam(req.target) });
      for (const m of requireSome(machines, 'check')) io.out(`${m}: Initiating update check and install.`);
      return 0;
    }
    case 'set-channel': {
      const { machines } = await callApi(api, 'updates.setChannel', {
        ...cluster,
        ...machineParam(req.target),
        channel: req.channel,
      });
      for (const m of requireSome(machines, 'switch')) io.out(`${m}: GROUP=${req.channel}`);
      if ('all' in req.target) io.out(`New machines of the cluster follow ${req.channel} too.`);
      io.out('An update check follows; watch it with `flotctl update status`.');
      return 0;
    }
    case 'set-strategy': {
      const params: CallParams<'updates.setStrategy'> = {
        ...cluster,
        ...machineParam(req.target),
        strategy: req.strategy,
      };
      if (req.window !== undefined) params.window = req.window;
      const { machines } = await callApi(api, 'updates.setStrategy', params);
      for (const m of requireSome(machines, 'change')) io.out(strategyLine(m, req.strategy, req.window));
      return 0;
    }
    case 'set-server': {
      const { machines } = await callApi(api, 'updates.setServer', {
        ...cluster,
        ...machineParam(req.target),
        server: req.server,
      });
      for (const m of requireSome(machines, 'change')) io.out(`${m}: SERVER=${req.server}`);
      return 0;
    }
    case 'set-interval':
      await callApi(api, 'updates.setCheckInterval', { ...cluster, seconds: req.seconds });
      io.out(`Machines check for updates every ${req.seconds} seconds.`);
      return 0;
    case 'reboot':
    case 'rollback': {
      const method = req.sub === 'reboot' ? 'updates.reboot' : 'updates.rollback';
      const { taskId } = await callApi(api, method, { ...cluster, machine: req.machine });
      await runTask(api, taskId, io);
      io.out(`Machine ${req.machine} ${req.sub === 'reboot' ? 'rebooted' : 'rolled back'}.`);
      return 0;
    }
  }
}
