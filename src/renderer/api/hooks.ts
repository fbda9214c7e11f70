import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { ConnectionState, EventName, EventParams, EventPayload, Task } from '../../shared/api';
import type { RendererApi } from './client';

export const ApiContext = createContext<RendererApi | null>(null);

export function useApi(): RendererApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}

/** The latest payload of a subscription (live lists come from watches, never polling). */
export function useSubscription<E extends EventName>(
  event: E,
  params: EventParams<E>,
): EventPayload<E> | undefined {
  const api = useApi();
  const [value, setValue] = useState<EventPayload<E>>();
  const key = JSON.stringify(params);
  useEffect(() => {
    return api.subscribe(event, JSON.parse(key) as EventParams<E>, setValue);
  }, [api, event, key]);
  return value;
}

/** Every task the app knows, kept current from the tasks.changed subscription. */
export function useTasks(): Task[] {
  const api = useApi();
  const [tasks, setTasks] = useState<Map<string, Task>>(new Map());
  useEffect(() => {
    return api.subscribe('tasks.changed', {}, (t) =>
      setTasks((prev) => {
        const next = new Map(prev);
        next.set(t.id, t);
        return next;
      }),
    );
  }, [api]);
  return [...tasks.values()];
}

export function useConnectionState(): ConnectionState {
  const api = useApi();
  return useSyncExternalStore(
    (cb) => api.onConnectionState(cb),
    () => api.connectionState(),
  );
}
