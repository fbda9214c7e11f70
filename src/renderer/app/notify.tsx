import { Button } from '@mui/material';
import { closeSnackbar, useSnackbar, type SnackbarKey } from 'notistack';
import { useMemo, useState } from 'react';
import { ApiError } from '../../shared/api';

export interface Notify {
  info(message: string): void;
  success(message: string): void;
  /** A failure as a notification that stays: what failed, why, and what to do (the API's hint). */
  error(err: unknown, what: string): void;
  /** A notification with an Undo button for a few seconds; `undo` runs at most once. */
  undoable(message: string, undo: () => void, seconds?: number): void;
}

/** What a failure says to a person: the message and, when the API knows one, what to do. */
export function describeError(err: unknown): { message: string; hint?: string } {
  if (err instanceof ApiError) return { message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The same as one line: "message — hint". */
export function errorText(err: unknown): string {
  const { message, hint } = describeError(err);
  return hint ? `${message} — ${hint}` : message;
}

/**
 * A dialog's confirm button: runs `action` once at a time; a failure stays in the dialog as
 * `error` (the dialog closes itself on success).
 */
export function useConfirm(action: () => Promise<unknown>): {
  confirm: () => void;
  busy: boolean;
  error: string | undefined;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = () => {
    setBusy(true);
    setError(undefined);
    action().catch((err: unknown) => {
      setError(errorText(err));
      setBusy(false);
    });
  };
  return { confirm, busy, error };
}

export function useNotify(): Notify {
  const { enqueueSnackbar } = useSnackbar();
  return useMemo<Notify>(
    () => ({
      info: (message) => enqueueSnackbar(message, { variant: 'info' }),
      success: (message) => enqueueSnackbar(message, { variant: 'success' }),
      error: (err, what) => {
        enqueueSnackbar(`${what} failed: ${errorText(err)}`, {
          variant: 'error',
          persist: true,
        });
      },
      undoable: (message, undo, seconds = 8) => {
        let done = false;
        enqueueSnackbar(message, {
          variant: 'success',
          autoHideDuration: seconds * 1000,
          action: (key: SnackbarKey) => (
            <Button
              color="inherit"
              size="small"
              onClick={() => {
                closeSnackbar(key);
                if (done) return;
                done = true;
                undo();
              }}
            >
              Undo
            </Button>
          ),
        });
      },
    }),
    [enqueueSnackbar],
  );
}
