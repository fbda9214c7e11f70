import { Alert, Box, Button, LinearProgress, Paper, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import type { KvHistory } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../app/notify';
import { DiffView } from './DiffView';
import { leaseHex } from './etcdctl';
import { ValueView } from './ValueView';

const LIMIT = 50;

/**
 * A key's versions, newest first, each with what changed from the one before it. Read again
 * whenever the key's revision moves (`current`), so the history follows the live value.
 */
export function HistoryPanel({
  cluster,
  keyName,
  current,
}: {
  cluster: string;
  keyName: string;
  current: number;
}) {
  const api = useApi();
  const [limit, setLimit] = useState(LIMIT);
  const tag = `${cluster}\n${keyName}\n${current}\n${limit}`;
  // Tagged with what it was read for: a newer request reads as loading without a reset in the effect.
  const [state, setState] = useState<{ tag: string; history?: KvHistory; error?: string }>();
  useEffect(() => {
    let live = true;
    api.call('kv.history', { cluster, key: keyName, limit }).then(
      (history) => live && setState({ tag, history }),
      (err: unknown) => live && setState({ tag, error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, cluster, keyName, limit, tag]);
  // While a new read runs, the last history stays on screen (no flicker on each live change).
  const shown = state?.history?.key === keyName ? state.history : undefined;
  const loading = state?.tag !== tag;

  if (state?.error && !loading)
    return <Alert severity="error">Could not read the history: {state.error}</Alert>;
  if (!shown) return <LinearProgress aria-label={`Loading the history of ${keyName}`} />;
  const { versions } = shown;
  const oldest = versions[versions.length - 1];
  const complete = oldest !== undefined && oldest.version === 1 && shown.compactedAt === undefined;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      {shown.deleted && (
        <Alert severity="info">
          The key was deleted{versions[0] ? ` after revision ${versions[0].modRevision}` : ''}.
        </Alert>
      )}
      {versions.length === 0 && <Typography color="text.secondary">No versions are left.</Typography>}
      <Box
        component="ol"
        aria-label={`Versions of ${keyName}`}
        sx={{ listStyle: 'none', m: 0, p: 0, display: 'flex', flexDirection: 'column', gap: 1.5 }}
      >
        {versions.map((v, i) => {
          const older = versions[i + 1];
          // A version after a gap in version numbers follows a delete: it starts afresh.
          const recreated = older !== undefined && v.createRevision !== older.createRevision;
          return (
            <Paper
              component="li"
              key={v.modRevision}
              variant="outlined"
              sx={{ p: 1.5 }}
              aria-label={`Revision ${v.modRevision}`}
            >
              <Typography variant="subtitle2" component="h3">
                Revision {v.modRevision} · version {v.version}
                {v.lease ? ` · lease ${leaseHex(v.lease)}` : ''}
                {i === 0 && !shown.deleted ? ' · current' : ''}
              </Typography>
              {older && !recreated && !v.binary && !older.binary ? (
                <DiffView
                  before={older.value}
                  after={v.value}
                  beforeName={`revision ${older.modRevision}`}
                  afterName={`revision ${v.modRevision}`}
                  label={`Changes from revision ${older.modRevision} to ${v.modRevision}`}
                />
              ) : (
                <>
                  <Typography variant="caption" color="text.secondary" component="p">
                    {v.version === 1 || recreated
                      ? 'Created with:'
                      : older
                        ? 'Binary value:'
                        : 'Oldest version kept:'}
                  </Typography>
                  <ValueView value={v.value} binary={v.binary} label={`Value at revision ${v.modRevision}`} />
                </>
              )}
            </Paper>
          );
        })}
      </Box>
      {shown.compactedAt !== undefined && (
        <Alert severity="info">
          Older versions were compacted away (before revision {shown.compactedAt}).
        </Alert>
      )}
      {!complete && shown.compactedAt === undefined && versions.length >= limit && (
        <Button onClick={() => setLimit((l) => Math.min(500, l + LIMIT))} disabled={limit >= 500}>
          Show older versions
        </Button>
      )}
      {loading && <LinearProgress aria-label="Reading the history again" />}
    </Box>
  );
}
