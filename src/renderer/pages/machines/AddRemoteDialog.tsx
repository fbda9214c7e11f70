import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  Stack,
  Typography,
} from '@mui/material';
import { useId, useState } from 'react';
import type { MachineInfo, RemoteProbe } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { describeError } from '../../app/notify';
import { CommandLine } from '../../components/CopyCommand';
import { HostKeyPanel } from './HostKeyPanel';
import {
  EMPTY_REMOTE,
  addMachineCommand,
  addRemoteParams,
  nextMachineName,
  remoteErrors,
  sshEndpoint,
  type RemoteForm,
} from './remote-form';
import { RemoteFields } from './RemoteFields';

type Busy = 'connect' | 'add' | 'forget' | undefined;

/**
 * Adds an SSH host with Docker as a machine: Connect shows the host key (unknown: compare and
 * trust; changed: refuse, or forget the old key on purpose) and whether Docker is usable there;
 * adding starts a Task, and the board shows the machine through its live watch.
 */
export function AddRemoteDialog({
  cluster,
  clusterArgs,
  machines,
  onAdded,
  onClose,
}: {
  cluster: string | undefined;
  clusterArgs: readonly string[];
  machines: readonly MachineInfo[];
  /** The addition's task started: its progress shows in the status bar. */
  onAdded(taskId: string, name: string): void;
  onClose(): void;
}) {
  const api = useApi();
  const titleId = useId();
  const [form, setForm] = useState<RemoteForm>(EMPTY_REMOTE);
  const [attempted, setAttempted] = useState(false);
  // A probe belongs to the connection settings it was made with; others show none.
  const [probe, setProbe] = useState<{ key: string; result: RemoteProbe }>();
  const [busy, setBusy] = useState<Busy>();
  const [error, setError] = useState<unknown>();
  const [forgotten, setForgotten] = useState<{ host: string; removed: number }>();

  const taken = machines.map((m) => m.name);
  const errors = remoteErrors(form, taken);
  const valid = Object.keys(errors).length === 0;
  const key = JSON.stringify(valid ? sshEndpoint(form) : form);
  const current = probe?.key === key ? probe.result : undefined;
  const hostKey = current?.hostKey;
  const trusted = hostKey?.status === 'known' && current?.docker?.ok === true;
  const fingerprint = hostKey && hostKey.status !== 'changed' ? hostKey.fingerprint : undefined;
  const placeholder = nextMachineName(machines);

  const change = (patch: Partial<RemoteForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setError(undefined);
  };

  const connect = () => {
    if (!valid) {
      setAttempted(true);
      return;
    }
    setBusy('connect');
    setError(undefined);
    setForgotten(undefined);
    api.call('machines.probeRemote', { ...(cluster ? { cluster } : {}), ssh: sshEndpoint(form) }).then(
      (result) => {
        setProbe({ key, result });
        setBusy(undefined);
      },
      (err: unknown) => {
        setProbe(undefined);
        setError(err);
        setBusy(undefined);
      },
    );
  };

  const add = () => {
    if (!hostKey) return;
    setBusy('add');
    setError(undefined);
    const accept = hostKey.status === 'unknown' ? hostKey.fingerprint : undefined;
    api.call('machines.addRemote', addRemoteParams(form, cluster, accept)).then(
      ({ taskId }) => onAdded(taskId, form.name.trim() || form.host.trim()),
      (err: unknown) => {
        setError(err);
        setBusy(undefined);
      },
    );
  };

  const forget = () => {
    const ssh = sshEndpoint(form);
    setBusy('forget');
    setError(undefined);
    api.call('machines.forgetHostKey', { host: ssh.host, port: ssh.port }).then(
      ({ removed }) => {
        // The old key is gone: the next Connect shows the new one as unknown, to be checked.
        setProbe(undefined);
        setForgotten({ host: ssh.host, removed });
        setBusy(undefined);
      },
      (err: unknown) => {
        setError(err);
        setBusy(undefined);
      },
    );
  };

  const command = addMachineCommand(form, clusterArgs, fingerprint);
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} maxWidth="sm" fullWidth>
      <DialogTitle id={titleId}>Add a remote host (SSH)</DialogTitle>
      <DialogContent>
        <Box
          component="form"
          id={`${titleId}-form`}
          noValidate
          aria-label="Remote host"
          onSubmit={(e) => {
            e.preventDefault();
            connect();
          }}
        >
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            A host with Docker, reached over SSH, becomes a machine of the cluster: its machine container runs
            in that host&apos;s Docker, and its agent here talks to it through the SSH connection. It gets no
            KV member.
          </Typography>
          <RemoteFields
            form={form}
            errors={errors}
            attempted={attempted}
            namePlaceholder={placeholder}
            onChange={change}
          />
        </Box>
        <Stack spacing={1.5} sx={{ mt: 2 }} aria-live="polite">
          {busy && (
            <LinearProgress
              aria-label={
                busy === 'connect'
                  ? 'Connecting'
                  : busy === 'add'
                    ? 'Adding the machine'
                    : 'Forgetting the old key'
              }
            />
          )}
          {forgotten && (
            <Alert severity="info">
              Forgot {forgotten.removed} {forgotten.removed === 1 ? 'key' : 'keys'} of {forgotten.host}.
              Connect again, and check the key the host shows now.
            </Alert>
          )}
          {current && (
            <HostKeyPanel
              probe={current}
              host={form.host.trim()}
              busy={busy !== undefined}
              onForget={forget}
              onUseName={(name) => change({ name })}
              taken={taken}
            />
          )}
          {error !== undefined && <ErrorAlert error={error} />}
        </Stack>
        <Stack spacing={0.5} sx={{ mt: 2 }}>
          <Typography variant="subtitle2" component="h3">
            The same from a terminal
          </Typography>
          <CommandLine command={command} />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        {hostKey?.status === 'unknown' ? (
          <Button variant="contained" onClick={add} disabled={busy !== undefined}>
            Trust and add
          </Button>
        ) : hostKey?.status === 'known' ? (
          <>
            {!trusted && (
              <Button type="submit" form={`${titleId}-form`} disabled={busy !== undefined}>
                Check again
              </Button>
            )}
            <Button variant="contained" onClick={add} disabled={busy !== undefined || !trusted}>
              Add machine
            </Button>
          </>
        ) : (
          <Button variant="contained" type="submit" form={`${titleId}-form`} disabled={busy !== undefined}>
            {forgotten ? 'Connect again' : 'Connect'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

/** An API failure: what went wrong and what to do (bad credentials, unreachable host …). */
function ErrorAlert({ error }: { error: unknown }) {
  const { message, hint } = describeError(error);
  return (
    <Alert severity="error">
      <Typography variant="body2">{message}</Typography>
      {hint && <Typography variant="body2">{hint}</Typography>}
    </Alert>
  );
}
