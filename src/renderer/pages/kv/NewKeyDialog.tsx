import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  TextField,
} from '@mui/material';
import { useEffect, useId, useState } from 'react';
import { ApiError, KvConflict, type KvLease } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../app/notify';
import { EtcdctlCopy } from './EtcdctlCopy';
import { etcdctlPut, leaseHex, type EtcdctlTarget } from './etcdctl';

/**
 * A new key, optionally on a lease. The write expects the key not to exist (mod_revision 0):
 * one made meanwhile by someone else is not overwritten.
 */
export function NewKeyDialog({
  cluster,
  etcdctl,
  prefix,
  onClose,
  onCreated,
  onOpen,
}: {
  cluster: string;
  etcdctl: EtcdctlTarget;
  /** Where the key starts (the folder in view). */
  prefix: string;
  onClose(): void;
  onCreated(key: string, revision: number): void;
  /** Shows an existing key instead. */
  onOpen(key: string): void;
}) {
  const api = useApi();
  const titleId = useId();
  const [key, setKey] = useState(prefix);
  const [value, setValue] = useState('');
  const [lease, setLease] = useState('');
  const [leases, setLeases] = useState<KvLease[]>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ text: string; existing?: string }>();

  useEffect(() => {
    let live = true;
    api.call('kv.leases', { cluster }).then(
      (l) => live && setLeases(l.filter((x) => x.ttl !== -1)),
      () => live && setLeases([]),
    );
    return () => {
      live = false;
    };
  }, [api, cluster]);

  const keyError = key === '' ? 'A key is needed' : key.length > 4096 ? 'At most 4096 characters' : undefined;
  const create = () => {
    setBusy(true);
    setProblem(undefined);
    api.call('kv.put', { cluster, key, value, expectModRevision: 0, ...(lease ? { lease } : {}) }).then(
      ({ revision }) => onCreated(key, revision),
      (err: unknown) => {
        setBusy(false);
        const details =
          err instanceof ApiError && err.code === 'CONFLICT' ? KvConflict.safeParse(err.details) : undefined;
        if (details?.success && details.data.current)
          setProblem({
            text: `${key} already exists (revision ${details.data.current.modRevision}): nothing was written.`,
            existing: key,
          });
        else setProblem({ text: errorText(err) });
      },
    );
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} maxWidth="sm" fullWidth>
      <DialogTitle id={titleId}>New key</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <TextField
          label="Key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoFocus
          required
          error={key !== '' && keyError !== undefined}
          helperText={key !== '' && keyError}
          slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
        />
        <TextField
          label="Value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          multiline
          minRows={3}
          maxRows={12}
          slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
        />
        <TextField
          select
          label="Lease"
          value={lease}
          onChange={(e) => setLease(e.target.value)}
          helperText={
            leases?.length === 0
              ? 'No leases: grant one with etcdctl lease grant <seconds>'
              : 'The key goes when the lease expires'
          }
        >
          <MenuItem value="">No lease</MenuItem>
          {(leases ?? []).map((l) => (
            <MenuItem key={l.id} value={l.id}>
              {leaseHex(l.id)} (TTL {l.grantedTtl} s, {l.keys.length} {l.keys.length === 1 ? 'key' : 'keys'})
            </MenuItem>
          ))}
        </TextField>
        {problem && (
          <Alert
            severity="warning"
            action={
              problem.existing ? (
                <Button color="inherit" size="small" onClick={() => onOpen(problem.existing!)}>
                  Open it
                </Button>
              ) : undefined
            }
          >
            {problem.text}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {key && <EtcdctlCopy command={etcdctlPut(etcdctl, key, value, lease ? { lease } : {})} />}
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={create} disabled={busy || keyError !== undefined}>
          Create
        </Button>
      </DialogActions>
    </Dialog>
  );
}
