// A fake API at the renderer boundary and an update picture, for the Updates page's component
// tests: calls answer from handlers and are recorded; updates.changed is fed with `emit`.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { act, render, type RenderResult } from '@testing-library/react';
import { SnackbarProvider } from 'notistack';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import {
  ApiError,
  type CallName,
  type CallParams,
  type CallResult,
  type ClusterInfo,
  type EventName,
  type EventParams,
  type EventPayload,
  type MachineUpdate,
  type Release,
  type UpdatesView,
} from '../../../shared/api';
import { ActionsProvider } from '../../actions/registry';
import type { RendererApi } from '../../api/client';
import { ApiContext } from '../../api/hooks';

export const CLUSTER: ClusterInfo = {
  name: 'dev',
  active: true,
  state: 'running',
  machines: 3,
  endpoints: ['127.0.0.1:23791'],
};

type Handler<M extends CallName> = (params: CallParams<M>) => CallResult<M> | Promise<CallResult<M>>;
export type Handlers = { [M in CallName]?: Handler<M> };

/** Answers every updates.* and locksmith.* call the page makes, as a backend would at once. */
const DEFAULTS: Handlers = {
  'updates.check': ({ machine }) => ({ machines: machine ? [machine] : ['core-01', 'core-02', 'core-03'] }),
  'updates.setChannel': ({ machine }) => ({
    machines: machine ? [machine] : ['core-01', 'core-02', 'core-03'],
  }),
  'updates.setStrategy': ({ machine }) => ({
    machines: machine ? [machine] : ['core-01', 'core-02', 'core-03'],
  }),
  'updates.setServer': ({ machine }) => ({
    machines: machine ? [machine] : ['core-01', 'core-02', 'core-03'],
  }),
  'updates.setCheckInterval': () => ({}),
  'updates.reboot': () => ({ taskId: 't-reboot' }),
  'updates.rollback': () => ({ taskId: 't-rollback' }),
  'locksmith.setMax': ({ max }) => ({ old: 1, new: max }),
  'locksmith.unlock': ({ group }) => ({
    group: group ?? '',
    key: 'coreos.com/updateengine/rebootlock/semaphore',
    semaphore: 1,
    max: 1,
    holders: [],
  }),
};

export function fakeUpdatesApi(overrides: Handlers = {}, clusters: ClusterInfo[] = [CLUSTER]) {
  const calls: { method: CallName; params: unknown }[] = [];
  const listeners = new Map<
    EventName,
    Set<{ params: unknown; cb: (p: unknown) => void; onError?: (e: Error) => void }>
  >();
  const handlers: Handlers = { ...DEFAULTS, ...overrides };
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
      onError?: (e: Error) => void,
    ): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = { params, cb: onPayload as (p: unknown) => void, ...(onError ? { onError } : {}) };
      set.add(l);
      if (event === 'clusters.changed') l.cb(clusters);
      return () => set.delete(l);
    },
  };
  return {
    api,
    calls,
    /** The params of the calls made to `method`. */
    paramsOf<M extends CallName>(method: M): CallParams<M>[] {
      return calls.filter((c) => c.method === method).map((c) => c.params as CallParams<M>);
    },
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      act(() => listeners.get(event)?.forEach((l) => l.cb(payload)));
    },
    fail(event: EventName, error: Error) {
      act(() => listeners.get(event)?.forEach((l) => l.onError?.(error)));
    },
    /** The params of the live subscriptions to `event`. */
    subscriptions(event: EventName): unknown[] {
      return [...(listeners.get(event) ?? [])].map((l) => l.params);
    },
  };
}
export type FakeUpdatesApi = ReturnType<typeof fakeUpdatesApi>;

/** `ui` inside the app's providers (theme, notifications, API, actions, router). */
function inApp(ui: ReactElement, api: RendererApi, path: string): ReactElement {
  return (
    <ThemeProvider theme={createTheme()}>
      <CssBaseline />
      <SnackbarProvider>
        <ApiContext.Provider value={api}>
          <ActionsProvider>
            <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
          </ActionsProvider>
        </ApiContext.Provider>
      </SnackbarProvider>
    </ThemeProvider>
  );
}

/** Renders with the app's providers; `rerender` keeps them (and the router's place). */
export function renderWithApi(ui: ReactElement, api: RendererApi, path = '/updates'): RenderResult {
  const result = render(inApp(ui, api, path));
  return { ...result, rerender: (next: ReactNode) => result.rerender(inApp(<>{next}</>, api, path)) };
}

export const release = (version: string, date: string, notes = `Changes in ${version}`): Release => ({
  version,
  date,
  notes,
  size: 312_000_000,
});

/** core-NN's id: its digit repeated, like the board's fixtures. */
export const idOf = (n: number) => String(n).repeat(32);

/** A machine on stable running 4459.2.1 from USR-A, USR-B holding the 4426.1.0 it came from. */
export function machineUpdate(n: number, overrides: Partial<MachineUpdate> = {}): MachineUpdate {
  return {
    machineId: idOf(n),
    hostname: `core-0${n}`,
    up: true,
    osVersion: '4459.2.1',
    conf: { group: 'stable', server: 'builtin:', rebootStrategy: 'etcd-lock' },
    partitions: [
      { label: 'USR-A', version: '4459.2.1', priority: 2, tries: 0, successful: true, active: true },
      { label: 'USR-B', version: '4426.1.0', priority: 1, tries: 0, successful: true, active: false },
    ],
    status: {
      lastCheckedTime: 1_790_000_000,
      progress: 0,
      currentOp: 'UPDATE_STATUS_IDLE',
      newVersion: '0.0.0.0',
      newSize: 0,
    },
    reboot: 'none',
    available: '4459.2.1',
    ...overrides,
  };
}

/**
 * Three machines in three states: core-01 idle, core-02 downloading 4516.0.0 at 42% (alpha),
 * core-03 updated to 4516.0.0 and waiting for the lock that core-02 holds.
 */
export function updatesView(overrides: Partial<UpdatesView> = {}): UpdatesView {
  return {
    cluster: 'dev',
    channel: 'stable',
    checkIntervalSec: 2700,
    feed: {
      server: 'builtin:',
      loadedAt: 1_790_000_000_000,
      feed: {
        channels: {
          stable: [release('4459.2.1', '2026-10-01'), release('4426.1.0', '2026-08-20')],
          beta: [release('4487.1.0', '2026-10-20', 'Kernel 6.12\nDocker 28')],
          alpha: [
            release('4516.0.0', '2026-11-02', 'systemd 258\nNew boot check'),
            release('4501.0.0', '2026-10-12'),
          ],
        },
      },
    },
    machines: [
      machineUpdate(1),
      machineUpdate(2, {
        conf: { group: 'alpha', server: 'builtin:', rebootStrategy: 'etcd-lock' },
        available: '4516.0.0',
        status: {
          lastCheckedTime: 1_790_000_100,
          progress: 0.42,
          currentOp: 'UPDATE_STATUS_DOWNLOADING',
          newVersion: '4516.0.0',
          newSize: 312_000_000,
        },
      }),
      machineUpdate(3, {
        conf: { group: 'alpha', server: 'builtin:', rebootStrategy: 'etcd-lock' },
        available: '4516.0.0',
        partitions: [
          { label: 'USR-A', version: '4459.2.1', priority: 1, tries: 0, successful: true, active: true },
          { label: 'USR-B', version: '4516.0.0', priority: 2, tries: 1, successful: false, active: false },
        ],
        status: {
          lastCheckedTime: 1_790_000_100,
          progress: 1,
          currentOp: 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
          newVersion: '4516.0.0',
          newSize: 312_000_000,
        },
        reboot: 'waiting-lock',
        message: 'core-02 holds the reboot lock (max 1)',
      }),
    ],
    locks: [
      {
        group: '',
        key: 'coreos.com/updateengine/rebootlock/semaphore',
        semaphore: 0,
        max: 1,
        holders: [idOf(2)],
      },
    ],
    ...overrides,
  };
}
