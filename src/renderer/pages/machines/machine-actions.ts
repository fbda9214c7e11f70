import type { MachineInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';

export type MachineAction = 'stop' | 'start' | 'kill' | 'restart' | 'remove';

export interface MachineActionInfo {
  action: MachineAction;
  /** The verb on buttons and menus. */
  label: string;
  /** What is done to a machine, in words ("Stop core-01", "Remove core-04 from the cluster"). */
  title(host: string): string;
  /** What the status bar's task is doing meanwhile ("Stopping"). */
  progress: string;
  /** What happens, in the words of `flotctl machine` help. */
  effect: string;
}

export const MACHINE_ACTIONS: readonly MachineActionInfo[] = [
  {
    action: 'stop',
    label: 'Stop',
    title: (host) => `Stop ${host}`,
    progress: 'Stopping',
    effect:
      'Clean stop: its units move to other machines first, then its agent, KV member and container stop.',
  },
  {
    action: 'restart',
    label: 'Restart',
    title: (host) => `Restart ${host}`,
    progress: 'Restarting',
    effect: 'Stop, then start: its units move away and the machine comes back empty.',
  },
  {
    action: 'kill',
    label: 'Kill',
    title: (host) => `Kill ${host}`,
    progress: 'Killing',
    effect:
      'Sudden death: the container is killed and its KV member and agent vanish without goodbye. Its units are rescheduled once the cluster notices.',
  },
  {
    action: 'start',
    label: 'Start',
    title: (host) => `Start ${host}`,
    progress: 'Starting',
    effect: 'Brings it back: stale unit containers are removed first, then it rejoins the cluster.',
  },
  {
    action: 'remove',
    label: 'Remove from cluster',
    title: (host) => `Remove ${host} from the cluster`,
    progress: 'Removing',
    effect:
      'Its units move to other machines, then its containers on that host are removed and it leaves the cluster. The host itself and its Docker engine stay as they are.',
  },
];

/**
 * Start is for a machine that is down; stop, restart and kill for one that runs; remove for one
 * without a KV member (up or not: a remote host that is gone for good can still leave).
 */
export function actionAvailable(machine: MachineInfo, action: MachineAction): boolean {
  if (action === 'remove') return !machine.kvMember;
  const down = machine.health === 'down' || machine.life === 'stopped' || machine.life === 'dead';
  return action === 'start' ? down : !down;
}

/** `flotctl machine stop core-01`, with `--cluster` when needed. */
export function machineCommand(action: MachineAction, host: string, clusterArgs: readonly string[]): string {
  return flotctl('machine', action, ...clusterArgs, host);
}
