import type { Watcher } from 'etcd3';
import type { ParsedKey } from './keys';
import type { RegistryModel } from './model';
import type { Registry } from './registry';

/**
 * The registry kept current in memory: one range read, then the watch from the next revision.
 * A broken watch (KV leader change, compaction, network) is replaced by a fresh read, after which
 * listeners hear `resync` so they can recompute everything.
 */
export class LiveRegistry {
  private current: RegistryModel | undefined;
  private watcher: Watcher | undefined;
  private stopped = true;
  private readonly listeners = new Set<(key: ParsedKey | 'resync') => void>();
  /** The KV revision the model reflects (from the watch's response headers). */
  private revision = 0n;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly registry: Registry) {}

  get model(): RegistryModel {
    if (!this.current) throw new Error('LiveRegistry is not started');
    return this.current;
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  onChange(cb: (key: ParsedKey | 'resync') => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.watcher;
    this.watcher = undefined;
    await w?.cancel().catch(() => undefined);
  }

  private async follow(): Promise<void> {
    const { model, revision } = await this.registry.load();
    if (this.stopped) return;
    const resync = this.current !== undefined;
    this.current = model;
    this.revision = BigInt(revision);
    const w = await this.registry.watch(revision, (key, value) => {
      if (this.current !== model) return;
      const k = model.apply(key, value);
      if (k) for (const cb of this.listeners) cb(k);
    });
    if (this.stopped) {
      await w.cancel().catch(() => undefined);
      return;
    }
    w.on('data', (res: { header: { revision: string } }) => {
      if (this.current !== model) return;
      const r = BigInt(res.header.revision);
      if (r > this.revision) this.revision = r;
      for (const wake of this.waiters) wake();
    });
    w.on('error', () => this.restart(w));
    w.on('disconnected', () => this.restart(w));
    this.watcher = w;
    if (resync) for (const cb of this.listeners) cb('resync');
  }

  /**
   * Resolves once the model reflects every write acknowledged before this call (read-your-writes
   * for the API: a unit just submitted is in the next list). Gives up quietly after `timeoutMs`.
   */
  async sync(timeoutMs = 2_000): Promise<void> {
    const head = BigInt((await this.registry.headRevision()) ?? '0');
    if (this.revision >= head) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (this.revision < head) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        resolve();
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  private restart(w: Watcher): void {
    if (this.stopped || this.watcher !== w) return;
    this.watcher = undefined;
    void w.cancel().catch(() => undefined);
    const retry = (): void => {
      if (this.stopped) return;
      this.follow().catch(() => setTimeout(retry, 1_000).unref());
    };
    setTimeout(retry, 200).unref();
  }
}
