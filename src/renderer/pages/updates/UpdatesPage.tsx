import { Alert, Box, LinearProgress, Paper, Typography } from '@mui/material';
import type { UpdatesView } from '../../../shared/api';
import { useCurrentCluster } from '../../api/live';
import { errorText } from '../../app/notify';
import { ClusterGuide, useStartCluster } from '../machines/ClusterGuide';
import { PageFrame } from '../../components/PageFrame';
import { ClusterSettings } from './ClusterSettings';
import { FeedPanel } from './FeedPanel';
import { LocksPanel } from './LocksPanel';
import { MachineCard } from './MachineCard';
import { useUpdatesView } from './useUpdatesView';

/**
 * The Updates page: the current cluster's channel, reboot strategy and feed; every machine's
 * update_engine state and A/B partitions; locksmith's reboot lock — all live from updates.changed.
 */
export function UpdatesPage() {
  const { cluster, clusters } = useCurrentCluster();
  const running = cluster?.state === 'running' ? cluster.name : undefined;
  const { view, error } = useUpdatesView(running);
  const startCluster = useStartCluster(cluster?.name);

  if (!running) {
    return (
      <PageFrame title="Updates">
        <ClusterGuide cluster={cluster} clusters={clusters} onStart={startCluster} />
      </PageFrame>
    );
  }
  return (
    <PageFrame
      title="Updates"
      aside={
        view
          ? `${running} · ${view.channel} · ${view.machines.length} ${view.machines.length === 1 ? 'machine' : 'machines'}`
          : running
      }
    >
      {error && !view && (
        <Alert severity="error">The update status is not available: {errorText(error)}</Alert>
      )}
      {error && view && (
        <Alert severity="warning">The update status stopped updating: {errorText(error)}</Alert>
      )}
      {!view && !error && <LinearProgress aria-label="Reading the update status" sx={{ maxWidth: 400 }} />}
      {view && <UpdatesBody cluster={running} view={view} />}
    </PageFrame>
  );
}

function UpdatesBody({ cluster, view }: { cluster: string; view: UpdatesView }) {
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <ClusterSettings cluster={cluster} view={view} />
      <Paper component="section" variant="outlined" aria-labelledby="updates-machines" sx={{ p: 2 }}>
        <Typography id="updates-machines" variant="h6" component="h2" sx={{ mb: 1 }}>
          Machines
        </Typography>
        {view.machines.length === 0 ? (
          <Typography color="text.secondary">No machines yet.</Typography>
        ) : (
          <Box
            sx={{
              display: 'grid',
              gap: 2,
              gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 420px), 1fr))',
            }}
          >
            {view.machines.map((m) => (
              <MachineCard key={m.machineId} cluster={cluster} view={view} machine={m} />
            ))}
          </Box>
        )}
      </Paper>
      <LocksPanel cluster={cluster} view={view} />
      <FeedPanel view={view} />
    </Box>
  );
}
