import { Alert, AlertTitle } from '@mui/material';
import { useSubscription } from '../api/hooks';

/** Says exactly what is wrong with the Docker engine and what to do; vanishes when it is back. */
export function EngineBanner() {
  const status = useSubscription('docker.status', {});
  if (!status || status.state !== 'disconnected') return null;
  return (
    <Alert severity="error" role="alert" sx={{ borderRadius: 0 }}>
      <AlertTitle>Docker engine unavailable</AlertTitle>
      {status.problem?.message} {status.problem?.hint ? <strong>{status.problem.hint}</strong> : null}{' '}
      Flotilla reconnects by itself when the engine is back.
    </Alert>
  );
}
