import {
  Alert,
  Box,
  Button,
  Chip,
  LinearProgress,
  MenuItem,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import CheckIcon from '@mui/icons-material/Check';
import { useState, type ReactNode } from 'react';
import type { MachineUpdate, UpdatesView } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { useNotify } from '../../app/notify';
import { ChannelDialog } from './ChannelDialog';
import { ConfirmDialog } from './ConfirmDialog';
import {
  CHANNELS,
  NO_VERSION,
  activePartition,
  compareVersions,
  opInProgress,
  opLabel,
  rebootLabel,
  rebootRefusal,
  rollbackTarget,
  type Channel,
} from './view-model';

type Pending = { kind: 'channel'; channel: Channel } | { kind: 'reboot' } | { kind: 'rollback' };

const when = (ms: number) => new Date(ms).toLocaleString();

/**
 * One machine's update picture: channel (switchable), versions, update_engine's op with its
 * progress, where its reboot stands, both /usr partitions, its last rollback and error; and
 * Check now, Reboot now and Roll back, each disabled with the reason when it does not apply.
 */
export function MachineCard({
  cluster,
  view,
  machine: m,
}: {
  cluster: string;
  view: UpdatesView;
  machine: MachineUpdate;
}) {
  const api = useApi();
  const notify = useNotify();
  const [pending, setPending] = useState<Pending>();
  const [checking, setChecking] = useState(false);
  const titleId = `updates-machine-${m.machineId}`;
  const op = m.status.currentOp;
  const target = m.status.newVersion !== NO_VERSION ? m.status.newVersion : undefined;
  const rebootWhy = rebootRefusal(m);
  const rollback = rollbackTarget(m);
  const active = activePartition(m);
  const offered = m.available && compareVersions(m.available, m.osVersion) > 0 ? m.available : undefined;

  const check = () => {
    setChecking(true);
    api.call('updates.check', { cluster, machine: m.hostname }).then(
      () => {
        setChecking(false);
        notify.info(`Checking ${m.hostname} for an update…`);
      },
      (err: unknown) => {
        setChecking(false);
        notify.error(err, `Checking ${m.hostname} for an update`);
      },
    );
  };
  const reboot = async () => {
    await api.call('updates.reboot', { cluster, machine: m.hostname });
    setPending(undefined);
    notify.info(
      `Rebooting ${m.hostname} into ${target ?? 'its update'}… its progress shows in the status bar`,
    );
  };
  const rollBack = async () => {
    await api.call('updates.rollback', { cluster, machine: m.hostname });
    setPending(undefined);
    notify.info(`Rolling ${m.hostname} back… its progress shows in the status bar`);
  };

  return (
    <Paper
      component="section"
      variant="outlined"
      aria-labelledby={titleId}
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Typography id={titleId} variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
          {m.hostname}
        </Typography>
        <Chip size="small" color={m.up ? 'success' : 'default'} label={m.up ? 'up' : 'down'} />
        <Box sx={{ flex: 1 }} />
        <TextField
          select
          size="small"
          label={`Channel of ${m.hostname}`}
          value={m.conf.group}
          onChange={(e) => {
            const channel = e.target.value as Channel;
            if (channel !== m.conf.group) setPending({ kind: 'channel', channel });
          }}
          sx={{ minWidth: 170 }}
        >
          {CHANNELS.map((c) => (
            <MenuItem key={c} value={c}>
              {c}
            </MenuItem>
          ))}
        </TextField>
      </Box>

      <Box
        component="dl"
        sx={{
          m: 0,
          display: 'grid',
          gridTemplateColumns: 'max-content 1fr',
          columnGap: 2,
          rowGap: 0.5,
          '& dt': { color: 'text.secondary' },
          '& dd': { m: 0, minWidth: 0 },
        }}
      >
        <Fact term="Running">{m.osVersion}</Fact>
        <Fact term="Available">
          {m.available ? (
            <>
              {m.available}
              {offered ? ' (newer)' : m.available === m.osVersion ? ' (runs it)' : ''}
            </>
          ) : (
            '—'
          )}
        </Fact>
        <Fact term="update_engine">
          <Box component="span" sx={{ display: 'flex', flexDirection: 'column' }}>
            <span>
              {opLabel(op)}
              {target && op !== 'UPDATE_STATUS_IDLE' ? `: ${target}` : ''}
            </span>
            <Typography
              component="code"
              variant="caption"
              color="text.secondary"
              sx={{ fontFamily: 'monospace' }}
            >
              {op}
            </Typography>
          </Box>
        </Fact>
        <Fact term="Reboot">
          <Box component="span" sx={{ display: 'flex', flexDirection: 'column' }}>
            <span>
              {rebootLabel(m.reboot)}{' '}
              <Typography
                component="code"
                variant="caption"
                color="text.secondary"
                sx={{ fontFamily: 'monospace' }}
              >
                ({m.reboot})
              </Typography>
            </span>
            {m.message && (
              <Typography variant="body2" color="text.secondary" component="span">
                {m.message}
              </Typography>
            )}
          </Box>
        </Fact>
        <Fact term="Checked">
          {m.status.lastCheckedTime ? when(m.status.lastCheckedTime * 1000) : 'never'}
          {m.nextCheckAt ? ` · next ${when(m.nextCheckAt)}` : ''}
        </Fact>
      </Box>

      {opInProgress(op) && (
        <Box>
          <Typography variant="caption" component="div">
            {opLabel(op)} {target ?? ''}: {Math.round(m.status.progress * 100)}%
          </Typography>
          <LinearProgress
            variant="determinate"
            value={m.status.progress * 100}
            aria-label={`${m.hostname}: ${opLabel(op)}`}
          />
        </Box>
      )}

      <Table size="small" aria-label={`Partitions of ${m.hostname}`}>
        <TableHead>
          <TableRow>
            <TableCell>Partition</TableCell>
            <TableCell>Version</TableCell>
            <TableCell align="right">Priority</TableCell>
            <TableCell align="right">Tries</TableCell>
            <TableCell>Successful</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {m.partitions.map((p) => (
            <TableRow
              key={p.label}
              aria-label={`${p.label}${p.active ? ' (active)' : ''}`}
              selected={p.active}
            >
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                {p.label}
                {p.active && <Chip size="small" label="active" color="primary" sx={{ ml: 1 }} />}
              </TableCell>
              <TableCell>{p.version ?? '—'}</TableCell>
              <TableCell align="right">{p.priority}</TableCell>
              <TableCell align="right">{p.tries}</TableCell>
              <TableCell>
                {p.successful ? (
                  <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}>
                    <CheckIcon fontSize="inherit" color="success" aria-hidden />
                    yes
                  </Box>
                ) : (
                  'no'
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      {m.lastRollback && (
        <Alert severity="warning" variant="outlined">
          {m.lastRollback.manual ? 'Rolled back by hand' : 'Rolled back'} from {m.lastRollback.from} to{' '}
          {m.lastRollback.to} on {when(m.lastRollback.at)}: {m.lastRollback.reason}
        </Alert>
      )}
      {m.lastError && <Alert severity="error">Last error: {m.lastError}</Alert>}

      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
        <Refusable reason={m.up ? undefined : `${m.hostname} is down: a machine that is down does not check`}>
          <Button
            size="small"
            variant="outlined"
            disabled={!m.up || checking}
            onClick={check}
            aria-label={`Check ${m.hostname} now`}
          >
            Check now
          </Button>
        </Refusable>
        <Refusable reason={rebootWhy}>
          <Button
            size="small"
            variant="outlined"
            disabled={rebootWhy !== undefined}
            onClick={() => setPending({ kind: 'reboot' })}
            aria-label={`Reboot ${m.hostname} now`}
          >
            Reboot now
          </Button>
        </Refusable>
        <Refusable reason={'refusal' in rollback ? rollback.refusal : undefined}>
          <Button
            size="small"
            variant="outlined"
            color="warning"
            disabled={'refusal' in rollback}
            onClick={() => setPending({ kind: 'rollback' })}
            aria-label={`Roll back ${m.hostname}`}
          >
            Roll back
          </Button>
        </Refusable>
      </Box>

      {pending?.kind === 'channel' && (
        <ChannelDialog
          cluster={cluster}
          view={view}
          channel={pending.channel}
          machine={m}
          onClose={() => setPending(undefined)}
        />
      )}
      {pending?.kind === 'reboot' && (
        <ConfirmDialog
          title={`Reboot ${m.hostname} now?`}
          confirmLabel={`Reboot ${m.hostname}`}
          onConfirm={reboot}
          onClose={() => setPending(undefined)}
        >
          <Typography variant="body2">
            {m.hostname} reboots from {active?.label ?? 'its active partition'} ({m.osVersion}) into{' '}
            {target ?? 'its update'} now, outside its window and whatever its strategy — but still through the
            reboot lock, and never while it would leave the KV without a quorum. Its units move to other
            machines first. If {target ?? 'the new version'} fails its boot check, it boots {m.osVersion}{' '}
            again.
          </Typography>
        </ConfirmDialog>
      )}
      {pending?.kind === 'rollback' && 'partition' in rollback && (
        <ConfirmDialog
          title={`Roll ${m.hostname} back to ${rollback.partition.version}?`}
          confirmLabel={`Roll back to ${rollback.partition.version}`}
          destructive
          onConfirm={rollBack}
          onClose={() => setPending(undefined)}
        >
          <Typography variant="body2">
            {m.hostname} runs {m.osVersion} from {active?.label ?? 'its active partition'}. Rolling back makes{' '}
            {rollback.partition.label} ({rollback.partition.version}, which booted successfully before) the
            first to boot and reboots into it, through the reboot lock. Its units move away while it reboots.
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            It stays on {m.conf.group}: its next check may offer {m.osVersion} or a newer version again.
          </Typography>
        </ConfirmDialog>
      )}
    </Paper>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="body2">
        {term}
      </Typography>
      <Typography component="dd" variant="body2">
        {children}
      </Typography>
    </>
  );
}

/** A disabled action's reason, as a tooltip (a disabled button takes no hover, so it wraps a span). */
function Refusable({ reason, children }: { reason: string | undefined; children: ReactNode }) {
  if (!reason) return <>{children}</>;
  return (
    <Tooltip title={reason}>
      <span>{children}</span>
    </Tooltip>
  );
}
