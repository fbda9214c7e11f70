import type { MachineInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';

export type MachineAction = 'stop' | 'start' | 'kill' | 'restart';

export interface MachineActionInfo {
  action: MachineAction;
  /** The verb on buttons and menus. */
  label: string;
  /** What the status bar's task is doing meanwhile ("Stopping"). */
  progress: string;
  /** What happens, in the words of `flotctl machine` help. */
  effect: string;
}

export const MACHINE_ACTIONS: readonly MachineActionInfo[] = [
  {
    action: 'stop',
    label: 'Stop',
    progress: 'Stopping',
    effect:
      'Clean stop: its units move to other machines first, then its agent, KV member and container stop.',
  },
  {
    action: 'restart',
    label: 'Restart',
    progress: 'Restarting',
    effect: 'Stop, then start: its units move away and the machine comes back empty.',
  },
  {
    action: 'kill',
    label: 'Kill',
    progress: 'Killing',
    effect:
      'Sudden death: the container is killed and its KV member and agent vanish without goodbye. Its units are rescheduled once the cluster notices.',
  },
  {
    action: 'start',
    label: 'Start',
    progress: 'Starting',
    effect: 'Brings it back: stale unit containers are removed first, then it rejoins the cluster.',
  },
];

/** Start is for a machine that is down; the others for one that runs. */
export function actionAvailable(machine: MachineInfo, action: MachineAction): boolean {
  const down = machine.health === 'down' || machine.life === 'stopped' || machine.life === 'dead';
  return action === 'start' ? down : !down;
}

/** `flotctl machine stop core-01`, with `--cluster` when needed. */
export function machineCommand(action: MachineAction, host: string, clusterArgs: readonly string[]): string {
  return flotctl('machine', action, ...clusterArgs, host);
}
