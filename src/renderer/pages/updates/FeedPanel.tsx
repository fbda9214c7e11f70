import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Alert,
  Box,
  Chip,
  Paper,
  Typography,
} from '@mui/material';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import type { MachineUpdate, Release, UpdatesView } from '../../../shared/api';
import { CHANNELS, CHANNEL_HINT, NO_VERSION, compareVersions, formatBytes, type Channel } from './view-model';

/** Machines that run `release`, and those of `channel` to which it is on offer or being installed. */
function marks(release: Release, channel: Channel, machines: readonly MachineUpdate[]) {
  const runs = machines.filter((m) => m.osVersion === release.version).map((m) => m.hostname);
  const offered = machines
    .filter(
      (m) =>
        m.conf.group === channel &&
        m.osVersion !== release.version &&
        (m.status.newVersion === release.version ||
          (m.status.newVersion === NO_VERSION &&
            m.available === release.version &&
            compareVersions(release.version, m.osVersion) > 0)),
    )
    .map((m) => m.hostname);
  return { runs, offered };
}

/**
 * The feed the machines read (SERVER), per channel its versions newest first — date, size and
 * notes to expand — marked with the machines that run each and those it is offered to.
 */
export function FeedPanel({ view }: { view: UpdatesView }) {
  const { feed } = view;
  return (
    <Paper component="section" variant="outlined" aria-labelledby="updates-feed" sx={{ p: 2 }}>
      <Typography id="updates-feed" variant="h6" component="h2">
        Release feed
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        From <code>{feed.server}</code>, read {new Date(feed.loadedAt).toLocaleString()}
      </Typography>
      {feed.problem && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          The last read of the feed failed; the machines keep using the one before: {feed.problem}
        </Alert>
      )}
      <Box
        sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(3, minmax(0, 1fr))' } }}
      >
        {CHANNELS.map((channel) => (
          <Box key={channel} component="section" aria-labelledby={`updates-feed-${channel}`}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}>
              <Typography
                id={`updates-feed-${channel}`}
                variant="subtitle1"
                component="h3"
                sx={{ fontWeight: 600 }}
              >
                {channel}
              </Typography>
              {view.channel === channel && <Chip size="small" color="primary" label="cluster channel" />}
            </Box>
            <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 0, mb: 1 }}>
              {CHANNEL_HINT[channel]}
            </Typography>
            {feed.feed.channels[channel].length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                No releases.
              </Typography>
            ) : (
              feed.feed.channels[channel].map((r) => (
                <ReleaseItem key={r.version} channel={channel} release={r} machines={view.machines} />
              ))
            )}
          </Box>
        ))}
      </Box>
    </Paper>
  );
}

function ReleaseItem({
  channel,
  release: r,
  machines,
}: {
  channel: Channel;
  release: Release;
  machines: readonly MachineUpdate[];
}) {
  const { runs, offered } = marks(r, channel, machines);
  const summaryId = `updates-release-${channel}-${r.version}`;
  return (
    <Accordion disableGutters variant="outlined">
      <AccordionSummary expandIcon={<ExpandMoreIcon />} id={summaryId} aria-controls={`${summaryId}-notes`}>
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5, minWidth: 0 }}>
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline', flexWrap: 'wrap' }}>
            <Typography sx={{ fontWeight: 600 }}>{r.version}</Typography>
            <Typography variant="body2" color="text.secondary">
              {r.date} · {formatBytes(r.size)}
            </Typography>
          </Box>
          {(runs.length > 0 || offered.length > 0) && (
            <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
              {runs.length > 0 && (
                <Chip size="small" color="success" variant="outlined" label={`runs on ${runs.join(', ')}`} />
              )}
              {offered.length > 0 && (
                <Chip
                  size="small"
                  color="info"
                  variant="outlined"
                  label={`offered to ${offered.join(', ')}`}
                />
              )}
            </Box>
          )}
        </Box>
      </AccordionSummary>
      <AccordionDetails>
        <Box component="ul" sx={{ m: 0, pl: 2.5 }} aria-label={`Release notes of ${r.version}`}>
          {r.notes
            .split('\n')
            .filter((line) => line.trim())
            .map((line, i) => (
              <Typography component="li" variant="body2" key={i}>
                {line}
              </Typography>
            ))}
        </Box>
      </AccordionDetails>
    </Accordion>
  );
}
