import { Alert, Box, Typography } from '@mui/material';
import type { MachineUpdate, UpdatesView } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { useNotify } from '../../app/notify';
import { ConfirmDialog } from './ConfirmDialog';
import { channelEffect, common, type Channel } from './view-model';

const names = (ms: readonly MachineUpdate[]) => ms.map((m) => m.hostname).join(', ');

/** How the machines reboot into the new version, from their (shared) strategy and window. */
function rebootStep(view: UpdatesView, machines: readonly MachineUpdate[]): string {
  const strategy = common(machines, (m) => m.conf.rebootStrategy);
  const start = common(machines, (m) => m.conf.windowStart);
  const length = common(machines, (m) => m.conf.windowLength);
  const window = start && length ? `, within the reboot window (${start} for ${length})` : '';
  const max = view.locks.find((l) => l.group === '')?.max ?? 1;
  switch (strategy) {
    case 'etcd-lock':
      return `Then they reboot into it one at a time: each first takes the reboot lock (${max} ${max === 1 ? 'machine' : 'machines'} at once)${window}, its units move away, and it boots the new partition. A version that fails its boot check is rolled back.`;
    case 'reboot':
      return `Then each reboots into it as soon as it is updated${window}, without waiting for the others.`;
    case 'off':
      return 'Then they wait: reboots are off, so each reboots into it only with "Reboot now".';
    default:
      return 'Then each reboots into it as its own reboot strategy says (the machines differ).';
  }
}

/** Who downloads what to the passive partition, or why nothing is downloaded. */
function downloadStep(channel: Channel, effect: ReturnType<typeof channelEffect>): string {
  const top = effect.newest;
  if (!top) return `The feed has no ${channel} release yet: nothing is downloaded until it has one.`;
  const n = effect.updates.length;
  if (n === 0) return `No machine runs anything older than ${top.version}: nothing is downloaded now.`;
  return `${names(effect.updates)} ${n === 1 ? 'downloads' : 'download'} ${top.version} (${top.date}) to the passive /usr partition while ${n === 1 ? 'it keeps' : 'they keep'} running from the active one.`;
}

/**
 * Asks before switching the channel of one machine or of all (and the cluster's default), saying
 * what follows: a check, a download to the passive partition, reboots per the strategy — and that
 * nothing is downgraded when the channel's newest is older than what a machine runs.
 */
export function ChannelDialog({
  cluster,
  view,
  channel,
  machine,
  onClose,
}: {
  cluster: string;
  view: UpdatesView;
  channel: Channel;
  /** One machine; absent: every machine and the cluster's default. */
  machine?: MachineUpdate;
  onClose(): void;
}) {
  const api = useApi();
  const notify = useNotify();
  const machines = machine ? [machine] : view.machines;
  const effect = channelEffect(view, channel, machines);
  const top = effect.newest;
  const confirm = async () => {
    const result = await api.call('updates.setChannel', {
      cluster,
      channel,
      ...(machine ? { machine: machine.hostname } : {}),
    });
    onClose();
    notify.info(
      result.machines.length
        ? `${result.machines.join(', ')} ${result.machines.length === 1 ? 'is' : 'are'} on ${channel} now: checking for an update…`
        : `The cluster's channel is ${channel} now`,
    );
  };
  return (
    <ConfirmDialog
      title={
        machine
          ? `Switch ${machine.hostname} to ${channel}?`
          : `Switch every machine of ${cluster} to ${channel}?`
      }
      confirmLabel={`Switch to ${channel}`}
      onConfirm={confirm}
      onClose={onClose}
    >
      <Box component="ol" sx={{ m: 0, pl: 3, display: 'flex', flexDirection: 'column', gap: 1 }}>
        <li>
          <Typography variant="body2">
            {machine
              ? `${machine.hostname}'s update.conf says GROUP=${channel}, and it checks the ${channel} feed now.`
              : `Every machine's update.conf says GROUP=${channel} (new machines start on ${channel} too), and each checks the ${channel} feed now.`}
          </Typography>
        </li>
        <li>
          <Typography variant="body2">{downloadStep(channel, effect)}</Typography>
        </li>
        <li>
          <Typography variant="body2">{rebootStep(view, machines)}</Typography>
        </li>
      </Box>
      {top && effect.waits.length > 0 && (
        <Alert severity="info" sx={{ mt: 2 }}>
          Nothing is downgraded: {channel}'s newest is {top.version}, older than what {names(effect.waits)}{' '}
          {effect.waits.length === 1 ? 'runs' : 'run'}. {effect.waits.length === 1 ? 'It keeps' : 'They keep'}{' '}
          {effect.waits.length === 1 ? 'its' : 'their'} version and{' '}
          {effect.waits.length === 1 ? 'waits' : 'wait'} until {channel} passes it.
        </Alert>
      )}
      {top && effect.current.length > 0 && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
          {names(effect.current)} already {effect.current.length === 1 ? 'runs' : 'run'} {top.version}.
        </Typography>
      )}
    </ConfirmDialog>
  );
}
