import { Box, Chip, Divider, IconButton, ListItemText, Menu, MenuItem, Typography } from '@mui/material';
import MoreVertIcon from '@mui/icons-material/MoreVert';
import StarIcon from '@mui/icons-material/Star';
import { memo, useId, useState } from 'react';
import type { MachineInfo, MachineUpdate } from '../../../shared/api';
import { machineIsUp } from '../../terminal/context';
import { useTerminals } from '../../terminal/TerminalDock';
import { UpdateBadge } from '../updates/UpdateBadge';
import { useBoardHandlers } from './board-context';
import { MACHINE_ACTIONS, actionAvailable } from './machine-actions';
import { RemoteStatus } from './RemoteStatus';

/** "KV leader", "KV follower", … — what the machine's KV member is doing, in words. */
export function kvRoleText(machine: MachineInfo): string | undefined {
  switch (machine.kvRole) {
    case 'leader':
      return 'KV leader';
    case 'follower':
      return 'KV follower';
    case 'none':
      return machine.kvMember ? 'KV member down' : 'no KV member';
    default:
      return undefined;
  }
}

/** The machine's facts at the top of its column, and its lifecycle menu. */
export const MachineHeader = memo(function MachineHeader({
  machine,
  unitCount,
  update,
}: {
  machine: MachineInfo;
  unitCount: number;
  /** Its update state, for the badge beside the OS version (none: no badge). */
  update?: MachineUpdate;
}) {
  const kv = kvRoleText(machine);
  const os = [machine.osVersion && `OS ${machine.osVersion}`, machine.channel].filter(Boolean).join(' · ');
  const metadata = Object.entries(machine.metadata).sort(([a], [b]) => a.localeCompare(b));
  return (
    <header className="board-column-head">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle1" component="h2" noWrap sx={{ fontWeight: 600, flex: 1, minWidth: 0 }}>
          {machine.name}
        </Typography>
        {machine.kvRole === 'leader' && (
          <StarIcon fontSize="small" sx={{ color: 'warning.main' }} aria-hidden />
        )}
        <MachineMenu machine={machine} />
      </Box>
      <Typography variant="body2" component="div" sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 1 }}>
        <span className="board-health">
          <span className="board-state">
            <span className="board-dot" aria-hidden />
            {machine.health ?? machine.life ?? 'unknown'}
          </span>
        </span>
        <span>{machine.ip}</span>
        {kv && <span>{kv}</span>}
      </Typography>
      <Typography
        variant="body2"
        color="text.secondary"
        component="div"
        sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: 1 }}
      >
        {[os, `${unitCount} ${unitCount === 1 ? 'unit' : 'units'}`].filter(Boolean).join(' · ')}
        <UpdateBadge update={update} />
      </Typography>
      {machine.remote && <RemoteStatus remote={machine.remote} />}
      {metadata.length > 0 && (
        <Box
          component="ul"
          aria-label={`Metadata of ${machine.name}`}
          sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, listStyle: 'none', p: 0, m: 0, mt: 0.5 }}
        >
          {metadata.map(([key, value]) => (
            <li key={key}>
              <Chip size="small" variant="outlined" label={`${key}=${value}`} />
            </li>
          ))}
        </Box>
      )}
    </header>
  );
});

const LIFECYCLE = MACHINE_ACTIONS.filter((a) => a.action !== 'remove');
const REMOVE = MACHINE_ACTIONS.find((a) => a.action === 'remove')!;

function MachineMenu({ machine }: { machine: MachineInfo }) {
  const handlers = useBoardHandlers();
  const terminals = useTerminals();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  return (
    <>
      <IconButton
        size="small"
        aria-label={`Actions for ${machine.name}`}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? true : undefined}
        onClick={(e) => setAnchor(e.currentTarget)}
      >
        <MoreVertIcon fontSize="small" />
      </IconButton>
      {/* Mounted only while open: a hundred closed menus would cost every column's first render. */}
      {anchor && (
        <Menu id={menuId} anchorEl={anchor} open onClose={() => setAnchor(null)}>
          {LIFECYCLE.map((a) => (
            <MenuItem
              key={a.action}
              disabled={!actionAvailable(machine, a.action)}
              onClick={() => {
                setAnchor(null);
                handlers.machineAction(machine, a.action);
              }}
            >
              {`${a.title(machine.name)}…`}
            </MenuItem>
          ))}
          <Divider />
          <MenuItem
            disabled={!machineIsUp(machine)}
            onClick={() => {
              setAnchor(null);
              terminals.open(machine.name, machine.name);
            }}
          >
            Open terminal
          </MenuItem>
          <Divider />
          <MenuItem
            disabled={!actionAvailable(machine, 'remove')}
            onClick={() => {
              setAnchor(null);
              handlers.machineAction(machine, 'remove');
            }}
          >
            <ListItemText
              primary={`${REMOVE.title(machine.name)}…`}
              secondary={machine.kvMember ? 'Not while it hosts a KV member' : undefined}
            />
          </MenuItem>
        </Menu>
      )}
    </>
  );
}
