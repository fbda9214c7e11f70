// Providers, a fake API and a step harness for the Clusters page's component tests.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { act, render, type RenderResult } from '@testing-library/react';
import { SnackbarProvider } from 'notistack';
import { useEffect, useState, type ComponentType, type ReactElement } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { vi } from 'vitest';
import type {
  CallName,
  CallParams,
  CallResult,
  ClusterInfo,
  EventName,
  EventPayload,
  Task,
} from '../../../shared/api';
import type { RendererApi } from '../../api/client';
import { ApiContext } from '../../api/hooks';
import { DraftProvider } from './DraftContext';
import { EMPTY_DRAFT, type Draft } from './draft';
import type { StepProps } from './stepProps';
import type { FieldErrors } from './validate';

type Handlers = { [M in CallName]?: (params: CallParams<M>) => CallResult<M> | Promise<CallResult<M>> };

/** An API whose calls answer from `handlers` and whose events the test emits. */
export function fakeApi(handlers: Handlers = {}, initial: { clusters?: ClusterInfo[]; tasks?: Task[] } = {}) {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const current: { clusters: ClusterInfo[]; tasks: Map<string, Task> } = {
    clusters: initial.clusters ?? [],
    tasks: new Map((initial.tasks ?? []).map((t) => [t.id, t])),
  };
  const call = vi.fn(async (method: CallName, params: unknown) => {
    const handler = handlers[method] as ((p: unknown) => unknown) | undefined;
    return handler ? handler(params) : {};
  });
  const api = {
    transport: 'websocket' as const,
    call: call as unknown as RendererApi['call'],
    subscribe(event: EventName, _params: unknown, onPayload: (p: never) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const cb = onPayload as (p: unknown) => void;
      set.add(cb);
      // As the real API does: the current state first.
      if (event === 'clusters.changed') cb(current.clusters);
      if (event === 'tasks.changed') current.tasks.forEach((t) => cb(t));
      return () => set.delete(cb);
    },
    connectionState: () => 'open' as const,
    onConnectionState: () => () => undefined,
  } satisfies RendererApi;
  return {
    api,
    call,
    /** Delivers an event payload to every subscriber, inside act(). */
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      if (event === 'clusters.changed') current.clusters = payload as ClusterInfo[];
      if (event === 'tasks.changed') current.tasks.set((payload as Task).id, payload as Task);
      act(() => listeners.get(event)?.forEach((cb) => cb(payload)));
    },
    /** The params of the calls made to `method`. */
    paramsOf<M extends CallName>(method: M): CallParams<M>[] {
      return call.mock.calls.filter(([m]) => m === method).map(([, p]) => p as CallParams<M>);
    },
  };
}

/** Shows where the router is, for tests that follow navigation. */
function Where() {
  const location = useLocation();
  return <output aria-label="location">{location.pathname}</output>;
}

/** Renders `ui` at `path` with the app's providers, the draft store and a fake API. */
export function renderInApp(
  ui: ReactElement,
  { api, path = '/clusters', draft = EMPTY_DRAFT }: { api: RendererApi; path?: string; draft?: Draft },
): RenderResult {
  return render(
    <ApiContext.Provider value={api}>
      <ThemeProvider theme={createTheme()}>
        <CssBaseline />
        <SnackbarProvider>
          <MemoryRouter initialEntries={[path]}>
            <DraftProvider initial={draft}>
              <Routes>
                <Route path="/clusters/*" element={ui} />
                <Route path="*" element={null} />
              </Routes>
              <Where />
            </DraftProvider>
          </MemoryRouter>
        </SnackbarProvider>
      </ThemeProvider>
    </ApiContext.Provider>,
  );
}

/**
 * Renders one wizard step over a live draft; `draft()` reads the draft as the step left it. Steps
 * that call the API get `api`.
 */
export function renderStep(
  Step: ComponentType<StepProps>,
  validate: (d: Draft) => FieldErrors,
  initial: Partial<Draft> = {},
  attempted = false,
  api: RendererApi = fakeApi().api,
) {
  const latest = { current: { ...EMPTY_DRAFT, ...initial } };
  function Harness() {
    const [draft, setDraft] = useState(latest.current);
    useEffect(() => {
      latest.current = draft;
    });
    return <Step draft={draft} setDraft={setDraft} errors={validate(draft)} attempted={attempted} />;
  }
  const result = render(
    <ApiContext.Provider value={api}>
      <ThemeProvider theme={createTheme()}>
        <Harness />
      </ThemeProvider>
    </ApiContext.Provider>,
  );
  return { ...result, draft: () => latest.current };
}

export function cluster(name: string, more: Partial<ClusterInfo> = {}): ClusterInfo {
  return {
    name,
    active: false,
    state: 'running',
    machines: 3,
    endpoints: ['127.0.0.1:23790'],
    channel: 'stable',
    ...more,
  };
}

export function task(more: Partial<Task> & Pick<Task, 'id'>): Task {
  return {
    kind: 'cluster.create',
    title: 'Create cluster demo',
    state: 'running',
    progress: null,
    message: '',
    steps: [],
    cancellable: false,
    startedAt: '2026-01-01T00:00:00Z',
    ...more,
  };
}

/** The addresses clusters.addresses gives for `n` machines named core-NN. */
export function addresses(n: number, prefix = 'core') {
  const ips: Record<string, string> = {};
  for (let i = 1; i <= n; i++) ips[`${prefix}-${String(i).padStart(2, '0')}`] = `10.99.3.${100 + i}`;
  return { subnet: '10.99.3.0/24', gateway: '10.99.3.1', ips };
}
