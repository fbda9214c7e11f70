import {
  Alert,
  Box,
  Button,
  LinearProgress,
  Link,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import type { KvLease } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../app/notify';
import { formatCountdown, useSecondsLeft } from './countdown';
import { EtcdctlCopy } from './EtcdctlCopy';
import { etcdctlLease, leaseHex, type EtcdctlTarget } from './etcdctl';
import type { ExplorerStore } from './explorer-store';
import { monoSx } from './ValueView';

/** How often leases are read again while the tab is in view. */
export const LEASE_REFRESH_MS = 10_000;
/** Watch batches come in bursts; one read per this long is enough. */
const WATCH_REFRESH_GAP_MS = 1000;

/**
 * Leases with their TTL counting down and their keys. etcd has no watch for leases: they are read
 * again when the key watch sees a change (a lease's keys come and go with it), when one runs out,
 * and every 10 s while the tab is visible (a lease with no keys expires without any key event).
 */
export function LeasesTab({
  store,
  cluster,
  etcdctl,
}: {
  store: ExplorerStore;
  cluster: string;
  etcdctl: EtcdctlTarget;
}) {
  const api = useApi();
  const [reads, setReads] = useState(0);
  const [state, setState] = useState<{ cluster: string; leases?: KvLease[]; error?: string }>();

  useEffect(() => {
    let live = true;
    api.call('kv.leases', { cluster }).then(
      (leases) => live && setState({ cluster, leases }),
      (err: unknown) => live && setState({ cluster, error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, cluster, reads]);

  useEffect(() => {
    const again = () => setReads((n) => n + 1);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') again();
    }, LEASE_REFRESH_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') again();
    };
    document.addEventListener('visibilitychange', onVisible);
    let last = 0;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const stop = store.onBatch(() => {
      if (pending) return;
      const wait = Math.max(0, last + WATCH_REFRESH_GAP_MS - Date.now());
      pending = setTimeout(() => {
        pending = undefined;
        last = Date.now();
        again();
      }, wait);
    });
    return () => {
      clearInterval(timer);
      clearTimeout(pending);
      document.removeEventListener('visibilitychange', onVisible);
      stop();
    };
  }, [store]);

  const current = state?.cluster === cluster ? state : undefined;
  const leases = current?.leases;

  // A lease that runs out is read again then: it is gone, or a client renewed it (renewals
  // change no key, so no watch event says so). At most once a second for short leases.
  useEffect(() => {
    const ends = (leases ?? []).filter((l) => l.ttl >= 0).map((l) => l.readAt + l.ttl * 1000);
    if (!ends.length) return undefined;
    const wait = Math.max(WATCH_REFRESH_GAP_MS, Math.min(...ends) - Date.now() + 250);
    const timer = setTimeout(() => setReads((n) => n + 1), wait);
    return () => clearTimeout(timer);
  }, [leases]);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
          A lease is a timer: when its TTL runs out, etcd deletes every key attached to it. Clients keep
          theirs alive by renewing them.
        </Typography>
        <Button onClick={() => setReads((n) => n + 1)}>Refresh</Button>
      </Box>
      {current?.error && <Alert severity="error">Could not read the leases: {current.error}</Alert>}
      {!current && <LinearProgress aria-label="Reading the leases" />}
      {leases && leases.length === 0 && (
        <Typography color="text.secondary">No leases. etcdctl lease grant 60 makes one.</Typography>
      )}
      {leases && leases.length > 0 && (
        <TableContainer>
          <Table size="small" aria-label="Leases">
            <TableHead>
              <TableRow>
                <TableCell>Lease</TableCell>
                <TableCell align="right">Granted TTL</TableCell>
                <TableCell align="right">Time left</TableCell>
                <TableCell>Keys</TableCell>
                <TableCell>
                  <Box component="span" sx={visuallyHiddenCell}>
                    etcdctl
                  </Box>
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {leases.map((l) => (
                <LeaseRow key={l.id} lease={l} etcdctl={etcdctl} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Box>
  );
}

const visuallyHiddenCell = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
} as const;

function LeaseRow({ lease, etcdctl }: { lease: KvLease; etcdctl: EtcdctlTarget }) {
  const left = useSecondsLeft(lease.ttl, lease.readAt);
  return (
    <TableRow>
      <TableCell sx={monoSx}>
        {leaseHex(lease.id)}
        <Typography variant="caption" color="text.secondary" component="div">
          {lease.id}
        </Typography>
      </TableCell>
      <TableCell align="right">{lease.grantedTtl} s</TableCell>
      <TableCell
        align="right"
        sx={{ color: left <= 5 ? 'error.main' : undefined, fontVariantNumeric: 'tabular-nums' }}
      >
        {formatCountdown(left)}
      </TableCell>
      <TableCell>
        {lease.keys.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            none
          </Typography>
        ) : (
          <Box component="ul" sx={{ m: 0, p: 0, listStyle: 'none' }}>
            {lease.keys.map((key) => (
              <li key={key}>
                <Link component={RouterLink} to={`/kv?key=${encodeURIComponent(key)}`} sx={monoSx}>
                  {key}
                </Link>
              </li>
            ))}
          </Box>
        )}
      </TableCell>
      <TableCell>
        <EtcdctlCopy command={etcdctlLease(etcdctl, lease.id)} />
      </TableCell>
    </TableRow>
  );
}
