import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  Typography,
} from '@mui/material';
import { useEffect, useId, useMemo, useState } from 'react';
import type { MachineInfo, Plan } from '../../../shared/api';
import { describeError, useConfirm } from '../../app/notify';
import { CopyCommand } from '../../components/CopyCommand';
import { PlanSteps } from './PlanSteps';
import { hostNames, hostOf } from './verdicts';

type Loaded = { plan: Plan } | { error: string };

/**
 * What moving a unit would do, asked of the scheduler before anything moves: what stops where,
 * what starts where, in host names. Apply does it; the same as `flotctl move UNIT HOST`.
 */
export function PlanDialog({
  unit,
  from,
  to,
  machines,
  command,
  loadPlan,
  onApply,
  onClose,
}: {
  unit: string;
  from: string | undefined;
  to: MachineInfo;
  machines: MachineInfo[];
  command: string;
  loadPlan(): Promise<Plan>;
  /** Resolves when the move is done; a rejection is shown in the dialog. */
  onApply(): Promise<void>;
  onClose(): void;
}) {
  const titleId = useId();
  const names = useMemo(() => hostNames(machines), [machines]);
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    let current = true;
    loadPlan().then(
      (plan) => current && setLoaded({ plan }),
      (err: unknown) => current && setLoaded({ error: describeError(err).message }),
    );
    return () => {
      current = false;
    };
    // One plan per dialog: it shows what Apply would do at the moment it was asked.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const plan = loaded && 'plan' in loaded ? loaded.plan : undefined;

  const { confirm: apply, busy: applying, error: applyError } = useConfirm(onApply);

  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>
        Move {unit} to {to.name}
      </DialogTitle>
      <DialogContent dividers>
        <Typography variant="body2" sx={{ mb: 1 }}>
          {from ? `${unit} runs on ${hostOf(names, from)} now.` : `${unit} has no machine now.`}
        </Typography>
        {!loaded && (
          <>
            <Typography variant="body2">Asking the scheduler for the plan…</Typography>
            <LinearProgress aria-label="Asking the scheduler for the plan" sx={{ mt: 1 }} />
          </>
        )}
        {loaded && 'error' in loaded && (
          <Alert severity="error">Could not get the plan: {loaded.error}</Alert>
        )}
        {plan && (
          <PlanSteps plan={plan} names={names} what="move" blockedTitle="Cannot be placed afterwards" />
        )}
        {applyError && (
          <Alert severity="error" sx={{ mt: 1 }}>
            The move failed: {applyError}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <CopyCommand command={command} />
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={apply} disabled={!plan?.valid || applying}>
          Apply
        </Button>
      </DialogActions>
    </Dialog>
  );
}
