import type { Lease } from 'etcd3';
import type { MachineInfo } from '../../../shared/api';
import type { SystemdState } from '../../../shared/units/types';
import { reconcile } from '../engine/schedule';
import { viewOf } from '../engine/view';
import { LiveRegistry, type Registry, type RegistryModel } from '../registry';
import { PassRunner } from '../pass-runner';
import type { UnitHost } from './unit-host';

export interface AgentOptions {
  machine: MachineInfo;
  host: UnitHost;
  /** Machine key TTL in seconds; the lease is kept alive at a third of it. */
  ttlSec: number;
  /** fleet's agent reconcile interval (default 5 s); changes are acted on at once regardless. */
  reconcileIntervalMs?: number;
  debounceMs?: number;
}

type Want = { hash: string; content: string; launched: boolean };

/**
 * fleet's agent for one machine: keeps the machine registered under a lease, and makes its host
 * run exactly the units the registry assigns to the machine (placed ones and eligible globals),
 * reporting systemd's states back under the same lease — so they vanish with the machine.
 */
export class FleetAgent {
  private lease: Lease | undefined;
  private leaseId: string | undefined;
  private readonly live: LiveRegistry;
  private readonly passes: PassRunner;
  private stopped = true;
  /** False until start() has adopted what a previous run left; passes wait for it. */
  private ready = false;
  /** Units this agent has started (fleet's "launched" as the agent knows it). */
  private readonly launched = new Set<string>();
  private readonly hashes = new Map<string, string>();
  private readonly reports = new Map<string, Promise<void>>();
  /** Per unit: the ACTIVE/SUB last reported and since when (epoch ms) they hold. */
  private readonly since = new Map<string, { active: string; sub: string; at: number }>();
  /** Units that failed to start for a reason outside them (engine down, image missing …). */
  private readonly retries = new Map<
    string,
    { attempts: number; at: number; timer?: ReturnType<typeof setTimeout> }
  >();
  private offState: (() => void) | undefined;
  /** Why re-registering last failed, if it did. */
  lastError: Error | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly opts: AgentOptions,
  ) {
    this.passes = new PassRunner(
      () => this.pass(),
      () => !this.stopped && this.ready,
    );
    this.live = new LiveRegistry(registry);
    this.live.onChange((k) => {
      if (k !== 'resync' && (k.kind === 'state' || k.kind === 'job-state' || k.kind === 'blocked')) return;
      this.passes.kick(this.opts.debounceMs ?? 20);
    });
  }

  get machineId(): string {
    return this.opts.machine.id;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const host = this.opts.host;
    await this.register();
    await this.live.start();
    // Load what the registry assigns here before adopting: recover() keeps the containers of
    // loaded units only, so an app restart adopts running units instead of starting them again.
    for (const [name, w] of this.wanted(this.live.model)) {
      this.hashes.set(name, w.hash);
      await host.load({ name, hash: w.hash, content: w.content });
    }
    await host.recover();
    for (const name of host.loaded()) {
      const s = host.state(name);
      if (s && (s.active === 'active' || s.active === 'activating')) {
        this.launched.add(name);
        await this.withLease((lease) => this.registry.setJobState(name, this.machineId, true, lease));
      }
      await this.report(name, s);
    }
    this.offState = host.onStateChange((name, state) => void this.report(name, state));
    this.ready = true;
    this.passes.every(this.opts.reconcileIntervalMs ?? 5_000);
    await this.passes.runNow();
  }

  /** Clean stop (fleet's purge): stops and unloads every local unit, then leaves the cluster. */
  async stop(): Promise<void> {
    await this.halt();
    for (const name of this.opts.host.loaded()) await this.opts.host.unload(name).catch(() => undefined);
    await this.lease?.revoke().catch(() => undefined);
    this.lease = undefined;
    await this.opts.host.close();
  }

  /** Sudden death: no goodbye, the lease just expires. Local units are the machine layer's business. */
  async kill(): Promise<void> {
    await this.halt();
    this.lease?.release();
    this.lease = undefined;
    await this.opts.host.close();
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    for (const name of [...this.retries.keys()]) this.clearRetry(name);
    this.ready = false;
    this.offState?.();
    await this.live.stop();
    await this.passes.halt();
  }

  /** Grants a lease and puts the machine key under it; on loss, does it again. */
  private async register(): Promise<void> {
    const lease = this.registry.etcd.lease(this.opts.ttlSec, { autoKeepAlive: true });
    this.lease = lease;
    lease.on('lost', () => {
      if (this.stopped || this.lease !== lease) return;
      // The cluster may have rescheduled our units meanwhile; the next pass sorts that out.
      setTimeout(() => void this.reRegister(), 200).unref();
    });
    this.leaseId = await lease.grant();
    await this.registry.registerMachine(this.opts.machine, this.leaseId);
  }

  private async reRegister(): Promise<void> {
    try {
      await this.register();
      for (const name of this.opts.host.loaded()) await this.report(name, this.opts.host.state(name));
      this.passes.kick(0);
    } catch (err) {
      this.lastError = err as Error;
      if (!this.stopped) setTimeout(() => void this.reRegister(), 1_000).unref();
    }
  }

  /** Runs one pass now (or right after the current one) and resolves when it is done. */
  reconcileNow(): Promise<void> {
    return this.passes.runNow();
  }

  /** What the registry wants on this machine now. */
  private wanted(model: RegistryModel): Map<string, Want> {
    const me = this.opts.machine.id;
    const want = new Map<string, Want>();
    let globals: Map<string, string[]> | undefined;
    for (const job of model.units()) {
      if (!job.desired || job.desired === 'inactive') continue;
      const content = model.content(job);
      if (content === undefined || !job.hash) continue;
      const { options } = model.parse(job);
      let mine = job.target === me;
      if (options.global) {
        globals ??= reconcile(viewOf(model)).global;
        mine = globals.get(job.name)?.includes(me) ?? false;
      }
      if (mine) want.set(job.name, { hash: job.hash, content, launched: job.desired === 'launched' });
    }
    return want;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    // A fresh read each pass, as fleet's agent does: the watch only says when to look, so a
    // missed or late event can delay a pass but never make it act on a stale registry.
    const { model } = await this.registry.load();
    const host = this.opts.host;
    const want = this.wanted(model);
    const work: Promise<void>[] = [];
    for (const name of host.loaded()) {
      if (want.has(name)) continue;
      work.push(this.drop(name));
    }
    for (const [name, w] of want) work.push(this.converge(name, w));
    await Promise.all(work);
  }

  /**
   * A unit that could not start for a reason outside it (Docker down, image missing, port taken,
   * command not found) is started again after 1, 2, 4 … 60 s: the cause may go away. A unit whose
   * own process failed is left to its Restart= setting, as systemd does.
   */
  private async retry(name: string): Promise<void> {
    const r = this.retries.get(name) ?? { attempts: 0, at: 0 };
    this.retries.set(name, r);
    if (r.at === 0) {
      r.at = Date.now() + Math.min(1_000 * 2 ** r.attempts, 60_000);
      r.timer = setTimeout(() => this.passes.kick(0), r.at - Date.now());
      r.timer.unref?.();
      return;
    }
    if (Date.now() < r.at) return;
    r.attempts++;
    r.at = 0;
    await this.opts.host.start(name);
  }

  private clearRetry(name: string): void {
    clearTimeout(this.retries.get(name)?.timer);
    this.retries.delete(name);
  }

  private async drop(name: string): Promise<void> {
    this.clearRetry(name);
    this.launched.delete(name);
    this.hashes.delete(name);
    await this.opts.host.unload(name);
    await this.withLease((lease) => this.registry.setJobState(name, this.machineId, false, lease));
  }

  private async converge(name: string, w: Want): Promise<void> {
    const host = this.opts.host;
    if (this.hashes.get(name) !== w.hash || !host.state(name)) {
      // A new hash (--replace) means unload + load, as fleet's agent does.
      if (this.hashes.has(name) && this.hashes.get(name) !== w.hash) this.launched.delete(name);
      // The hash first: load() reports state changes, and each report carries the hash.
      this.hashes.set(name, w.hash);
      await host.load({ name, hash: w.hash, content: w.content });
      await this.report(name, host.state(name));
    }
    if (w.launched && !this.launched.has(name)) {
      // Mark first: a failed start stays failed until the desired state changes (fleet #1339).
      this.launched.add(name);
      await this.withLease((lease) => this.registry.setJobState(name, this.machineId, true, lease));
      await host.start(name);
    } else if (w.launched && host.state(name)?.active === 'failed' && host.retryable(name)) {
      await this.retry(name);
    } else if (!w.launched && this.launched.has(name)) {
      this.clearRetry(name);
      this.launched.delete(name);
      await host.stop(name);
      await this.withLease((lease) => this.registry.setJobState(name, this.machineId, false, lease));
    }
  }

  /**
   * Reports are chained per unit: two in flight could reach the KV in either order, and a stale
   * one applied last would leave the registry wrong until the next change.
   */
  private report(name: string, state: SystemdState | undefined): Promise<void> {
    const next = (this.reports.get(name) ?? Promise.resolve()).then(() => this.reportNow(name, state));
    this.reports.set(name, next);
    void next.finally(() => {
      if (this.reports.get(name) === next) this.reports.delete(name);
    });
    return next;
  }

  private async reportNow(name: string, state: SystemdState | undefined): Promise<void> {
    if (state?.active === 'active') this.clearRetry(name);
    const hash = this.hashes.get(name);
    const reason = state?.active === 'failed' ? this.opts.host.lastError(name) : undefined;
    if (!state) this.since.delete(name);
    const since = state && this.sinceOf(name, state);
    await this.withLease((lease) =>
      this.registry.reportState(
        name,
        this.machineId,
        state && hash ? { ...state, hash, reason, since } : undefined,
        lease,
      ),
    ).catch((err: Error) => (this.lastError = err));
  }

  /** When ACTIVE/SUB took their current values: kept across reports that do not change them. */
  private sinceOf(name: string, state: SystemdState): number {
    const last = this.since.get(name);
    if (last && last.active === state.active && last.sub === state.sub) return last.at;
    const at = Date.now();
    this.since.set(name, { active: state.active, sub: state.sub, at });
    return at;
  }

  private async withLease(fn: (lease: string) => Promise<void>): Promise<void> {
    if (this.leaseId) await fn(this.leaseId);
  }
}
