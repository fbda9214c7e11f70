import { unifiedMergeView } from '@codemirror/merge';
import { Box, Typography } from '@mui/material';
import { useMemo } from 'react';
import { CodeEditor } from '../../components/CodeEditor';
import { lineChanges } from './editor-model';

/**
 * Two versions of a unit file as one read-only text: lines only in `original` struck through
 * above the lines that replace them. The summary line says the same for screen readers.
 */
export function UnitDiff({
  original,
  modified,
  label,
  from,
  to,
  height = 280,
}: {
  original: string;
  modified: string;
  /** Accessible name of the diff text, e.g. "Changes: registry → editor". */
  label: string;
  /** What each side is, e.g. "the registry" and "your editor". */
  from: string;
  to: string;
  height?: number;
}) {
  const merge = useMemo(
    () => unifiedMergeView({ original, mergeControls: false, gutter: true, syntaxHighlightDeletions: false }),
    [original],
  );
  const { added, removed } = lineChanges(original, modified);
  const same = added === 0 && removed === 0;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5 }}>
      <Typography variant="body2" color="text.secondary">
        {same
          ? `No differences between ${from} and ${to}.`
          : `From ${from} to ${to}: ${added} ${added === 1 ? 'line' : 'lines'} added, ${removed} removed.`}
      </Typography>
      <CodeEditor
        label={label}
        value={modified}
        language="unit"
        readOnly
        extensions={merge}
        height={height}
      />
    </Box>
  );
}
