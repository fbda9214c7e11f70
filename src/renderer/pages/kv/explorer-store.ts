// The KV explorer's live state, as an external store (useSyncExternalStore): every key of the
// cluster listed a page at a time (keys only), then kept current by one kv.watch from the first
// page's revision + 1; the selected key's value read with kv.get and kept current by the same watch.
import { ApiError, type KvEntry, type KvWatchBatch } from '../../../shared/api';
import type { RendererApi } from '../../api/client';
import { applyWatchEvents, buildTree, type TreeNode } from './kv-tree';

/** The key whose value is shown, as far as it is known. */
export interface Selected {
  key: string;
  /** With its value; absent while loading, when it does not exist, or after a delete. */
  entry?: KvEntry;
  /** The revision that deleted it while it was shown. */
  deletedAt?: number;
  /** kv.get said NOT_FOUND. */
  missing: boolean;
  loading: boolean;
  error?: string;
}

export interface ExplorerSnapshot {
  cluster: string | undefined;
  /** Keys with revisions and sizes, values empty. */
  entries: ReadonlyMap<string, KvEntry>;
  tree: TreeNode;
  /** Every page is in and the watch runs. */
  loaded: boolean;
  /** The revision the explorer is current to. */
  revision: number;
  /** Why the list or the watch stopped. */
  error?: string;
  /** Keys changed by the watch in the last moments, with a counter that restarts their flash. */
  flashes: ReadonlyMap<string, number>;
  selected?: Selected;
}

const PAGE = 1000;
/** How long a changed row stays highlighted. */
export const FLASH_MS = 1600;
const EMPTY_TREE = buildTree([]);

function emptySnapshot(cluster: string | undefined): ExplorerSnapshot {
  return {
    cluster,
    entries: new Map(),
    tree: EMPTY_TREE,
    loaded: false,
    revision: 0,
    flashes: new Map(),
  };
}

const message = (err: unknown) =>
  err instanceof ApiError && err.hint
    ? `${err.message} — ${err.hint}`
    : err instanceof Error
      ? err.message
      : String(err);

export class ExplorerStore {
  private snapshot: ExplorerSnapshot = emptySnapshot(undefined);
  private readonly listeners = new Set<() => void>();
  private readonly batchListeners = new Set<(batch: KvWatchBatch) => void>();
  /** Bumped by open/close: answers of an older generation are dropped. */
  private generation = 0;
  private selectSeq = 0;
  /** The key to show, kept across a cluster (re)open: tabs select before the page opens the cluster. */
  private wanted: string | undefined;
  private flashSeq = 0;
  private unwatch: (() => void) | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly api: RendererApi) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ExplorerSnapshot => this.snapshot;

  /** Called with every watch batch applied (the Leases tab refreshes on them). */
  onBatch(listener: (batch: KvWatchBatch) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** Starts listing and watching a cluster's keys (undefined: none). */
  open(cluster: string | undefined): void {
    this.close();
    const gen = ++this.generation;
    this.set(emptySnapshot(cluster));
    if (!cluster) return;
    void this.load(gen, cluster);
    this.select(this.wanted);
  }

  close(): void {
    this.generation++;
    this.unwatch?.();
    this.unwatch = undefined;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  /** Lists and watches again (after the watch failed). */
  reload(): void {
    this.open(this.snapshot.cluster);
  }

  /** Shows a key's value (undefined: none). */
  select(key: string | undefined): void {
    this.wanted = key;
    const current = this.snapshot.selected;
    if (key !== undefined && current?.key === key && !current.error) return;
    const seq = ++this.selectSeq;
    const cluster = this.snapshot.cluster;
    if (key === undefined || !cluster) {
      this.set({ ...this.snapshot, selected: undefined });
      return;
    }
    this.set({ ...this.snapshot, selected: { key, missing: false, loading: true } });
    this.api.call('kv.get', { cluster, key }).then(
      (got) => this.updateSelected(seq, (s) => mergeRead(s, got)),
      (err: unknown) =>
        this.updateSelected(seq, (s) =>
          err instanceof ApiError && err.code === 'NOT_FOUND'
            ? { ...s, loading: false, missing: !s.entry }
            : { ...s, loading: false, error: message(err) },
        ),
    );
  }

  /** Reads the selected key again (a save's answer came before its watch event). */
  refreshSelected(): void {
    const key = this.snapshot.selected?.key;
    const cluster = this.snapshot.cluster;
    if (key === undefined || !cluster) return;
    const seq = this.selectSeq;
    this.api.call('kv.get', { cluster, key }).then(
      (got) => this.updateSelected(seq, (s) => mergeRead(s, got)),
      () => undefined,
    );
  }

  private updateSelected(seq: number, f: (s: Selected) => Selected): void {
    const s = this.snapshot.selected;
    if (seq !== this.selectSeq || !s) return;
    this.set({ ...this.snapshot, selected: f(s) });
  }

  private async load(gen: number, cluster: string): Promise<void> {
    try {
      let after: string | undefined;
      let firstRevision: number | undefined;
      let entries = new Map<string, KvEntry>();
      for (;;) {
        const page = await this.api.call('kv.list', {
          cluster,
          prefix: '',
          limit: PAGE,
          keysOnly: true,
          ...(after !== undefined ? { after } : {}),
        });
        if (gen !== this.generation) return;
        firstRevision ??= page.revision;
        entries = new Map(entries);
        for (const e of page.entries) entries.set(e.key, e);
        const more = page.more && page.entries.length > 0;
        this.set({
          ...this.snapshot,
          entries,
          tree: buildTree(entries.keys()),
          revision: page.revision,
        });
        if (!more) break;
        after = page.entries[page.entries.length - 1]!.key;
      }
      // Watching from the first page's revision + 1 misses nothing later pages did not see;
      // what they did see arrives again and is ignored by revision.
      this.unwatch = this.api.subscribe(
        'kv.watch',
        { cluster, prefix: '', fromRevision: (firstRevision ?? 0) + 1 },
        (batch) => {
          if (gen === this.generation) this.apply(batch);
        },
        (err) => {
          if (gen === this.generation) this.set({ ...this.snapshot, error: message(err) });
        },
      );
      this.set({ ...this.snapshot, loaded: true });
    } catch (err) {
      if (gen === this.generation) this.set({ ...this.snapshot, error: message(err) });
    }
  }

  private apply(batch: KvWatchBatch): void {
    const s = this.snapshot;
    const applied = applyWatchEvents(s.entries as Map<string, KvEntry>, batch.events);
    let selected = s.selected;
    for (const { type, entry } of batch.events)
      if (selected && entry.key === selected.key) selected = mergeEvent(selected, type, entry);
    let flashes = s.flashes;
    if (applied.touched.length) {
      const seq = ++this.flashSeq;
      const next = new Map(flashes);
      for (const key of applied.touched) next.set(key, seq);
      flashes = next;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const left = new Map(this.snapshot.flashes);
        for (const key of applied.touched) if (left.get(key) === seq) left.delete(key);
        this.set({ ...this.snapshot, flashes: left });
      }, FLASH_MS);
      this.timers.add(timer);
    }
    this.set({
      ...s,
      entries: applied.entries,
      tree: applied.keysChanged ? buildTree(applied.entries.keys()) : s.tree,
      revision: Math.max(s.revision, batch.revision),
      flashes,
      selected,
    });
    this.batchListeners.forEach((l) => l(batch));
  }

  private set(next: ExplorerSnapshot): void {
    this.snapshot = next;
    this.listeners.forEach((l) => l());
  }
}

/** A kv.get answer merged with what the watch brought meanwhile: the newer wins. */
function mergeRead(s: Selected, got: KvEntry): Selected {
  if ((s.entry && s.entry.modRevision >= got.modRevision) || (s.deletedAt ?? 0) >= got.modRevision)
    return { ...s, loading: false };
  return { key: s.key, entry: got, missing: false, loading: false };
}

function mergeEvent(s: Selected, type: 'put' | 'delete', entry: KvEntry): Selected {
  const known = Math.max(s.entry?.modRevision ?? 0, s.deletedAt ?? 0);
  if (entry.modRevision <= known) return s;
  return type === 'put'
    ? { key: s.key, entry, missing: false, loading: s.loading }
    : { key: s.key, deletedAt: entry.modRevision, missing: false, loading: s.loading };
}
