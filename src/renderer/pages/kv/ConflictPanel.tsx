import { Alert, AlertTitle, Box, Button } from '@mui/material';
import type { KvEntry } from '../../../shared/api';
import { DiffView } from './DiffView';

/** Someone else changed (or deleted) the key after the edit started. */
export interface Conflict {
  /** What the key holds now; absent when it was deleted. */
  theirs?: KvEntry;
  /** Their mod_revision, or the revision that deleted the key. */
  revision: number;
}

/** The headline of a conflict: "changed at revision N by someone else". */
export function conflictTitle(c: Conflict): string {
  return c.theirs
    ? `Changed at revision ${c.revision} by someone else`
    : `Deleted at revision ${c.revision} by someone else`;
}

/**
 * What changed under an edit, theirs ↔ yours, and the two ways on: take theirs (drop the edit),
 * or overwrite — a second write that expects their revision, so a third writer is caught too.
 */
export function ConflictPanel({
  conflict,
  yours,
  busy,
  onTakeTheirs,
  onOverwrite,
}: {
  conflict: Conflict;
  yours: string;
  busy: boolean;
  onTakeTheirs(): void;
  onOverwrite(): void;
}) {
  return (
    <Alert
      severity="warning"
      role="alert"
      sx={{ '& .MuiAlert-message': { flex: 1, minWidth: 0 } }}
      aria-label={conflictTitle(conflict)}
    >
      <AlertTitle>{conflictTitle(conflict)}</AlertTitle>
      {conflict.theirs
        ? 'Your edit started from an older revision. Nothing was overwritten. Compare their value with yours:'
        : 'The key no longer exists. Nothing was written. Your value, to write it again:'}
      <Box sx={{ my: 1 }}>
        <DiffView
          before={conflict.theirs?.value ?? ''}
          after={yours}
          beforeName={conflict.theirs ? `theirs (revision ${conflict.revision})` : 'deleted'}
          afterName="yours"
          label={`Theirs and yours: changes from revision ${conflict.revision} to your edit`}
          context={5}
        />
      </Box>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <Button variant="outlined" color="inherit" onClick={onTakeTheirs} disabled={busy}>
          {conflict.theirs ? 'Take theirs' : 'Discard my edit'}
        </Button>
        <Button variant="contained" onClick={onOverwrite} disabled={busy}>
          {conflict.theirs
            ? `Overwrite revision ${conflict.revision} with mine`
            : 'Create it again with mine'}
        </Button>
      </Box>
    </Alert>
  );
}
