import { useEffect, useMemo, useState } from 'react';
import type { ClusterInfo, MachineInfo, MachinesEvent, UnitInfo, UnitsEvent } from '../../shared/api';
import { useApi } from './hooks';

/** A live list: the snapshot, then upserts and removes, as the API's list events carry them. */
export interface LiveList<T> {
  items: T[];
  /** False until the first snapshot arrived. */
  loaded: boolean;
  /** Why the subscription ended, if it did (e.g. the cluster is not running). */
  error: Error | undefined;
}

type ListEvent<T> =
  { kind: 'snapshot'; items: T[] } | { kind: 'upsert'; item: T } | { kind: 'remove'; key: string };

/** Applies one list event to a map keyed by `keyOf`; returns the same map object when nothing changed. */
export function applyListEvent<T>(
  prev: Map<string, T>,
  e: ListEvent<T>,
  keyOf: (t: T) => string,
): Map<string, T> {
  if (e.kind === 'snapshot') return new Map(e.items.map((t) => [keyOf(t), t]));
  const next = new Map(prev);
  if (e.kind === 'upsert') next.set(keyOf(e.item), e.item);
  else if (!next.delete(e.key)) return prev;
  return next;
}

const unitEvent = (e: UnitsEvent): ListEvent<UnitInfo> =>
  e.kind === 'snapshot'
    ? { kind: 'snapshot', items: e.units }
    : e.kind === 'upsert'
      ? { kind: 'upsert', item: e.unit }
      : { kind: 'remove', key: e.name };
const machineEvent = (e: MachinesEvent): ListEvent<MachineInfo> =>
  e.kind === 'snapshot'
    ? { kind: 'snapshot', items: e.machines }
    : e.kind === 'upsert'
      ? { kind: 'upsert', item: e.machine }
      : { kind: 'remove', key: e.id };

const EMPTY = new Map<string, never>();

function useLive<T>(
  subscribe: ((onEvent: (e: ListEvent<T>) => void, onError: (err: Error) => void) => () => void) | undefined,
  keyOf: (t: T) => string,
  resubscribeKey: string,
): LiveList<T> {
  // State carries the key it belongs to: a new key reads as empty until its first event, without
  // a reset inside the effect.
  const [state, setState] = useState<{ key: string; map: Map<string, T>; loaded: boolean; error?: Error }>({
    key: resubscribeKey,
    map: new Map(),
    loaded: false,
  });
  useEffect(() => {
    if (!subscribe) return undefined;
    const key = resubscribeKey;
    return subscribe(
      (e) =>
        setState((s) => ({
          key,
          map: applyListEvent(s.key === key ? s.map : new Map(), e, keyOf),
          loaded: true,
        })),
      (error) =>
        setState((s) => (s.key === key ? { ...s, error } : { key, map: new Map(), loaded: false, error })),
    );
    // keyOf is a module-level function; resubscribeKey says when to start over.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resubscribeKey]);
  const current =
    state.key === resubscribeKey ? state : { map: EMPTY as Map<string, T>, loaded: false, error: undefined };
  const items = useMemo(() => [...current.map.values()], [current.map]);
  return { items, loaded: current.loaded, error: current.error };
}

/** Every cluster, live. */
export function useClusters(): LiveList<ClusterInfo> {
  const api = useApi();
  const [state, setState] = useState<LiveList<ClusterInfo>>({ items: [], loaded: false, error: undefined });
  useEffect(
    () =>
      api.subscribe(
        'clusters.changed',
        {},
        (items) => setState({ items, loaded: true, error: undefined }),
        (error) => setState((s) => ({ ...s, error })),
      ),
    [api],
  );
  return state;
}

/** The cluster commands go to: the active one, else the only one. */
export function useCurrentCluster(): { cluster: ClusterInfo | undefined; clusters: LiveList<ClusterInfo> } {
  const clusters = useClusters();
  const cluster =
    clusters.items.find((c) => c.active) ?? (clusters.items.length === 1 ? clusters.items[0] : undefined);
  return { cluster, clusters };
}

/** The units of a running cluster, live (empty while it is not running). */
export function useUnits(cluster: ClusterInfo | undefined): LiveList<UnitInfo> {
  const api = useApi();
  const running = cluster?.state === 'running' ? cluster.name : undefined;
  return useLive<UnitInfo>(
    running
      ? (onEvent, onError) =>
          api.subscribe('units.changed', { cluster: running }, (e) => onEvent(unitEvent(e)), onError)
      : undefined,
    (u) => u.name,
    `units:${running ?? ''}`,
  );
}

/** Every machine of a cluster, up or not, live. */
export function useMachines(cluster: ClusterInfo | undefined): LiveList<MachineInfo> {
  const api = useApi();
  const name = cluster?.name;
  return useLive<MachineInfo>(
    name
      ? (onEvent, onError) =>
          api.subscribe('machines.changed', { cluster: name }, (e) => onEvent(machineEvent(e)), onError)
      : undefined,
    (m) => m.id,
    // A machines subscription ends when its cluster goes; a new state starts it again.
    `machines:${name ?? ''}:${cluster?.state ?? ''}`,
  );
}
