import { GlobalStyles, alpha } from '@mui/material';
import { memo } from 'react';

// Fixed sizes: the board is virtualized both ways and keyboard drags step one column at a time.
export const COLUMN_WIDTH = 288;
export const COLUMN_PITCH = COLUMN_WIDTH + 12;
export const CARD_HEIGHT = 64;
export const CARD_PITCH = CARD_HEIGHT + 8;

/**
 * The board's styles as plain classes, injected once: thousands of cards render as plain elements
 * instead of styled components, so a card costs a few DOM nodes and no style work.
 */
export const BoardStyles = memo(function BoardStyles() {
  return (
    <GlobalStyles
      styles={(theme) => {
        const tones = {
          running: theme.palette.success.main,
          changing: theme.palette.warning.main,
          failed: theme.palette.error.main,
          inactive: theme.palette.grey[500],
          unknown: theme.palette.text.disabled,
        };
        const health = {
          healthy: theme.palette.success.main,
          unhealthy: theme.palette.warning.main,
          down: theme.palette.error.main,
        };
        return {
          // Opaque, so Chromium scrolls it on the compositor instead of repainting it every frame.
          '.machines-board': {
            flex: 1,
            minHeight: 0,
            overflowX: 'auto',
            overflowY: 'hidden',
            background: theme.palette.background.default,
          },
          '.machines-board-track': { position: 'relative', height: '100%' },
          '.board-column': {
            position: 'absolute',
            top: 0,
            bottom: 8,
            width: COLUMN_WIDTH,
            boxSizing: 'border-box',
            display: 'flex',
            flexDirection: 'column',
            border: `1px solid ${theme.palette.divider}`,
            borderRadius: 8,
            background: theme.palette.background.paper,
            overflow: 'hidden',
            // A column's layout and paint stay inside it: mounting one does not lay out the others.
            contain: 'strict',
          },
          '.board-column[data-health="down"] .board-column-head': { background: theme.palette.action.hover },
          '.board-column[data-verdict="allowed"]': { border: `2px dashed ${theme.palette.primary.main}` },
          '.board-column[data-verdict="allowed"][data-over]': {
            borderStyle: 'solid',
            background: alpha(theme.palette.primary.main, 0.08),
          },
          '.board-column[data-verdict="refused"]': { background: theme.palette.action.hover },
          '.board-column[data-verdict="refused"][data-over]': { borderColor: theme.palette.error.main },
          '.board-column-head': {
            padding: '8px 8px 8px 12px',
            borderBottom: `1px solid ${theme.palette.divider}`,
          },
          '.board-verdict': {
            margin: 0,
            padding: '6px 12px',
            fontSize: '0.8125rem',
            borderBottom: `1px solid ${theme.palette.divider}`,
          },
          '.board-column[data-verdict="allowed"] .board-verdict': { fontWeight: 600 },
          '.board-cards': { flex: 1, minHeight: 0, overflowY: 'auto', position: 'relative' },
          '.board-empty': {
            margin: 0,
            padding: 12,
            fontSize: '0.875rem',
            color: theme.palette.text.secondary,
          },
          '.board-card': {
            position: 'absolute',
            left: 8,
            right: 8,
            height: CARD_HEIGHT,
            boxSizing: 'border-box',
            display: 'flex',
            alignItems: 'center',
            gap: 4,
            paddingRight: 4,
            border: `1px solid ${theme.palette.divider}`,
            borderLeftWidth: 4,
            borderRadius: 6,
            background: theme.palette.background.paper,
            outline: 'none',
          },
          '.board-card:focus-within': { boxShadow: `0 0 0 2px ${theme.palette.primary.main}` },
          // The card being dragged stays legible (no fading: its text keeps its contrast).
          '.board-card[data-dragging]': { borderStyle: 'dashed', background: theme.palette.action.selected },
          '.board-card-overlay': {
            position: 'relative',
            left: 0,
            width: COLUMN_WIDTH - 16,
            boxShadow: theme.shadows[8],
            cursor: 'grabbing',
          },
          '.board-card-handle': {
            alignSelf: 'stretch',
            display: 'flex',
            alignItems: 'center',
            padding: '0 2px',
            border: 0,
            background: 'transparent',
            color: theme.palette.text.secondary,
            cursor: 'grab',
            touchAction: 'none',
          },
          '.board-card-handle:focus-visible': { outline: `2px solid ${theme.palette.primary.main}` },
          '.board-card-button': {
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'center',
            flexShrink: 0,
            width: 32,
            height: 32,
            padding: 0,
            border: 0,
            borderRadius: '50%',
            background: 'transparent',
            color: theme.palette.action.active,
            cursor: 'pointer',
          },
          '.board-card-button:hover': { background: theme.palette.action.hover },
          '.board-card-button:focus-visible': { outline: `2px solid ${theme.palette.primary.main}` },
          '.board-card-body': {
            flex: 1,
            minWidth: 0,
            display: 'flex',
            flexDirection: 'column',
            gap: 2,
            paddingLeft: 4,
          },
          '.board-card-title': { display: 'flex', alignItems: 'center', gap: 6, minWidth: 0 },
          '.board-card-name': {
            fontWeight: 600,
            fontSize: '0.875rem',
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          },
          '.board-card-global': {
            display: 'inline-flex',
            alignItems: 'center',
            gap: 2,
            flexShrink: 0,
            fontSize: '0.75rem',
            color: theme.palette.text.secondary,
          },
          '.board-card-status': {
            display: 'flex',
            alignItems: 'center',
            gap: 8,
            minWidth: 0,
            fontSize: '0.8125rem',
            color: theme.palette.text.secondary,
          },
          '.board-state': {
            display: 'inline-flex',
            alignItems: 'center',
            gap: 4,
            minWidth: 0,
            color: theme.palette.text.primary,
            whiteSpace: 'nowrap',
          },
          '.board-card-reason': {
            display: '-webkit-box',
            WebkitBoxOrient: 'vertical',
            WebkitLineClamp: 2,
            overflow: 'hidden',
            fontSize: '0.75rem',
            lineHeight: 1.3,
          },
          '.board-dot': { width: 8, height: 8, borderRadius: '50%', flexShrink: 0 },
          ...Object.fromEntries(
            Object.entries(tones).flatMap(([tone, color]) => [
              [`.board-card[data-tone="${tone}"]`, { borderLeftColor: color }],
              [`[data-tone="${tone}"] .board-dot`, { background: color }],
            ]),
          ),
          ...Object.fromEntries(
            Object.entries(health).map(([state, color]) => [
              `[data-health="${state}"] .board-health .board-dot`,
              { background: color },
            ]),
          ),
        };
      }}
    />
  );
});
