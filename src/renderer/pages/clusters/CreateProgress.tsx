import {
  Alert,
  AlertTitle,
  Box,
  Button,
  CircularProgress,
  LinearProgress,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import RemoveCircleOutlineIcon from '@mui/icons-material/RemoveCircleOutlined';
import type { Task, TaskStep } from '../../../shared/api';
import { describeError } from '../../app/notify';

/** The steps each machine goes through, as the create task names them ("core-01: image" …). */
export const MACHINE_STEPS = [
  { kind: 'image', label: 'Image' },
  { kind: 'container', label: 'Container' },
  { kind: 'KV member', label: 'KV member' },
  { kind: 'agent', label: 'Agent up' },
] as const;
type MachineStepKind = (typeof MACHINE_STEPS)[number]['kind'];

export interface StepGroups {
  machines: { host: string; steps: Partial<Record<MachineStepKind, TaskStep>> }[];
  /** Steps about the whole cluster (network, units from cloud-config), in task order. */
  cluster: TaskStep[];
}

/** The task's steps as a row per machine (in `hosts` order) and the cluster's own steps. */
export function groupSteps(steps: readonly TaskStep[], hosts: readonly string[]): StepGroups {
  const rows = new Map(hosts.map((host) => [host, {} as Partial<Record<MachineStepKind, TaskStep>>]));
  const cluster: TaskStep[] = [];
  for (const step of steps) {
    const m = /^(.+?): (.+)$/.exec(step.name);
    const row = m ? rows.get(m[1] as string) : undefined;
    const kind = MACHINE_STEPS.find((s) => s.kind === m?.[2])?.kind;
    if (row && kind) row[kind] = step;
    else cluster.push(step);
  }
  return { machines: [...rows].map(([host, s]) => ({ host, steps: s })), cluster };
}

function StateIcon({ state }: { state: TaskStep['state'] | undefined }) {
  switch (state) {
    case 'running':
      return <CircularProgress size={16} aria-label="running" />;
    case 'done':
      return <CheckCircleIcon color="success" fontSize="small" titleAccess="done" />;
    case 'failed':
      return <ErrorIcon color="error" fontSize="small" titleAccess="failed" />;
    case 'skipped':
      return <RemoveCircleOutlineIcon color="disabled" fontSize="small" titleAccess="skipped" />;
    default:
      return <RadioButtonUncheckedIcon color="disabled" fontSize="small" titleAccess="pending" />;
  }
}

function StepCell({ step }: { step: TaskStep | undefined }) {
  return (
    <Stack direction="row" sx={{ gap: 1, alignItems: 'center' }}>
      <StateIcon state={step?.state} />
      {step?.detail && (
        <Typography variant="caption" color={step.state === 'failed' ? 'error' : 'text.secondary'}>
          {step.detail}
        </Typography>
      )}
    </Stack>
  );
}

export interface CreateProgressProps {
  name: string;
  hosts: readonly string[];
  /** The create task, once it is known. */
  task: Task | undefined;
  /** The create call failed before a task started. */
  error: unknown;
  /** The failed cluster is still there (its name is taken until it is destroyed). */
  leftBehind: boolean;
  onBack: () => void;
}

/** Live progress of the create task: a row per machine with its four steps, then the cluster's. */
export function CreateProgress({ name, hosts, task, error, leftBehind, onBack }: CreateProgressProps) {
  const groups = groupSteps(task?.steps ?? [], hosts);
  const failure =
    error !== undefined
      ? describeError(error)
      : task?.state === 'failed'
        ? { message: task.error?.message ?? task.message, hint: task.error?.hint }
        : task?.state === 'canceled'
          ? { message: 'Creating the cluster was canceled' }
          : undefined;
  return (
    <Box component="section" aria-label={`Creating cluster ${name}`}>
      <Stack spacing={2}>
        {failure ? (
          <Alert severity="error" action={<Button onClick={onBack}>Back to review</Button>}>
            <AlertTitle>Cluster {name} was not created</AlertTitle>
            {failure.message}
            {failure.hint && <Box sx={{ mt: 0.5 }}>{failure.hint}</Box>}
            {leftBehind && (
              <Box sx={{ mt: 0.5 }}>
                The failed cluster {name} stays in the cluster list: destroy it there to create it again under
                this name.
              </Box>
            )}
          </Alert>
        ) : (
          <>
            <Typography role="status">
              {task ? task.message || task.title : `Creating cluster ${name}…`}
            </Typography>
            <LinearProgress
              aria-label={`Progress of creating cluster ${name}`}
              variant={task?.progress == null ? 'indeterminate' : 'determinate'}
              value={(task?.progress ?? 0) * 100}
            />
          </>
        )}
        <Table size="small" aria-label={`Machines of ${name}`}>
          <TableHead>
            <TableRow>
              <TableCell>Machine</TableCell>
              {MACHINE_STEPS.map((s) => (
                <TableCell key={s.kind}>{s.label}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {groups.machines.map((m) => (
              <TableRow key={m.host}>
                <TableCell component="th" scope="row">
                  {m.host}
                </TableCell>
                {MACHINE_STEPS.map((s) => (
                  <TableCell key={s.kind}>
                    <StepCell step={m.steps[s.kind]} />
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {groups.cluster.length > 0 && (
          <List dense aria-label={`Cluster steps of ${name}`}>
            {groups.cluster.map((s) => (
              <ListItem key={s.name}>
                <ListItemIcon sx={{ minWidth: 32 }}>
                  <StateIcon state={s.state} />
                </ListItemIcon>
                <ListItemText primary={s.name} secondary={s.detail} />
              </ListItem>
            ))}
          </List>
        )}
      </Stack>
    </Box>
  );
}
