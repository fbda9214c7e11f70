// A small in-memory KV behind a fake API, and the app's providers, for the KV page's component
// tests. It keeps etcd's revision rules (one revision per write, mod_revision checks, watches
// replayed from a revision), so the explorer is tested against the contract, not against stubs.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { act, render, type RenderResult } from '@testing-library/react';
import { SnackbarProvider } from 'notistack';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import {
  ApiError,
  type CallName,
  type CallParams,
  type CallResult,
  type ClusterInfo,
  type EventName,
  type EventParams,
  type EventPayload,
  type KvEntry,
  type KvHealth,
  type KvLease,
  type KvWatchBatch,
  type Task,
} from '../../../shared/api';
import { ActionsProvider } from '../../actions/registry';
import type { RendererApi } from '../../api/client';
import { ApiContext } from '../../api/hooks';

export const CLUSTER: ClusterInfo = {
  name: 'dev',
  active: true,
  state: 'running',
  machines: 3,
  endpoints: ['127.0.0.1:23791', '127.0.0.1:23792'],
};

type WatchEvent = KvWatchBatch['events'][number];
type Handler<M extends CallName> = (params: CallParams<M>) => CallResult<M> | Promise<CallResult<M>>;
type Handlers = { [M in CallName]?: Handler<M> };

const utf8 = (s: string) => new TextEncoder().encode(s).length;

/** The store: keys with etcd's revisions, every version kept, and a log for watches. */
export class FakeKv {
  revision = 1;
  readonly keys = new Map<string, KvEntry>();
  readonly versions = new Map<string, KvEntry[]>();
  readonly log: { revision: number; event: WatchEvent }[] = [];
  leases: KvLease[] = [];
  compactedAt: number | undefined;

  /** A write as someone else makes it (etcdctl): returns the entry. */
  put(key: string, value: string, opts: { binary?: boolean; lease?: string } = {}): KvEntry {
    const rev = ++this.revision;
    const held = this.keys.get(key);
    const entry: KvEntry = {
      key,
      value,
      binary: opts.binary ?? false,
      size: opts.binary ? atob(value).length : utf8(value),
      createRevision: held?.createRevision ?? rev,
      modRevision: rev,
      version: (held?.version ?? 0) + 1,
      ...(opts.lease ? { lease: opts.lease } : {}),
    };
    this.keys.set(key, entry);
    this.versions.set(key, [...(held ? (this.versions.get(key) ?? []) : []), entry]);
    this.log.push({ revision: rev, event: { type: 'put', entry } });
    return entry;
  }

  delete(key: string): number {
    const held = this.keys.get(key);
    if (!held) return this.revision;
    const rev = ++this.revision;
    this.keys.delete(key);
    this.log.push({
      revision: rev,
      event: { type: 'delete', entry: { ...held, value: '', size: 0, modRevision: rev, version: 0 } },
    });
    return rev;
  }

  conflict(key: string, expected: number): ApiError {
    const current = this.keys.get(key);
    return new ApiError(
      'CONFLICT',
      current
        ? `${key} changed at revision ${current.modRevision} (expected ${expected})`
        : `${key} does not exist`,
      { details: { key, expectedModRevision: expected, ...(current ? { current } : {}) } },
    );
  }
}

/**
 * An API over a FakeKv. `overrides` replace any call; kv.health and other events are fed with
 * `emit`. Watch subscriptions get the log from their revision, then every write made through
 * `write` (or the API) — each delivered as one batch, inside act().
 */
export function fakeKvApi(overrides: Handlers = {}, clusters: ClusterInfo[] = [CLUSTER]) {
  const kv = new FakeKv();
  const calls: { method: CallName; params: unknown }[] = [];
  const listeners = new Map<EventName, Set<{ params: unknown; cb: (p: unknown) => void }>>();
  const watches = new Set<{ prefix: string; cb: (b: KvWatchBatch) => void }>();

  const deliver = (from: number) => {
    for (const w of watches) {
      const events = kv.log
        .filter((l) => l.revision >= from && l.event.entry.key.startsWith(w.prefix))
        .map((l) => l.event);
      if (events.length) w.cb({ events, revision: kv.revision });
    }
  };

  const handlers: Handlers = {
    'kv.list': ({ prefix = '', after, limit = 1000, keysOnly }) => {
      const all = [...kv.keys.values()]
        .filter((e) => e.key.startsWith(prefix) && (after === undefined || e.key > after))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      const page = all.slice(0, limit).map((e) => (keysOnly ? { ...e, value: '' } : e));
      return { entries: page, more: all.length > limit, revision: kv.revision };
    },
    'kv.get': ({ key }) => {
      const e = kv.keys.get(key);
      if (!e) throw new ApiError('NOT_FOUND', `${key} not found`);
      return e;
    },
    'kv.put': ({ key, value, binary, expectModRevision, lease }) => {
      if (expectModRevision !== undefined && (kv.keys.get(key)?.modRevision ?? 0) !== expectModRevision)
        throw kv.conflict(key, expectModRevision);
      const before = kv.revision;
      const e = kv.put(key, value, { binary: binary ?? false, ...(lease ? { lease } : {}) });
      queueMicrotask(() => act(() => deliver(before + 1)));
      return { revision: e.modRevision };
    },
    'kv.delete': ({ key, expectModRevision }) => {
      if (expectModRevision !== undefined && (kv.keys.get(key)?.modRevision ?? 0) !== expectModRevision)
        throw kv.conflict(key, expectModRevision);
      const had = kv.keys.has(key);
      const before = kv.revision;
      const rev = kv.delete(key);
      queueMicrotask(() => act(() => deliver(before + 1)));
      return { revision: rev, deleted: had ? 1 : 0 };
    },
    'kv.history': ({ key, limit = 50 }) => {
      const versions = [...(kv.versions.get(key) ?? [])]
        .filter((v) => kv.compactedAt === undefined || v.modRevision >= kv.compactedAt)
        .reverse()
        .slice(0, limit)
        .map(({ modRevision, createRevision, version, value, binary, lease }) => ({
          modRevision,
          createRevision,
          version,
          value,
          binary,
          ...(lease ? { lease } : {}),
        }));
      return {
        key,
        versions,
        deleted: !kv.keys.has(key),
        ...(kv.compactedAt !== undefined ? { compactedAt: kv.compactedAt } : {}),
      };
    },
    'kv.leases': () => kv.leases,
    ...overrides,
  };

  const api: RendererApi = {
    transport: 'websocket',
    connectionState: () => 'open',
    onConnectionState: () => () => undefined,
    async call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
      calls.push({ method, params });
      const handler = handlers[method] as Handler<M> | undefined;
      if (!handler) throw new ApiError('UNSUPPORTED', `no fake for ${method}`);
      return handler(params);
    },
    subscribe<E extends EventName>(
      event: E,
      params: EventParams<E>,
      onPayload: (p: EventPayload<E>) => void,
    ): () => void {
      if (event === 'kv.watch') {
        const p = params as EventParams<'kv.watch'>;
        const w = { prefix: p.prefix ?? '', cb: onPayload as (b: KvWatchBatch) => void };
        watches.add(w);
        const from = p.fromRevision ?? kv.revision + 1;
        queueMicrotask(() =>
          act(() => {
            const events = kv.log
              .filter((l) => l.revision >= from && l.event.entry.key.startsWith(w.prefix))
              .map((l) => l.event);
            if (events.length && watches.has(w)) w.cb({ events, revision: kv.revision });
          }),
        );
        return () => watches.delete(w);
      }
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = { params, cb: onPayload as (p: unknown) => void };
      set.add(l);
      if (event === 'clusters.changed') l.cb(clusters);
      return () => set.delete(l);
    },
  };

  return {
    api,
    kv,
    calls,
    /** The params of the calls made to `method`. */
    paramsOf<M extends CallName>(method: M): CallParams<M>[] {
      return calls.filter((c) => c.method === method).map((c) => c.params as CallParams<M>);
    },
    /** A change made by someone else, delivered to the watches. */
    write(key: string, value: string, opts?: { lease?: string }): KvEntry {
      const before = kv.revision;
      const e = kv.put(key, value, opts);
      act(() => deliver(before + 1));
      return e;
    },
    remove(key: string): number {
      const before = kv.revision;
      const rev = kv.delete(key);
      act(() => deliver(before + 1));
      return rev;
    },
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      act(() => listeners.get(event)?.forEach((l) => l.cb(payload)));
    },
    /** How many subscribers an event has now. */
    subscribers(event: EventName): number {
      return event === 'kv.watch' ? watches.size : (listeners.get(event)?.size ?? 0);
    },
  };
}
export type FakeKvApi = ReturnType<typeof fakeKvApi>;

/** Shows where the router is, for tests that follow links. */
function Where() {
  const location = useLocation();
  return <output aria-label="location">{location.pathname + location.search}</output>;
}

/** Renders `ui` mounted at /kv/* with the app's providers and the API. */
export function renderKv(ui: ReactElement, api: RendererApi, path = '/kv'): RenderResult {
  return render(
    <ThemeProvider theme={createTheme()}>
      <CssBaseline />
      <SnackbarProvider>
        <ApiContext.Provider value={api}>
          <ActionsProvider>
            <MemoryRouter initialEntries={[path]}>
              <Routes>
                <Route path="/kv/*" element={ui} />
              </Routes>
              <Where />
            </MemoryRouter>
          </ActionsProvider>
        </ApiContext.Provider>
      </SnackbarProvider>
    </ThemeProvider>,
  );
}

/** A health payload: three members on core-01..03, core-01 leading. */
export function health(overrides: Partial<KvHealth> = {}): KvHealth {
  const member = (n: number, role: KvHealth['members'][number]['role']) => ({
    id: `${n}a2b3c4d5e6f7`,
    name: `core-0${n}`,
    machineId: String(n).repeat(32),
    hostname: `core-0${n}`,
    endpoint: `127.0.0.1:2379${n}`,
    role,
    term: 4,
    commitIndex: 120,
    appliedIndex: 120,
    ...(role === 'leader' ? {} : { lag: 0, lastContactMs: 40 }),
  });
  return {
    external: false,
    leader: 'core-01',
    members: [member(1, 'leader'), member(2, 'follower'), member(3, 'follower')],
    quorum: { voters: 3, up: 3, needed: 2 },
    candidates: [],
    samples: [],
    ...overrides,
  };
}

export function task(id: string, state: Task['state'], title = 'Remove KV member'): Task {
  return {
    id,
    kind: 'kv.member',
    title,
    state,
    progress: null,
    message: '',
    steps: [],
    cancellable: false,
    startedAt: new Date(0).toISOString(),
  };
}
