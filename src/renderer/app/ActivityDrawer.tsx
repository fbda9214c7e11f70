import {
  Box,
  Chip,
  Drawer,
  IconButton,
  List,
  ListItem,
  ListItemText,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import CloseIcon from '@mui/icons-material/Close';
import { useEffect, useMemo, useState } from 'react';
import type { ActivityEntry, Decision } from '../../shared/api';
import { useApi } from '../api/hooks';
import { useCurrentCluster, useMachines } from '../api/live';
import { mergeTimeline } from './timeline';

const MAX_KEPT = 500;
const NONE: never[] = [];

function useAppended<T>(subscribe: ((push: (t: T) => void) => () => void) | undefined, key: string): T[] {
  const [state, setState] = useState<{ key: string; items: T[] }>({ key, items: [] });
  useEffect(() => {
    if (!subscribe) return undefined;
    return subscribe((t) =>
      setState((s) => ({ key, items: [...(s.key === key ? s.items : []).slice(-(MAX_KEPT - 1)), t] })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state.items : NONE;
}

const time = (at: number) =>
  new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Who moved what, and why the scheduler did what it did — one timeline, newest first. */
export function ActivityDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const api = useApi();
  const { cluster } = useCurrentCluster();
  const running = cluster?.state === 'running' ? cluster.name : undefined;
  const activity = useAppended<ActivityEntry>(
    open ? (push) => api.subscribe('activity.changed', {}, push) : undefined,
    `activity:${open}`,
  );
  const decisions = useAppended<Decision>(
    open && running ? (push) => api.subscribe('engine.decisions', { cluster: running }, push) : undefined,
    `decisions:${open}:${running ?? ''}`,
  );
  const machines = useMachines(open ? cluster : undefined);
  const [show, setShow] = useState<'all' | 'person' | 'scheduler'>('all');
  const items = useMemo(() => {
    const hosts = new Map(machines.items.map((m) => [m.id, m.name]));
    return mergeTimeline(activity, decisions, (id) => hosts.get(id) ?? id.slice(0, 8)).filter(
      (i) => show === 'all' || i.source === show,
    );
  }, [activity, decisions, machines.items, show]);
  return (
    <Drawer anchor="right" open={open} onClose={onClose} slotProps={{ paper: { sx: { width: 420 } } }}>
      <Box
        component="section"
        aria-labelledby="activity-title"
        sx={{ display: 'flex', flexDirection: 'column', height: 1 }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center', p: 2, gap: 1 }}>
          <Typography id="activity-title" variant="h6" component="h2" sx={{ flex: 1 }}>
            Activity
          </Typography>
          <IconButton aria-label="Close activity" onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </Box>
        <ToggleButtonGroup
          exclusive
          size="small"
          value={show}
          onChange={(_e, v: typeof show | null) => v && setShow(v)}
          aria-label="Show"
          sx={{ px: 2, pb: 1 }}
        >
          <ToggleButton value="all">All</ToggleButton>
          <ToggleButton value="person">People</ToggleButton>
          <ToggleButton value="scheduler">Scheduler</ToggleButton>
        </ToggleButtonGroup>
        {items.length === 0 ? (
          <Typography color="text.secondary" sx={{ p: 2 }}>
            Nothing yet. What you and the scheduler do — moves, starts, placements and why — shows up here.
          </Typography>
        ) : (
          <List dense aria-label="Activity timeline" sx={{ overflow: 'auto', flex: 1 }}>
            {items.map((i) => (
              <ListItem key={i.key} divider alignItems="flex-start">
                <ListItemText
                  primary={
                    <Box component="span" sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
                      <Chip
                        size="small"
                        label={i.who}
                        color={i.source === 'scheduler' ? 'secondary' : 'primary'}
                        variant="outlined"
                      />
                      <Box component="span" sx={{ color: i.failed ? 'error.main' : undefined }}>
                        {i.text}
                      </Box>
                    </Box>
                  }
                  secondary={`${time(i.at)}${i.detail ? ` — ${i.detail}` : ''}`}
                />
              </ListItem>
            ))}
          </List>
        )}
      </Box>
    </Drawer>
  );
}
