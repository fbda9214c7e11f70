import { Alert, Box, Button, LinearProgress, Link, Paper, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import type { ClusterInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { useApi } from '../../api/hooks';
import type { LiveList } from '../../api/live';
import { useNotify } from '../../app/notify';
import { CopyCommand } from '../../components/CopyCommand';

/** The guide's "Start" for a stopped cluster: asks the API, says so, reports a failure. */
export function useStartCluster(name: string | undefined): () => void {
  const api = useApi();
  const notify = useNotify();
  return () => {
    if (!name) return;
    api.call('clusters.start', { name }).then(
      () => notify.info(`Starting cluster ${name}…`),
      (err: unknown) => notify.error(err, `Starting cluster ${name}`),
    );
  };
}

/**
 * What to do when there is no board to show yet: create a cluster, pick one, wait for it, or
 * start it. Nothing once the cluster runs.
 */
export function ClusterGuide({
  cluster,
  clusters,
  onStart,
}: {
  cluster: ClusterInfo | undefined;
  clusters: LiveList<ClusterInfo>;
  onStart(): void;
}) {
  const navigate = useNavigate();
  if (clusters.error)
    return <Alert severity="error">Could not list the clusters: {clusters.error.message}</Alert>;
  if (!clusters.loaded)
    return (
      <Box>
        <Typography>Loading clusters…</Typography>
        <LinearProgress aria-label="Loading clusters" sx={{ mt: 1, maxWidth: 400 }} />
      </Box>
    );
  if (clusters.items.length === 0)
    return (
      <Guide title="No cluster yet">
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          The board shows a cluster's machines and the units running on them. Create a cluster first: a few
          machines with their KV members and scheduler, set up point-and-click.
        </Typography>
        <Button variant="contained" onClick={() => navigate('/clusters/new')}>
          Create your first cluster
        </Button>
      </Guide>
    );
  if (!cluster)
    return (
      <Guide title="Which cluster?">
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          There are {clusters.items.length} clusters and none is active. Make one active to see its machines.
        </Typography>
        <Button variant="contained" onClick={() => navigate('/clusters')}>
          Choose a cluster
        </Button>
      </Guide>
    );
  switch (cluster.state) {
    case 'running':
      return null;
    case 'creating':
    case 'starting':
      return (
        <Box>
          <Typography>
            {cluster.state === 'creating' ? 'Creating' : 'Starting'} cluster {cluster.name}… its machines
            appear here as they boot.
          </Typography>
          <LinearProgress
            aria-label={`${cluster.state} cluster ${cluster.name}`}
            sx={{ mt: 1, maxWidth: 400 }}
          />
        </Box>
      );
    case 'stopped':
      return (
        <Guide title={`Cluster ${cluster.name} is stopped`}>
          <Typography color="text.secondary" sx={{ mb: 2 }}>
            Start it to bring its machines, KV members and scheduler back; its units start again where they
            can.
          </Typography>
          <Button variant="contained" onClick={onStart}>
            Start cluster
          </Button>
        </Guide>
      );
    case 'failed':
      return (
        <Alert
          severity="error"
          action={
            <Button color="inherit" onClick={onStart}>
              Start cluster
            </Button>
          }
        >
          Cluster {cluster.name} failed{cluster.problem ? `: ${cluster.problem}` : '.'} Try starting it again,
          or see the{' '}
          <Link component={RouterLink} to="/clusters">
            Clusters page
          </Link>
          .
        </Alert>
      );
  }
}

/** A running cluster without units: how to start the first one. */
export function NoUnitsHint({ clusterArgs }: { clusterArgs: readonly string[] }) {
  const command = flotctl('start', ...clusterArgs, 'hello.service');
  return (
    <Alert severity="info">
      No units yet. Save a unit file as <code>hello.service</code> and start it from a terminal with{' '}
      <code>{command}</code>
      <CopyCommand command={command} /> or write one on the{' '}
      <Link component={RouterLink} to="/units">
        Units page
      </Link>
      . It appears here on the machine the scheduler picks.
    </Alert>
  );
}

function Guide({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ p: 3, maxWidth: 640 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}
