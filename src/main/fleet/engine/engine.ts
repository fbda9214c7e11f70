import type { Campaign, Lease } from 'etcd3';
import type { Decision } from '../../../shared/api';
import { LiveRegistry, exists, keys, type Registry } from '../registry';
import { reconcile, type Reconciliation } from './schedule';
import { PassRunner } from '../pass-runner';
import { viewOf } from './view';

export interface EngineOptions {
  /** Who this engine is (shown as the leader). */
  id: string;
  /** fleet's engine_reconcile_interval: a full pass at least this often (default 2 s). */
  reconcileIntervalMs?: number;
  /** TTL of the leadership lease in seconds (fleet: 5 × interval; default 5). */
  leaseTtlSec?: number;
  /** Coalesces bursts of registry events into one pass. */
  debounceMs?: number;
}

const KEPT_DECISIONS = 200;

/**
 * fleet's engine: exactly one per cluster, elected through a KV lease. While leading, it
 * reconciles the registry on every change (debounced) and on an interval: unschedule what must
 * go, place what can, record why the rest cannot be placed. Every write carries a fence on the
 * election key, so a deposed leader that has not noticed yet changes nothing.
 */
export class FleetEngine {
  private campaign: Campaign | undefined;
  private fenceKey: string | undefined;
  private stopped = true;
  private readonly passes: PassRunner;
  private readonly live: LiveRegistry;
  private readonly recent: Decision[] = [];
  private readonly listeners = new Set<(d: Decision) => void>();
  private readonly leaderListeners = new Set<(leading: boolean) => void>();
  lastReconcileAt: number | undefined;
  /** Why the campaign last failed, if it did. */
  lastError: Error | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly opts: EngineOptions,
  ) {
    this.passes = new PassRunner(
      async () => void (await this.pass()),
      () => this.leading,
    );
    // Registry events only wake the engine; each pass reads a fresh snapshot.
    this.live = new LiveRegistry(registry);
    this.live.onChange((k) => {
      if (k !== 'resync' && (k.kind === 'blocked' || k.kind === 'job-state' || k.kind === 'state')) return;
      this.passes.kick(this.opts.debounceMs ?? 20);
    });
  }

  get id(): string {
    return this.opts.id;
  }

  get leading(): boolean {
    return this.fenceKey !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.runCampaign();
  }

  /** Resigns (a successor takes over at once) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.demote();
    const c = this.campaign;
    this.campaign = undefined;
    await c?.resign().catch(() => undefined);
  }

  /** Sudden death: stops without resigning; a successor takes over when the lease expires. */
  async kill(): Promise<void> {
    this.stopped = true;
    // The campaign's lease keeps itself alive on any open stream, even after the client is
    // closed: stop its heartbeats (without revoking) so that it really lapses. etcd3 keeps the
    // field private.
    (this.campaign as unknown as { lease?: Lease } | undefined)?.lease?.release();
    this.campaign = undefined;
    await this.demote();
  }

  /** The leader's id as the KV says, whoever it is. */
  async leader(): Promise<string | undefined> {
    return this.registry.etcd.election(keys.engineElection).leader();
  }

  decisions(): Decision[] {
    return [...this.recent];
  }

  onDecision(cb: (d: Decision) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  onLeadership(cb: (leading: boolean) => void): () => void {
    this.leaderListeners.add(cb);
    return () => this.leaderListeners.delete(cb);
  }

  /** Why the last pass failed, if it did (the next one retries). */
  get lastPassError(): Error | undefined {
    return this.passes.lastError;
  }

  /** Runs one pass now (or right after the current one) and resolves when it is done. */
  reconcileNow(): Promise<void> {
    return this.passes.runNow();
  }

  private runCampaign(): void {
    if (this.stopped) return;
    const election = this.registry.etcd.election(keys.engineElection, this.opts.leaseTtlSec ?? 5);
    const campaign = election.campaign(this.opts.id);
    this.campaign = campaign;
    campaign.on('elected', () => {
      void campaign
        .getCampaignKey()
        .then((key) => this.promote(key))
        .catch((err: Error) => this.fail(campaign, err));
    });
    campaign.on('error', (err: Error) => this.fail(campaign, err));
  }

  /** The campaign died (lease lost, KV unreachable): stop leading, campaign again shortly. */
  private fail(campaign: Campaign, err: Error): void {
    this.lastError = err;
    if (this.campaign !== campaign) return;
    this.campaign = undefined;
    void this.demote().then(() => {
      void campaign.resign().catch(() => undefined);
      if (!this.stopped) setTimeout(() => this.runCampaign(), 500).unref();
    });
  }

  private async promote(fenceKey: string): Promise<void> {
    if (this.stopped) return;
    this.fenceKey = fenceKey;
    for (const cb of this.leaderListeners) cb(true);
    this.passes.every(this.opts.reconcileIntervalMs ?? 2_000);
    await this.live.start();
    this.passes.kick(0);
  }

  private async demote(): Promise<void> {
    const was = this.fenceKey !== undefined;
    this.fenceKey = undefined;
    await this.live.stop();
    await this.passes.halt();
    if (was) for (const cb of this.leaderListeners) cb(false);
  }

  /** One reconciliation: read everything, decide, write the decisions. */
  private async pass(): Promise<Reconciliation | undefined> {
    const fenceKey = this.fenceKey;
    if (!fenceKey) return undefined;
    const fence = [exists(fenceKey)];
    const { model } = await this.registry.load();
    const result = reconcile(viewOf(model));
    const now = Date.now();
    const out: Decision[] = [];

    const unscheduled = await this.registry.unschedule(result.unschedule, fence);
    const why = new Map(result.unschedule.map((u) => [u.unit, u.reason]));
    for (const u of unscheduled)
      out.push({
        at: now,
        unit: u.unit,
        action: 'unschedule',
        machineId: u.machineId,
        reason: why.get(u.unit)!,
      });

    const scheduled = await this.registry.schedule(result.schedule, fence);
    const how = new Map(result.schedule.map((u) => [u.unit, u.reason]));
    for (const s of scheduled)
      out.push({
        at: now,
        unit: s.unit,
        action: 'schedule',
        machineId: s.machineId,
        reason: how.get(s.unit)!,
      });

    // Write a blocked reason only when it changed, and clear those that no longer apply.
    const blockedNow = new Map(result.blocked.map((b) => [b.unit, b.reason]));
    const changes: { unit: string; reason: (typeof result.blocked)[number]['reason'] | undefined }[] = [];
    for (const [unit, reason] of blockedNow) {
      const before = model.jobs.get(unit)?.blocked;
      if (JSON.stringify(before) !== JSON.stringify(reason)) {
        changes.push({ unit, reason });
        out.push({ at: now, unit, action: 'blocked', reason: reason.message });
      }
    }
    const placed = new Set(scheduled.map((s) => s.unit));
    for (const job of model.jobs.values())
      if (job.blocked && !blockedNow.has(job.name) && !placed.has(job.name))
        changes.push({ unit: job.name, reason: undefined });
    if (changes.length) await this.registry.setBlocked(changes, fence);

    this.lastReconcileAt = Date.now();
    for (const d of out) this.record(d);
    return result;
  }

  private record(d: Decision): void {
    this.recent.push(d);
    if (this.recent.length > KEPT_DECISIONS) this.recent.splice(0, this.recent.length - KEPT_DECISIONS);
    for (const cb of this.listeners) cb(d);
  }
}
