import { Box, Chip, Typography } from '@mui/material';
import type { RemoteLink } from '../../../shared/api';
import { useCountdown } from './clock';

const STATE_TEXT: Record<RemoteLink['state'], string> = {
  connected: 'connected',
  connecting: 'connecting…',
  lost: 'connection lost',
};

/** A remote machine's SSH link: a "remote" chip, its address, the link's state; when lost, why and the next try. */
export function RemoteStatus({ remote }: { remote: RemoteLink }) {
  return (
    <Box className="board-remote" data-link={remote.state} sx={{ mt: 0.5 }}>
      <Typography
        variant="body2"
        component="div"
        sx={{ display: 'flex', alignItems: 'center', gap: 0.75, minWidth: 0 }}
      >
        <Chip size="small" color="primary" variant="outlined" label="remote" />
        <Box
          component="span"
          sx={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
          title={remote.address}
        >
          {remote.address}
        </Box>
      </Typography>
      <Typography
        variant="body2"
        component="div"
        color={remote.state === 'lost' ? 'error' : 'text.secondary'}
        sx={{ fontWeight: remote.state === 'lost' ? 600 : undefined }}
      >
        SSH {STATE_TEXT[remote.state]}
      </Typography>
      {remote.state === 'lost' && <LostLink remote={remote} />}
    </Box>
  );
}

/** Why the link is down and a live countdown to the next attempt (its own component: only it ticks). */
function LostLink({ remote }: { remote: RemoteLink }) {
  const left = useCountdown(remote.retryAt);
  const next =
    remote.retryAt === undefined ? undefined : left === '0 s' ? 'Retrying now…' : `Next try in ${left}`;
  return (
    // Not a live region: a countdown read out every second would drown everything else.
    <Typography variant="body2" component="div" color="text.secondary">
      {[remote.problem, next].filter(Boolean).join(' · ')}
    </Typography>
  );
}
