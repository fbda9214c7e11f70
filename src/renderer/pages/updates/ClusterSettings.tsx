import {
  Box,
  Button,
  FormControlLabel,
  Paper,
  Switch,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { RebootStrategy, UpdatesView } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { useNotify } from '../../app/notify';
import { ChannelDialog } from './ChannelDialog';
import {
  CHANNEL_HINT,
  CHANNELS,
  STRATEGIES,
  STRATEGY_HINT,
  common,
  formatInterval,
  intervalError,
  serverError,
  windowErrors,
  type Channel,
} from './view-model';

/**
 * The cluster-wide settings: channel (asked first), reboot strategy and window, feed server,
 * check interval, and a check of every machine now. Each form shows the live value until edited.
 */
export function ClusterSettings({ cluster, view }: { cluster: string; view: UpdatesView }) {
  const api = useApi();
  const notify = useNotify();
  const [switchTo, setSwitchTo] = useState<Channel>();
  const [checking, setChecking] = useState(false);
  const channelLabel = useId();

  const checkAll = () => {
    setChecking(true);
    api.call('updates.check', { cluster }).then(
      ({ machines }) => {
        setChecking(false);
        notify.info(
          machines.length ? `Checking ${machines.join(', ')} for updates…` : 'No machine is up to check',
        );
      },
      (err: unknown) => {
        setChecking(false);
        notify.error(err, 'Checking for updates');
      },
    );
  };

  return (
    <Paper component="section" variant="outlined" aria-labelledby="updates-cluster" sx={{ p: 2 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap', mb: 2 }}>
        <Typography id="updates-cluster" variant="h6" component="h2" sx={{ flex: 1 }}>
          All machines
        </Typography>
        <Button variant="outlined" onClick={checkAll} disabled={checking}>
          Check all machines now
        </Button>
      </Box>
      <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' } }}>
        <Setting
          labelId={channelLabel}
          title="Channel"
          hint={`${view.channel}: ${CHANNEL_HINT[view.channel]}. Switching asks first.`}
        >
          <ToggleButtonGroup
            exclusive
            size="small"
            color="primary"
            value={view.channel}
            aria-labelledby={channelLabel}
            onChange={(_, value: Channel | null) => {
              if (value && value !== view.channel) setSwitchTo(value);
            }}
          >
            {CHANNELS.map((c) => (
              <ToggleButton key={c} value={c}>
                {c}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        </Setting>
        <StrategyForm cluster={cluster} view={view} />
        <ServerForm cluster={cluster} view={view} />
        <IntervalForm cluster={cluster} view={view} />
      </Box>
      {switchTo && (
        <ChannelDialog
          cluster={cluster}
          view={view}
          channel={switchTo}
          onClose={() => setSwitchTo(undefined)}
        />
      )}
    </Paper>
  );
}

/** One setting: its title, its controls, a hint; a form (Enter applies) when it has `onSubmit`. */
function Setting({
  labelId,
  title,
  hint,
  onSubmit,
  children,
}: {
  labelId: string;
  title: string;
  hint?: ReactNode;
  onSubmit?: () => void;
  children: ReactNode;
}) {
  return (
    <Box
      {...(onSubmit
        ? {
            component: 'form' as const,
            'aria-labelledby': labelId,
            noValidate: true,
            onSubmit: (e: FormEvent) => {
              e.preventDefault();
              onSubmit();
            },
          }
        : {})}
      sx={{ display: 'flex', flexDirection: 'column', gap: 1, alignItems: 'flex-start' }}
    >
      <Typography id={labelId} variant="subtitle2" component="h3">
        {title}
      </Typography>
      {children}
      {hint && (
        <Typography variant="caption" color="text.secondary">
          {hint}
        </Typography>
      )}
    </Box>
  );
}

interface StrategyDraft {
  strategy: RebootStrategy;
  windowOn: boolean;
  start: string;
  length: string;
}

/** REBOOT_STRATEGY and locksmith's window, as the machines have them when they agree. */
function liveStrategy(view: UpdatesView): StrategyDraft & { mixed: boolean } {
  const strategy = common(view.machines, (m) => m.conf.rebootStrategy);
  const start = common(view.machines, (m) => m.conf.windowStart);
  const length = common(view.machines, (m) => m.conf.windowLength);
  return {
    strategy: strategy ?? 'etcd-lock',
    windowOn: Boolean(start && length),
    start: start ?? '',
    length: length ?? '',
    mixed:
      strategy === undefined ||
      (start === undefined && view.machines.some((m) => m.conf.windowStart !== undefined)),
  };
}

function StrategyForm({ cluster, view }: { cluster: string; view: UpdatesView }) {
  const api = useApi();
  const notify = useNotify();
  const labelId = useId();
  const live = liveStrategy(view);
  // Undefined until edited: the form shows the live values, and again after an apply.
  const [draft, setDraft] = useState<StrategyDraft>();
  const [busy, setBusy] = useState(false);
  const form = draft ?? live;
  const edit = (patch: Partial<StrategyDraft>) => setDraft({ ...form, ...patch });
  const usesWindow = form.windowOn && form.strategy !== 'off';
  const errors = usesWindow ? windowErrors(form.start, form.length) : {};
  const valid = !errors.start && !errors.length;

  const apply = () => {
    if (!valid) return;
    setBusy(true);
    const window = usesWindow ? { start: form.start.trim(), length: form.length.trim() } : null;
    api.call('updates.setStrategy', { cluster, strategy: form.strategy, window }).then(
      ({ machines }) => {
        setBusy(false);
        setDraft(undefined);
        notify.success(
          `Reboot strategy ${form.strategy}${window ? ` within ${window.start} for ${window.length}` : ''} on ${machines.length} ${machines.length === 1 ? 'machine' : 'machines'}`,
        );
      },
      (err: unknown) => {
        setBusy(false);
        notify.error(err, 'Setting the reboot strategy');
      },
    );
  };

  return (
    <Setting
      labelId={labelId}
      title="Reboot strategy"
      onSubmit={apply}
      hint={
        live.mixed && !draft
          ? 'The machines differ; applying sets all of them.'
          : `${form.strategy}: ${STRATEGY_HINT[form.strategy]}`
      }
    >
      <ToggleButtonGroup
        exclusive
        size="small"
        color="primary"
        value={form.strategy}
        aria-labelledby={labelId}
        onChange={(_, value: RebootStrategy | null) => value && edit({ strategy: value })}
      >
        {STRATEGIES.map((s) => (
          <ToggleButton key={s} value={s}>
            {s}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      <FormControlLabel
        control={
          <Switch
            checked={usesWindow}
            disabled={form.strategy === 'off'}
            onChange={(e) =>
              edit(
                // A fresh window starts from an example rather than two errors.
                e.target.checked
                  ? { windowOn: true, start: form.start || 'Thu 04:00', length: form.length || '1h' }
                  : { windowOn: false },
              )
            }
          />
        }
        label="Reboot only within a window"
      />
      {usesWindow && (
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField
            size="small"
            label="Window start"
            value={form.start}
            placeholder="Thu 04:00"
            onChange={(e) => edit({ start: e.target.value })}
            error={!!errors.start}
            helperText={errors.start ?? '04:00 (daily) or Thu 04:00'}
          />
          <TextField
            size="small"
            label="Window length"
            value={form.length}
            placeholder="1h30m"
            onChange={(e) => edit({ length: e.target.value })}
            error={!!errors.length}
            helperText={errors.length ?? 'Like 1h30m or 45m'}
          />
        </Box>
      )}
      <FormButtons
        what="reboot strategy"
        dirty={draft !== undefined}
        disabled={!valid || busy}
        onReset={() => setDraft(undefined)}
      />
    </Setting>
  );
}

function ServerForm({ cluster, view }: { cluster: string; view: UpdatesView }) {
  const api = useApi();
  const notify = useNotify();
  const labelId = useId();
  const live = common(view.machines, (m) => m.conf.server) ?? view.feed.server;
  const [draft, setDraft] = useState<string>();
  const [busy, setBusy] = useState(false);
  const value = draft ?? live;
  const error = draft === undefined ? undefined : serverError(value.trim());
  const apply = () => {
    if (error) return;
    setBusy(true);
    api.call('updates.setServer', { cluster, server: value.trim() }).then(
      () => {
        setBusy(false);
        setDraft(undefined);
        notify.success(`Feed server ${value.trim()}`);
      },
      (err: unknown) => {
        setBusy(false);
        notify.error(err, 'Setting the feed server');
      },
    );
  };
  return (
    <Setting labelId={labelId} title="Feed server" onSubmit={apply}>
      <TextField
        size="small"
        fullWidth
        label="SERVER"
        value={value}
        onChange={(e) => setDraft(e.target.value)}
        error={!!error}
        helperText={error ?? "builtin: (Flotilla's own feed), file:///path/feed.json or http(s)://…"}
        slotProps={{ htmlInput: { spellCheck: false } }}
      />
      <FormButtons
        what="feed server"
        dirty={draft !== undefined}
        disabled={!!error || busy}
        onReset={() => setDraft(undefined)}
      />
    </Setting>
  );
}

function IntervalForm({ cluster, view }: { cluster: string; view: UpdatesView }) {
  const api = useApi();
  const notify = useNotify();
  const labelId = useId();
  const [draft, setDraft] = useState<string>();
  const [busy, setBusy] = useState(false);
  const value = draft ?? String(view.checkIntervalSec);
  const error = draft === undefined ? undefined : intervalError(value);
  const apply = () => {
    if (error) return;
    const seconds = Number(value.trim());
    setBusy(true);
    api.call('updates.setCheckInterval', { cluster, seconds }).then(
      () => {
        setBusy(false);
        setDraft(undefined);
        notify.success(`Machines check for updates every ${formatInterval(seconds)}`);
      },
      (err: unknown) => {
        setBusy(false);
        notify.error(err, 'Setting the check interval');
      },
    );
  };
  return (
    <Setting labelId={labelId} title="Check interval" onSubmit={apply}>
      <TextField
        size="small"
        label="Seconds between checks"
        value={value}
        onChange={(e) => setDraft(e.target.value)}
        error={!!error}
        helperText={
          error ??
          (intervalError(value)
            ? undefined
            : `Every ${formatInterval(Number(value))} (CoreOS: about an hour)`)
        }
        slotProps={{ htmlInput: { inputMode: 'numeric' } }}
      />
      <FormButtons
        what="check interval"
        dirty={draft !== undefined}
        disabled={!!error || busy}
        onReset={() => setDraft(undefined)}
      />
    </Setting>
  );
}

/** Apply (the form's submit) and Reset, shown once a form was edited. */
function FormButtons({
  what,
  dirty,
  disabled,
  onReset,
}: {
  what: string;
  dirty: boolean;
  disabled: boolean;
  onReset(): void;
}) {
  if (!dirty) return null;
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <Button size="small" variant="contained" type="submit" disabled={disabled} aria-label={`Apply ${what}`}>
        Apply
      </Button>
      <Button size="small" onClick={onReset} aria-label={`Reset ${what}`}>
        Reset
      </Button>
    </Box>
  );
}
