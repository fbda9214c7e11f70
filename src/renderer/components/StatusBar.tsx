import { Box, Chip, IconButton, LinearProgress, Tooltip, Typography } from '@mui/material';
import CancelIcon from '@mui/icons-material/Cancel';
import { useApi, useSubscription, useTasks } from '../api/hooks';

/** Bottom bar: the engine's state and every running task with progress and cancel. */
export function StatusBar() {
  const api = useApi();
  const engine = useSubscription('docker.status', {});
  const running = useTasks().filter((t) => t.state === 'running');
  const engineLabel = !engine
    ? 'Docker: …'
    : engine.state === 'connected'
      ? `Docker ${engine.version} · ${engine.containers?.running ?? 0} running`
      : engine.state === 'connecting'
        ? 'Docker: connecting…'
        : 'Docker: unavailable';
  return (
    <Box
      component="footer"
      aria-label="Status bar"
      sx={{
        display: 'flex',
        alignItems: 'center',
        gap: 2,
        px: 1.5,
        py: 0.5,
        borderTop: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        minHeight: 36,
      }}
    >
      <Tooltip
        title={
          engine?.problem ? `${engine.problem.message} ${engine.problem.hint}` : (engine?.endpoint ?? '')
        }
      >
        <Chip
          role="status"
          size="small"
          label={engineLabel}
          aria-label={`Engine status: ${engineLabel}`}
          color={
            engine?.state === 'connected' ? 'success' : engine?.state === 'disconnected' ? 'error' : 'default'
          }
          variant={engine?.state === 'connected' ? 'outlined' : 'filled'}
        />
      </Tooltip>
      <Box
        role="group"
        sx={{ flex: 1, display: 'flex', gap: 2, overflow: 'hidden' }}
        aria-label="Running tasks"
      >
        {running.map((t) => (
          <Box
            key={t.id}
            role="group"
            sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 220 }}
            aria-label={`Task ${t.title}`}
          >
            <Typography variant="caption" noWrap sx={{ maxWidth: 200 }}>
              {t.title}
              {t.message ? ` — ${t.message}` : ''}
            </Typography>
            <LinearProgress
              sx={{ width: 80 }}
              variant={t.progress === null ? 'indeterminate' : 'determinate'}
              value={(t.progress ?? 0) * 100}
              aria-label={`${t.title} progress`}
            />
            {t.cancellable && (
              <IconButton
                size="small"
                aria-label={`Cancel ${t.title}`}
                onClick={() => void api.call('tasks.cancel', { id: t.id })}
              >
                <CancelIcon fontSize="inherit" />
              </IconButton>
            )}
          </Box>
        ))}
      </Box>
      <Typography variant="caption" color="text.secondary">
        {api.transport === 'ipc' ? 'Desktop' : 'Browser'}
      </Typography>
    </Box>
  );
}
