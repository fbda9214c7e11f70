import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@mui/material';
import { useId } from 'react';
import type { MachineInfo } from '../../../shared/api';
import { useConfirm } from '../../app/notify';
import { CopyCommand } from '../../components/CopyCommand';
import { MACHINE_ACTIONS, type MachineAction } from './machine-actions';

/** Says what stopping, killing, restarting or starting a machine does before it happens. */
export function MachineActionDialog({
  machine,
  action,
  command,
  onConfirm,
  onClose,
}: {
  machine: MachineInfo;
  action: MachineAction;
  command: string;
  /** Resolves once the task is started (its progress shows in the status bar); a rejection shows here. */
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const titleId = useId();
  const info = MACHINE_ACTIONS.find((a) => a.action === action)!;
  const { confirm, busy, error } = useConfirm(onConfirm);
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} maxWidth="xs" fullWidth>
      <DialogTitle id={titleId}>{info.title(machine.name)}?</DialogTitle>
      <DialogContent>
        <Typography variant="body2">{info.effect}</Typography>
        {machine.remote && (
          <Typography variant="body2" sx={{ mt: 1 }}>
            Host: <code>{machine.remote.address}</code>
          </Typography>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <CopyCommand command={command} />
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Cancel</Button>
        {/* Primary, not error red: MUI's dark-theme red under white text is below 4.5:1. */}
        <Button variant="contained" onClick={confirm} disabled={busy}>
          {info.title(machine.name)}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
