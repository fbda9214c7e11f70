import { Alert, Box, Button, Stack, Step, StepLabel, Stepper, Typography } from '@mui/material';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError } from '../../../shared/api';
import { useApi, useTasks } from '../../api/hooks';
import { useClusters } from '../../api/live';
import { describeError, useNotify } from '../../app/notify';
import { AccessStep } from './AccessStep';
import { BasicsStep } from './BasicsStep';
import { CreateProgress } from './CreateProgress';
import { useDraft } from './DraftContext';
import { createParams, hostnames, machineCount, type Draft } from './draft';
import { KvStep } from './KvStep';
import { MachinesStep } from './MachinesStep';
import { generateConfigs, readyToCreate, withEdits, type Network } from './review';
import { ReviewStep, type ConfigLocation } from './ReviewStep';
import type { StepProps } from './stepProps';
import { UpdatesStep } from './UpdatesStep';
import {
  accessErrors,
  basicsErrors,
  kvErrors,
  machinesErrors,
  updatesErrors,
  type FieldErrors,
} from './validate';

export const STEPS = ['Basics', 'Machines', 'KV', 'Updates', 'Access', 'Review', 'Create'] as const;
const REVIEW = STEPS.indexOf('Review');
const CREATE = STEPS.indexOf('Create');

const FORM_STEPS = [BasicsStep, MachinesStep, KvStep, UpdatesStep, AccessStep];

function stepErrors(step: number, d: Draft, existing: readonly string[]): FieldErrors {
  switch (STEPS[step]) {
    case 'Basics':
      return basicsErrors(d, existing);
    case 'Machines':
      return machinesErrors(d);
    case 'KV':
      return kvErrors(d);
    case 'Updates':
      return updatesErrors(d);
    case 'Access':
      return accessErrors(d);
    default:
      return {};
  }
}

/** Where a refused create points in a cloud-config: BAD_REQUEST details name the machine and line. */
export function configLocation(err: unknown): ConfigLocation | undefined {
  if (!(err instanceof ApiError) || err.code !== 'BAD_REQUEST') return undefined;
  const d = err.details as { machine?: unknown; line?: unknown; column?: unknown } | undefined;
  if (typeof d?.machine !== 'string' || typeof d.line !== 'number') return undefined;
  return { host: d.machine, line: d.line, column: typeof d.column === 'number' ? d.column : 1 };
}

/** The addresses a cluster of this size would get, asked for when `wanted`. */
function useAddresses(machines: number, prefix: string, wanted: boolean) {
  const api = useApi();
  const key = `${machines}/${prefix}/${String(wanted)}`;
  const [result, setResult] = useState<{ key: string; network?: Network; error?: unknown }>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!wanted) return undefined;
    let live = true;
    api.call('clusters.addresses', { machines, prefix }).then(
      (network) => live && setResult({ key, network }),
      (error: unknown) => live && setResult({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [api, key, machines, prefix, wanted, attempt]);
  const current = result?.key === key ? result : undefined;
  return {
    network: current?.network,
    error: current?.error,
    retry: () => {
      setResult(undefined);
      setAttempt((a) => a + 1);
    },
  };
}

interface Creation {
  name: string;
  hosts: string[];
  taskId?: string;
  /** The create call itself failed (not the task). */
  error?: unknown;
}

/** The new-cluster wizard: a step per concern, a review of every machine's cloud-config, then progress. */
export function CreateWizard() {
  const api = useApi();
  const navigate = useNavigate();
  const notify = useNotify();
  const { draft, setDraft, resetDraft } = useDraft();
  const clusters = useClusters().items;
  const tasks = useTasks();
  const [step, setStep] = useState(0);
  const [attempted, setAttempted] = useState(false);
  const [tab, setTab] = useState('');
  const [reveal, setReveal] = useState<ConfigLocation | null>(null);
  const [refusal, setRefusal] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [creation, setCreation] = useState<Creation | null>(null);

  const errors = stepErrors(
    step,
    draft,
    clusters.map((c) => c.name),
  );
  const n = machineCount(draft);
  const addresses = useAddresses(n, draft.prefix, step >= REVIEW && n > 0);
  const network = addresses.network;
  // Generating parses YAML for every machine: only again when something other than the edits changed.
  const basis = JSON.stringify({ ...draft, edited: {} });
  const generated = useMemo(
    () => (network ? generateConfigs(JSON.parse(basis) as Draft, network) : undefined),
    [basis, network],
  );
  const configs = useMemo(() => generated && withEdits(generated, draft.edited), [generated, draft.edited]);
  const task = tasks.find((t) => t.id === creation?.taskId);
  const finished = useRef(false);

  useEffect(() => {
    if (task?.state !== 'succeeded' || !creation || finished.current) return;
    finished.current = true;
    const { name } = creation;
    const made = clusters.find((c) => c.name === name);
    // The board shows the active cluster: the one just made is the one the person wants to see.
    if (made && !made.active)
      void api.call('clusters.setActive', { name }).catch((e) => notify.error(e, `Making ${name} active`));
    resetDraft();
    navigate('/machines');
  }, [task?.state, creation, clusters, api, notify, resetDraft, navigate]);

  const create = async () => {
    if (!network) return;
    const name = draft.name;
    setBusy(true);
    setRefusal(undefined);
    try {
      const { taskId } = await api.call('clusters.create', createParams(draft, network));
      setCreation({ name, hosts: hostnames(draft.prefix, n), taskId });
      setStep(CREATE);
    } catch (err) {
      const at = configLocation(err);
      if (at) {
        setRefusal(err);
        setTab(at.host);
        setReveal(at);
      } else {
        setCreation({ name, hosts: hostnames(draft.prefix, n), error: err });
        setStep(CREATE);
      }
    } finally {
      setBusy(false);
    }
  };

  const next = () => {
    if (Object.keys(errors).length > 0) {
      setAttempted(true);
      return;
    }
    setAttempted(false);
    if (step === REVIEW) void create();
    else setStep(step + 1);
  };
  const back = () => {
    setAttempted(false);
    setStep(step - 1);
  };

  const stepProps: StepProps = { draft, setDraft, errors, attempted };
  const FormStep = FORM_STEPS[step];
  const blocked = step === REVIEW && (!configs || !readyToCreate(configs) || busy);
  const errorCount = configs?.filter((m) => m.errors > 0).map((m) => `${m.host} (${m.errors})`) ?? [];

  return (
    <Box sx={{ p: 3 }}>
      <Typography id="page-title" variant="h4" component="h1" gutterBottom>
        New cluster
      </Typography>
      <Stepper activeStep={step} sx={{ mb: 3 }} aria-label="Steps">
        {STEPS.map((label) => (
          <Step key={label}>
            <StepLabel>{label}</StepLabel>
          </Step>
        ))}
      </Stepper>
      {step === CREATE && creation ? (
        <CreateProgress
          name={creation.name}
          hosts={creation.hosts}
          task={task}
          error={creation.error}
          leftBehind={clusters.some((c) => c.name === creation.name && c.state === 'failed')}
          onBack={() => {
            setCreation(null);
            setStep(REVIEW);
          }}
        />
      ) : (
        <Box
          component="form"
          noValidate
          aria-label={STEPS[step]}
          onSubmit={(e) => {
            e.preventDefault();
            next();
          }}
        >
          {refusal !== undefined && step === REVIEW && (
            <Alert severity="error" sx={{ mb: 2 }}>
              {describeError(refusal).message}
            </Alert>
          )}
          {FormStep ? (
            <FormStep {...stepProps} />
          ) : (
            <ReviewStep
              draft={draft}
              setDraft={setDraft}
              configs={configs}
              addressError={addresses.error}
              onRetry={addresses.retry}
              tab={tab}
              onTab={setTab}
              reveal={reveal}
            />
          )}
          {attempted && Object.keys(errors).length > 0 && (
            <Alert severity="error" sx={{ mt: 2 }}>
              Fix the fields marked in red to go on.
            </Alert>
          )}
          <Stack direction="row" sx={{ gap: 1, mt: 3, alignItems: 'center' }}>
            <Button
              onClick={() => {
                resetDraft();
                navigate('/clusters');
              }}
            >
              Cancel
            </Button>
            <Box sx={{ flex: 1 }} />
            {errorCount.length > 0 && (
              <Typography variant="body2" color="error">
                Errors in {errorCount.join(', ')}
              </Typography>
            )}
            <Button onClick={back} disabled={step === 0}>
              Back
            </Button>
            <Button type="submit" variant="contained" disabled={blocked}>
              {step === REVIEW ? 'Create cluster' : 'Next'}
            </Button>
          </Stack>
        </Box>
      )}
    </Box>
  );
}
