import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@mui/material';
import { useCallback, useId } from 'react';
import type { UnitInfo } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { useConfirm, useNotify } from '../../app/notify';
import { CopyCommand } from '../../components/CopyCommand';
import { ACTION_LABELS, ACTION_STATE, actionSummary, actionTargets, type UnitAction } from './units-model';

/**
 * Runs start/stop/unload on units as fleet would (only those the action changes) and says what
 * happened; failures become a notification. Destroy goes through `destroyUnits` after a confirm.
 */
export function useUnitActions(cluster: string | undefined) {
  const api = useApi();
  const notify = useNotify();

  const setState = useCallback(
    async (action: Exclude<UnitAction, 'destroy'>, units: readonly UnitInfo[]): Promise<void> => {
      const { apply, skip } = actionTargets(action, units);
      if (apply.length === 0) {
        const { already } = ACTION_LABELS[action];
        notify.info(
          units.length === 1 ? `${units[0]?.name} is ${already}` : `Every selected unit is ${already}`,
        );
        return;
      }
      try {
        await api.call('units.setState', { cluster, names: apply, state: ACTION_STATE[action] });
        notify.success(actionSummary(action, apply, skip));
      } catch (err) {
        const what = apply.length === 1 ? apply[0] : `${apply.length} units`;
        notify.error(err, `${ACTION_LABELS[action].verb} ${what}`);
      }
    },
    [api, cluster, notify],
  );

  /** Resolves when destroyed (and says so); rejects so a confirm dialog can show why not. */
  const destroy = useCallback(
    async (names: readonly string[]): Promise<void> => {
      const { destroyed } = await api.call('units.destroy', { cluster, names: [...names] });
      notify.success(actionSummary('destroy', destroyed, []));
    },
    [api, cluster, notify],
  );

  return { setState, destroy };
}

/** "Destroy 3 units?" — what goes, the same as a flotctl line, and Destroy/Cancel. */
export function DestroyDialog({
  names,
  command,
  onDestroy,
  onClose,
}: {
  names: readonly string[];
  command: string;
  /** Resolves when done (the caller closes the dialog); a rejection stays in the dialog. */
  onDestroy(): Promise<void>;
  onClose(): void;
}) {
  const titleId = useId();
  const { confirm, busy, error } = useConfirm(onDestroy);
  const shown = names.slice(0, 10);
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>
        Destroy {names.length === 1 ? names[0] : `${names.length} units`}?
      </DialogTitle>
      <DialogContent dividers>
        <DialogContentText>
          Destroying stops {names.length === 1 ? 'the unit' : 'the units'} wherever{' '}
          {names.length === 1 ? 'it runs' : 'they run'} and removes{' '}
          {names.length === 1 ? 'its file' : 'their files'} from the registry. This cannot be undone.
        </DialogContentText>
        {names.length > 1 && (
          <Box component="ul" sx={{ mt: 1, mb: 0, pl: 2.5 }}>
            {shown.map((n) => (
              <li key={n}>{n}</li>
            ))}
            {names.length > shown.length && <li>… and {names.length - shown.length} more</li>}
          </Box>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            Destroy failed: {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <CopyCommand command={command} />
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" color="error" onClick={confirm} disabled={busy}>
          Destroy
        </Button>
      </DialogActions>
    </Dialog>
  );
}
