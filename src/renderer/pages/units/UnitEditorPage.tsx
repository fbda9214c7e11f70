import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControl,
  InputLabel,
  LinearProgress,
  Link,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  MenuItem,
  Paper,
  Select,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import ErrorIcon from '@mui/icons-material/Error';
import WarningIcon from '@mui/icons-material/Warning';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link as RouterLink, useNavigate, useParams } from 'react-router-dom';
import type { MachineInfo, Plan, UnitDetail, UnitInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { useApi } from '../../api/hooks';
import { errorText, useNotify } from '../../app/notify';
import { CodeEditor, type CodeEditorHandle } from '../../components/CodeEditor';
import { CopyCommand } from '../../components/CopyCommand';
import { unitEditorData } from '../../editor';
import { hostNames } from '../machines/verdicts';
import {
  APPLY_LABELS,
  applyUnit,
  checkName,
  defaultTarget,
  editorDiagnostics,
  lintFor,
  planChange,
  type ApplyTarget,
  type RegistryVersion,
} from './editor-model';
import { PlanView } from './PlanView';
import { UNIT_TEMPLATES, type UnitTemplate } from './templates';
import { UnitDiff } from './UnitDiff';
import { unitEditPath, unitPath } from './units-model';
import { useLeaveGuard } from './useLeaveGuard';

export interface UnitsPageData {
  cluster: string;
  clusterArgs: readonly string[];
  units: readonly UnitInfo[];
  unitsLoaded: boolean;
  machines: readonly MachineInfo[];
}

type Loaded = { key: string; detail?: UnitDetail; error?: unknown };

/** `/units/new` and `/units/:name/edit`: the editor, once an existing unit's file is loaded. */
export function UnitEditorPage(props: UnitsPageData) {
  const { name } = useParams();
  const api = useApi();
  const key = `${props.cluster}|${name ?? ''}`;
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    if (name === undefined) return undefined;
    let current = true;
    api.call('units.get', { cluster: props.cluster, name }).then(
      (detail) => current && setLoaded({ key, detail }),
      (error: unknown) => current && setLoaded({ key, error }),
    );
    return () => {
      current = false;
    };
    // The file is read once per unit: later registry changes are the conflict banner's business.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  if (name === undefined) {
    const hello = UNIT_TEMPLATES[0] as UnitTemplate;
    return <UnitEditor key="new" {...props} isNew initial={{ name: hello.name, content: hello.content }} />;
  }
  const state = loaded?.key === key ? loaded : undefined;
  if (!state)
    return (
      <Box sx={{ maxWidth: 480 }}>
        <Typography>Reading {name} from the registry…</Typography>
        <LinearProgress aria-label={`Reading ${name}`} sx={{ mt: 1 }} />
      </Box>
    );
  if (!state.detail)
    return (
      <Alert
        severity="error"
        action={
          <Button color="inherit" component={RouterLink} to="/units">
            All units
          </Button>
        }
      >
        Could not open {name}: {errorText(state.error)}
      </Alert>
    );
  const { detail } = state;
  return (
    <UnitEditor
      key={key}
      {...props}
      isNew={false}
      initial={{
        name: detail.name,
        content: detail.content,
        base: { hash: detail.hash, content: detail.content },
        unit: detail,
      }}
    />
  );
}

type PlanState = { key: string; plan?: Plan; error?: string; note?: string };

function UnitEditor({
  cluster,
  clusterArgs,
  units,
  unitsLoaded,
  machines,
  isNew,
  initial,
}: UnitsPageData & {
  isNew: boolean;
  /** `unit`: the registry's unit as read when the editor opened. */
  initial: { name: string; content: string; base?: RegistryVersion; unit?: UnitInfo };
}) {
  const api = useApi();
  const notify = useNotify();
  const navigate = useNavigate();
  const editor = useRef<CodeEditorHandle>(null);
  const ids = useId();

  const [name, setName] = useState(initial.name);
  const [instance, setInstance] = useState('1');
  const [content, setContent] = useState(initial.content);
  /** What "unsaved" compares with: the file as opened, picked or last applied. */
  const [start, setStart] = useState(initial.content);
  /** The registry version this edit is based on; replacing any other needs the person's say. */
  const [base, setBase] = useState(initial.base);
  /** Someone else's version, once the registry moved away from `base`. */
  const [theirs, setTheirs] = useState<RegistryVersion>();
  const [template, setTemplate] = useState<UnitTemplate['id'] | undefined>(isNew ? 'hello' : undefined);
  const [askTemplate, setAskTemplate] = useState<UnitTemplate>();
  const [target, setTarget] = useState<ApplyTarget>(() => defaultTarget(initial.unit));
  const [plan, setPlan] = useState<PlanState>();
  const [planning, setPlanning] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string>();
  const [applyError, setApplyError] = useState<string>();
  const [showDiff, setShowDiff] = useState(false);

  const check = checkName(name, instance);
  const runName = check.template && target === 'submit' ? name : check.runName;
  const lint = useMemo(() => lintFor(content, name), [content, name]);
  const diagnostics = useMemo(() => editorDiagnostics(lint.diagnostics), [lint]);
  const errors = lint.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = lint.diagnostics.length - errors;
  const names = useMemo(() => hostNames(machines), [machines]);
  const live = units.find((u) => u.name === name);
  const runUnit = runName ? units.find((u) => u.name === runName) : undefined;
  // Keyed by the names only: unit states change often, and completion needs none of them.
  const unitNames = units.map((u) => u.name).join('\n');
  const completionData = useMemo(
    () => unitEditorData.of({ machines, units: unitNames ? unitNames.split('\n') : [] }),
    [machines, unitNames],
  );

  // Someone replaced the unit while it is open here: fetch their version for the banner. Our
  // own applies are excluded (busy), and `base` moves to what we submitted afterwards.
  const liveHash = live?.hash;
  useEffect(() => {
    if (busy || base === undefined || liveHash === undefined) return undefined;
    if (liveHash === base.hash || liveHash === theirs?.hash) return undefined;
    let current = true;
    api.call('units.get', { cluster, name }).then(
      (d) => current && d.hash !== base.hash && setTheirs({ hash: d.hash, content: d.content }),
      // Not readable now: Apply checks the registry again anyway.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, cluster, name, liveHash, base, theirs?.hash, busy]);

  const conflict = theirs !== undefined && theirs.hash !== base?.hash ? theirs : undefined;
  const destroyedElsewhere = !isNew && base !== undefined && unitsLoaded && !live && !busy;
  const dirty = content !== start;
  const { prompt, leave } = useLeaveGuard(
    dirty,
    `Your changes to ${name || 'the new unit'} are not in the registry; leaving discards them.`,
  );

  const refusalFor = (action: 'plan' | 'apply'): string | undefined => {
    if (check.problem) return `Fix the unit name first: ${check.problem}`;
    if (errors > 0)
      return `${action === 'plan' ? 'Plan' : 'Submit'} refuses a unit file with errors: fix the ${
        errors === 1 ? 'error' : `${errors} errors`
      } listed under Problems first.`;
    if (conflict) return 'Resolve the conflict first: take their version or keep yours.';
    if (!runName) return `Fix the instance first: ${check.instanceProblem ?? 'name one'}`;
    return undefined;
  };
  const planKey = JSON.stringify([runName, content, target]);

  const doPlan = async () => {
    const why = refusalFor('plan');
    setRefusal(why);
    if (why || !runName) return;
    if (target === 'submit' && !runUnit) {
      setPlan({
        key: planKey,
        note: `Submitting alone runs nothing: ${name} stays inactive until it is loaded or started.`,
      });
      return;
    }
    setPlanning(true);
    try {
      const result = await api.call('plan.preview', {
        cluster,
        change: planChange(runName, content, runUnit, target),
      });
      setPlan({ key: planKey, plan: result });
    } catch (err) {
      setPlan({ key: planKey, error: errorText(err) });
    } finally {
      setPlanning(false);
    }
  };

  const doApply = async () => {
    const why = refusalFor('apply');
    setRefusal(why);
    if (why || !runName) return;
    setBusy(true);
    setApplyError(undefined);
    try {
      const result = await applyUnit(api, { cluster, name, runName, content, base, target });
      if (result.kind === 'conflict') {
        setTheirs(result.theirs);
        return;
      }
      setBase({ hash: result.hash, content });
      setStart(content);
      setTheirs(undefined);
      notify.success(
        target === 'launched'
          ? `Started ${runName}`
          : target === 'loaded'
            ? `Loaded ${runName}`
            : result.outcome === 'unchanged'
              ? `${name} is unchanged in the registry`
              : `${result.outcome === 'replaced' ? 'Replaced' : 'Submitted'} ${name}`,
      );
      leave(() => navigate(unitPath(runName)));
    } catch (err) {
      setApplyError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const pickTemplate = (t: UnitTemplate) => {
    const previous = UNIT_TEMPLATES.find((x) => x.id === template);
    setTemplate(t.id);
    setContent(t.content);
    setStart(t.content);
    setAskTemplate(undefined);
    if (name === '' || name === previous?.name) setName(t.name);
  };

  const replacing = base !== undefined || live !== undefined;
  const verb = APPLY_LABELS[target].verb;
  const command = flotctl(verb, ...clusterArgs, ...(replacing ? ['--replace'] : []), runName ?? name);
  const planShown = plan && plan.key === planKey ? plan : undefined;
  const planStale = plan !== undefined && plan.key !== planKey;

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, pb: 2 }}>
      {isNew && (
        <Box>
          <ToggleButtonGroup
            exclusive
            size="small"
            value={template ?? null}
            aria-label="Start from a template"
            onChange={(_e, id: UnitTemplate['id'] | null) => {
              const t = UNIT_TEMPLATES.find((x) => x.id === id);
              if (!t) return;
              if (dirty) setAskTemplate(t);
              else pickTemplate(t);
            }}
          >
            {UNIT_TEMPLATES.map((t) => (
              <ToggleButton key={t.id} value={t.id}>
                {t.title}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
          <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
            {UNIT_TEMPLATES.find((t) => t.id === template)?.summary ?? 'Your own unit file.'}
          </Typography>
        </Box>
      )}

      {isNew && (
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField
            label="Unit name"
            size="small"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={check.problem !== undefined}
            helperText={check.problem ?? 'e.g. hello.service; name@.service for a template'}
            sx={{ width: 340 }}
            slotProps={{ htmlInput: { spellCheck: false } }}
          />
          {check.template && (
            <TextField
              label="Instance to run"
              size="small"
              value={instance}
              onChange={(e) => setInstance(e.target.value)}
              error={check.instanceProblem !== undefined}
              helperText={check.instanceProblem ?? `Load and Start run ${check.runName ?? 'an instance'}`}
              sx={{ width: 260 }}
            />
          )}
        </Box>
      )}
      {!isNew && check.template && (
        <TextField
          label="Instance to run"
          size="small"
          value={instance}
          onChange={(e) => setInstance(e.target.value)}
          error={check.instanceProblem !== undefined}
          helperText={check.instanceProblem ?? `Load and Start run ${check.runName ?? 'an instance'}`}
          sx={{ width: 260 }}
        />
      )}

      {isNew && live && !conflict && base === undefined && (
        <Alert severity="info">
          A unit named {name} is in the registry already; submitting asks before replacing it.{' '}
          <Link component={RouterLink} to={unitEditPath(name)}>
            Edit {name} instead
          </Link>
        </Alert>
      )}
      {destroyedElsewhere && (
        <Alert severity="warning">
          {name} was destroyed while you were editing it; submitting creates it again.
        </Alert>
      )}
      {conflict && (
        <Alert severity="warning" role="alert">
          <AlertTitle>
            {base
              ? `${name} was replaced in the registry while you were editing it`
              : `${name} is in the registry already`}
          </AlertTitle>
          Nothing was overwritten. Here is their version against yours; take theirs, or keep yours and replace
          theirs knowingly.
          <Box sx={{ my: 1 }}>
            <UnitDiff
              original={conflict.content}
              modified={content}
              label={`Their ${name} against yours`}
              from="their version"
              to="yours"
              height={240}
            />
          </Box>
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button
              variant="outlined"
              color="inherit"
              onClick={() => {
                setContent(conflict.content);
                setStart(conflict.content);
                setBase(conflict);
                setTheirs(undefined);
                setRefusal(undefined);
              }}
            >
              Take theirs
            </Button>
            <Button
              variant="outlined"
              color="inherit"
              onClick={() => {
                setBase(conflict);
                setTheirs(undefined);
                setRefusal(undefined);
              }}
            >
              Keep mine
            </Button>
          </Box>
        </Alert>
      )}

      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <Box sx={{ flex: '1 1 560px', minWidth: 0, display: 'flex', flexDirection: 'column', gap: 1 }}>
          <CodeEditor
            ref={editor}
            label="Unit file"
            language="unit"
            value={content}
            onChange={setContent}
            diagnostics={diagnostics}
            extensions={completionData}
            height={420}
          />
          <Typography variant="body2" color="text.secondary">
            Ctrl+Space completes sections, keys and [X-Fleet] options; hover a key for what it does.
          </Typography>
          <Box component="section" aria-labelledby={`${ids}-problems`}>
            <Typography variant="subtitle2" component="h2" id={`${ids}-problems`}>
              Problems
              <Typography component="span" variant="body2" color="text.secondary" sx={{ ml: 1 }}>
                {errors === 0 && warnings === 0
                  ? 'none'
                  : `${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`}
              </Typography>
            </Typography>
            {lint.diagnostics.length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                None: fleet and systemd would read this file cleanly.
              </Typography>
            ) : (
              <List dense disablePadding aria-labelledby={`${ids}-problems`}>
                {lint.diagnostics.map((d, i) => (
                  <ListItemButton key={i} onClick={() => editor.current?.revealLine(d.line, d.column)}>
                    <ListItemIcon sx={{ minWidth: 32 }}>
                      {d.severity === 'error' ? (
                        <ErrorIcon color="error" fontSize="small" titleAccess="Error" />
                      ) : (
                        <WarningIcon color="warning" fontSize="small" titleAccess="Warning" />
                      )}
                    </ListItemIcon>
                    <ListItemText
                      primary={`Line ${d.line}, column ${d.column}: ${d.message}`}
                      secondary={d.hint}
                    />
                  </ListItemButton>
                ))}
              </List>
            )}
          </Box>
        </Box>

        <Paper
          variant="outlined"
          component="section"
          aria-labelledby={`${ids}-plan`}
          sx={{ flex: '1 1 340px', p: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
        >
          <Typography variant="subtitle1" component="h2" id={`${ids}-plan`}>
            Plan and apply
          </Typography>
          <FormControl size="small">
            <InputLabel id={`${ids}-target`}>After submitting</InputLabel>
            <Select
              labelId={`${ids}-target`}
              label="After submitting"
              value={target}
              onChange={(e) => setTarget(e.target.value as ApplyTarget)}
            >
              {(['launched', 'loaded', 'submit'] as const).map((t) => (
                <MenuItem key={t} value={t}>
                  {APPLY_LABELS[t].option}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <Button variant="outlined" onClick={() => void doPlan()} disabled={planning || busy}>
              Plan
            </Button>
            <Button variant="contained" onClick={() => void doApply()} disabled={busy}>
              {APPLY_LABELS[target].button}
            </Button>
            <CopyCommand command={command} />
            <Box sx={{ flex: 1 }} />
            <Button onClick={() => navigate(isNew ? '/units' : unitPath(name))}>Cancel</Button>
          </Box>
          {(planning || busy) && (
            <LinearProgress aria-label={busy ? `Applying ${name}` : 'Asking the scheduler for the plan'} />
          )}
          {refusal && <Alert severity="error">{refusal}</Alert>}
          {applyError && <Alert severity="error">Apply failed: {applyError}</Alert>}
          {planStale && !planning && (
            <Alert severity="info">
              The file or the choice changed since the last plan: plan again to see.
            </Alert>
          )}
          {planShown?.error && <Alert severity="error">Could not get the plan: {planShown.error}</Alert>}
          {planShown?.note && <Typography>{planShown.note}</Typography>}
          {planShown?.plan && runName && <PlanView plan={planShown.plan} unit={runName} names={names} />}
          {!plan && !planning && (
            <Typography variant="body2" color="text.secondary">
              Plan asks the scheduler where {runName ?? 'the unit'} would run and what else would stop or
              start, before anything changes.
            </Typography>
          )}
        </Paper>
      </Box>

      {!isNew && base && (
        <Box>
          <ToggleButton size="small" value="diff" selected={showDiff} onChange={() => setShowDiff((v) => !v)}>
            Diff against the registry
          </ToggleButton>
          {showDiff && (
            <Box sx={{ mt: 1 }}>
              <UnitDiff
                original={base.content}
                modified={content}
                label={`Changes to ${name}: registry → editor`}
                from="the registry"
                to="the editor"
              />
            </Box>
          )}
        </Box>
      )}

      {askTemplate && (
        <Dialog open onClose={() => setAskTemplate(undefined)} aria-labelledby={`${ids}-ask`}>
          <DialogTitle id={`${ids}-ask`}>Start over from “{askTemplate.title}”?</DialogTitle>
          <DialogContent>
            <DialogContentText>The template replaces what you wrote in the editor.</DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setAskTemplate(undefined)}>Keep my text</Button>
            <Button color="error" onClick={() => pickTemplate(askTemplate)}>
              Replace it
            </Button>
          </DialogActions>
        </Dialog>
      )}
      {prompt}
    </Box>
  );
}
