// What the unit editor does, apart from its screen: check the name, map lint to the editor, pick
// the plan to ask for, and apply (submit, then set the state) without ever overwriting a unit
// someone else changed meanwhile.

import { diffLines } from 'diff';
import { ApiError, type ApiClient, type PlanChange, type UnitInfo } from '../../../shared/api';
import {
  instanceName,
  lintUnit,
  parseUnitName,
  unitHash,
  validateUnitName,
  type Diagnostic,
} from '../../../shared/units';
import type { EditorDiagnostic } from '../../components/CodeEditor';

/** A version of the unit in the registry. */
export interface RegistryVersion {
  hash: string;
  content: string;
}

/** What Apply does after submitting: nothing more, load (schedule) or start (launch). */
export type ApplyTarget = 'submit' | 'loaded' | 'launched';

export const APPLY_LABELS: Record<ApplyTarget, { button: string; option: string; verb: string }> = {
  submit: { button: 'Submit', option: 'Only submit it', verb: 'submit' },
  loaded: { button: 'Submit and load', option: 'Load it (placed, not started)', verb: 'load' },
  launched: { button: 'Submit and start', option: 'Start it', verb: 'start' },
};

/** The choice an existing unit starts with: keep it in the state it is in. */
export function defaultTarget(unit: UnitInfo | undefined): ApplyTarget {
  if (!unit) return 'launched';
  return unit.desiredState === 'inactive' ? 'submit' : unit.desiredState;
}

export interface NameCheck {
  /** Why the name cannot be used, when it cannot. */
  problem?: string;
  /** `name@.service`: it runs as instances. */
  template: boolean;
  /** The unit Plan and Start act on: the name itself, or the chosen instance of a template. */
  runName?: string;
  instanceProblem?: string;
}

/** Checks a unit name (and for a template, the instance to run). */
export function checkName(name: string, instance: string): NameCheck {
  if (name.trim() !== name)
    return { problem: 'Unit names have no leading or trailing spaces.', template: false };
  const problem = validateUnitName(name);
  if (problem) return { problem, template: false };
  const parsed = parseUnitName(name);
  if (!parsed?.isTemplate) return { template: false, runName: name };
  if (instance === '') return { template: true, instanceProblem: 'Name the instance to run, e.g. 1.' };
  const run = instanceName(name, instance);
  if (!run)
    return {
      template: true,
      instanceProblem: `"${instance}" cannot be an instance name (letters, digits, :-_.).`,
    };
  return { template: true, runName: run };
}

/** Lint diagnostics as the editor marks them (the hint goes into the message). */
export function editorDiagnostics(diagnostics: readonly Diagnostic[]): EditorDiagnostic[] {
  return diagnostics.map((d) => ({
    line: d.line,
    column: d.column,
    ...(d.endColumn !== undefined ? { endLine: d.line, endColumn: d.endColumn } : {}),
    severity: d.severity,
    message: d.hint ? `${d.message} ${d.hint}` : d.message,
  }));
}

/** lintUnit for what the editor holds; a name that is not valid yet lints as a plain service. */
export function lintFor(content: string, name: string) {
  const lintName = validateUnitName(name) === undefined ? name : 'unit.service';
  return lintUnit(content, lintName);
}

/**
 * The change to preview. A unit not in the registry starts ({kind:'start'} with its file); an
 * existing one is an edit — unless it is being started now, which is a start with the new file,
 * so the plan shows where it would run.
 */
export function planChange(
  runName: string,
  content: string,
  existing: UnitInfo | undefined,
  target: ApplyTarget,
): PlanChange {
  if (!existing) return { kind: 'start', unit: runName, content };
  if (target === 'launched' && existing.desiredState !== 'launched')
    return { kind: 'start', unit: runName, content };
  return { kind: 'edit', unit: runName, content };
}

export interface ApplyRequest {
  cluster: string | undefined;
  /** The unit file's name (a template's `name@.service`). */
  name: string;
  /** What runs: the name, or an instance of the template. */
  runName: string;
  content: string;
  /** The registry version the edit started from (undefined: a new unit). */
  base: RegistryVersion | undefined;
  target: ApplyTarget;
}

export type ApplyResult =
  | { kind: 'applied'; hash: string; outcome: 'created' | 'unchanged' | 'replaced' }
  /** Someone else's version is in the registry: nothing was written. */
  | { kind: 'conflict'; theirs: RegistryVersion };

async function registryVersion(api: ApiClient, cluster: string | undefined, name: string) {
  try {
    const unit = await api.call('units.get', { cluster, name });
    return { hash: unit.hash, content: unit.content };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/**
 * Submits the file — replacing only the version the edit started from, never another one — then
 * sets the desired state. For a template started as an instance, the instance is submitted with
 * the same file (as `fleetctl start name@1` does).
 */
export async function applyUnit(api: ApiClient, req: ApplyRequest): Promise<ApplyResult> {
  const { cluster, name, runName, content, base, target } = req;
  const mine = unitHash(content);
  const current = await registryVersion(api, cluster, name);
  if (current && current.hash !== mine && current.hash !== base?.hash)
    return { kind: 'conflict', theirs: current };

  const replace = current !== undefined && current.hash !== mine;
  const submitted = await api.call('units.submit', { cluster, units: [{ name, content }], replace });
  const result = submitted.results.find((r) => r.name === name);
  if (!result) throw new Error(`The registry did not answer for ${name}.`);
  if (result.outcome === 'differs') {
    // Replaced between our check and the submit.
    const theirs = await registryVersion(api, cluster, name);
    if (theirs) return { kind: 'conflict', theirs };
    throw new Error(`${name} changed in the registry meanwhile; try again.`);
  }

  if (target !== 'submit') {
    if (runName !== name) {
      const instance = await api.call('units.submit', {
        cluster,
        units: [{ name: runName, content }],
        replace: false,
      });
      if (instance.results[0]?.outcome === 'differs')
        throw new Error(
          `${runName} is in the registry with a different file. Destroy it first to run it from this template.`,
        );
    }
    await api.call('units.setState', { cluster, names: [runName], state: target });
  }
  return { kind: 'applied', hash: result.hash, outcome: result.outcome };
}

/** How many lines were added and removed between two versions, for a diff's summary. */
export function lineChanges(before: string, after: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const change of diffLines(before, after)) {
    if (change.added) added += change.count;
    else if (change.removed) removed += change.count;
  }
  return { added, removed };
}
