import { Alert } from '@mui/material';
import { useConnectionState } from '../api/hooks';

/** In a browser the API is a WebSocket that can drop; say so while it reconnects. */
export function ConnectionBanner() {
  const state = useConnectionState();
  if (state === 'open' || state === 'connecting') return null;
  return (
    <Alert severity="warning" role="alert" sx={{ borderRadius: 0 }}>
      {state === 'reconnecting'
        ? 'Lost the connection to Flotilla — reconnecting…'
        : 'Disconnected from Flotilla. Reload the page once it runs again.'}
    </Alert>
  );
}
