import { Alert, Box, Button, InputAdornment, LinearProgress, TextField, Typography } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import SearchIcon from '@mui/icons-material/Search';
import { useDeferredValue, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useNotify } from '../../app/notify';
import type { EtcdctlTarget } from './etcdctl';
import type { ExplorerStore } from './explorer-store';
import { KeyDetail } from './KeyDetail';
import { KeyTree } from './KeyTree';
import { ancestorsOf, visibleRows, type TreeRow } from './kv-tree';
import { NewKeyDialog } from './NewKeyDialog';

/** The folder a new key starts in: the selected key's. */
function folderOf(key: string | undefined): string {
  if (!key) return '';
  const i = key.lastIndexOf('/');
  return i >= 0 ? key.slice(0, i + 1) : '';
}

/** A change inside a closed folder flashes the folder: the nearest row in view that holds it. */
function visibleFlashes(rows: TreeRow[], flashes: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  if (flashes.size === 0) return flashes;
  const shown = new Set(rows.map((r) => r.id));
  const out = new Map<string, number>();
  for (const [key, seq] of flashes) {
    const at = shown.has(key)
      ? key
      : ancestorsOf(key)
          .reverse()
          .find((a) => shown.has(a));
    if (at !== undefined) out.set(at, Math.max(seq, out.get(at) ?? 0));
  }
  return out;
}

/** Where the explorer opens: the root folder etcd's conventional keys live under. */
const initialOpen = (key: string | undefined) => new Set(['/', ...(key ? ancestorsOf(key) : [])]);

/**
 * Keys: the tree of every key (live from the watch), a filter, and the selected key's value,
 * edit, delete and history. The selected key is in the URL (?key=), so links can open one.
 */
export function KeysTab({
  store,
  cluster,
  etcdctl,
}: {
  store: ExplorerStore;
  cluster: string;
  etcdctl: EtcdctlTarget;
}) {
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const navigate = useNavigate();
  const notify = useNotify();
  const [params, setParams] = useSearchParams();
  const selectedKey = params.get('key') ?? undefined;
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => initialOpen(selectedKey));
  // A key selected from outside the tree (a link, back/forward) opens its folders.
  const [openedFor, setOpenedFor] = useState(selectedKey);
  if (openedFor !== selectedKey) {
    setOpenedFor(selectedKey);
    if (selectedKey && ancestorsOf(selectedKey).some((a) => !expanded.has(a)))
      setExpanded(new Set([...expanded, ...ancestorsOf(selectedKey)]));
  }
  // The New key dialog is in the URL too (?new), so the palette can open it from any tab.
  const newKeyOpen = params.has('new');
  const setNewKeyOpen = (open: boolean) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (open) next.set('new', '');
      else next.delete('new');
      return next;
    });

  useEffect(() => store.select(selectedKey), [store, selectedKey]);

  const rows = useMemo(
    () => visibleRows(snapshot.tree, expanded, deferredFilter),
    [snapshot.tree, expanded, deferredFilter],
  );
  const rowFlashes = useMemo(() => visibleFlashes(rows, snapshot.flashes), [rows, snapshot.flashes]);
  const total = snapshot.entries.size;
  const matching = deferredFilter ? rows.filter((r) => r.isKey).length : total;

  const select = (key: string | undefined) =>
    navigate(key === undefined ? '/kv' : `/kv?key=${encodeURIComponent(key)}`);
  const toggle = (id: string, open: boolean) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) next.add(id);
      else next.delete(id);
      return next;
    });

  const selected = snapshot.selected?.key === selectedKey ? snapshot.selected : undefined;
  return (
    <Box sx={{ display: 'flex', gap: 2, flex: 1, minHeight: 0 }}>
      <Box
        component="section"
        aria-label="Key tree"
        // The top padding leaves room for the filter's floating label.
        sx={{
          width: 380,
          flexShrink: 0,
          display: 'flex',
          flexDirection: 'column',
          gap: 1,
          minHeight: 0,
          pt: 1,
        }}
      >
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
          <TextField
            size="small"
            type="search"
            label="Filter keys"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            sx={{ flex: 1 }}
            slotProps={{
              input: {
                startAdornment: (
                  <InputAdornment position="start">
                    <SearchIcon fontSize="small" />
                  </InputAdornment>
                ),
              },
            }}
          />
          <Button variant="outlined" startIcon={<AddIcon />} onClick={() => setNewKeyOpen(true)}>
            New key
          </Button>
        </Box>
        <Typography variant="body2" color="text.secondary" role="status">
          {snapshot.loaded
            ? deferredFilter
              ? `${matching} of ${total} ${total === 1 ? 'key' : 'keys'} match`
              : `${total} ${total === 1 ? 'key' : 'keys'} · revision ${snapshot.revision} · live`
            : `Listing keys… ${total}`}
        </Typography>
        {!snapshot.loaded && !snapshot.error && <LinearProgress aria-label="Listing keys" />}
        {snapshot.error && (
          <Alert
            severity="error"
            action={
              <Button color="inherit" size="small" onClick={() => store.reload()}>
                Reload
              </Button>
            }
          >
            The key list stopped updating: {snapshot.error}
          </Alert>
        )}
        {snapshot.loaded && total === 0 && (
          <Typography color="text.secondary">No keys yet. New key makes one.</Typography>
        )}
        <KeyTree
          rows={rows}
          selected={selectedKey}
          flashes={rowFlashes}
          onSelect={select}
          onToggle={toggle}
        />
      </Box>
      <Box
        component="section"
        aria-label="Selected key"
        sx={{ flex: 1, minWidth: 0, overflow: 'auto', pr: 1 }}
      >
        {selected ? (
          <KeyDetail
            selected={selected}
            cluster={cluster}
            etcdctl={etcdctl}
            store={store}
            onDeleted={() => select(undefined)}
          />
        ) : (
          <Typography color="text.secondary" sx={{ mt: 1 }}>
            Choose a key in the tree to see its value, revisions and history.
          </Typography>
        )}
      </Box>
      {newKeyOpen && (
        <NewKeyDialog
          cluster={cluster}
          etcdctl={etcdctl}
          prefix={folderOf(selectedKey)}
          onClose={() => setNewKeyOpen(false)}
          onOpen={select}
          onCreated={(key, revision) => {
            notify.success(`Created ${key} at revision ${revision}`);
            select(key);
          }}
        />
      )}
    </Box>
  );
}
