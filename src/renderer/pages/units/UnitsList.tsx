import {
  Box,
  Button,
  Checkbox,
  FormControl,
  InputLabel,
  Link,
  MenuItem,
  Paper,
  Select,
  TableSortLabel,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import type { MachineInfo, UnitInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { CopyCommand } from '../../components/CopyCommand';
import type { StateTone } from '../machines/unit-state';
import { hostNames } from '../machines/verdicts';
import { DestroyDialog, useUnitActions } from './unit-actions';
import {
  ACTION_LABELS,
  COLUMNS,
  COLUMN_LABELS,
  STATE_FILTERS,
  STATE_FILTER_LABELS,
  actionCommand,
  filterRows,
  nameMatcher,
  sortRows,
  unitPath,
  unitRow,
  type Column,
  type Sort,
  type StateFilter,
  type UnitAction,
} from './units-model';

const ROW_HEIGHT = 40;
const GRID = '48px minmax(180px, 2fr) minmax(150px, 1.4fr) 96px minmax(140px, 1.4fr) 88px 96px';

export const TONE_COLOR: Record<StateTone, string> = {
  running: 'success.main',
  failed: 'error.main',
  changing: 'warning.main',
  inactive: 'text.disabled',
  unknown: 'info.main',
};

/** A coloured dot before a state; the words always say it too. */
export function ToneDot({ tone }: { tone: StateTone }) {
  return (
    <Box
      component="span"
      aria-hidden
      sx={{
        display: 'inline-block',
        width: 8,
        height: 8,
        borderRadius: '50%',
        bgcolor: TONE_COLOR[tone],
        mr: 1,
        flexShrink: 0,
      }}
    />
  );
}

const cellSx = {
  px: 1,
  overflow: 'hidden',
  textOverflow: 'ellipsis',
  whiteSpace: 'nowrap',
  display: 'flex',
  alignItems: 'center',
  minWidth: 0,
} as const;

/**
 * Every unit of the cluster, live: filter by name (substring or glob) and state, sort by any
 * column, select and start/stop/unload/destroy many at once. Rows are virtualized.
 */
export function UnitsList({
  cluster,
  clusterArgs,
  units,
  machines,
}: {
  cluster: string;
  clusterArgs: readonly string[];
  units: readonly UnitInfo[];
  machines: readonly MachineInfo[];
}) {
  const navigate = useNavigate();
  const actions = useUnitActions(cluster);
  const [filter, setFilter] = useState('');
  const [stateFilter, setStateFilter] = useState<StateFilter>('all');
  const [sort, setSort] = useState<Sort>({ column: 'name', direction: 'asc' });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [destroying, setDestroying] = useState<string[]>();

  const names = useMemo(() => hostNames(machines), [machines]);
  const allRows = useMemo(() => units.map((u) => unitRow(u, names)), [units, names]);
  const rows = useMemo(
    () => sortRows(filterRows(allRows, filter, stateFilter), sort),
    [allRows, filter, stateFilter, sort],
  );
  const filterProblem = nameMatcher(filter).problem;
  // Bulk actions act on what is selected and shown, so a filter never hides what is acted on.
  const chosen = useMemo(() => rows.filter((r) => selected.has(r.name)).map((r) => r.unit), [rows, selected]);
  const chosenNames = chosen.map((u) => u.name);
  const allShownSelected = rows.length > 0 && chosen.length === rows.length;

  const toggle = (name: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  const toggleAll = () => setSelected(allShownSelected ? new Set() : new Set(rows.map((r) => r.name)));
  const sortBy = (column: Column) =>
    setSort((s) => ({
      column,
      direction: s.column === column && s.direction === 'asc' ? 'desc' : 'asc',
    }));

  const scroller = useRef<HTMLDivElement>(null);
  // The virtualizer's functions are not memoizable; the React Compiler lint knows and skips this component.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const bulk = (action: UnitAction) => {
    if (action === 'destroy') return setDestroying(chosenNames);
    void actions.setState(action, chosen);
  };

  if (units.length === 0)
    return (
      <Paper variant="outlined" sx={{ p: 3, maxWidth: 640 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          No units yet
        </Typography>
        <Typography color="text.secondary" sx={{ mb: 2 }}>
          A unit is a systemd unit file the scheduler places on a machine and runs as a container. Write one
          from a template — hello world, a docker service, a global unit or a template unit — check where it
          would run, and start it.
        </Typography>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => navigate('/units/new')}>
            New unit
          </Button>
          <Typography variant="body2" color="text.secondary">
            or from a terminal: <code>{flotctl('start', ...clusterArgs, 'hello.service')}</code>
          </Typography>
        </Box>
      </Paper>
    );

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <TextField
          size="small"
          label="Filter units"
          placeholder="name or glob, e.g. hello@*"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          error={filterProblem !== undefined}
          helperText={filterProblem}
          sx={{ width: 280 }}
        />
        <FormControl size="small" sx={{ minWidth: 200 }}>
          <InputLabel id="units-state-filter">State</InputLabel>
          <Select
            labelId="units-state-filter"
            label="State"
            value={stateFilter}
            onChange={(e) => setStateFilter(e.target.value as StateFilter)}
          >
            {STATE_FILTERS.map((f) => (
              <MenuItem key={f} value={f}>
                {STATE_FILTER_LABELS[f]}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <Box sx={{ flex: 1 }} />
        {chosen.length === 0 ? (
          <Typography variant="body2" color="text.secondary" sx={{ alignSelf: 'center' }}>
            Select units to start, stop, unload or destroy them.
          </Typography>
        ) : (
          <Box
            role="toolbar"
            aria-label="Selected units"
            sx={{ display: 'flex', gap: 0.5, alignItems: 'center', flexWrap: 'wrap' }}
          >
            <Typography variant="body2" sx={{ mr: 1 }} aria-live="polite">
              {chosen.length} selected
            </Typography>
            {(['start', 'stop', 'unload', 'destroy'] as const).map((action) => (
              <Box key={action} sx={{ display: 'flex', alignItems: 'center' }}>
                <Button
                  size="small"
                  variant={action === 'start' ? 'contained' : 'outlined'}
                  color={action === 'destroy' ? 'error' : 'primary'}
                  onClick={() => bulk(action)}
                >
                  {ACTION_LABELS[action].verb}
                </Button>
                <CopyCommand command={actionCommand(action, chosenNames, clusterArgs)} />
              </Box>
            ))}
          </Box>
        )}
      </Box>

      <Box
        role="table"
        aria-label="Units"
        aria-rowcount={rows.length + 1}
        sx={{
          display: 'flex',
          flexDirection: 'column',
          flex: 1,
          minHeight: 240,
          border: 1,
          borderColor: 'divider',
          borderRadius: 1,
        }}
      >
        <Box role="rowgroup">
          <Box
            role="row"
            aria-rowindex={1}
            sx={{
              display: 'grid',
              gridTemplateColumns: GRID,
              alignItems: 'center',
              height: ROW_HEIGHT + 4,
              borderBottom: 1,
              borderColor: 'divider',
              bgcolor: 'background.default',
            }}
          >
            <Box role="columnheader" sx={{ px: 0.5 }}>
              <Checkbox
                size="small"
                checked={allShownSelected}
                indeterminate={chosen.length > 0 && !allShownSelected}
                disabled={rows.length === 0}
                onChange={toggleAll}
                slotProps={{ input: { 'aria-label': 'Select all shown units' } }}
              />
            </Box>
            {COLUMNS.map((column) => (
              <Box
                key={column}
                role="columnheader"
                aria-sort={
                  sort.column === column ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'
                }
                sx={{ ...cellSx, fontWeight: 500, fontSize: 14 }}
              >
                <TableSortLabel
                  active={sort.column === column}
                  direction={sort.column === column ? sort.direction : 'asc'}
                  onClick={() => sortBy(column)}
                >
                  {COLUMN_LABELS[column]}
                </TableSortLabel>
              </Box>
            ))}
          </Box>
        </Box>
        <Box
          ref={scroller}
          role="rowgroup"
          tabIndex={0}
          aria-label="Unit rows"
          sx={{ flex: 1, overflow: 'auto', position: 'relative', minHeight: 0 }}
        >
          {rows.length === 0 && (
            <Box sx={{ p: 2, display: 'flex', gap: 2, alignItems: 'center' }}>
              <Typography color="text.secondary">No unit matches the filter.</Typography>
              <Button
                size="small"
                onClick={() => {
                  setFilter('');
                  setStateFilter('all');
                }}
              >
                Clear the filter
              </Button>
            </Box>
          )}
          <Box role="presentation" sx={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              const { unit } = row;
              return (
                <Box
                  key={row.name}
                  role="row"
                  aria-rowindex={item.index + 2}
                  sx={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${item.start}px)`,
                    display: 'grid',
                    gridTemplateColumns: GRID,
                    alignItems: 'center',
                    borderBottom: 1,
                    borderColor: 'divider',
                    fontSize: 14,
                    bgcolor: selected.has(row.name) ? 'action.selected' : undefined,
                    '&:hover': { bgcolor: 'action.hover' },
                  }}
                >
                  <Box role="cell" sx={{ px: 0.5 }}>
                    <Checkbox
                      size="small"
                      checked={selected.has(row.name)}
                      onChange={() => toggle(row.name)}
                      slotProps={{ input: { 'aria-label': `Select ${row.name}` } }}
                    />
                  </Box>
                  <Box role="cell" sx={cellSx}>
                    <Link component={RouterLink} to={unitPath(row.name)} underline="hover" noWrap>
                      {row.name}
                    </Link>
                    {unit.description && (
                      <Typography
                        component="span"
                        variant="body2"
                        color="text.secondary"
                        noWrap
                        sx={{ ml: 1 }}
                      >
                        {unit.description}
                      </Typography>
                    )}
                  </Box>
                  <Box role="cell" sx={cellSx}>
                    <ToneDot tone={row.tone} />
                    <span>{row.stateText}</span>
                  </Box>
                  <Box role="cell" sx={cellSx}>
                    {unit.currentState}
                  </Box>
                  <Box role="cell" sx={cellSx}>
                    <Tooltip title={row.machineText} placement="bottom-start">
                      <Box
                        component="span"
                        sx={{
                          overflow: 'hidden',
                          textOverflow: 'ellipsis',
                          color: unit.blocked ? 'error.main' : undefined,
                        }}
                      >
                        {row.machineText}
                      </Box>
                    </Tooltip>
                  </Box>
                  <Box role="cell" sx={{ ...cellSx, fontFamily: 'monospace' }}>
                    {row.shortHash}
                  </Box>
                  <Box role="cell" sx={cellSx}>
                    {unit.desiredState}
                  </Box>
                </Box>
              );
            })}
          </Box>
        </Box>
      </Box>
      {destroying && (
        <DestroyDialog
          names={destroying}
          command={actionCommand('destroy', destroying, clusterArgs)}
          onDestroy={async () => {
            await actions.destroy(destroying);
            setDestroying(undefined);
            setSelected(new Set());
          }}
          onClose={() => setDestroying(undefined)}
        />
      )}
    </Box>
  );
}
