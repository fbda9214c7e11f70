import { Alert, Box, Button, FormControlLabel, IconButton, Switch, Typography } from '@mui/material';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { useMemo, useState } from 'react';
import {
  base64Bytes,
  foldSummary,
  foldablePaths,
  hexDump,
  jsonLines,
  parseJsonDocument,
  type JsonDocument,
  type JsonLine,
} from './json-model';

/** Past this many lines the pretty view stops; Raw shows all. */
const MAX_LINES = 3000;

export const monoSx = {
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  fontSize: 13,
} as const;

/**
 * A value as it reads best: a JSON object or array pretty-printed with folding nodes (Raw shows
 * the stored text), other text as it is, binary as a hex dump (Raw: the base64 the API carries).
 */
export function ValueView({ value, binary, label }: { value: string; binary: boolean; label: string }) {
  const [raw, setRaw] = useState(false);
  const doc = useMemo(() => (binary ? undefined : parseJsonDocument(value)), [value, binary]);
  const hex = useMemo(() => (binary && !raw ? safeHexDump(value) : undefined), [value, binary, raw]);
  const canToggle = binary || doc !== undefined;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" color="text.secondary">
          {binary
            ? `Binary value (not UTF-8): ${raw ? 'base64' : 'hex dump'}`
            : doc !== undefined
              ? 'JSON'
              : value === ''
                ? 'Empty value'
                : 'Text'}
        </Typography>
        {canToggle && (
          <FormControlLabel
            control={<Switch size="small" checked={raw} onChange={(e) => setRaw(e.target.checked)} />}
            label="Raw"
          />
        )}
      </Box>
      {doc !== undefined && !raw ? (
        <JsonTree doc={doc} label={label} />
      ) : (
        <Box
          component="pre"
          aria-label={label}
          tabIndex={0}
          sx={{
            ...monoSx,
            m: 0,
            p: 1,
            bgcolor: 'action.hover',
            borderRadius: 1,
            overflow: 'auto',
            whiteSpace: 'pre-wrap',
            wordBreak: 'break-all',
          }}
        >
          {hex ?? value}
        </Box>
      )}
    </Box>
  );
}

function safeHexDump(b64: string): string {
  try {
    return hexDump(base64Bytes(b64));
  } catch {
    return '(the value is not valid base64)';
  }
}

/** A pretty JSON document whose objects and arrays fold; the fold state survives live updates. */
export function JsonTree({ doc, label }: { doc: JsonDocument; label: string }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const lines = useMemo(() => jsonLines(doc, collapsed), [doc, collapsed]);
  const toggle = (path: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (!next.delete(path)) next.add(path);
      return next;
    });
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5, minHeight: 0 }}>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button size="small" onClick={() => setCollapsed(new Set())}>
          Expand all
        </Button>
        <Button
          size="small"
          onClick={() => setCollapsed(new Set(foldablePaths(doc).filter((p) => p !== '$')))}
        >
          Collapse all
        </Button>
      </Box>
      <Box
        role="group"
        aria-label={label}
        sx={{ ...monoSx, p: 1, bgcolor: 'action.hover', borderRadius: 1, overflow: 'auto' }}
      >
        {lines.slice(0, MAX_LINES).map((line, i) => (
          <JsonLineView key={i} line={line} onToggle={toggle} />
        ))}
        {lines.length > MAX_LINES && (
          <Alert severity="info" sx={{ mt: 1 }}>
            {lines.length - MAX_LINES} more lines: collapse nodes or switch to Raw to see them.
          </Alert>
        )}
      </Box>
    </Box>
  );
}

function JsonLineView({ line, onToggle }: { line: JsonLine; onToggle(path: string): void }) {
  const name = line.path === '$' ? 'the document' : line.path.slice(1).replace(/^\./, '');
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', whiteSpace: 'pre', minHeight: 20 }}>
      <Box component="span" sx={{ width: `${line.depth * 2}ch`, flexShrink: 0 }} />
      <Box component="span" sx={{ width: 22, flexShrink: 0, display: 'inline-flex' }}>
        {line.fold && (
          <IconButton
            size="small"
            sx={{ p: 0 }}
            aria-expanded={!line.fold.collapsed}
            aria-label={`${line.fold.collapsed ? 'Expand' : 'Collapse'} ${name}`}
            onClick={() => onToggle(line.path)}
          >
            {line.fold.collapsed ? (
              <ChevronRightIcon fontSize="small" />
            ) : (
              <ExpandMoreIcon fontSize="small" />
            )}
          </IconButton>
        )}
      </Box>
      <span>
        {line.prefix && (
          <Box
            component="span"
            sx={(t) => ({ color: t.palette.primary[t.palette.mode === 'dark' ? 'light' : 'dark'] })}
          >
            {line.prefix}
          </Box>
        )}
        <ScalarText line={line} />
        {line.comma ? ',' : ''}
        {line.fold?.collapsed && (
          <Box component="span" sx={{ color: 'text.secondary' }}>
            {`  ${foldSummary(line.fold)}`}
          </Box>
        )}
      </span>
    </Box>
  );
}

function ScalarText({ line }: { line: JsonLine }) {
  if (line.fold || line.closing) return <>{line.text}</>;
  const tone = line.text.startsWith('"') ? 'success' : line.text === 'null' ? undefined : 'secondary';
  return (
    <Box
      component="span"
      // Darker shades in light mode, lighter in dark, so values keep their contrast.
      sx={(t) => ({
        color: tone
          ? t.palette[tone][t.palette.mode === 'dark' ? 'light' : 'dark']
          : t.palette.text.secondary,
      })}
    >
      {line.text}
    </Box>
  );
}
