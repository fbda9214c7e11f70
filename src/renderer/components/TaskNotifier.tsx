import { useSnackbar } from 'notistack';
import { useEffect, useRef } from 'react';
import { useApi } from '../api/hooks';

/** A notification for every task that ends while the app watches: success, or what failed and what to do. */
export function TaskNotifier() {
  const api = useApi();
  const { enqueueSnackbar } = useSnackbar();
  const seenRunning = useRef(new Set<string>());
  useEffect(() => {
    return api.subscribe('tasks.changed', {}, (t) => {
      if (t.state === 'running') {
        seenRunning.current.add(t.id);
        return;
      }
      if (!seenRunning.current.delete(t.id)) return;
      if (t.state === 'succeeded') enqueueSnackbar(`${t.title}: done`, { variant: 'success' });
      else if (t.state === 'canceled') enqueueSnackbar(`${t.title}: canceled`, { variant: 'info' });
      else
        enqueueSnackbar(
          `${t.title} failed: ${t.error?.message ?? 'unknown error'}${t.error?.hint ? ` — ${t.error.hint}` : ''}`,
          {
            variant: 'error',
            persist: true,
          },
        );
    });
  }, [api, enqueueSnackbar]);
  return null;
}
