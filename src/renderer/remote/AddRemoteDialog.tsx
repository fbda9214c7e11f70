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
import type { RemoteProbe } from '../../shared/api';
import { useApi } from '../api/hooks';
import { CommandLine } from '../components/CopyCommand';
import { ErrorAlert } from '../components/ErrorAlert';
import { HostKeyPanel } from './HostKeyPanel';
import {
  EMPTY_REMOTE,
  addMachineCommand,
  addRemoteParams,
  dockerSummary,
  remoteErrors,
  sshEndpoint,
  type PlannedRemote,
  type RemoteForm,
} from './remote-form';
import { RemoteFields } from './RemoteFields';

type Busy = 'connect' | 'add' | 'forget' | undefined;

/** What "add" means: a machine of a running cluster now (a Task), or one planned in the create wizard. */
export type AddRemotePurpose =
  | {
      kind: 'add';
      cluster: string | undefined;
      /** The addition's task started: its progress shows in the status bar. */
      onAdded(taskId: string, name: string): void;
    }
  | {
      kind: 'plan';
      /** Key and Docker checked; the host joins when the cluster is created. */
      onPlanned(plan: PlannedRemote): void;
    };

/**
 * Adds an SSH host with Docker as a machine: Connect shows the host key (unknown: compare and
 * trust; changed: refuse, or forget the old key on purpose) and whether Docker is usable there;
 * adding starts a Task, and the board shows the machine through its live watch. In the create
 * wizard the host is checked the same way and planned instead.
 */
export function AddRemoteDialog({
  purpose,
  clusterArgs,
  taken,
  defaultName,
  onClose,
}: {
  purpose: AddRemotePurpose;
  clusterArgs: readonly string[];
  /** Machine names in the cluster (or planned) already. */
  taken: readonly string[];
  /** The name it gets when none is typed (core-04). */
  defaultName: string;
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

  const errors = remoteErrors(form, taken);
  const valid = Object.keys(errors).length === 0;
  const key = JSON.stringify(valid ? sshEndpoint(form) : form);
  const current = probe?.key === key ? probe.result : undefined;
  const hostKey = current?.hostKey;
  const trusted = hostKey?.status === 'known' && current?.docker?.ok === true;
  const fingerprint = hostKey && hostKey.status !== 'changed' ? hostKey.fingerprint : undefined;
  const cluster = purpose.kind === 'add' ? purpose.cluster : undefined;

  const change = (patch: Partial<RemoteForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setError(undefined);
  };

  const probeHost = (acceptFingerprint?: string) =>
    api.call('machines.probeRemote', {
      ...(cluster ? { cluster } : {}),
      ssh: sshEndpoint(form),
      ...(acceptFingerprint ? { acceptFingerprint } : {}),
    });

  const connect = () => {
    if (!valid) {
      setAttempted(true);
      return;
    }
    setBusy('connect');
    setError(undefined);
    setForgotten(undefined);
    probeHost().then(
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

  const failed = (err: unknown) => {
    setError(err);
    setBusy(undefined);
  };

  const add = () => {
    if (!hostKey) return;
    setBusy('add');
    setError(undefined);
    const accept = hostKey.status === 'unknown' ? hostKey.fingerprint : undefined;
    if (purpose.kind === 'add') {
      api
        .call('machines.addRemote', addRemoteParams(form, cluster, accept))
        .then(({ taskId }) => purpose.onAdded(taskId, form.name.trim() || form.host.trim()), failed);
      return;
    }
    const planned = (docker: NonNullable<RemoteProbe['docker']>) =>
      purpose.onPlanned({
        form,
        fingerprint: hostKey.fingerprint,
        accept: !!accept,
        docker: dockerSummary(docker),
      });
    if (!accept && current?.docker?.ok) {
      planned(current.docker);
      return;
    }
    // Trusting a new key in the wizard: Docker is checked with it before the host is planned.
    probeHost(accept).then((result) => {
      if (result.docker?.ok && result.hostKey.fingerprint === hostKey.fingerprint) planned(result.docker);
      else {
        setProbe({ key, result });
        setBusy(undefined);
      }
    }, failed);
  };

  const forget = () => {
    const ssh = sshEndpoint(form);
    setBusy('forget');
    setError(undefined);
    api.call('machines.forgetHostKey', { host: ssh.host, port: ssh.port }).then(({ removed }) => {
      // The old key is gone: the next Connect shows the new one as unknown, to be checked.
      setProbe(undefined);
      setForgotten({ host: ssh.host, removed });
      setBusy(undefined);
    }, failed);
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
            // React carries events up through portals: in the create wizard this submit would
            // otherwise also reach the wizard's form and move it to the next step.
            e.stopPropagation();
            connect();
          }}
        >
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            A host with Docker, reached over SSH, becomes a machine of the cluster: its machine container runs
            in that host&apos;s Docker, and its agent here talks to it through the SSH connection. It gets no
            KV member.
            {purpose.kind === 'plan' && ' It joins once the new cluster’s local machines are up.'}
          </Typography>
          <RemoteFields
            form={form}
            errors={errors}
            attempted={attempted}
            namePlaceholder={defaultName}
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
