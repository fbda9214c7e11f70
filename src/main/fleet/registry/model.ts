import { z } from 'zod';
import {
  BlockedReason,
  MachineInfo,
  TargetStateSchema,
  type UnitInfo,
  type UnitMachineState,
} from '../../../shared/api';
import { lintUnit } from '../../../shared/units';
import type { FleetOptions, TargetState } from '../../../shared/units/types';
import { parseKey, type ParsedKey } from './keys';

/** Values read back from the KV are checked: the KV may be an external etcd others write to. */
const ObjectValue = z.object({ name: z.string(), unitHash: z.string().regex(/^[0-9a-f]{40}$/) });
const UnitValue = z.object({ raw: z.string() });
const StateValue = z.object({
  load: z.string(),
  active: z.string(),
  sub: z.string(),
  hash: z.string(),
  reason: z.string().optional(),
  /** Absent in values written by agents that predate it. */
  since: z.number().optional(),
});

export interface JobRecord {
  name: string;
  hash?: string;
  desired?: TargetState;
  /** Machine the engine placed it on. */
  target?: string;
  blocked?: BlockedReason;
  /** Machine whose agent says it launched it (under that agent's lease). */
  jobState?: string;
}

export interface ParsedUnit {
  options: FleetOptions;
  description?: string;
}

const NO_OPTIONS: FleetOptions = {
  machineOf: [],
  machineMetadata: {},
  conflicts: [],
  global: false,
  replaces: [],
};

/**
 * The registry as plain maps, built from a range read and kept current by applying watch events
 * one key at a time. The engine, the agents and the API's live lists all read it.
 */
export class RegistryModel {
  readonly jobs = new Map<string, JobRecord>();
  readonly contents = new Map<string, string>();
  readonly states = new Map<string, Map<string, UnitMachineState>>();
  readonly machines = new Map<string, MachineInfo>();
  /** Parsed options per content hash and unit name (specifiers like %i depend on the name);
   *  contents are immutable, so the cache never goes stale. */
  private readonly parsed = new Map<string, ParsedUnit>();
  /** Keys that held values we could not read, with why (shown in logs, never fatal). */
  readonly malformed = new Map<string, string>();

  /** Applies one key's new value (undefined = deleted). Returns what the key was about. */
  apply(key: string, value: string | undefined): ParsedKey | undefined {
    const k = parseKey(key);
    if (!k) return undefined;
    this.malformed.delete(key);
    try {
      this.applyParsed(k, value);
    } catch (err) {
      this.malformed.set(key, (err as Error).message);
    }
    return k;
  }

  private applyParsed(k: ParsedKey, value: string | undefined): void {
    switch (k.kind) {
      case 'unit':
        if (value === undefined) this.contents.delete(k.hash);
        else this.contents.set(k.hash, UnitValue.parse(JSON.parse(value)).raw);
        return;
      case 'machine':
        if (value === undefined) this.machines.delete(k.machineId);
        else this.machines.set(k.machineId, MachineInfo.parse(JSON.parse(value)));
        return;
      case 'state': {
        let perMachine = this.states.get(k.unit);
        if (value === undefined) {
          perMachine?.delete(k.machineId);
          if (perMachine?.size === 0) this.states.delete(k.unit);
          return;
        }
        const s = StateValue.parse(JSON.parse(value));
        if (!perMachine) this.states.set(k.unit, (perMachine = new Map()));
        perMachine.set(k.machineId, { machineId: k.machineId, ...s });
        return;
      }
      default: {
        let job = this.jobs.get(k.unit);
        if (!job) {
          if (value === undefined) return;
          this.jobs.set(k.unit, (job = { name: k.unit }));
        }
        if (k.kind === 'object')
          job.hash = value === undefined ? undefined : ObjectValue.parse(JSON.parse(value)).unitHash;
        else if (k.kind === 'target-state')
          job.desired = value === undefined ? undefined : TargetStateSchema.parse(value);
        else if (k.kind === 'target') job.target = value || undefined;
        else if (k.kind === 'blocked')
          job.blocked = value === undefined ? undefined : BlockedReason.parse(JSON.parse(value));
        else job.jobState = value || undefined;
        if (!job.hash && !job.desired && !job.target && !job.blocked && !job.jobState)
          this.jobs.delete(k.unit);
      }
    }
  }

  /** Units that exist (have an object key), by name. */
  units(): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.hash !== undefined);
  }

  content(job: JobRecord): string | undefined {
    return job.hash ? this.contents.get(job.hash) : undefined;
  }

  /** The unit's X-Fleet options, parsed once per content hash. */
  parse(job: JobRecord): ParsedUnit {
    if (!job.hash) return { options: NO_OPTIONS };
    const cacheKey = `${job.hash}:${job.name}`;
    const cached = this.parsed.get(cacheKey);
    if (cached) return cached;
    const raw = this.contents.get(job.hash);
    if (raw === undefined) return { options: NO_OPTIONS };
    const lint = lintUnit(raw, job.name);
    const p: ParsedUnit = { options: lint.options ?? NO_OPTIONS };
    if (lint.description) p.description = lint.description;
    this.parsed.set(cacheKey, p);
    return p;
  }

  /** fleet's current state: placed and heartbeaten by the target's agent = launched. */
  currentState(job: JobRecord, global: boolean): TargetState {
    if (global) {
      const reported = this.states.get(job.name);
      if (!reported || reported.size === 0) return 'inactive';
      return job.desired === 'launched' ? 'launched' : 'loaded';
    }
    // fleet's determineJobState: no placement or no report from the target's agent → inactive.
    if (!job.target || !this.states.get(job.name)?.has(job.target)) return 'inactive';
    return job.jobState === job.target ? 'launched' : 'loaded';
  }

  unitInfo(job: JobRecord): UnitInfo {
    const { options, description } = this.parse(job);
    const info: UnitInfo = {
      name: job.name,
      hash: job.hash ?? '',
      desiredState: job.desired ?? 'inactive',
      currentState: this.currentState(job, options.global),
      global: options.global,
      options,
      states: [...(this.states.get(job.name)?.values() ?? [])].sort((a, b) =>
        a.machineId.localeCompare(b.machineId),
      ),
    };
    if (description !== undefined) info.description = description;
    if (job.target && !options.global) info.machineId = job.target;
    if (job.blocked) info.blocked = job.blocked;
    return info;
  }
}
