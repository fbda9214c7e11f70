import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@mui/material';
import { useId, useState } from 'react';
import { ApiError, KvConflict, type KvEntry } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../app/notify';
import { EtcdctlCopy } from './EtcdctlCopy';
import { etcdctlDel, type EtcdctlTarget } from './etcdctl';
import { monoSx } from './ValueView';

/**
 * Asks before deleting a key, and deletes only the revision shown: if someone changed the key
 * since, nothing is deleted and the dialog says so, offering to delete their revision instead.
 */
export function DeleteKeyDialog({
  cluster,
  entry,
  etcdctl,
  onClose,
  onDeleted,
}: {
  cluster: string;
  entry: KvEntry;
  etcdctl: EtcdctlTarget;
  onClose(): void;
  onDeleted(revision: number): void;
}) {
  const api = useApi();
  const titleId = useId();
  const [expected, setExpected] = useState(entry.modRevision);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [gone, setGone] = useState(false);

  const confirm = () => {
    setBusy(true);
    setProblem(undefined);
    api.call('kv.delete', { cluster, key: entry.key, expectModRevision: expected }).then(
      ({ revision }) => onDeleted(revision),
      (err: unknown) => {
        setBusy(false);
        const details =
          err instanceof ApiError && err.code === 'CONFLICT' ? KvConflict.safeParse(err.details) : undefined;
        if (details?.success && details.data.current) {
          setExpected(details.data.current.modRevision);
          setProblem(
            `Changed at revision ${details.data.current.modRevision} by someone else: nothing was deleted. Delete their revision?`,
          );
        } else if (details?.success) {
          setGone(true);
          setProblem('Someone else deleted it already.');
        } else setProblem(errorText(err));
      },
    );
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} maxWidth="sm" fullWidth>
      <DialogTitle id={titleId}>Delete {entry.key}?</DialogTitle>
      <DialogContent>
        <Typography variant="body2">
          Deletes the key at revision {expected}. If it changes before that, nothing is deleted.
          {entry.lease ? ' Its lease stays; other keys on it are not touched.' : ''}
        </Typography>
        <Box sx={{ ...monoSx, mt: 1, color: 'text.secondary', wordBreak: 'break-all' }}>
          {entry.binary ? `${entry.size} bytes of binary` : truncate(entry.value)}
        </Box>
        {problem && (
          <Alert severity={gone ? 'info' : 'warning'} sx={{ mt: 1 }}>
            {problem}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <EtcdctlCopy command={etcdctlDel(etcdctl, entry.key)} />
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>{gone ? 'Close' : 'Cancel'}</Button>
        {!gone && (
          // Primary, not error red: MUI's dark-theme red under white text is below 4.5:1.
          <Button variant="contained" onClick={confirm} disabled={busy}>
            {expected === entry.modRevision ? 'Delete' : `Delete revision ${expected}`}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

function truncate(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}
