import type { Dispatch, SetStateAction } from 'react';
import type { Draft } from './draft';
import type { FieldErrors } from './validate';

/** What each wizard step gets: the draft, a way to change it, and the step's field errors. */
export interface StepProps {
  draft: Draft;
  setDraft: Dispatch<SetStateAction<Draft>>;
  errors: FieldErrors;
  /** Next was pressed on this step: show every error, empty fields' too. */
  attempted: boolean;
}

/**
 * The error to show at a field: always once Next was tried, before that only for fields with
 * something typed (an empty field is not wrong yet, just not done).
 */
export function shownError(
  p: Pick<StepProps, 'errors' | 'attempted'>,
  id: string,
  value: string,
): string | undefined {
  return p.attempted || value !== '' ? p.errors[id] : undefined;
}
