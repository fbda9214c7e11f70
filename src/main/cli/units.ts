// fleetctl's unit commands in flotctl: submit, load, start, stop, unload, destroy, cat,
// list-units, list-unit-files, list-machines, status — and our move. Each handler parses its flags and hands a
// FleetCall (the API, bound to the app and --cluster) to a run* function that does what
// fleetctl does (fleetctl/*.go) and prints what it prints.
import { ApiError, type CallName, type CallParams, type MachineInfo, type UnitInfo } from '../../shared/api';
import { resolveDataDir } from '../app';
import { callApi, findApp } from './client';
import { statusJournalLines } from './journal';
import { findMachine, formatMovePlan, moveRefusal } from './move-format';
import {
  DEFAULT_LIST_MACHINES_FIELDS,
  DEFAULT_LIST_UNITS_FIELDS,
  DEFAULT_LIST_UNIT_FILES_FIELDS,
  LIST_MACHINES_FIELDS,
  LIST_UNITS_FIELDS,
  LIST_UNIT_FILES_FIELDS,
  blockedLines,
  formatListMachines,
  formatListUnitFiles,
  formatListUnits,
  formatStatus,
  goList,
  machineFullLegend,
  parseFields,
  timedOutMessage,
  triggeredMessage,
  unitStateMessage,
  type UnitVerb,
} from './fleet-format';
import {
  UnitArgError,
  getUnit,
  lazyCreateUnits,
  unitNameMangle,
  unitNames,
  type FleetCall,
} from './unit-args';
import { CommandError, UsageError, intFlag, parseFlags } from './usage';

export interface UnitsIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

type TargetState = UnitInfo['desiredState'];

/** What the run* functions need: the API, output, and (for tests) time and the working dir. */
export interface FleetContext {
  call: FleetCall;
  io: UnitsIo;
  /** Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Where relative unit paths are read from; default process.cwd(). */
  cwd?: string;
}

/** fleetctl polls every 250 ms; one "attempt" lasts 2 s (waitForState, defaultSleepTime). */
export const POLL_MS = 250;
export const POLLS_PER_ATTEMPT = 8;

const COMMON = {
  'data-dir': { type: 'string' },
  cluster: { type: 'string' },
} as const;
const BLOCKING = {
  'no-block': { type: 'boolean', default: false },
  'block-attempts': { type: 'string' },
} as const;
const REPLACE = { replace: { type: 'boolean', default: false } } as const;
const TABLE = {
  full: { type: 'boolean', short: 'l', default: false },
  'no-legend': { type: 'boolean', default: false },
  fields: { type: 'string' },
} as const;

export const UNITS_HELP = `Unit commands (fleetctl's; UNIT is a name, .service added when it has no suffix, or a path):
  submit [--replace] UNIT...
                         put unit files in the registry without scheduling them
  load [--no-block|--block-attempts=N] [--replace] UNIT...
                         schedule units (submitting local files first); waits until loaded
  start [--no-block|--block-attempts=N] [--replace] UNIT...
                         load and start units; waits until launched and active
  stop [--no-block|--block-attempts=N] UNIT...
                         stop units, keep them scheduled
  unload [--no-block|--block-attempts=N] UNIT...
                         unschedule units
  destroy UNIT...        remove units from the registry
  cat UNIT               print a unit file as the registry holds it
  status UNIT...         a unit's state, machine, and why it cannot be placed
  move [--no-block|--block-attempts=N] UNIT MACHINE
                         move a started unit (and its MachineOf followers) to MACHINE: host name
                         (core-02), machine id or unique id prefix; prints the plan, then waits
                         until it runs there; refuses with the constraint that forbids it
  list-units [-l|--full] [--no-legend] [--fields=unit,machine,active,sub,load,hash]
  list-unit-files [-l|--full] [--no-legend] [--fields=unit,hash,dstate,state,target,global,desc]
  list-machines [-l|--full] [--no-legend] [--fields=machine,ip,metadata]
  Every unit command takes --cluster NAME (default: the only or the active cluster).
  --block-attempts=N: give up after N attempts of 2 s (0 = wait for ever).`;

// ---- wiring -------------------------------------------------------------------------------

function bind(values: { 'data-dir'?: string; cluster?: string }): () => Promise<FleetCall> {
  return async () => {
    const api = await findApp(resolveDataDir(values['data-dir']));
    const cluster = values.cluster;
    return <M extends CallName>(method: M, params: CallParams<M>) =>
      callApi(api, method, (cluster === undefined ? params : { ...params, cluster }) as CallParams<M>);
  };
}

function requireUnits(cmd: string, positionals: string[], usage: string): void {
  if (positionals.length === 0)
    throw new UsageError(`${cmd}: No units given (usage: flotctl ${cmd} ${usage})`);
}

/** -1 = --no-block, 0 = wait for ever, N = attempts (fleetctl's getBlockAttempts). */
function blockAttempts(cmd: string, values: { 'no-block'?: boolean; 'block-attempts'?: string }): number {
  if (values['no-block']) return -1;
  return intFlag(cmd, 'block-attempts', values['block-attempts'], 0);
}

type Handler = (args: string[], io: UnitsIo) => Promise<number>;

function blockingCommand(
  cmd: 'load' | 'start' | 'stop' | 'unload',
  withReplace: boolean,
  run: (ctx: FleetContext, names: string[], opts: { attempts: number; replace: boolean }) => Promise<number>,
): Handler {
  return async (args, io) => {
    const { values, positionals } = parseFlags(
      cmd,
      args,
      { ...COMMON, ...BLOCKING, ...(withReplace ? REPLACE : {}) },
      true,
    );
    requireUnits(
      cmd,
      positionals,
      `[--no-block|--block-attempts=N]${withReplace ? ' [--replace]' : ''} UNIT...`,
    );
    const attempts = blockAttempts(cmd, values);
    const call = await bind(values)();
    const replace = (values as { replace?: boolean }).replace ?? false;
    return run({ call, io }, positionals, { attempts, replace });
  };
}

export const unitCommands: Record<string, Handler> = {
  submit: async (args, io) => {
    const { values, positionals } = parseFlags('submit', args, { ...COMMON, ...REPLACE }, true);
    requireUnits('submit', positionals, '[--replace] UNIT...');
    return runSubmit({ call: await bind(values)(), io }, positionals, { replace: values.replace ?? false });
  },
  load: blockingCommand('load', true, (ctx, names, o) => runLoadOrStart(ctx, 'load', names, o)),
  start: blockingCommand('start', true, (ctx, names, o) => runLoadOrStart(ctx, 'start', names, o)),
  stop: blockingCommand('stop', false, (ctx, names, o) => runStop(ctx, names, o)),
  unload: blockingCommand('unload', false, (ctx, names, o) => runUnload(ctx, names, o)),
  destroy: async (args, io) => {
    // fleetctl accepts --no-block/--block-attempts on destroy; destroying is immediate here.
    const { values, positionals } = parseFlags('destroy', args, { ...COMMON, ...BLOCKING }, true);
    requireUnits('destroy', positionals, 'UNIT...');
    blockAttempts('destroy', values);
    return runDestroy({ call: await bind(values)(), io }, positionals);
  },
  cat: async (args, io) => {
    const { values, positionals } = parseFlags('cat', args, { ...COMMON }, true);
    if (positionals.length !== 1)
      throw new UsageError('cat: One unit file must be provided (usage: flotctl cat UNIT)');
    return runCat({ call: await bind(values)(), io }, positionals[0]!);
  },
  move: async (args, io) => {
    const { values, positionals } = parseFlags('move', args, { ...COMMON, ...BLOCKING }, true);
    if (positionals.length !== 2)
      throw new UsageError(
        'move: give one unit and one machine (usage: flotctl move [--no-block|--block-attempts=N] UNIT MACHINE)',
      );
    const attempts = blockAttempts('move', values);
    return runMove({ call: await bind(values)(), io }, positionals[0]!, positionals[1]!, { attempts });
  },
  status: async (args, io) => {
    const { values, positionals } = parseFlags('status', args, { ...COMMON }, true);
    requireUnits('status', positionals, 'UNIT...');
    return runStatus({ call: await bind(values)(), io }, positionals);
  },
  'list-units': async (args, io) => {
    const { values } = parseFlags('list-units', args, { ...COMMON, ...TABLE });
    const cols = fieldsOrUsage('list-units', values.fields ?? DEFAULT_LIST_UNITS_FIELDS, LIST_UNITS_FIELDS);
    const call = await bind(values)();
    const [units, machines] = await Promise.all([call('units.list', {}), call('machines.list', {})]);
    for (const l of formatListUnits(units, machines, {
      cols,
      full: values.full,
      noLegend: values['no-legend'],
    }))
      io.out(l);
    return 0;
  },
  'list-unit-files': async (args, io) => {
    const { values } = parseFlags('list-unit-files', args, { ...COMMON, ...TABLE });
    const cols = fieldsOrUsage(
      'list-unit-files',
      values.fields ?? DEFAULT_LIST_UNIT_FILES_FIELDS,
      LIST_UNIT_FILES_FIELDS,
    );
    const call = await bind(values)();
    const [units, machines] = await Promise.all([call('units.list', {}), call('machines.list', {})]);
    const opts = { cols, full: values.full, noLegend: values['no-legend'] };
    for (const l of formatListUnitFiles(units, machines, opts)) io.out(l);
    return 0;
  },
  'list-machines': async (args, io) => {
    const { values } = parseFlags('list-machines', args, { ...COMMON, ...TABLE });
    const cols = fieldsOrUsage(
      'list-machines',
      values.fields ?? DEFAULT_LIST_MACHINES_FIELDS,
      LIST_MACHINES_FIELDS,
    );
    const call = await bind(values)();
    // fleetctl lists the machines in the registry: those that are up.
    const machines = (await call('machines.list', {})).filter((m) => m.life === undefined || m.life === 'up');
    for (const l of formatListMachines(machines, { cols, full: values.full, noLegend: values['no-legend'] }))
      io.out(l);
    return 0;
  },
};

function fieldsOrUsage(cmd: string, value: string, valid: Readonly<Record<string, unknown>>): string[] {
  const r = parseFields(value, valid);
  if ('error' in r) throw new UsageError(`${cmd}: ${r.error}`);
  return r.cols;
}

// ---- the commands -------------------------------------------------------------------------

export async function runSubmit(
  ctx: FleetContext,
  args: readonly string[],
  opts: { replace: boolean },
): Promise<number> {
  try {
    await lazyCreateUnits(ctx.call, args, { command: 'submit', replace: opts.replace, cwd: ctx.cwd }, ctx.io);
  } catch (err) {
    if (err instanceof UnitArgError) {
      ctx.io.err(`Error creating units: ${err.message}`);
      return 1;
    }
    throw err;
  }
  return 0;
}

const VERB_STATE: Record<UnitVerb, TargetState> = {
  load: 'loaded',
  start: 'launched',
  stop: 'loaded',
  unload: 'inactive',
};

/** fleetctl load / start: create what is missing, set the target state, wait (runLoadUnit, runStartUnit). */
export async function runLoadOrStart(
  ctx: FleetContext,
  verb: 'load' | 'start',
  args: readonly string[],
  opts: { attempts: number; replace: boolean },
): Promise<number> {
  const { io, call } = ctx;
  try {
    await lazyCreateUnits(call, args, { command: verb, replace: opts.replace, cwd: ctx.cwd }, io);
  } catch (err) {
    if (err instanceof UnitArgError) {
      io.err(`Error creating units: ${err.message}`);
      return 1;
    }
    throw err;
  }

  // setTargetStateOfUnits: every unit must exist; those already at the target are skipped.
  const state = VERB_STATE[verb];
  const names = unitNames(args);
  const units = byName(await call('units.list', {}));
  const missing = names.find((n) => !units.has(n));
  if (missing) {
    io.err(`Error ${verb === 'load' ? 'loading' : 'starting'} units: unable to find unit ${missing}`);
    return 1;
  }
  const triggered = names.filter((n) => units.get(n)!.desiredState !== state);
  if (triggered.length) await call('units.setState', { names: triggered, state });

  const waiting: string[] = [];
  for (const n of triggered) {
    if (units.get(n)!.global) io.out(triggeredMessage(n, verb, true));
    else waiting.push(n);
  }

  const err = await tryWaitForUnitStates(ctx, waiting, verb, state, opts.attempts);
  if (err) {
    io.err(`Error waiting for unit states, exit status: ${err}`);
    return 1;
  }
  if (verb === 'start' && opts.attempts >= 0) {
    const sysErr = await waitForSystemdActive(ctx, waiting, opts.attempts);
    if (sysErr) {
      io.err(`Error waiting for systemd unit states, err: ${sysErr}`);
      return 1;
    }
  }
  return 0;
}

/** fleetctl's findUnits: the registry's units the arguments name, in argument order; unknown ones skipped. */
async function findUnits(call: FleetCall, args: readonly string[]): Promise<UnitInfo[]> {
  const units = byName(await call('units.list', {}));
  return unitNames(args).flatMap((n) => (units.has(n) ? [units.get(n)!] : []));
}

export async function runStop(
  ctx: FleetContext,
  args: readonly string[],
  opts: { attempts: number },
): Promise<number> {
  const { io, call } = ctx;
  const units = await findUnits(call, args);
  if (units.length === 0) {
    io.err('Units not found in registry');
    return 0;
  }
  const stopping: string[] = [];
  for (const u of units) {
    if (!u.global) {
      if (u.currentState === 'inactive') {
        io.err(`Unable to stop unit ${u.name} in state inactive`);
        return 1;
      }
      if (u.currentState === 'loaded') continue;
    }
    await call('units.setState', { names: [u.name], state: 'loaded' });
    if (u.global) io.out(triggeredMessage(u.name, 'stop', true));
    else stopping.push(u.name);
  }
  const err = await tryWaitForUnitStates(ctx, stopping, 'stop', 'loaded', opts.attempts);
  if (err) {
    io.err(`Failed to stop units ${goList(stopping)}. err: ${err}`);
    return 1;
  }
  io.err(`Successfully stopped units ${goList(stopping)}.`);
  return 0;
}

export async function runUnload(
  ctx: FleetContext,
  args: readonly string[],
  opts: { attempts: number },
): Promise<number> {
  const { io, call } = ctx;
  const units = await findUnits(call, args);
  if (units.length === 0) {
    io.err('Units not found in registry');
    return 0;
  }
  const wait: string[] = [];
  for (const u of units) {
    // fleetctl skips units whose current state is inactive; a unit that wants to run but cannot
    // be placed is inactive too, and is unloaded here so that it stops waiting for a machine.
    if (!u.global && u.currentState === 'inactive' && u.desiredState === 'inactive') continue;
    await call('units.setState', { names: [u.name], state: 'inactive' });
    if (u.global) io.out(triggeredMessage(u.name, 'unload', true));
    else wait.push(u.name);
  }
  const err = await tryWaitForUnitStates(ctx, wait, 'unload', 'inactive', opts.attempts);
  if (err) {
    io.err(`Failed to unload units ${goList(wait)}. err: ${err}`);
    return 1;
  }
  io.err(`Successfully unloaded units ${goList(wait)}.`);
  return 0;
}

export async function runDestroy(ctx: FleetContext, args: readonly string[]): Promise<number> {
  const { io, call } = ctx;
  const units = await findUnits(call, args);
  if (units.length === 0) {
    io.err('Units not found in registry');
    return 0;
  }
  let exit = 0;
  for (const u of units) {
    try {
      await call('units.destroy', { names: [u.name] });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOT_FOUND') continue;
      if (err instanceof ApiError) {
        io.err(`Error destroying units: ${err.message}`);
        exit = 1;
        continue;
      }
      throw err;
    }
    io.out(`Destroyed ${u.name}`);
  }
  return exit;
}

export async function runCat(ctx: FleetContext, arg: string): Promise<number> {
  const name = unitNameMangle(arg);
  const u = await getUnit(ctx.call, name);
  if (!u) {
    ctx.io.err(`Unit ${name} not found`);
    return 1;
  }
  // io.out ends the text with a newline; the file's own last newline is that one.
  ctx.io.out(u.content.endsWith('\n') ? u.content.slice(0, -1) : u.content);
  return 0;
}

export async function runStatus(ctx: FleetContext, args: readonly string[]): Promise<number> {
  const { io, call } = ctx;
  let machines: MachineInfo[] | undefined;
  let exit = 0;
  let first = true;
  for (const arg of args) {
    const name = unitNameMangle(arg);
    const u = await getUnit(call, name);
    if (!u) {
      io.err(`Unit ${name} does not exist.`);
      return 1;
    }
    if (!u.global && u.currentState === 'inactive' && !u.blocked) {
      io.err(`Unit ${u.name} does not appear to be loaded.`);
      return 1;
    }
    machines ??= await call('machines.list', {});
    if (!first) io.out('');
    first = false;
    for (const l of formatStatus(u, machines)) io.out(l);
    // Its last journal lines, as systemctl status shows them.
    for (const l of await statusJournalLines(call, u.name)) io.out(l);
    if (!u.global && u.currentState === 'inactive') exit = 1; // blocked: shown, but not loaded
  }
  return exit;
}

/**
 * flotctl move: asks the plan whether the unit may go to the machine (every machine's verdict, so
 * a refusal can say where it may go instead), moves it, prints the plan, and — unless
 * --no-block — waits until the moved units reach their desired state on the target.
 */
export async function runMove(
  ctx: FleetContext,
  unitArg: string,
  machineRef: string,
  opts: { attempts: number },
): Promise<number> {
  const { io, call } = ctx;
  const name = unitNameMangle(unitArg);
  const machines = await call('machines.list', {});
  const target = findMachine(machines, machineRef);
  if ('problem' in target) throw new CommandError(`Cannot move ${name}: ${target.problem}`, target.hint);
  const { targets } = await call('plan.moveTargets', { unit: name });
  const verdict = targets.find((t) => t.machineId === target.id);
  if (verdict && !verdict.allowed) {
    const refusal = moveRefusal(name, target, verdict, targets, machines);
    throw new CommandError(refusal.message, refusal.hint);
  }
  const plan = await call('units.move', { name, machineId: target.id });
  for (const l of formatMovePlan(name, target, plan, machines)) io.out(l);
  if (opts.attempts < 0) return 0;

  const moved = new Set(plan.starts.filter((s) => s.machineId === target.id).map((s) => s.unit));
  const units = byName(await call('units.list', {}));
  for (const state of ['launched', 'loaded'] as const) {
    const names = [...moved].filter((n) => units.get(n)?.desiredState === state);
    const verb = state === 'launched' ? 'start' : 'load';
    // Both waits print their own error.
    if (await tryWaitForUnitStates(ctx, names, verb, state, opts.attempts)) return 1;
    if (state === 'launched' && (await waitForSystemdActive(ctx, names, opts.attempts))) return 1;
  }
  return 0;
}

// ---- waiting ------------------------------------------------------------------------------

function byName(units: readonly UnitInfo[]): Map<string, UnitInfo> {
  return new Map(units.map((u) => [u.name, u]));
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Machines for legends, fetched when first needed and again when a new machine shows up. */
class MachineCache {
  private machines: MachineInfo[] | undefined;
  constructor(private readonly call: FleetCall) {}
  async get(id?: string): Promise<MachineInfo[]> {
    if (!this.machines || (id && !this.machines.some((m) => m.id === id))) {
      this.machines = await this.call('machines.list', {});
    }
    return this.machines;
  }
}

/**
 * fleetctl's tryWaitForUnitStates: with attempts -1 print `Triggered unit X verb`; otherwise poll
 * until each unit's current state is `state`, printing `Unit X state on ID.../IP` as each gets
 * there. attempts 0 waits for ever; N gives up after N attempts of 2 s. Our addition to fleet's
 * silent wait (fleet#559): a unit that cannot be placed gets its reason printed — once after the
 * first attempt when waiting for ever, and with the error when the attempts run out.
 * Returns the error text (fleetctl's) or undefined.
 */
export async function tryWaitForUnitStates(
  ctx: FleetContext,
  names: readonly string[],
  verb: UnitVerb,
  state: TargetState,
  attempts: number,
): Promise<string | undefined> {
  const { io, call } = ctx;
  if (attempts < 0) {
    for (const n of names) io.out(triggeredMessage(n, verb));
    return undefined;
  }
  if (names.length === 0) return undefined;
  const sleep = ctx.sleep ?? realSleep;
  const machines = new MachineCache(call);
  const pending = new Set(names);
  const explained = new Set<string>();
  let last: Map<string, UnitInfo>;
  for (let poll = 1; ; poll++) {
    await sleep(POLL_MS);
    last = byName(await call('units.list', {}));
    for (const n of names) {
      const u = last.get(n);
      if (!pending.has(n) || !u) continue;
      if ((u.global ? u.desiredState : u.currentState) === state) {
        pending.delete(n);
        io.out(unitStateMessage(u, await machines.get(u.machineId)));
      }
    }
    if (pending.size === 0) return undefined;
    if (attempts === 0 && poll % POLLS_PER_ATTEMPT === 0) {
      for (const n of pending) {
        const b = last.get(n)?.blocked;
        if (b && !explained.has(n)) {
          explained.add(n);
          for (const l of blockedLines(n, b, await machines.get())) io.err(l);
        }
      }
    }
    if (attempts > 0 && poll >= attempts * POLLS_PER_ATTEMPT) break;
  }
  const err = timedOutMessage([...pending][0]!, state);
  io.err(`Error waiting for units: ${err}`);
  for (const n of pending) {
    const b = last.get(n)?.blocked;
    if (b) for (const l of blockedLines(n, b, await machines.get())) io.err(l);
  }
  return err;
}

/**
 * fleetctl start's second wait (tryWaitForSystemdActiveState): until each launched unit's machine
 * reports it loaded and active. A unit that reports `failed` fails at once; attempts as above.
 */
export async function waitForSystemdActive(
  ctx: FleetContext,
  names: readonly string[],
  attempts: number,
): Promise<string | undefined> {
  if (names.length === 0) return undefined;
  const sleep = ctx.sleep ?? realSleep;
  const pending = new Set(names);
  for (let poll = 1; ; poll++) {
    const units = byName(await ctx.call('units.list', {}));
    for (const n of [...pending]) {
      const u = units.get(n);
      const s = u?.states.find((x) => x.machineId === u.machineId) ?? u?.states[0];
      if (s?.active === 'active' && s.load === 'loaded') pending.delete(n);
      else if (u && s?.active === 'failed') {
        const where = machineFullLegend(s.machineId, await ctx.call('machines.list', {}));
        const err = `Failed to find an active unit ${n}: it is failed (${s.sub}) on ${where}`;
        ctx.io.err(`Error waiting for units: ${err}`);
        return err;
      }
    }
    if (pending.size === 0) return undefined;
    if (attempts > 0 && poll >= attempts * POLLS_PER_ATTEMPT) break;
    await sleep(POLL_MS);
  }
  const n = [...pending][0]!;
  const err = `Failed to find an active unit ${n} within ${attempts * 2}s`;
  ctx.io.err(`Error waiting for units: ${err}`);
  return err;
}
