import {
  Alert,
  Box,
  Button,
  Chip,
  Link,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import EditIcon from '@mui/icons-material/Edit';
import TerminalIcon from '@mui/icons-material/Terminal';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link as RouterLink, useNavigate, useParams } from 'react-router-dom';
import type { Decision, JournalEntry, UnitInfo, UnitMachineState } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { useRegisterActions } from '../../actions/registry';
import { useApi } from '../../api/hooks';
import { CopyCommand } from '../../components/CopyCommand';
import { useTerminals } from '../../terminal/TerminalDock';
import { useAge } from '../machines/clock';
import { stateLabel, stateTone } from '../machines/unit-state';
import { hostOf, withHostNames, hostNames, type HostNames } from '../machines/verdicts';
import type { UnitsPageData } from './UnitEditorPage';
import { PageFrame, type BackLink } from '../../components/PageFrame';
import { RuledOut } from '../machines/PlanSteps';
import { DestroyDialog, useUnitActions } from './unit-actions';
import { ToneDot } from './UnitsList';
import { actionCommand, unitEditPath, type UnitAction } from './units-model';

/** The unit pages lead back to the list. */
export const UNITS_LIST: BackLink = { to: '/units', label: 'Units' };

/** How many journal lines the page asks for and keeps. */
const JOURNAL_LINES = 50;

/** The latest `schedule` decision the engine took for a unit, live. */
function useLatestSchedule(cluster: string, unit: string): Decision | undefined {
  const api = useApi();
  const key = `${cluster}|${unit}`;
  const [state, setState] = useState<{ key: string; decision?: Decision }>();
  useEffect(
    () =>
      api.subscribe('engine.decisions', { cluster }, (d) => {
        if (d.unit !== unit || d.action !== 'schedule') return;
        setState((s) => {
          const prev = s?.key === key ? s.decision : undefined;
          return prev && prev.at > d.at ? s : { key, decision: d };
        });
      }),
    [api, cluster, unit, key],
  );
  return state?.key === key ? state.decision : undefined;
}

/** The unit's journal: the last lines, then new ones as they come. */
function useUnitJournal(cluster: string, unit: string): { entries: JournalEntry[]; error?: Error } {
  const api = useApi();
  const key = `${cluster}|${unit}`;
  const [state, setState] = useState<{ key: string; entries: JournalEntry[]; error?: Error }>();
  useEffect(
    () =>
      api.subscribe(
        'journal.follow',
        { cluster, units: [unit], lines: JOURNAL_LINES },
        (batch) =>
          setState((s) => {
            const prev = s?.key === key ? s.entries : [];
            return { key, entries: [...prev, ...batch.entries].slice(-JOURNAL_LINES * 4) };
          }),
        (error) => setState((s) => ({ key, entries: s?.key === key ? s.entries : [], error })),
      ),
    [api, cluster, unit, key],
  );
  return state?.key === key ? state : { entries: [] };
}

/** `/units/:name`: a unit's state on each machine, why it is where it is, its journal, its actions. */
export function UnitPage(props: UnitsPageData) {
  const { name = '' } = useParams();
  const unit = props.units.find((u) => u.name === name);
  if (!unit)
    return (
      <PageFrame title={name} back={UNITS_LIST}>
        {props.unitsLoaded ? (
          <Alert
            severity="info"
            action={
              <Button color="inherit" component={RouterLink} to="/units">
                All units
              </Button>
            }
          >
            There is no unit {name} in the registry (any more).
          </Alert>
        ) : (
          <Typography>Loading…</Typography>
        )}
      </PageFrame>
    );
  return <UnitView {...props} unit={unit} />;
}

function UnitView({ cluster, clusterArgs, machines, unit }: UnitsPageData & { unit: UnitInfo }) {
  const navigate = useNavigate();
  const terminals = useTerminals();
  const actions = useUnitActions(cluster);
  const [destroying, setDestroying] = useState(false);
  const names = useMemo(() => hostNames(machines), [machines]);
  const { name } = unit;
  const running = unit.desiredState === 'launched';
  const command = (action: UnitAction) => actionCommand(action, [name], clusterArgs);
  const journalPath = `/journal?units=${encodeURIComponent(name)}`;

  useRegisterActions(
    [
      {
        id: 'units.edit',
        title: `Edit ${name}`,
        section: 'Units',
        keywords: 'unit file editor change',
        perform: () => navigate(unitEditPath(name)),
      },
      {
        id: 'units.toggle',
        title: `${running ? 'Stop' : 'Start'} ${name}`,
        section: 'Units',
        perform: () => void actions.setState(running ? 'stop' : 'start', [unit]),
        flotctl: command(running ? 'stop' : 'start'),
      },
      {
        id: 'units.journal',
        title: `Open the journal of ${name}`,
        section: 'Units',
        keywords: 'logs',
        perform: () => navigate(journalPath),
        flotctl: flotctl('journal', ...clusterArgs, '-f', name),
      },
    ],
    [name, running, clusterArgs.join(' ')],
  );

  const actionButton = (action: Exclude<UnitAction, 'destroy'>, label: string, disabled = false) => (
    <Box sx={{ display: 'flex', alignItems: 'center' }}>
      <Button
        variant={action === 'start' ? 'contained' : 'outlined'}
        onClick={() => void actions.setState(action, [unit])}
        disabled={disabled}
      >
        {label}
      </Button>
      <CopyCommand command={command(action)} />
    </Box>
  );

  return (
    <PageFrame
      title={name}
      back={UNITS_LIST}
      aside={unit.description}
      actions={
        <Box
          role="toolbar"
          aria-label={`Actions for ${name}`}
          sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}
        >
          <Button startIcon={<EditIcon />} onClick={() => navigate(unitEditPath(name))}>
            Edit
          </Button>
          {running ? actionButton('stop', 'Stop') : actionButton('start', 'Start')}
          {actionButton('unload', 'Unload', unit.desiredState === 'inactive')}
          <Box sx={{ display: 'flex', alignItems: 'center' }}>
            <Button color="error" variant="outlined" onClick={() => setDestroying(true)}>
              Destroy
            </Button>
            <CopyCommand command={command('destroy')} />
          </Box>
          <Button
            startIcon={<TerminalIcon />}
            onClick={() => terminals.open(name, name)}
            disabled={unit.states.length === 0}
          >
            Terminal
          </Button>
        </Box>
      }
    >
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <Chip label={`Desired: ${unit.desiredState}`} variant="outlined" />
        <Chip label={`Current: ${unit.currentState}`} variant="outlined" />
        {unit.global && <Chip label="Global unit" variant="outlined" />}
        <Chip label={`Hash ${unit.hash.slice(0, 7)}`} variant="outlined" sx={{ fontFamily: 'monospace' }} />
      </Box>

      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <Section title="Status" sx={{ flex: '1 1 420px' }}>
          <StatusTable states={unit.states} names={names} />
        </Section>
        <Section title="Placement" sx={{ flex: '1 1 360px' }}>
          <Placement unit={unit} cluster={cluster} names={names} />
        </Section>
      </Box>

      <Section
        title="Recent journal"
        actions={
          <Link component={RouterLink} to={journalPath}>
            Open in journal
          </Link>
        }
      >
        <Journal cluster={cluster} unit={name} />
      </Section>

      {destroying && (
        <DestroyDialog
          names={[name]}
          command={command('destroy')}
          onDestroy={async () => {
            await actions.destroy([name]);
            navigate('/units');
          }}
          onClose={() => setDestroying(false)}
        />
      )}
    </PageFrame>
  );
}

function Section({
  title,
  actions,
  sx,
  children,
}: {
  title: string;
  actions?: ReactNode;
  sx?: object;
  children: ReactNode;
}) {
  const id = `unit-section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <Paper variant="outlined" component="section" aria-labelledby={id} sx={{ p: 2, minWidth: 0, ...sx }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, mb: 1 }}>
        <Typography id={id} variant="h6" component="h2">
          {title}
        </Typography>
        {actions}
      </Box>
      {children}
    </Paper>
  );
}

function StatusTable({ states, names }: { states: UnitMachineState[]; names: HostNames }) {
  if (states.length === 0)
    return (
      <Typography color="text.secondary">No machine reports this unit: it is not loaded anywhere.</Typography>
    );
  return (
    <Table size="small" aria-label="State per machine">
      <TableHead>
        <TableRow>
          <TableCell>Machine</TableCell>
          <TableCell>Active/Sub</TableCell>
          <TableCell>Since</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {states.map((s) => (
          <TableRow key={s.machineId}>
            <TableCell>{hostOf(names, s.machineId)}</TableCell>
            <TableCell>
              <Box sx={{ display: 'flex', alignItems: 'center' }}>
                <ToneDot tone={stateTone(s)} />
                {stateLabel(s)}
              </Box>
              {s.reason && (
                <Typography variant="body2" color="error">
                  {s.reason}
                </Typography>
              )}
            </TableCell>
            <TableCell>
              <Since at={s.since} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Since({ at }: { at: number | undefined }) {
  const age = useAge(at);
  if (at === undefined || age === undefined) return <>—</>;
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toLocaleString()}>
      {age} ago
    </time>
  );
}

function Placement({ unit, cluster, names }: { unit: UnitInfo; cluster: string; names: HostNames }) {
  const decision = useLatestSchedule(cluster, unit.name);
  if (unit.blocked)
    return (
      <Box>
        <Alert severity="warning" sx={{ mb: 1 }}>
          Cannot be placed: {withHostNames(unit.blocked.message, names)}
        </Alert>
        {unit.blocked.ruledOut.length > 0 && (
          <>
            <Typography variant="subtitle2" component="h3">
              Machines ruled out
            </Typography>
            <RuledOut reason={unit.blocked} names={names} />
          </>
        )}
      </Box>
    );
  const where = unit.global
    ? `Global: runs on every machine that passes its MachineMetadata and Conflicts (${unit.states.length} now).`
    : unit.machineId
      ? `Placed on ${hostOf(names, unit.machineId)}.`
      : unit.desiredState === 'inactive'
        ? 'Not placed: its desired state is inactive (load or start it).'
        : 'Waiting for the scheduler to place it.';
  return (
    <Box>
      <Typography>{where}</Typography>
      {decision && (!unit.machineId || decision.machineId === unit.machineId) && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          Why: {withHostNames(decision.reason, names)}{' '}
          <time dateTime={new Date(decision.at).toISOString()}>
            ({new Date(decision.at).toLocaleTimeString()})
          </time>
        </Typography>
      )}
    </Box>
  );
}

function Journal({ cluster, unit }: { cluster: string; unit: string }) {
  const { entries, error } = useUnitJournal(cluster, unit);
  return (
    <Box>
      {error && (
        <Alert severity="info" sx={{ mb: 1 }}>
          The journal stopped following: {error.message}
        </Alert>
      )}
      {entries.length === 0 && !error ? (
        <Typography color="text.secondary">No journal lines yet.</Typography>
      ) : (
        <Box
          role="log"
          aria-label={`Journal of ${unit}`}
          tabIndex={0}
          sx={{
            fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
            fontSize: 12.5,
            maxHeight: 360,
            overflow: 'auto',
            bgcolor: 'action.hover',
            borderRadius: 1,
            p: 1,
          }}
        >
          {entries.slice(-JOURNAL_LINES).map((e) => (
            <Box
              key={e.cursor}
              sx={{
                display: 'flex',
                gap: 1,
                whiteSpace: 'pre-wrap',
                wordBreak: 'break-word',
                color:
                  e.stream === 'stderr' ? 'error.main' : e.stream === 'system' ? 'text.secondary' : undefined,
              }}
            >
              <Box component="span" sx={{ color: 'text.secondary', flexShrink: 0 }}>
                {e.time.slice(11, 19)} {e.hostname}
              </Box>
              {e.stream === 'stderr' && (
                <Box component="span" sx={{ fontWeight: 'bold', flexShrink: 0 }}>
                  stderr
                </Box>
              )}
              <span>{e.text}</span>
            </Box>
          ))}
        </Box>
      )}
    </Box>
  );
}
