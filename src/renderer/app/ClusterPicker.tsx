import { MenuItem, TextField } from '@mui/material';
import { useApi } from '../api/hooks';
import { useCurrentCluster } from '../api/live';
import { useNotify } from './notify';

/** Which cluster the pages show and commands go to (the API's active cluster). */
export function ClusterPicker() {
  const api = useApi();
  const notify = useNotify();
  const { cluster, clusters } = useCurrentCluster();
  if (clusters.items.length === 0) return null;
  return (
    <TextField
      select
      size="small"
      label="Cluster"
      value={cluster?.name ?? ''}
      onChange={(e) =>
        void api
          .call('clusters.setActive', { name: e.target.value })
          .catch((err: unknown) => notify.error(err, `Switching to cluster ${e.target.value}`))
      }
      sx={{ minWidth: 160, bgcolor: 'background.paper', borderRadius: 1 }}
    >
      {clusters.items.map((c) => (
        <MenuItem key={c.name} value={c.name}>
          {c.name} · {c.state}
        </MenuItem>
      ))}
    </TextField>
  );
}
