import { Box, Typography } from '@mui/material';
import { useMemo } from 'react';
import { diffRows, diffStats, withContext, type DiffRow } from './diff-rows';
import { monoSx } from './ValueView';

/**
 * A line diff from `before` to `after` (JSON pretty-printed first): removed lines marked "−",
 * added "+", long unchanged runs folded. Screen readers hear "removed" / "added" per line.
 */
export function DiffView({
  before,
  after,
  label,
  beforeName = 'old',
  afterName = 'new',
  context = 3,
}: {
  before: string;
  after: string;
  /** The accessible name of the diff, e.g. "Changes from revision 4 to 7". */
  label: string;
  beforeName?: string;
  afterName?: string;
  context?: number;
}) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  const shown = useMemo(() => withContext(rows, context), [rows, context]);
  const { added, removed } = diffStats(rows);
  return (
    <Box role="group" aria-label={label}>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 0.5 }}>
        {added === 0 && removed === 0
          ? 'No difference'
          : `− ${beforeName} (${removed} ${removed === 1 ? 'line' : 'lines'}) · + ${afterName} (${added} ${added === 1 ? 'line' : 'lines'})`}
      </Typography>
      {shown.length > 0 && (
        <Box sx={{ ...monoSx, border: 1, borderColor: 'divider', borderRadius: 1, overflow: 'auto' }}>
          {shown.map((item, i) =>
            'skipped' in item ? (
              <Box key={i} sx={{ px: 1, color: 'text.secondary', bgcolor: 'action.hover' }}>
                ⋯ {item.skipped} unchanged {item.skipped === 1 ? 'line' : 'lines'}
              </Box>
            ) : (
              <Line key={i} row={item.row} />
            ),
          )}
        </Box>
      )}
    </Box>
  );
}

const SIGN = { same: ' ', removed: '−', added: '+' } as const;
const SPOKEN = { same: '', removed: 'removed: ', added: 'added: ' } as const;

function Line({ row }: { row: DiffRow }) {
  return (
    <Box
      data-kind={row.kind}
      sx={(t) => ({
        display: 'flex',
        whiteSpace: 'pre',
        px: 1,
        bgcolor:
          row.kind === 'added'
            ? t.palette.mode === 'dark'
              ? 'rgba(46, 160, 67, 0.25)'
              : 'rgba(46, 160, 67, 0.15)'
            : row.kind === 'removed'
              ? t.palette.mode === 'dark'
                ? 'rgba(248, 81, 73, 0.25)'
                : 'rgba(248, 81, 73, 0.15)'
              : undefined,
      })}
    >
      <Box component="span" aria-hidden sx={{ width: '2ch', flexShrink: 0 }}>
        {SIGN[row.kind]}
      </Box>
      <span>
        {SPOKEN[row.kind] && (
          <Box component="span" sx={visuallyHidden}>
            {SPOKEN[row.kind]}
          </Box>
        )}
        {row.text || ' '}
      </span>
    </Box>
  );
}

export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const;
