import { Alert, Box, Button, CircularProgress, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import type { EtcdCheck as EtcdCheckResult } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { ErrorAlert } from '../../components/ErrorAlert';
import { externalEtcd, type Draft } from './draft';
import type { FieldErrors } from './validate';

const ETCD_FIELDS = /^etcd-/;

interface Check {
  /** The settings it was made with: an answer for other settings is not shown. */
  key: string;
  busy: boolean;
  result?: EtcdCheckResult;
  error?: unknown;
}

/** "Test connection": clusters.checkEtcd with the settings as they are, and what answered. */
export function EtcdCheck({ draft, errors }: { draft: Draft; errors: FieldErrors }) {
  const api = useApi();
  const params = { name: draft.name, etcd: externalEtcd(draft) };
  const key = JSON.stringify(params);
  const [check, setCheck] = useState<Check>();
  const current = check?.key === key ? check : undefined;
  const ready = !Object.keys(errors).some((id) => ETCD_FIELDS.test(id));
  const test = () => {
    setCheck({ key, busy: true });
    // A later test (or other settings) wins: only the answer for the current key lands.
    const land = (c: Check) => setCheck((prev) => (prev?.key === key ? c : prev));
    api.call('clusters.checkEtcd', params).then(
      (result) => land({ key, busy: false, result }),
      (error: unknown) => land({ key, busy: false, error }),
    );
  };
  return (
    <Stack spacing={1}>
      <Stack direction="row" sx={{ gap: 2, alignItems: 'center' }}>
        <Button variant="outlined" onClick={test} disabled={!ready || current?.busy}>
          Test connection
        </Button>
        {current?.busy && <CircularProgress size={20} aria-label="Testing the connection" />}
        {!ready && (
          <Typography variant="body2" color="text.secondary">
            Give the endpoints (and fix what is marked) to test them.
          </Typography>
        )}
      </Stack>
      <Box aria-live="polite">
        {current?.result && <CheckResult result={current.result} />}
        {current?.error !== undefined && (
          <ErrorAlert lead="Could not use this etcd: " error={current.error} />
        )}
      </Box>
    </Stack>
  );
}

function CheckResult({ result }: { result: EtcdCheckResult }) {
  const n = result.members.length;
  const keys = result.keysUnderPrefix;
  return (
    <Stack spacing={1}>
      <Alert severity="success">
        <Typography variant="body2">
          etcd {result.version} answered (cluster {result.clusterId}) with {n}{' '}
          {n === 1 ? 'member' : 'members'}:
        </Typography>
        <Box component="ul" aria-label="etcd members" sx={{ m: 0, pl: 2.5 }}>
          {result.members.map((m) => (
            <li key={`${m.name}|${m.clientUrls.join(',')}`}>
              <Typography variant="body2">
                {m.name || '(unnamed)'} — {m.clientUrls.join(', ') || 'no client URLs'}
              </Typography>
            </li>
          ))}
        </Box>
      </Alert>
      {keys === 0 ? (
        <Alert severity="info">No keys under {result.prefix} yet: the prefix is free for this cluster.</Alert>
      ) : (
        <Alert severity="warning">
          {keys} {keys === 1 ? 'key is' : 'keys are'} already under {result.prefix}: another cluster may be
          using this prefix. Choose another one unless you mean to take over those keys.
        </Alert>
      )}
    </Stack>
  );
}
