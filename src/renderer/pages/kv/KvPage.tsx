import { Alert, Box, Button, Chip, LinearProgress, Tab, Tabs, Typography } from '@mui/material';
import { useEffect, useMemo, useState } from 'react';
import { Link as RouterLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import type { ClusterInfo, ClusterKv } from '../../../shared/api';
import { useRegisterActions, type AppAction } from '../../actions/registry';
import { useApi } from '../../api/hooks';
import { useCurrentCluster, type LiveList } from '../../api/live';
import { PageFrame } from '../../components/PageFrame';
import { useStartCluster } from '../machines/ClusterGuide';
import { etcdctlTarget } from './etcdctl';
import { ExplorerStore } from './explorer-store';
import { KeysTab } from './KeysTab';
import { LeasesTab } from './LeasesTab';
import { RaftTab } from './RaftTab';

const TABS = [
  { value: 'keys', label: 'Keys', path: '/kv' },
  { value: 'leases', label: 'Leases', path: '/kv/leases' },
  { value: 'raft', label: 'Raft health', path: '/kv/raft' },
] as const;

function tabOf(pathname: string): (typeof TABS)[number]['value'] {
  if (pathname.startsWith('/kv/leases')) return 'leases';
  if (pathname.startsWith('/kv/raft')) return 'raft';
  return 'keys';
}

/**
 * The KV page: the key explorer (/kv), leases (/kv/leases) and Raft health (/kv/raft) of the
 * current cluster. The explorer's store lives here, so the tree stays loaded and live across tabs.
 */
export function KvPage() {
  const api = useApi();
  const { cluster, clusters } = useCurrentCluster();
  const location = useLocation();
  const running = cluster?.state === 'running' ? cluster.name : undefined;
  const [store] = useState(() => new ExplorerStore(api));
  useEffect(() => {
    store.open(running);
    return () => store.close();
  }, [store, running]);
  usePaletteActions();

  const tab = tabOf(location.pathname);
  const panelId = `kv-tabpanel`;
  const kv = cluster?.kv;
  const targetKey = JSON.stringify([cluster?.endpoints, kv]);
  // One object per KV setup, so tabs and dialogs see the same target until it changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const etcdctl = useMemo(() => etcdctlTarget(cluster), [targetKey]);
  const endpoints = etcdctl.endpoints;
  return (
    <PageFrame
      title="KV"
      fill
      aside={cluster && `${cluster.name}${endpoints.length ? ` · ${endpoints.join(', ')}` : ''}`}
      actions={
        kv?.kind === 'embedded' &&
        kv.tls && (
          <Chip
            size="small"
            color="success"
            variant="outlined"
            label="TLS"
            title="Client-certificate TLS: the etcdctl lines carry --cacert, --cert and --key"
          />
        )
      }
    >
      {kv?.kind === 'external' && <ExternalEtcdBanner kv={kv} />}
      <Tabs value={tab} aria-label="KV views" sx={{ borderBottom: 1, borderColor: 'divider', flexShrink: 0 }}>
        {TABS.map((t) => (
          <Tab
            key={t.value}
            value={t.value}
            label={t.label}
            component={RouterLink}
            to={t.path}
            id={`kv-tab-${t.value}`}
            aria-controls={panelId}
          />
        ))}
      </Tabs>
      <Box
        role="tabpanel"
        id={panelId}
        aria-labelledby={`kv-tab-${tab}`}
        sx={{
          flex: 1,
          minHeight: 0,
          display: 'flex',
          flexDirection: 'column',
          overflow: tab === 'keys' ? 'hidden' : 'auto',
        }}
      >
        {running && cluster ? (
          <Routes>
            <Route index element={<KeysTab store={store} cluster={running} etcdctl={etcdctl} />} />
            <Route path="leases" element={<LeasesTab store={store} cluster={running} etcdctl={etcdctl} />} />
            <Route path="raft" element={<RaftTab cluster={running} etcdctl={etcdctl} />} />
            <Route path="*" element={<Navigate to="/kv" replace />} />
          </Routes>
        ) : (
          <NotRunning cluster={cluster} clusters={clusters} />
        )}
      </Box>
    </PageFrame>
  );
}

/** Where an external etcd is, under which prefix, and what its etcdctl lines carry. */
function ExternalEtcdBanner({ kv }: { kv: Extract<ClusterKv, { kind: 'external' }> }) {
  const files = [kv.caFile && '--cacert', kv.certFile && '--cert', kv.keyFile && '--key'].filter(Boolean);
  return (
    <Alert severity="info" sx={{ flexShrink: 0 }}>
      External etcd at {kv.endpoints.join(', ')} — keys under {kv.prefix}
      {(files.length > 0 || kv.username) && (
        <Typography variant="body2">
          The etcdctl lines carry{' '}
          {[files.join(' '), kv.username && `--user=${kv.username}`].filter(Boolean).join(' and ')}
          {files.length > 0 && ' (the PEM files given, kept in the cluster’s folder)'}
          {kv.username && '; etcdctl asks for the password'}.
        </Typography>
      )}
    </Alert>
  );
}

/** What to do when there is no running cluster whose KV to show. */
function NotRunning({
  cluster,
  clusters,
}: {
  cluster: ClusterInfo | undefined;
  clusters: LiveList<ClusterInfo>;
}) {
  const navigate = useNavigate();
  const start = useStartCluster(cluster?.name);
  if (clusters.error)
    return <Alert severity="error">Could not list the clusters: {clusters.error.message}</Alert>;
  if (!clusters.loaded) return <LinearProgress aria-label="Loading clusters" sx={{ maxWidth: 400 }} />;
  if (!cluster)
    return (
      <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, alignItems: 'flex-start' }}>
        <Typography color="text.secondary">
          {clusters.items.length === 0
            ? 'The KV belongs to a cluster: create one first.'
            : 'No cluster is active: choose one to see its KV.'}
        </Typography>
        <Button
          variant="contained"
          onClick={() => navigate(clusters.items.length ? '/clusters' : '/clusters/new')}
        >
          {clusters.items.length ? 'Choose a cluster' : 'Create a cluster'}
        </Button>
      </Box>
    );
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, alignItems: 'flex-start' }}>
      <Typography color="text.secondary">
        Cluster {cluster.name} is {cluster.state}: its KV members run only while it runs.
        {cluster.problem ? ` ${cluster.problem}` : ''}
      </Typography>
      {(cluster.state === 'stopped' || cluster.state === 'failed') && (
        <Button variant="contained" onClick={start}>
          Start cluster {cluster.name}
        </Button>
      )}
    </Box>
  );
}

/** The palette's KV actions: go to each tab, and a new key. */
function usePaletteActions(): void {
  const navigate = useNavigate();
  const actions: AppAction[] = [
    ...TABS.map<AppAction>((t) => ({
      id: `kv.tab.${t.value}`,
      title: `KV: ${t.label}`,
      section: 'Navigate',
      keywords: 'etcd kv key value',
      perform: () => navigate(t.path),
    })),
    {
      id: 'kv.newKey',
      title: 'KV: New key…',
      section: 'KV',
      keywords: 'etcd put create key value',
      perform: () => navigate('/kv?new='),
    },
  ];
  useRegisterActions(actions, []);
}
