import {
  Alert,
  Box,
  Button,
  Chip,
  LinearProgress,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { ClusterInfo, Task } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { useRegisterActions, type AppAction } from '../../actions/registry';
import { useApi, useTasks } from '../../api/hooks';
import { useClusters } from '../../api/live';
import { useNotify } from '../../app/notify';
import { CopyCommand } from '../../components/CopyCommand';
import { DestroyDialog } from './DestroyDialog';

const STATE_COLOR = {
  creating: 'info',
  starting: 'info',
  running: 'success',
  stopped: 'default',
  failed: 'error',
} as const;

/**
 * The running task about a cluster. Tasks carry no cluster field: the cluster tasks are titled
 * "<Verb> cluster <name>" (Create, Start, Stop, Destroy) with a kind of cluster.*.
 */
export function clusterTask(tasks: readonly Task[], name: string): Task | undefined {
  return tasks.find(
    (t) => t.state === 'running' && t.kind.startsWith('cluster.') && t.title.endsWith(` cluster ${name}`),
  );
}

type Verb = 'start' | 'stop' | 'use' | 'destroy';

/** What a person may do with a cluster in its state, as flotctl subcommands. */
export function verbsFor(c: ClusterInfo, busy: boolean): Verb[] {
  const verbs: Verb[] = [];
  if (!busy && (c.state === 'stopped' || c.state === 'failed')) verbs.push('start');
  if (!busy && (c.state === 'running' || c.state === 'failed')) verbs.push('stop');
  if (!c.active) verbs.push('use');
  if (!busy) verbs.push('destroy');
  return verbs;
}

// Accessible names that are no part of the copy buttons' names ("… flotctl cluster destroy demo"),
// so that a search by name finds one button.
const LABEL: Record<Verb, (name: string) => { text: string; name: string }> = {
  start: (n) => ({ text: 'Start', name: `Start cluster ${n}` }),
  stop: (n) => ({ text: 'Stop', name: `Stop cluster ${n}` }),
  use: (n) => ({ text: 'Make active', name: `Make active: ${n}` }),
  destroy: (n) => ({ text: 'Destroy', name: `Destroy cluster ${n}` }),
};

/** Every cluster, live, with its state and what can be done with it. */
export function ClusterList() {
  const api = useApi();
  const notify = useNotify();
  const navigate = useNavigate();
  const clusters = useClusters();
  const tasks = useTasks();
  const [destroying, setDestroying] = useState<string>();

  const run = (verb: Verb, name: string) => {
    if (verb === 'destroy') {
      setDestroying(name);
      return;
    }
    const call =
      verb === 'use'
        ? api
            .call('clusters.setActive', { name })
            .then(() => notify.success(`Commands now go to cluster ${name}`))
        : api.call(verb === 'start' ? 'clusters.start' : 'clusters.stop', { name });
    call.catch((err: unknown) => notify.error(err, LABEL[verb](name).name));
  };
  const destroy = (name: string) => {
    setDestroying(undefined);
    api.call('clusters.destroy', { name }).catch((err: unknown) => notify.error(err, `Destroying ${name}`));
  };

  const actions = clusters.items.flatMap((c) =>
    verbsFor(c, !!clusterTask(tasks, c.name)).map<AppAction>((verb) => ({
      id: `cluster.${verb}.${c.name}`,
      title: verb === 'use' ? `Make ${c.name} the active cluster` : LABEL[verb](c.name).name,
      section: 'Clusters',
      perform: () => run(verb, c.name),
      flotctl: flotctl('cluster', verb, c.name),
    })),
  );
  useRegisterActions(actions, [actions.map((a) => a.id).join()]);

  return (
    <Box sx={{ p: 3 }}>
      <Stack direction="row" sx={{ alignItems: 'center', gap: 1, mb: 2 }}>
        <Typography id="page-title" variant="h4" component="h1" sx={{ flex: 1 }}>
          Clusters
        </Typography>
        <Button variant="outlined" onClick={() => navigate('/clusters/import')}>
          Import from coreos-vagrant
        </Button>
        <Button variant="contained" onClick={() => navigate('/clusters/new')}>
          New cluster
        </Button>
      </Stack>
      {clusters.error && (
        <Alert severity="error">The cluster list is not available: {clusters.error.message}</Alert>
      )}
      {!clusters.loaded ? (
        <LinearProgress aria-label="Loading clusters" />
      ) : clusters.items.length === 0 ? (
        <EmptyState
          onCreate={() => navigate('/clusters/new')}
          onImport={() => navigate('/clusters/import')}
        />
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table aria-labelledby="page-title">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>State</TableCell>
                <TableCell align="right">Machines</TableCell>
                <TableCell>Channel</TableCell>
                <TableCell>KV endpoints</TableCell>
                <TableCell>Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {clusters.items.map((c) => (
                <ClusterRow key={c.name} cluster={c} task={clusterTask(tasks, c.name)} onAction={run} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {destroying && (
        <DestroyDialog
          name={destroying}
          onCancel={() => setDestroying(undefined)}
          onDestroy={() => destroy(destroying)}
        />
      )}
    </Box>
  );
}

function ClusterRow({
  cluster: c,
  task,
  onAction,
}: {
  cluster: ClusterInfo;
  task: Task | undefined;
  onAction: (verb: Verb, name: string) => void;
}) {
  return (
    <TableRow aria-label={`Cluster ${c.name}`}>
      <TableCell component="th" scope="row">
        <Stack direction="row" sx={{ gap: 1, alignItems: 'center' }}>
          <Typography sx={{ fontWeight: 500 }}>{c.name}</Typography>
          {c.active && (
            <Tooltip title="Commands that name no cluster go to this one">
              <Chip size="small" color="primary" variant="outlined" label="active" />
            </Tooltip>
          )}
        </Stack>
      </TableCell>
      <TableCell sx={{ minWidth: 180 }}>
        <Chip size="small" color={STATE_COLOR[c.state]} label={c.state} />
        {c.state === 'failed' && c.problem && (
          <Typography variant="body2" color="error" sx={{ mt: 0.5 }}>
            {c.problem}
          </Typography>
        )}
        {task && (
          <Box sx={{ mt: 1 }}>
            <Typography variant="caption" color="text.secondary">
              {task.title}
              {task.message ? ` — ${task.message}` : ''}
            </Typography>
            <LinearProgress
              aria-label={`${task.title} progress`}
              variant={task.progress === null ? 'indeterminate' : 'determinate'}
              value={(task.progress ?? 0) * 100}
            />
          </Box>
        )}
      </TableCell>
      <TableCell align="right">{c.machines}</TableCell>
      <TableCell>{c.channel ?? '—'}</TableCell>
      <TableCell sx={{ fontFamily: 'monospace', fontSize: 13 }}>{c.endpoints.join(', ') || '—'}</TableCell>
      <TableCell>
        <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap' }}>
          {verbsFor(c, !!task).map((verb) => {
            const label = LABEL[verb](c.name);
            return (
              <Stack key={verb} direction="row" sx={{ alignItems: 'center' }}>
                <Button
                  size="small"
                  color={verb === 'destroy' ? 'error' : 'primary'}
                  aria-label={label.name}
                  onClick={() => onAction(verb, c.name)}
                >
                  {label.text}
                </Button>
                <CopyCommand command={flotctl('cluster', verb, c.name)} />
              </Stack>
            );
          })}
        </Stack>
      </TableCell>
    </TableRow>
  );
}

function EmptyState({ onCreate, onImport }: { onCreate: () => void; onImport: () => void }) {
  return (
    <Paper variant="outlined" sx={{ p: 4, textAlign: 'center' }}>
      <Typography variant="h6" component="h2" gutterBottom>
        No clusters yet
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 3, maxWidth: 560, mx: 'auto' }}>
        A cluster is a set of machines — containers on this computer&apos;s Docker engine — with a replicated
        KV store and a scheduler that places your units on them.
      </Typography>
      <Stack direction="row" sx={{ gap: 2, justifyContent: 'center' }}>
        <Button variant="contained" onClick={onCreate}>
          Create your first cluster
        </Button>
        <Button onClick={onImport}>Bring a coreos-vagrant project</Button>
      </Stack>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 3 }}>
        From a terminal: <code>{flotctl('cluster', 'create', 'demo', '--machines', 3)}</code>
      </Typography>
    </Paper>
  );
}
