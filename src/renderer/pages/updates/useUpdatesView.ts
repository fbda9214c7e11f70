import { useContext, useEffect, useState } from 'react';
import type { MachineUpdate, UpdatesView } from '../../../shared/api';
import { ApiContext } from '../../api/hooks';

export interface UpdatesViewState {
  /** The latest picture; undefined until the first payload. */
  view?: UpdatesView;
  /** Why the subscription ended, if it did (the last view, if any, stays). */
  error?: Error;
}

/**
 * A cluster's update picture, live from updates.changed (the whole view on subscribe and after
 * every change). Reads the API from its context without requiring one (pages' tests may have none). State carries the cluster it is of: another
 * cluster reads as empty until its first payload, with no reset inside the effect.
 */
export function useUpdatesView(cluster: string | undefined): UpdatesViewState {
  const api = useContext(ApiContext);
  const [tagged, setTagged] = useState<UpdatesViewState & { cluster: string }>();
  useEffect(() => {
    if (!api || !cluster) return undefined;
    return api.subscribe(
      'updates.changed',
      { cluster },
      (view) => setTagged({ cluster, view }),
      (error) => setTagged((prev) => ({ ...(prev?.cluster === cluster ? prev : { cluster }), error })),
    );
  }, [api, cluster]);
  return tagged && tagged.cluster === cluster ? tagged : {};
}

/** Each machine's update, under its machine id and under its host name. */
export type MachineUpdates = ReadonlyMap<string, MachineUpdate>;
const NONE: MachineUpdates = new Map();

/** A machine's entry: by id, else by host name (the board's MachineInfo has both). */
export function updateOf(
  updates: MachineUpdates,
  machine: { id: string; name: string },
): MachineUpdate | undefined {
  return updates.get(machine.id) ?? updates.get(machine.name);
}

function index(view: UpdatesView | undefined, prev: MachineUpdates): MachineUpdates {
  if (!view) return NONE;
  const next = new Map<string, MachineUpdate>();
  for (const m of view.machines) {
    const old = prev.get(m.machineId);
    // Each payload is a whole new view: an unchanged machine keeps its old object, so the board's
    // memoized columns re-render only for machines whose update moved.
    const kept = old && JSON.stringify(old) === JSON.stringify(m) ? old : m;
    next.set(m.machineId, kept);
    next.set(m.hostname, kept);
  }
  return next;
}

/** The view's machines indexed for lookups, stable per machine across payloads. */
export function useMachineUpdates(view: UpdatesView | undefined): MachineUpdates {
  const [state, setState] = useState<{ view: UpdatesView | undefined; map: MachineUpdates }>({
    view: undefined,
    map: NONE,
  });
  if (state.view !== view) {
    // React's "adjust state while rendering": the previous index is at hand without a ref.
    const next = { view, map: index(view, state.map) };
    setState(next);
    return next.map;
  }
  return state.map;
}
