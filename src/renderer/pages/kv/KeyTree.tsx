import { Box, keyframes } from '@mui/material';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import type { TreeRow } from './kv-tree';

export const ROW_HEIGHT = 28;

const flash = keyframes`
  from { background-color: rgba(255, 193, 7, 0.45); }
  to { background-color: transparent; }
`;

export interface KeyTreeProps {
  rows: TreeRow[];
  /** The key shown on the right. */
  selected: string | undefined;
  /** Keys changed a moment ago, with a counter that restarts their flash. */
  flashes: ReadonlyMap<string, number>;
  onSelect(key: string): void;
  onToggle(id: string, open: boolean): void;
}

/**
 * The keys as a tree (WAI-ARIA tree pattern): focus stays on the tree, the active row is its
 * aria-activedescendant, so rows can be virtualized — only those in view exist. Arrows move and
 * open/close folders, Enter or Space shows a key, Home/End jump.
 */
export function KeyTree({ rows, selected, flashes, onSelect, onToggle }: KeyTreeProps) {
  const baseId = useId();
  const scroller = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string>();
  // The active row: the one moved to, else the selected key, else the first; by index, as rows change.
  const byId = (id: string | undefined) => (id === undefined ? -1 : rows.findIndex((r) => r.id === id));
  let active = byId(activeId);
  if (active < 0) active = byId(selected);
  if (active < 0 && rows.length) active = 0;

  // No React Compiler here: the virtualizer re-renders its host on scroll by itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 10,
  });

  const moveTo = (index: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    setActiveId(row.id);
    virtualizer.scrollToIndex(rows.indexOf(row), { align: 'auto' });
  };
  const activate = (row: TreeRow) => {
    if (row.isKey) onSelect(row.id);
    else onToggle(row.id, !row.expanded);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const row = rows[active];
    if (!row) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 280) / ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
        moveTo(active + 1);
        break;
      case 'ArrowUp':
        moveTo(active - 1);
        break;
      case 'PageDown':
        moveTo(active + page);
        break;
      case 'PageUp':
        moveTo(active - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.isFolder && !row.expanded) onToggle(row.id, true);
        else if (row.isFolder) moveTo(active + 1);
        break;
      case 'ArrowLeft':
        if (row.isFolder && row.expanded) onToggle(row.id, false);
        else if (row.parentId !== undefined) moveTo(byId(row.parentId));
        break;
      case 'Enter':
      case ' ':
        activate(row);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const rowDomId = (index: number) => `${baseId}-row-${index}`;
  const items = virtualizer.getVirtualItems();
  // Only a row that exists may be the active descendant (one scrolled out of view is not rendered).
  const activeShown = items.some((i) => i.index === active);
  return (
    <Box
      ref={scroller}
      role="tree"
      aria-label="Keys"
      tabIndex={0}
      aria-activedescendant={activeShown ? rowDomId(active) : undefined}
      onKeyDown={onKeyDown}
      sx={{
        flex: 1,
        minHeight: 0,
        overflow: 'auto',
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        outline: 'none',
        '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: -2 },
        '&:focus-visible [data-active="true"]': {
          outline: 2,
          outlineColor: 'primary.main',
          outlineOffset: -2,
        },
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const row = rows[item.index]!;
          const flashSeq = flashes.get(row.id);
          const isSelected = row.isKey && row.id === selected;
          return (
            <Box
              // A new flash counter remounts the row, so its animation plays again.
              key={`${item.key}:${flashSeq ?? ''}`}
              id={rowDomId(item.index)}
              role="treeitem"
              aria-level={row.level}
              aria-posinset={row.posInSet}
              aria-setsize={row.setSize}
              aria-expanded={row.isFolder ? row.expanded : undefined}
              aria-selected={row.isKey ? isSelected : undefined}
              aria-label={
                row.isFolder ? `${row.label} — ${row.count} ${row.count === 1 ? 'key' : 'keys'}` : row.label
              }
              data-active={item.index === active}
              data-flash={flashSeq !== undefined}
              onClick={() => {
                setActiveId(row.id);
                activate(row);
              }}
              sx={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW_HEIGHT,
                transform: `translateY(${item.start}px)`,
                display: 'flex',
                alignItems: 'center',
                gap: 0.5,
                pl: `${(row.level - 1) * 16 + 4}px`,
                pr: 1,
                cursor: 'pointer',
                fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
                fontSize: 13,
                whiteSpace: 'nowrap',
                bgcolor: isSelected ? 'action.selected' : undefined,
                '&:hover': { bgcolor: isSelected ? 'action.selected' : 'action.hover' },
                ...(flashSeq !== undefined && { animation: `${flash} 1.5s ease-out` }),
              }}
            >
              <Box
                component="span"
                aria-hidden
                onClick={(e) => {
                  if (!row.isFolder) return;
                  // The chevron only opens and closes, even on a folder that is also a key.
                  e.stopPropagation();
                  setActiveId(row.id);
                  onToggle(row.id, !row.expanded);
                }}
                sx={{ width: 18, display: 'inline-flex', flexShrink: 0 }}
              >
                {row.isFolder &&
                  (row.expanded ? (
                    <ExpandMoreIcon fontSize="small" />
                  ) : (
                    <ChevronRightIcon fontSize="small" />
                  ))}
              </Box>
              <Box component="span" sx={{ overflow: 'hidden', textOverflow: 'ellipsis', flex: 1 }}>
                {row.label}
              </Box>
              {row.isFolder && (
                <Box component="span" aria-hidden sx={{ color: 'text.secondary', fontSize: 12 }}>
                  {row.count}
                </Box>
              )}
            </Box>
          );
        })}
      </div>
    </Box>
  );
}
