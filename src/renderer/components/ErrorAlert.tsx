import { Alert, Typography } from '@mui/material';
import { describeError } from '../app/notify';

/** An API failure shown in place: what went wrong (after `lead`, when given) and what to do. */
export function ErrorAlert({ error, lead = '' }: { error: unknown; lead?: string }) {
  const { message, hint } = describeError(error);
  return (
    <Alert severity="error">
      <Typography variant="body2">
        {lead}
        {message}
      </Typography>
      {hint && <Typography variant="body2">{hint}</Typography>}
    </Alert>
  );
}
