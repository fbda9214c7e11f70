import {
  Box,
  Button,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import type { RebootLock, UpdatesView } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { useNotify } from '../../app/notify';
import { ConfirmDialog } from './ConfirmDialog';
import { groupName, hostnameOf, maxError } from './view-model';

/**
 * locksmith's reboot semaphores, as `locksmithctl status` shows them: per group the slots
 * available, the max (editable: set-max), the holders by host name (each can be unlocked), and
 * the machines waiting for a slot.
 */
export function LocksPanel({ cluster, view }: { cluster: string; view: UpdatesView }) {
  const [unlock, setUnlock] = useState<{ lock: RebootLock; machineId: string }>();
  const api = useApi();
  const notify = useNotify();
  const hostname = hostnameOf(view);
  return (
    <Paper component="section" variant="outlined" aria-labelledby="updates-locks" sx={{ p: 2 }}>
      <Typography id="updates-locks" variant="h6" component="h2">
        Reboot lock
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        With the etcd-lock strategy a machine reboots only while it holds a slot of its group's semaphore in
        the KV; it gives the slot back once it is up again.
      </Typography>
      {view.locks.length === 0 ? (
        <Typography color="text.secondary">
          No reboot lock yet: the first machine to need one creates it.
        </Typography>
      ) : (
        <TableContainer>
          <Table size="small" aria-label="Reboot locks">
            <TableHead>
              <TableRow>
                <TableCell>Group</TableCell>
                <TableCell align="right">Available</TableCell>
                <TableCell>Max</TableCell>
                <TableCell>Holders</TableCell>
                <TableCell>Waiting</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {view.locks.map((lock) => (
                <LockRow
                  key={lock.group}
                  cluster={cluster}
                  lock={lock}
                  hostname={hostname}
                  waiting={view.machines
                    .filter((m) => m.reboot === 'waiting-lock' && (m.conf.lockGroup ?? '') === lock.group)
                    .map((m) => m.hostname)}
                  onUnlock={(machineId) => setUnlock({ lock, machineId })}
                />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {unlock && (
        <ConfirmDialog
          title={`Unlock ${hostname(unlock.machineId)}?`}
          confirmLabel={`Unlock ${hostname(unlock.machineId)}`}
          destructive
          onConfirm={async () => {
            const { group } = unlock.lock;
            const lock = await api.call('locksmith.unlock', {
              cluster,
              machine: unlock.machineId,
              ...(group ? { group } : {}),
            });
            setUnlock(undefined);
            notify.success(
              `${hostname(unlock.machineId)} gave its slot back: ${lock.semaphore} of ${lock.max} available`,
            );
          }}
          onClose={() => setUnlock(undefined)}
        >
          <Typography variant="body2">
            This gives {hostname(unlock.machineId)}'s slot of the {groupName(unlock.lock.group)} reboot lock
            back (locksmithctl unlock). Do it for a machine that will not give it back itself — one that is
            gone or stuck. If {hostname(unlock.machineId)} is still rebooting, another machine may reboot at
            the same time.
          </Typography>
        </ConfirmDialog>
      )}
    </Paper>
  );
}

function LockRow({
  cluster,
  lock,
  hostname,
  waiting,
  onUnlock,
}: {
  cluster: string;
  lock: RebootLock;
  hostname(id: string): string;
  waiting: string[];
  onUnlock(machineId: string): void;
}) {
  const api = useApi();
  const notify = useNotify();
  // Undefined until edited: the field shows the live max.
  const [draft, setDraft] = useState<string>();
  const [busy, setBusy] = useState(false);
  const value = draft ?? String(lock.max);
  const error = draft === undefined ? undefined : maxError(value);
  const name = groupName(lock.group);
  const setMax = (e: FormEvent) => {
    e.preventDefault();
    if (error || draft === undefined) return;
    setBusy(true);
    api
      .call('locksmith.setMax', {
        cluster,
        max: Number(value.trim()),
        ...(lock.group ? { group: lock.group } : {}),
      })
      .then(
        (r) => {
          setBusy(false);
          setDraft(undefined);
          notify.success(`Max of the ${name} reboot lock: ${r.old} → ${r.new}`);
        },
        (err: unknown) => {
          setBusy(false);
          notify.error(err, `Setting the max of the ${name} reboot lock`);
        },
      );
  };
  return (
    <TableRow aria-label={`Lock group ${name}`}>
      <TableCell>
        <Typography variant="body2">{name}</Typography>
        <Typography variant="caption" color="text.secondary" sx={{ fontFamily: 'monospace' }}>
          {lock.key}
        </Typography>
      </TableCell>
      <TableCell align="right">{lock.semaphore}</TableCell>
      <TableCell>
        <Box
          component="form"
          onSubmit={setMax}
          noValidate
          sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}
        >
          <TextField
            size="small"
            label={`Max holders (${name})`}
            value={value}
            onChange={(e) => setDraft(e.target.value)}
            error={!!error}
            helperText={error}
            slotProps={{ htmlInput: { inputMode: 'numeric' } }}
            sx={{ width: 150 }}
          />
          {draft !== undefined && (
            <Button
              type="submit"
              size="small"
              disabled={!!error || busy}
              aria-label={`Set max of the ${name} lock`}
            >
              Set
            </Button>
          )}
        </Box>
      </TableCell>
      <TableCell>
        {lock.holders.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            none
          </Typography>
        ) : (
          <Box
            component="ul"
            sx={{ listStyle: 'none', m: 0, p: 0, display: 'flex', flexDirection: 'column', gap: 0.5 }}
          >
            {lock.holders.map((id) => (
              <Box component="li" key={id} sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                <Typography variant="body2" title={id}>
                  {hostname(id)}
                </Typography>
                <Button
                  size="small"
                  color="warning"
                  onClick={() => onUnlock(id)}
                  aria-label={`Unlock ${hostname(id)}`}
                >
                  Unlock
                </Button>
              </Box>
            ))}
          </Box>
        )}
      </TableCell>
      <TableCell>
        <Typography variant="body2" color={waiting.length ? undefined : 'text.secondary'}>
          {waiting.length ? waiting.join(', ') : 'none'}
        </Typography>
      </TableCell>
    </TableRow>
  );
}
