import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  Typography,
} from '@mui/material';
import { useEffect, useId, useMemo, useState } from 'react';
import type { MachineInfo, MoveTarget } from '../../../shared/api';
import { describeError } from '../../app/notify';
import { naturalOrder } from './board-model';
import { HERE, acceptsDrop, hostNames, verdictsFrom, type Verdict } from './verdicts';

/** What a machine says to a move, as a choice in a list. */
export function choiceText(verdict: Verdict | undefined): string {
  switch (verdict?.kind) {
    case undefined:
    case 'checking':
      return 'Checking…';
    case 'here':
      return 'Already here';
    case 'allowed':
      return verdict.followers.length === 0
        ? 'May move here'
        : `May move here, with ${verdict.followers.join(', ')}`;
    case 'refused':
      return `Can't move here: ${verdict.reason}`;
    case 'unchecked':
      return `Not checked: ${verdict.reason}`;
  }
}

type Answer = { targets: Map<string, Verdict> } | { error: string };

/** "Move to…" without a mouse: every machine with its verdict; refused ones cannot be chosen. */
export function MoveToDialog({
  unit,
  from,
  machines,
  loadTargets,
  onChoose,
  onClose,
}: {
  unit: string;
  from: string | undefined;
  machines: MachineInfo[];
  loadTargets(): Promise<MoveTarget[]>;
  onChoose(machine: MachineInfo): void;
  onClose(): void;
}) {
  const titleId = useId();
  const [answer, setAnswer] = useState<Answer>();
  const names = useMemo(() => hostNames(machines), [machines]);
  useEffect(() => {
    let current = true;
    loadTargets().then(
      (targets) => current && setAnswer({ targets: verdictsFrom(targets, names) }),
      (err: unknown) => current && setAnswer({ error: describeError(err).message }),
    );
    return () => {
      current = false;
    };
    // Asked once per dialog: the list is a snapshot of the scheduler's answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const sorted = useMemo(() => [...machines].sort((a, b) => naturalOrder(a.name, b.name)), [machines]);
  const verdictOf = (machine: MachineInfo): Verdict | undefined =>
    machine.id === from
      ? HERE
      : answer && 'targets' in answer
        ? (answer.targets.get(machine.id) ?? { kind: 'unchecked', reason: 'no answer for this machine' })
        : undefined;

  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>Move {unit} to…</DialogTitle>
      <DialogContent dividers>
        {!answer && (
          <>
            <Typography variant="body2">Asking the scheduler which machines may take it…</Typography>
            <LinearProgress aria-label="Asking the scheduler" sx={{ mt: 1 }} />
          </>
        )}
        {answer && 'error' in answer && (
          <Alert severity="warning" sx={{ mb: 1 }}>
            Could not ask the scheduler ({answer.error}). You can still pick a machine: the plan shows whether
            the move is possible.
          </Alert>
        )}
        {answer && (
          <List aria-label="Machines" dense>
            {sorted.map((machine) => {
              const verdict =
                'error' in answer
                  ? ({ kind: 'unchecked', reason: answer.error } as const)
                  : verdictOf(machine);
              const allowed = verdict !== undefined && acceptsDrop(verdict);
              return (
                <ListItem key={machine.id} disablePadding>
                  <ListItemButton
                    disabled={!allowed}
                    onClick={() => onChoose(machine)}
                    // Refused machines stay legible: their reason is what the person came to read.
                    sx={{ '&.Mui-disabled': { opacity: 1, color: 'text.secondary' } }}
                  >
                    <ListItemText primary={machine.name} secondary={choiceText(verdict)} />
                  </ListItemButton>
                </ListItem>
              );
            })}
          </List>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
      </DialogActions>
    </Dialog>
  );
}
