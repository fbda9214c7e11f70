import type {
  Decision,
  EngineInfo,
  MachineInfo,
  MoveTarget,
  Plan,
  PlanChange,
  SubmitOutcome,
  UnitDetail,
  UnitInfo,
  UnitsEvent,
} from '../../shared/api';
import { lintUnit } from '../../shared/units';
import type { Diagnostic, TargetState } from '../../shared/units/types';
import type { FleetEngine } from './engine/engine';
import { moveTargets, previewPlan, type ResolvedChange } from './engine/plan';
import { checkMove, type SchedUnit } from './engine/schedule';
import { viewOf } from './engine/view';
import { FleetError } from './errors';
import { LiveRegistry, notFound, type Registry } from './registry';

/**
 * What the API asks of a cluster's fleet: the unit commands, the plan, live lists. Reads come
 * from the live registry (current within a watch event); writes go to the KV, and the engine and
 * agents act on them.
 */
export class FleetControl {
  readonly live: LiveRegistry;

  constructor(
    readonly registry: Registry,
    private readonly engines: () => FleetEngine[],
  ) {
    this.live = new LiveRegistry(registry);
  }

  start(): Promise<void> {
    return this.live.start();
  }

  stop(): Promise<void> {
    return this.live.stop();
  }

  listUnits(): UnitInfo[] {
    const m = this.live.model;
    return m
      .units()
      .map((j) => m.unitInfo(j))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  getUnit(name: string): UnitDetail {
    const m = this.live.model;
    const job = m.jobs.get(name);
    const content = job && m.content(job);
    if (!job?.hash || content === undefined) throw notFound(name);
    return { ...m.unitInfo(job), content };
  }

  listMachines(): MachineInfo[] {
    return [...this.live.model.machines.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
  }

  /** Lints every file first; one with errors fails the whole submit, naming file, line and column. */
  async submit(
    units: { name: string; content: string }[],
    replace: boolean,
  ): Promise<{ name: string; outcome: SubmitOutcome; hash: string }[]> {
    const problems: { unit: string; diagnostics: Diagnostic[] }[] = [];
    for (const u of units) {
      const errors = lintUnit(u.content, u.name).diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) problems.push({ unit: u.name, diagnostics: errors });
    }
    if (problems.length) {
      const first = problems[0]!;
      const d = first.diagnostics[0]!;
      throw new FleetError(
        'BAD_REQUEST',
        `${first.unit}:${d.line}:${d.column}: ${d.message}` +
          (problems.reduce((n, p) => n + p.diagnostics.length, 0) > 1 ? ' (and more problems)' : ''),
        d.hint ?? 'Fix the unit file and submit it again; nothing was submitted.',
        problems,
      );
    }
    return this.synced(await this.registry.submit(units, replace));
  }

  async setState(names: string[], state: TargetState): Promise<{ name: string; previous: TargetState }[]> {
    return this.synced(await this.registry.setDesired(names, state));
  }

  async destroy(names: string[]): Promise<string[]> {
    return this.synced(await this.registry.destroy(names));
  }

  /** Writes return once the live lists show them, so a caller's next read sees its own write. */
  private async synced<T>(result: T): Promise<T> {
    await this.live.sync();
    return result;
  }

  plan(change: PlanChange): Plan {
    const model = this.live.model;
    const view = viewOf(model);
    return previewPlan(view, this.resolve(change, view.units));
  }

  /** Moves a placed unit and its MachineOf followers, after the same checks the plan makes. */
  async move(name: string, machinePrefix: string): Promise<Plan> {
    const machineId = this.machineByPrefix(machinePrefix);
    const view = viewOf(this.live.model);
    const plan = previewPlan(view, { kind: 'move', unit: name, machineId });
    const check = checkMove(view, name, machineId);
    if (!plan.valid || !check.ok)
      throw new FleetError(
        'CONFLICT',
        plan.problems.join('; ') || 'the move breaks a constraint',
        undefined,
        plan,
      );
    for (const unit of [name, ...check.followers]) {
      const from = view.units.find((u) => u.name === unit)?.machineId;
      if (from && from !== machineId) {
        const moved = await this.registry.move(unit, from, machineId);
        if (!moved) throw new FleetError('CONFLICT', `${unit} moved meanwhile; look again and retry`);
      }
    }
    return this.synced(plan);
  }

  /**
   * For a drag: whether the unit may move to each machine of the cluster (`machines`: the cluster
   * host's list, up or not), in host-name order.
   */
  moveTargets(unit: string, machines: readonly MachineInfo[]): MoveTarget[] {
    if (!this.live.model.jobs.get(unit)?.hash) throw notFound(unit);
    return moveTargets(viewOf(this.live.model), unit, machines);
  }

  engineInfo(): EngineInfo {
    const leading = this.engines().find((e) => e.leading);
    const info: EngineInfo = { decisions: leading?.decisions() ?? [] };
    if (leading) info.leader = leading.id;
    if (leading?.lastReconcileAt) info.lastReconcileAt = leading.lastReconcileAt;
    return info;
  }

  /** Every decision of whichever engine leads. */
  onDecision(cb: (d: Decision) => void): () => void {
    const offs = this.engines().map((e) => e.onDecision(cb));
    return () => offs.forEach((off) => off());
  }

  /** Snapshot, then one upsert/remove per changed unit (coalesced over a few ms). */
  subscribeUnits(emit: (e: UnitsEvent) => void): () => void {
    emit({ kind: 'snapshot', units: this.listUnits() });
    return this.coalesced(
      (k) => (k.kind === 'unit' || k.kind === 'machine' ? undefined : k.unit),
      (names) => {
        if (names === 'all') return emit({ kind: 'snapshot', units: this.listUnits() });
        const m = this.live.model;
        for (const name of names) {
          const job = m.jobs.get(name);
          if (job?.hash) emit({ kind: 'upsert', unit: m.unitInfo(job) });
          else emit({ kind: 'remove', name });
        }
      },
    );
  }

  private coalesced(
    pick: (
      k: Exclude<Parameters<Parameters<LiveRegistry['onChange']>[0]>[0], 'resync'>,
    ) => string | undefined,
    flush: (names: Set<string> | 'all') => void,
  ): () => void {
    let pending = new Set<string>();
    let all = false;
    let timer: NodeJS.Timeout | undefined;
    const off = this.live.onChange((k) => {
      if (k === 'resync') all = true;
      else {
        const name = pick(k);
        if (name === undefined) return;
        pending.add(name);
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        const names = pending;
        pending = new Set();
        const wasAll = all;
        all = false;
        flush(wasAll ? 'all' : names);
      }, 10);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }

  private machineByPrefix(prefix: string): string {
    const ids = [...this.live.model.machines.keys()].filter((id) => id.startsWith(prefix));
    if (ids.length === 1) return ids[0]!;
    if (ids.length === 0)
      throw new FleetError('NOT_FOUND', `No machine ${prefix}`, 'flotctl list-machines shows them');
    throw new FleetError('BAD_REQUEST', `Machine id ${prefix} is ambiguous (${ids.length} machines match)`);
  }

  /** Turns an API change into the scheduler's terms (parsing new unit files). */
  private resolve(change: PlanChange, units: SchedUnit[]): ResolvedChange {
    const known = (name: string) => units.find((u) => u.name === name);
    const parsed = (name: string, content: string): SchedUnit => {
      const lint = lintUnit(content, name);
      const error = lint.diagnostics.find((d) => d.severity === 'error');
      if (error || !lint.options)
        throw new FleetError(
          'BAD_REQUEST',
          `${name}:${error?.line ?? 1}:${error?.column ?? 1}: ${error?.message ?? 'unreadable unit'}`,
        );
      return { name, desired: 'launched', options: lint.options };
    };
    switch (change.kind) {
      case 'start': {
        if (change.content !== undefined) return { kind: 'start', unit: parsed(change.unit, change.content) };
        const u = known(change.unit);
        if (!u) throw notFound(change.unit);
        return { kind: 'start', unit: { ...u, desired: 'launched' } };
      }
      case 'edit': {
        const u = known(change.unit);
        if (!u) throw notFound(change.unit);
        return { kind: 'edit', unit: { ...parsed(change.unit, change.content), desired: u.desired } };
      }
      case 'stop':
        return { kind: 'stop', unit: change.unit };
      case 'move':
        return { kind: 'move', unit: change.unit, machineId: this.machineByPrefix(change.machineId) };
      case 'removeMachine':
        return { kind: 'removeMachine', machineId: this.machineByPrefix(change.machineId) };
    }
  }
}
