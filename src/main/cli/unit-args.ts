// How fleetctl turns command-line arguments into units: names get `.service` when they have no
// unit suffix, a path argument names the unit by its basename and supplies its file, and
// submit/load/start create missing units from local files or from their @-template
// (fleetctl.go: unitNameMangle, getUnitFile, getUnitFileFromTemplate, lazyCreateUnits,
// checkUnitCreation, checkReplaceUnitState, isLocalUnitDifferent).
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ApiError, type CallName, type CallParams, type CallResult } from '../../shared/api';
import { parseUnitName, withDefaultSuffix, type TargetState } from '../../shared/units';

/** An API call bound to one app and cluster (units.ts adds `cluster`). */
export type FleetCall = <M extends CallName>(method: M, params: CallParams<M>) => Promise<CallResult<M>>;

export interface ArgsIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A failure fleetctl reports as `Error creating units: …` (exit 1). */
export class UnitArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitArgError';
  }
}

/** The unit name an argument means: its basename, with `.service` when it has no unit suffix. */
export function unitNameMangle(arg: string): string {
  return withDefaultSuffix(basename(arg));
}

/** `hello@.service` for the instance `hello@1.service`; undefined for anything else. */
function templateOf(name: string): string | undefined {
  const parsed = parseUnitName(name);
  return parsed && !parsed.isTemplate ? parsed.template : undefined;
}

/**
 * The content of a local unit file, or undefined when nothing is at `path` (fleetctl's
 * os.IsNotExist test). Other failures (unreadable, a directory) are errors naming the path.
 */
export async function readLocalUnit(path: string, cwd: string): Promise<string | undefined> {
  const full = resolve(cwd, path);
  try {
    await stat(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UnitArgError(`failed getting Unit(${path}) from file: ${(err as Error).message}`);
  }
  try {
    return await readFile(full, 'utf8');
  } catch (err) {
    throw new UnitArgError(`failed getting Unit(${path}) from file: ${(err as Error).message}`);
  }
}

/** units.get, with NOT_FOUND as undefined. */
export async function getUnit(call: FleetCall, name: string): Promise<CallResult<'units.get'> | undefined> {
  try {
    return await call('units.get', { name });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/** Where a unit's file comes from, for messages and tests. */
export type UnitSource =
  | { kind: 'file'; path: string }
  | { kind: 'local-template'; path: string }
  | { kind: 'registry-template'; template: string };

/**
 * The file for a unit not in the registry (fleetctl's getUnitFile): the local file at the
 * argument's path; for an instance `hello@1.service` without one, the template `hello@.service`
 * from the registry (fleet looks there first, warning when the local template differs), else the
 * one beside the argument. Throws fleetctl's "unable to find …" errors.
 */
export async function getUnitFile(
  call: FleetCall,
  arg: string,
  opts: { cwd: string; replace: boolean },
  io: ArgsIo,
): Promise<{ content: string; source: UnitSource }> {
  const path = withDefaultSuffix(arg);
  const name = unitNameMangle(arg);
  const local = await readLocalUnit(path, opts.cwd);
  if (local !== undefined) return { content: local, source: { kind: 'file', path } };

  if (!parseUnitName(name)) throw new UnitArgError(`error extracting information from unit name ${name}`);
  const template = templateOf(name);
  if (!template) {
    throw new UnitArgError(`unable to find Unit(${name}) in Registry or on filesystem`);
  }
  const templatePath = join(dirname(path), template);
  const tmpl = await getUnit(call, template);
  if (tmpl) {
    if (!opts.replace) {
      const localTemplate = await readLocalUnit(templatePath, opts.cwd).catch(() => undefined);
      if (localTemplate !== undefined && (await differs(call, tmpl.name, localTemplate))) {
        io.err(
          `WARNING: Unit ${tmpl.name} in registry differs from local template unit file ${path}. Add --replace to override.`,
        );
      }
    }
    return { content: tmpl.content, source: { kind: 'registry-template', template: template } };
  }
  let content: string | undefined;
  try {
    content = await readLocalUnit(templatePath, opts.cwd);
  } catch (err) {
    throw new UnitArgError(
      `failed getting Unit(${path}) from template: unable to load template Unit(${template}) from file: ${(err as Error).message}`,
    );
  }
  if (content === undefined) {
    throw new UnitArgError(
      `failed getting Unit(${path}) from template: unable to find template Unit(${template}) in Registry or on filesystem`,
    );
  }
  return { content, source: { kind: 'local-template', path: templatePath } };
}

/**
 * Whether `content` differs from the registry's copy of an existing unit, as the registry judges
 * it: a submit without replace changes nothing for an existing unit and answers
 * `unchanged` or `differs`.
 */
async function differs(call: FleetCall, name: string, content: string): Promise<boolean> {
  const { results } = await call('units.submit', { units: [{ name, content }], replace: false });
  return results.find((r) => r.name === name)?.outcome === 'differs';
}

/** The desired states `--replace` may replace a unit in, per command (checkReplaceUnitState). */
export const REPLACE_ALLOWED: Record<'submit' | 'load' | 'start', readonly TargetState[]> = {
  submit: ['inactive'],
  load: ['inactive', 'loaded'],
  start: ['inactive', 'loaded', 'launched'],
};

export interface LazyCreateOptions {
  command: 'submit' | 'load' | 'start';
  replace: boolean;
  /** Directory relative paths are read from (default process.cwd()). */
  cwd?: string;
}

export interface LazyCreateResult {
  /** Units created or replaced, with where their file came from. */
  created: { name: string; outcome: 'created' | 'replaced'; source: UnitSource }[];
}

/**
 * fleetctl's lazyCreateUnits: for each argument, create the unit from its local file or template
 * when the registry lacks it. A registry copy that differs from the local file is kept, with
 * fleetctl's WARNING, unless `replace` (then replaced if its desired state allows, else a
 * warning). Prints what fleetctl prints; throws UnitArgError for `Error creating units: …`.
 */
export async function lazyCreateUnits(
  call: FleetCall,
  args: readonly string[],
  opts: LazyCreateOptions,
  io: ArgsIo,
): Promise<LazyCreateResult> {
  const cwd = opts.cwd ?? process.cwd();
  const created: LazyCreateResult['created'] = [];
  for (const rawArg of args) {
    const arg = withDefaultSuffix(rawArg);
    const name = unitNameMangle(arg);
    const existing = await getUnit(call, name);
    let file: { content: string; source: UnitSource } | undefined;
    let replace = false;

    if (existing) {
      // checkUnitCreation: compare with the local file (or the local template of an instance).
      let local: { content: string; source: UnitSource } | undefined;
      const own = await readLocalUnit(arg, cwd).catch((e: unknown) => {
        if (opts.replace) throw e;
        return undefined;
      });
      if (own !== undefined) local = { content: own, source: { kind: 'file', path: arg } };
      else {
        const template = templateOf(name);
        if (template) {
          const tPath = join(dirname(arg), template);
          const t = await readLocalUnit(tPath, cwd).catch((e: unknown) => {
            if (opts.replace) throw e;
            return undefined;
          });
          if (t !== undefined) local = { content: t, source: { kind: 'local-template', path: tPath } };
        }
      }
      if (!local) {
        if (opts.replace) {
          throw new UnitArgError(
            `cannot replace Unit(${name}): no local unit file ${arg}${templateOf(name) ? ' or template beside it' : ''}`,
          );
        }
        continue; // in the registry, nothing local to compare: use the registry's
      }
      const different = await differs(call, name, local.content);
      if (different && !opts.replace) {
        io.err(
          local.source.kind === 'file'
            ? `WARNING: Unit ${name} in registry differs from local unit file ${arg}. Add --replace to override.`
            : `WARNING: Unit ${name} in registry differs from local template unit file ${arg}. Add --replace to override.`,
        );
        continue;
      }
      if (!opts.replace) continue;
      if (!different) {
        io.out(`Found same Unit(${name}) in Registry, nothing to do`);
        continue;
      }
      if (!REPLACE_ALLOWED[opts.command].includes(existing.desiredState)) {
        io.err(
          `Warning: can not replace Unit(${name}) in state '${existing.desiredState}', use the appropriate command`,
        );
        continue;
      }
      file = local;
      replace = true;
    } else {
      file = await getUnitFile(call, arg, { cwd, replace: opts.replace }, io);
    }

    let results: CallResult<'units.submit'>['results'];
    try {
      ({ results } = await call('units.submit', { units: [{ name, content: file.content }], replace }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'BAD_REQUEST') {
        throw new UnitArgError(`failed creating unit ${name}: ${describeApiError(err)}`);
      }
      throw err;
    }
    const outcome = results.find((r) => r.name === name)?.outcome;
    if (outcome === 'created' || outcome === 'replaced') {
      created.push({ name, outcome, source: file.source });
    } else if (outcome === 'differs') {
      // Someone else created it meanwhile with another file.
      io.err(
        `WARNING: Unit ${name} in registry differs from local unit file ${arg}. Add --replace to override.`,
      );
    }
  }
  return { created };
}

/** An ApiError's message with the unit-file diagnostics in its details, one per line. */
export function describeApiError(err: ApiError): string {
  const lines = [err.message];
  for (const d of findDiagnostics(err.details)) {
    const where =
      typeof d.line === 'number'
        ? `line ${d.line}${typeof d.column === 'number' ? `:${d.column}` : ''}: `
        : '';
    lines.push(`  ${where}${typeof d.severity === 'string' ? `${d.severity}: ` : ''}${String(d.message)}`);
  }
  if (err.hint) lines.push(`  ${err.hint}`);
  return lines.join('\n');
}

interface LooseDiagnostic {
  message: unknown;
  line?: unknown;
  column?: unknown;
  severity?: unknown;
}

function findDiagnostics(details: unknown, depth = 0): LooseDiagnostic[] {
  if (depth > 3 || details === null || typeof details !== 'object') return [];
  if (Array.isArray(details)) return details.flatMap((d) => findDiagnostics(d, depth + 1));
  const o = details as Record<string, unknown>;
  if (typeof o.message === 'string' && (typeof o.line === 'number' || typeof o.severity === 'string')) {
    return [o as unknown as LooseDiagnostic];
  }
  return Object.values(o).flatMap((v) => findDiagnostics(v, depth + 1));
}

/** The registry names of the arguments, in order, without repeats. */
export function unitNames(args: readonly string[]): string[] {
  return [...new Set(args.map(unitNameMangle))];
}
