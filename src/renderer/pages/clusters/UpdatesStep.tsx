import { FormControlLabel, Stack, Switch, TextField, Typography } from '@mui/material';
import type { Channel, RebootStrategy } from './draft';
import { shownError, type StepProps } from './stepProps';

const CHANNELS: { value: Channel; label: string }[] = [
  { value: 'stable', label: 'stable — tested releases' },
  { value: 'beta', label: 'beta — next stable, for early warning' },
  { value: 'alpha', label: 'alpha — newest, changes often' },
];

const STRATEGIES: { value: RebootStrategy; label: string }[] = [
  { value: 'etcd-lock', label: 'etcd-lock — one machine at a time, under the KV reboot lock' },
  { value: 'reboot', label: 'reboot — each machine as soon as it is updated' },
  { value: 'off', label: 'off — never reboot on its own' },
];

/** Update channel, reboot strategy and locksmith's reboot window. */
export function UpdatesStep(props: StepProps) {
  const { draft, setDraft } = props;
  const rebootWindow = draft.rebootWindow;
  const startError = rebootWindow ? shownError(props, 'windowStart', rebootWindow.start) : undefined;
  const lengthError = rebootWindow ? shownError(props, 'windowLength', rebootWindow.length) : undefined;
  const setWindow = (patch: Partial<{ start: string; length: string }>) =>
    setDraft((d) => ({ ...d, rebootWindow: { start: '', length: '', ...d.rebootWindow, ...patch } }));
  return (
    <Stack spacing={3} sx={{ maxWidth: 560 }}>
      <TextField
        select
        label="Channel"
        value={draft.channel}
        onChange={(e) => setDraft((d) => ({ ...d, channel: e.target.value as Channel }))}
        helperText="Where the machines get OS updates from (/etc/coreos/update.conf GROUP)"
        slotProps={{ select: { native: true } }}
      >
        {CHANNELS.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </TextField>
      <TextField
        select
        label="Reboot strategy"
        value={draft.rebootStrategy}
        onChange={(e) => {
          const rebootStrategy = e.target.value as RebootStrategy;
          // A window only says when reboots may happen; with reboots off there is none.
          setDraft((d) => ({
            ...d,
            rebootStrategy,
            rebootWindow: rebootStrategy === 'off' ? null : d.rebootWindow,
          }));
        }}
        helperText="What locksmith does once an update is installed"
        slotProps={{ select: { native: true } }}
      >
        {STRATEGIES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </TextField>
      <FormControlLabel
        control={
          <Switch
            checked={rebootWindow !== null}
            disabled={draft.rebootStrategy === 'off'}
            onChange={(e) =>
              setDraft((d) => ({
                ...d,
                rebootWindow: e.target.checked ? { start: 'Thu 04:00', length: '1h' } : null,
              }))
            }
          />
        }
        label="Reboot only within a window"
      />
      {rebootWindow && (
        <Stack direction="row" sx={{ gap: 2 }}>
          <TextField
            label="Window start"
            value={rebootWindow.start}
            placeholder="Thu 04:00"
            onChange={(e) => setWindow({ start: e.target.value })}
            error={!!startError}
            helperText={startError ?? 'A time, or a day and a time: 04:00, Thu 04:00'}
          />
          <TextField
            label="Window length"
            value={rebootWindow.length}
            placeholder="1h30m"
            onChange={(e) => setWindow({ length: e.target.value })}
            error={!!lengthError}
            helperText={lengthError ?? 'Like 1h30m or 45m'}
          />
        </Stack>
      )}
      {draft.rebootStrategy === 'off' && (
        <Typography variant="body2" color="text.secondary">
          With reboots off, updates wait until a machine is restarted by hand.
        </Typography>
      )}
    </Stack>
  );
}
