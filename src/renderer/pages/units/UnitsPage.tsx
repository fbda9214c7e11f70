import { Alert, Box, Button } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import { useMemo } from 'react';
import { Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { clusterFlag } from '../../actions/flotctl';
import { useCurrentCluster, useMachines, useUnits } from '../../api/live';
import { ClusterGuide, useStartCluster } from '../machines/ClusterGuide';
import { PageFrame } from '../../components/PageFrame';
import { UnitEditorPage, type UnitsPageData } from './UnitEditorPage';
import { UNITS_LIST, UnitPage } from './UnitPage';
import { UnitsList } from './UnitsList';

/**
 * The Units page: the table at /units, a unit at /units/:name, the editor at /units/new and
 * /units/:name/edit — all live from the current cluster's unit and machine lists.
 */
export function UnitsPage() {
  const navigate = useNavigate();
  const { cluster, clusters } = useCurrentCluster();
  const units = useUnits(cluster);
  const machines = useMachines(cluster);
  const clusterName = cluster?.name;
  const active = cluster?.active ?? false;
  const clusterArgs = useMemo(
    () => (clusterName ? clusterFlag(clusterName, active) : []),
    [clusterName, active],
  );

  const startCluster = useStartCluster(clusterName);

  if (!cluster || cluster.state !== 'running')
    return (
      <PageFrame title="Units">
        <ClusterGuide cluster={cluster} clusters={clusters} onStart={startCluster} />
      </PageFrame>
    );

  const data: UnitsPageData = {
    cluster: cluster.name,
    clusterArgs,
    units: units.items,
    unitsLoaded: units.loaded,
    machines: machines.items,
  };
  const count = units.items.length;
  return (
    <>
      {units.error && (
        <Alert severity="error" sx={{ m: 3, mb: 0 }}>
          The unit list stopped updating: {units.error.message}
        </Alert>
      )}
      <Routes>
        <Route
          index
          element={
            <PageFrame
              title="Units"
              fill
              aside={
                units.loaded ? `${cluster.name} · ${count} ${count === 1 ? 'unit' : 'units'}` : cluster.name
              }
              actions={
                count > 0 && (
                  <Button variant="contained" startIcon={<AddIcon />} onClick={() => navigate('/units/new')}>
                    New unit
                  </Button>
                )
              }
            >
              {units.loaded ? (
                <UnitsList
                  cluster={cluster.name}
                  clusterArgs={clusterArgs}
                  units={units.items}
                  machines={machines.items}
                />
              ) : (
                <Box>Loading units…</Box>
              )}
            </PageFrame>
          }
        />
        <Route
          path="new"
          element={
            <PageFrame title="New unit" back={UNITS_LIST}>
              <UnitEditorPage {...data} />
            </PageFrame>
          }
        />
        <Route path=":name/edit" element={<EditFrame data={data} />} />
        <Route path=":name" element={<UnitPage {...data} />} />
      </Routes>
    </>
  );
}

function EditFrame({ data }: { data: UnitsPageData }) {
  const { name = '' } = useParams();
  return (
    <PageFrame title={`Edit ${name}`} back={UNITS_LIST}>
      <UnitEditorPage {...data} />
    </PageFrame>
  );
}
