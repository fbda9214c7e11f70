import { Chip, Tooltip } from '@mui/material';
import FiberManualRecordIcon from '@mui/icons-material/FiberManualRecord';
import SyncIcon from '@mui/icons-material/Sync';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import type { FeedStatus } from './feed';

const retryText = (at: number | undefined) =>
  at === undefined ? '' : ` Next try at ${new Date(at).toLocaleTimeString()}.`;

/** Where the stream stands: Live, Connecting…, Reconnecting… (why, next try), Resumed, Failed. */
export function StatusChip({ status }: { status: FeedStatus | undefined }) {
  if (!status) return null;
  const { label, tip, color, icon } =
    status.kind === 'live'
      ? {
          label: 'Live',
          tip: 'New lines appear as they are written.',
          color: 'success' as const,
          icon: <FiberManualRecordIcon />,
        }
      : status.kind === 'resumed'
        ? {
            label: 'Resumed',
            tip: 'Back after an interruption, resumed right after the last line shown: nothing missed, nothing twice.',
            color: 'success' as const,
            icon: <CheckCircleIcon />,
          }
        : status.kind === 'connecting'
          ? {
              label: 'Connecting…',
              tip: 'Loading the journal.',
              color: 'default' as const,
              icon: <HourglassEmptyIcon />,
            }
          : status.kind === 'reconnecting'
            ? {
                label: 'Reconnecting…',
                tip: `${status.reason}.${retryText(status.retryAt)} It resumes after the last line shown.`,
                color: 'warning' as const,
                icon: <SyncIcon />,
              }
            : { label: 'Stopped', tip: status.reason, color: 'error' as const, icon: <ErrorIcon /> };
  return (
    <Tooltip title={tip}>
      <Chip
        role="status"
        aria-label={`Journal stream: ${label} ${tip}`}
        size="small"
        variant="outlined"
        color={color}
        icon={icon}
        label={label}
      />
    </Tooltip>
  );
}
