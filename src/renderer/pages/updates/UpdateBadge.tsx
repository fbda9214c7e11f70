import { Chip, Tooltip } from '@mui/material';
import type { MachineUpdate } from '../../../shared/api';
import { updateBadge } from './view-model';

/**
 * A machine's update in one chip ("update ready", "updating 42%", "rebooting", "rolled back"),
 * with the details in a tooltip; nothing when there is no update news. Focusable, so the keyboard
 * reaches the tooltip too.
 */
export function UpdateBadge({ update }: { update: MachineUpdate | undefined }) {
  const badge = update && updateBadge(update);
  if (!badge) return null;
  return (
    <Tooltip title={badge.tooltip} describeChild>
      <Chip size="small" variant="outlined" color={badge.tone} label={badge.label} tabIndex={0} />
    </Tooltip>
  );
}
