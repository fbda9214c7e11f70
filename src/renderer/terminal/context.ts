import { createContext, useContext, useSyncExternalStore } from 'react';
import type { MachineInfo } from '../../shared/api';
import { clusterFlag, flotctl } from '../actions/flotctl';
import type { DockSnapshot, TerminalManager } from './manager';
import type { TerminalTab } from './tabs';

/** What the dock's parts share: the manager, and the cluster and machines terminals open on. */
export interface DockContextValue {
  manager: TerminalManager;
  /** The cluster new terminals open in (the active one, else the only one). */
  cluster: string | undefined;
  /** The active cluster: a command for another one needs --cluster. */
  activeCluster: string | undefined;
  /** Machines a shell can be opened on now. */
  machinesUp: readonly MachineInfo[];
}

export const DockContext = createContext<DockContextValue | null>(null);

export function useDock(): DockContextValue {
  const dock = useContext(DockContext);
  if (!dock) throw new Error('useDock outside <TerminalProvider>');
  return dock;
}

export function useDockSnapshot(manager: TerminalManager): DockSnapshot {
  return useSyncExternalStore(manager.subscribe, manager.getSnapshot);
}

/** A machine a shell can be opened on: up, not on its way down or back. */
export function machineIsUp(m: MachineInfo): boolean {
  return (m.life ?? 'up') === 'up' && m.health !== 'down';
}

/** `flotctl ssh core-02` for a tab, with --cluster when the tab's cluster is not the active one. */
export function sshCommand(
  tab: Pick<TerminalTab, 'target' | 'cluster'>,
  activeCluster: string | undefined,
): string {
  return flotctl('ssh', ...clusterFlag(tab.cluster, tab.cluster === activeCluster), tab.target);
}
