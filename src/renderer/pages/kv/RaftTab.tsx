import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@mui/material';
import StarIcon from '@mui/icons-material/Star';
import { LineChart } from '@mui/x-charts/LineChart';
import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import type { KvHealth, KvHealthSample, KvMemberHealth } from '../../../shared/api';
import { useApi, useTasks } from '../../api/hooks';
import { errorText, useConfirm, useNotify } from '../../app/notify';
import { EtcdctlCopy } from './EtcdctlCopy';
import { etcdctlMemberRemove, etcdctlMembers, etcdctlMoveLeader, type EtcdctlTarget } from './etcdctl';
import {
  additionEffect,
  applyHealth,
  contactTone,
  faultTolerance,
  machineRef,
  quorumText,
  removalEffect,
  WINDOW_MS,
  type HealthState,
} from './raft-model';
import { visuallyHidden } from './DiffView';

type Pending = { kind: 'remove'; member: KvMemberHealth } | { kind: 'add'; hostname: string };

/** The live health of the cluster's KV, one payload a second, tagged with the cluster it is of. */
function useHealth(cluster: string): { state?: HealthState; error?: string } {
  const api = useApi();
  const [tagged, setTagged] = useState<{ cluster: string; state?: HealthState; error?: string }>();
  useEffect(
    () =>
      api.subscribe(
        'kv.health',
        { cluster },
        (payload) =>
          setTagged((prev) => ({
            cluster,
            state: applyHealth(prev?.cluster === cluster ? prev.state : undefined, payload),
          })),
        (err) =>
          setTagged((prev) => ({
            ...(prev?.cluster === cluster ? prev : { cluster }),
            error: errorText(err),
          })),
      ),
    [api, cluster],
  );
  return tagged?.cluster === cluster ? tagged : {};
}

/**
 * Raft health: every member's role, term, indexes, lag and last contact; the quorum; write rate
 * and commit latency over the last two minutes; and the member actions, each refused with the
 * reason the engine gives when it would hurt the quorum.
 */
export function RaftTab({ cluster, etcdctl }: { cluster: string; etcdctl: EtcdctlTarget }) {
  const api = useApi();
  const notify = useNotify();
  const { state, error } = useHealth(cluster);
  const [actionError, setActionError] = useState<string>();
  const [pending, setPending] = useState<Pending>();
  const [busyTransfer, setBusyTransfer] = useState<string>();
  /** Tasks started here, by machine, to show their progress in the rows. */
  const [started, setStarted] = useState<Map<string, string>>(new Map());
  const tasks = useTasks();
  const taskOf = (machine: string | undefined) => {
    const id = machine ? started.get(machine) : undefined;
    const task = id ? tasks.find((t) => t.id === id) : undefined;
    return task?.state === 'running' ? task : undefined;
  };

  if (error && !state) return <Alert severity="error">Raft health is not available: {error}</Alert>;
  if (!state) return <LinearProgress aria-label="Reading the Raft health" />;
  const { health, samples } = state;

  const transfer = (m: KvMemberHealth) => {
    const machine = machineRef(m);
    if (!machine) return;
    setActionError(undefined);
    setBusyTransfer(m.name);
    api.call('kv.transferLeader', { cluster, machine }).then(
      ({ leader }) => {
        setBusyTransfer(undefined);
        notify.success(`${leader} is the leader now`);
      },
      (err: unknown) => {
        setBusyTransfer(undefined);
        setActionError(`Making ${m.name} the leader failed: ${errorText(err)}`);
      },
    );
  };
  const runPending = async (p: Pending) => {
    const machine = p.kind === 'remove' ? machineRef(p.member) : p.hostname;
    if (!machine) return;
    const { taskId } = await api.call(p.kind === 'remove' ? 'kv.removeMember' : 'kv.addMember', {
      cluster,
      machine,
    });
    setStarted((prev) => new Map(prev).set(machine, taskId));
    setPending(undefined);
    notify.info(
      p.kind === 'remove'
        ? `Removing the KV member on ${machine}… its progress shows in the status bar`
        : `Adding a KV member on ${machine}… its progress shows in the status bar`,
    );
  };

  const leader = health.members.find((m) => m.role === 'leader');
  const q = health.quorum;
  const hasQuorum = q.up >= q.needed;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      {health.external && <Alert severity="info">External etcd: Raft is managed by that cluster.</Alert>}
      {error && <Alert severity="warning">The health stopped updating: {error}</Alert>}
      {actionError && (
        <Alert severity="error" onClose={() => setActionError(undefined)}>
          {actionError}
        </Alert>
      )}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="h2">
          {quorumText(q)}
        </Typography>
        <Chip
          size="small"
          color={hasQuorum ? 'success' : 'error'}
          label={
            hasQuorum
              ? `Quorum · survives ${Math.max(0, q.up - q.needed)} more ${q.up - q.needed === 1 ? 'failure' : 'failures'}`
              : 'No quorum: writes stop'
          }
        />
        <Typography color="text.secondary">
          {leader ? `Leader: ${leader.name} (term ${leader.term})` : 'No leader'}
        </Typography>
        <EtcdctlCopy command={etcdctlMembers(etcdctl)} />
      </Box>
      <TableContainer component={Paper} variant="outlined">
        <Table size="small" aria-label="KV members">
          <TableHead>
            <TableRow>
              <TableCell>Member</TableCell>
              <TableCell>Role</TableCell>
              <TableCell align="right">Term</TableCell>
              <TableCell align="right">Commit index</TableCell>
              <TableCell align="right">Applied index</TableCell>
              <TableCell align="right">Lag</TableCell>
              <TableCell align="right">Last contact</TableCell>
              {!health.external && <TableCell>Actions</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {health.members.map((m) => (
              <MemberRow
                key={m.id}
                member={m}
                external={health.external}
                busy={busyTransfer === m.name || taskOf(machineRef(m)) !== undefined}
                progress={taskOf(machineRef(m))?.message}
                etcdctl={etcdctl}
                onTransfer={() => transfer(m)}
                onRemove={() => setPending({ kind: 'remove', member: m })}
              />
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {!health.external && health.candidates.length > 0 && (
        <Box component="section" aria-labelledby="kv-candidates">
          <Typography id="kv-candidates" variant="subtitle1" component="h2">
            Machines without a member
          </Typography>
          <Box
            component="ul"
            sx={{ listStyle: 'none', m: 0, p: 0, display: 'flex', flexDirection: 'column', gap: 1 }}
          >
            {health.candidates.map((c) => {
              const running = taskOf(c.hostname);
              return (
                <Box component="li" key={c.machineId} sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
                  <Typography sx={{ minWidth: 100 }}>{c.hostname}</Typography>
                  <Refusable reason={c.refuseAdd}>
                    <Button
                      size="small"
                      variant="outlined"
                      disabled={c.refuseAdd !== undefined || running !== undefined}
                      onClick={() => setPending({ kind: 'add', hostname: c.hostname })}
                    >
                      Add member on {c.hostname}
                    </Button>
                  </Refusable>
                  {running && <Typography variant="body2">{running.message || 'Adding…'}</Typography>}
                </Box>
              );
            })}
          </Box>
        </Box>
      )}
      <Charts samples={samples} />
      {pending && (
        <PendingDialog
          pending={pending}
          health={health}
          etcdctl={etcdctl}
          onConfirm={() => runPending(pending)}
          onClose={() => setPending(undefined)}
        />
      )}
    </Box>
  );
}

/** A refused action's reason, as a tooltip and as text beside it (a disabled button takes no hover). */
function Refusable({ reason, children }: { reason: string | undefined; children: ReactNode }) {
  if (!reason) return <>{children}</>;
  return (
    <Box sx={{ display: 'inline-flex', alignItems: 'center', gap: 1 }}>
      <Tooltip title={reason}>
        <span>{children}</span>
      </Tooltip>
      <Typography variant="caption" color="text.secondary">
        {reason}
      </Typography>
    </Box>
  );
}

function MemberRow({
  member: m,
  external,
  busy,
  progress,
  etcdctl,
  onTransfer,
  onRemove,
}: {
  member: KvMemberHealth;
  external: boolean;
  busy: boolean;
  progress: string | undefined;
  etcdctl: EtcdctlTarget;
  onTransfer(): void;
  onRemove(): void;
}) {
  const tone = contactTone(m.lastContactMs);
  const down = m.role === 'down';
  const machine = machineRef(m);
  const noMachine = machine ? undefined : 'not on a machine of this cluster';
  const transferRefusal =
    m.refuseTransfer ?? (m.role === 'leader' ? 'already the leader' : undefined) ?? noMachine;
  const removeRefusal = m.refuseRemove ?? noMachine;
  return (
    <TableRow aria-label={`Member ${m.name}`}>
      <TableCell>
        <Typography variant="body2" component="div" sx={{ fontWeight: 500 }}>
          {m.name}
        </Typography>
        <Typography variant="caption" color="text.secondary" component="div">
          {[m.hostname && m.hostname !== m.name ? m.hostname : undefined, m.endpoint, `id ${m.id}`]
            .filter(Boolean)
            .join(' · ')}
        </Typography>
      </TableCell>
      <TableCell>
        <Box
          component="span"
          sx={{
            display: 'inline-flex',
            alignItems: 'center',
            gap: 0.5,
            color: down ? 'error.main' : undefined,
            fontWeight: m.role === 'leader' ? 600 : undefined,
          }}
        >
          {m.role === 'leader' && <StarIcon fontSize="small" sx={{ color: 'warning.main' }} aria-hidden />}
          {m.role}
        </Box>
      </TableCell>
      <TableCell align="right">{m.term}</TableCell>
      <TableCell align="right">{m.commitIndex}</TableCell>
      <TableCell align="right">{m.appliedIndex}</TableCell>
      <TableCell align="right">{m.lag ?? '—'}</TableCell>
      <TableCell
        align="right"
        sx={{ color: tone === 'late' ? 'error.main' : tone === 'slow' ? 'warning.dark' : undefined }}
      >
        {m.lastContactMs === undefined ? '—' : `${m.lastContactMs} ms${tone === 'ok' ? '' : ` (${tone})`}`}
      </TableCell>
      {!external && (
        <TableCell>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5, alignItems: 'flex-start' }}>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
              <Tooltip title={transferRefusal ?? ''}>
                <span>
                  <Button
                    size="small"
                    aria-label={`Make ${m.name} leader`}
                    disabled={transferRefusal !== undefined || busy}
                    onClick={onTransfer}
                  >
                    Make leader
                  </Button>
                </span>
              </Tooltip>
              <Tooltip title={removeRefusal ?? ''}>
                <span>
                  <Button
                    size="small"
                    aria-label={`Remove member ${m.name}`}
                    disabled={removeRefusal !== undefined || busy}
                    onClick={onRemove}
                  >
                    Remove
                  </Button>
                </span>
              </Tooltip>
              <EtcdctlCopy command={etcdctlMoveLeader(etcdctl, m.id)} />
            </Box>
            {m.refuseTransfer && m.role !== 'leader' && (
              <Typography variant="caption" color="text.secondary">
                Can't make leader: {m.refuseTransfer}
              </Typography>
            )}
            {m.refuseRemove && (
              <Typography variant="caption" color="text.secondary">
                Can't remove: {m.refuseRemove}
              </Typography>
            )}
            {progress !== undefined && <Typography variant="caption">{progress || 'Working…'}</Typography>}
          </Box>
        </TableCell>
      )}
    </TableRow>
  );
}

/** Asks before removing or adding a member, saying what it does to the quorum. */
function PendingDialog({
  pending,
  health,
  etcdctl,
  onConfirm,
  onClose,
}: {
  pending: Pending;
  health: KvHealth;
  etcdctl: EtcdctlTarget;
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const titleId = useId();
  const { confirm, busy, error } = useConfirm(onConfirm);
  const remove = pending.kind === 'remove';
  const name = remove ? pending.member.name : pending.hostname;
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} maxWidth="sm" fullWidth>
      <DialogTitle id={titleId}>
        {remove ? `Remove KV member ${name}?` : `Add a KV member on ${name}?`}
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2">
          {remove ? removalEffect(health.quorum, pending.member) : additionEffect(health.quorum, name)}
        </Typography>
        {remove && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Now: {quorumText(health.quorum)}; it survives {faultTolerance(health.quorum.voters)} failures.
          </Typography>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {remove && <EtcdctlCopy command={etcdctlMemberRemove(etcdctl, pending.member.id)} />}
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={confirm} disabled={busy}>
          {remove ? `Remove ${name}` : `Add member on ${name}`}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const timeFormat = (d: Date) =>
  d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** Short numbers for an axis: 0.5, 12, 1.2k. */
const axisNumber = (v: number | null) =>
  v === null ? '' : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v * 10) / 10);
const rate = (n: number) => (Number.isInteger(n) ? String(n) : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const ms = (v: number | undefined) => (v === undefined ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

/** A y axis from 0; all-zero data gets a 0–1 scale instead of a flat, unlabelled one. */
function yAxisFor(values: (number | null)[]) {
  const top = Math.max(0, ...values.map((v) => v ?? 0));
  return [{ min: 0, ...(top === 0 ? { max: 1 } : {}), width: 48, valueFormatter: axisNumber }];
}

/** Write rate and commit latency over the window, with the latest figures as text. */
function Charts({ samples }: { samples: KvHealthSample[] }) {
  const data = useMemo(
    () => ({
      at: samples.map((s) => new Date(s.at)),
      writes: samples.map((s) => s.writesPerSecond),
      p50: samples.map((s) => s.commitLatencyP50Ms ?? null),
      p99: samples.map((s) => s.commitLatencyP99Ms ?? null),
    }),
    [samples],
  );
  const last = samples[samples.length - 1];
  const xAxis = [{ data: data.at, scaleType: 'time' as const, valueFormatter: timeFormat, tickNumber: 4 }];
  return (
    <Box
      component="section"
      aria-labelledby="kv-charts"
      sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}
    >
      <Typography id="kv-charts" variant="subtitle1" component="h2">
        Last {Math.round(WINDOW_MS / 60_000)} minutes
      </Typography>
      <Typography variant="body2" role="status">
        {last
          ? `Now: ${rate(last.writesPerSecond)} writes/s · commit p50 ${ms(last.commitLatencyP50Ms)} · p99 ${ms(last.commitLatencyP99Ms)} · revision ${last.revision}`
          : 'No samples yet'}
      </Typography>
      {samples.length > 1 && (
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
          <Paper variant="outlined" sx={{ p: 1 }} role="figure" aria-label="Writes per second">
            <Typography variant="body2" aria-hidden>
              Writes per second
            </Typography>
            <LineChart
              height={200}
              skipAnimation
              hideLegend
              xAxis={xAxis}
              yAxis={yAxisFor(data.writes)}
              series={[{ data: data.writes, label: 'writes/s', showMark: false, area: true }]}
            />
          </Paper>
          <Paper variant="outlined" sx={{ p: 1 }} role="figure" aria-label="Commit latency p50 and p99 in ms">
            <Typography variant="body2" aria-hidden>
              Commit latency (ms)
            </Typography>
            <LineChart
              height={200}
              skipAnimation
              xAxis={xAxis}
              yAxis={yAxisFor([...data.p50, ...data.p99])}
              series={[
                { data: data.p50, label: 'p50', showMark: false },
                { data: data.p99, label: 'p99', showMark: false },
              ]}
            />
          </Paper>
          <Box sx={visuallyHidden}>Charts of the last {samples.length} seconds.</Box>
        </Box>
      )}
    </Box>
  );
}
