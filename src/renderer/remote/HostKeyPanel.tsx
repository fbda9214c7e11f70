import { Alert, AlertTitle, Box, Button, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { calls, type RemoteProbe } from '../../shared/api';
import { dockerSummary, hostKeyFile } from './remote-form';

const hostnameSchema = calls['machines.addRemote'].params.shape.hostname.unwrap();

/** A fingerprint big enough to compare character by character. */
function Fingerprint({ value }: { value: string }) {
  return (
    <Box
      component="code"
      sx={{
        display: 'block',
        p: 1,
        my: 0.5,
        fontSize: 15,
        fontWeight: 600,
        bgcolor: 'action.hover',
        borderRadius: 1,
        wordBreak: 'break-all',
      }}
    >
      {value}
    </Box>
  );
}

/**
 * What Connect found: an unknown host key to compare before trusting it, a changed one (refused:
 * forget the old one only on purpose), or a known one with Docker's facts or its problem.
 */
export function HostKeyPanel({
  probe,
  host,
  busy,
  taken,
  onForget,
  onUseName,
}: {
  probe: RemoteProbe;
  host: string;
  busy: boolean;
  /** Machine names in the cluster already. */
  taken: readonly string[];
  onForget(): void;
  onUseName(name: string): void;
}) {
  const { hostKey, docker, hostname } = probe;
  if (hostKey.status === 'unknown')
    return (
      <Stack spacing={1}>
        <UnknownKey probe={probe} host={host} />
        {/* Checked with the fingerprint accepted (the wizard checks Docker before trusting). */}
        {docker && !docker.ok && <DockerFacts docker={docker} />}
      </Stack>
    );
  if (hostKey.status === 'changed') return <ChangedKey probe={probe} busy={busy} onForget={onForget} />;
  const suggested = hostname && !taken.includes(hostname) && hostnameSchema.safeParse(hostname).success;
  return (
    <Stack spacing={1}>
      <Typography variant="body2" color="text.secondary">
        Host key known ({hostKey.keyType} <code>{hostKey.fingerprint}</code>).
        {hostname ? ` The host calls itself ${hostname}.` : ''}
        {suggested && (
          <Button size="small" sx={{ ml: 1 }} onClick={() => onUseName(hostname)}>
            Name it {hostname}
          </Button>
        )}
      </Typography>
      <DockerFacts docker={docker} />
    </Stack>
  );
}

/** Docker's version there, or what is missing and how to fix it. */
function DockerFacts({ docker }: { docker: RemoteProbe['docker'] }) {
  return docker?.ok ? (
    <Alert severity="success">{dockerSummary(docker)} is usable there.</Alert>
  ) : (
    <Alert severity="error">
      <AlertTitle>Docker is not usable there</AlertTitle>
      <Typography variant="body2">{docker?.problem?.message ?? 'Docker was not checked.'}</Typography>
      {docker?.problem?.hint && <Typography variant="body2">{docker.problem.hint}</Typography>}
    </Alert>
  );
}

/** A first contact: the fingerprint to compare on the host before trusting it. */
function UnknownKey({ probe: { hostKey }, host }: { probe: RemoteProbe; host: string }) {
  return (
    <Alert severity="warning" icon={false}>
      <AlertTitle>First connection to {hostKey.hostPattern}: is this its key?</AlertTitle>
      <Typography variant="body2">The host shows this {hostKey.keyType} key:</Typography>
      <Fingerprint value={hostKey.fingerprint} />
      <Typography variant="body2">
        Compare it with what the host says about itself: run{' '}
        <code>ssh-keygen -lf {hostKeyFile(hostKey.keyType)}</code> on {host} (on its console, or over a
        connection you already trust). Trust it only if both fingerprints are the same; it is then written to{' '}
        <code>{hostKey.knownHostsFile}</code>.
      </Typography>
    </Alert>
  );
}

/** A host key that differs from known_hosts: a warning, both keys, where, and a deliberate way out. */
function ChangedKey({ probe, busy, onForget }: { probe: RemoteProbe; busy: boolean; onForget(): void }) {
  const { hostKey } = probe;
  const [confirming, setConfirming] = useState(false);
  const where = `${hostKey.knownHostsFile}${hostKey.knownHostsLine !== undefined ? `:${hostKey.knownHostsLine}` : ''}`;
  return (
    <Alert severity="error">
      <AlertTitle>The host key of {hostKey.hostPattern} has changed</AlertTitle>
      <Typography variant="body2">
        Someone may be intercepting the connection (a man-in-the-middle attack), or the host was reinstalled
        and has new keys. Flotilla will not connect until you know which.
      </Typography>
      <Typography variant="body2" sx={{ mt: 1 }}>
        Key shown now ({hostKey.keyType}):
      </Typography>
      <Fingerprint value={hostKey.fingerprint} />
      <Typography variant="body2">Key known before:</Typography>
      <Fingerprint value={hostKey.knownFingerprint ?? '(not given)'} />
      <Typography variant="body2">
        Known from <code>{where}</code>.
      </Typography>
      {confirming ? (
        <Box role="group" aria-label="Confirm forgetting the old key" sx={{ mt: 1 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            Forget the old key of {hostKey.hostPattern}? Do this only if you know why it changed. Then connect
            again and check the new key on the host itself.
          </Typography>
          <Stack direction="row" sx={{ gap: 1, mt: 1 }}>
            <Button variant="outlined" color="inherit" onClick={onForget} disabled={busy}>
              Yes, forget the old key
            </Button>
            <Button color="inherit" onClick={() => setConfirming(false)} disabled={busy}>
              Keep it
            </Button>
          </Stack>
        </Box>
      ) : (
        <Button variant="outlined" color="inherit" sx={{ mt: 1 }} onClick={() => setConfirming(true)}>
          Forget the old key
        </Button>
      )}
    </Alert>
  );
}
