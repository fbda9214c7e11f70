import { Box, Button, useTheme } from '@mui/material';
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type Ref,
  type RefObject,
} from 'react';
import { createPortal } from 'react-dom';
import { laneColor, sourceLabel } from './lanes';
import {
  FONT_PX,
  MONOSPACE,
  ROW_H,
  charWidth,
  linesOf,
  prefixChars,
  rowsFor,
  textColumns,
  MARK_CHARS,
} from './layout';
import { splitByRanges, type Matcher } from './matcher';
import type { JournalModel } from './model';
import type { LineStream } from './store';
import { CLOCK_CHARS, formatClock } from './time';
import { useModelVersion } from './useModelVersion';

/** The current search match: a line (by absolute index) and which of its matches. */
export interface CurrentMatch {
  abs: number;
  occ: number;
}

export interface JournalViewHandle {
  /** Scrolls the view's k-th line into the middle (following pauses). */
  revealViewIndex(k: number): void;
  focus(): void;
}

export interface JournalViewProps {
  model: JournalModel;
  wrap: boolean;
  timestamps: boolean;
  utc: boolean;
  current: CurrentMatch | undefined;
  following: boolean;
  /** model.absEnd when following paused: lines after it are "new". */
  pausedAt: number;
  onPause(): void;
  onFollow(): void;
  /** Called after each render with what is on screen (the bench's probe; absent in the app). */
  onRendered?: (first: number, last: number) => void;
  ref?: Ref<JournalViewHandle>;
}

/** The scroller's inner size, kept current by a ResizeObserver (jsdom: read once). */
function useInnerSize(el: RefObject<HTMLDivElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const node = el.current;
    if (!node) return undefined;
    const read = () =>
      setSize((s) =>
        s.width === node.clientWidth && s.height === node.clientHeight
          ? s
          : { width: node.clientWidth, height: node.clientHeight },
      );
    if (typeof ResizeObserver === 'undefined') {
      const id = setTimeout(read, 0);
      return () => clearTimeout(id);
    }
    const ro = new ResizeObserver(read);
    ro.observe(node);
    return () => ro.disconnect();
  }, [el]);
  return size;
}

const MARKS: Record<LineStream, string> = { stdout: '', stderr: 'ERR', system: 'SYS', notice: '»»»' };

interface RowProps {
  index: number;
  start: number;
  time: number;
  timestamps: boolean;
  utc: boolean;
  label: string;
  labelChars: number;
  color: string;
  stream: LineStream;
  text: string;
  matcher: Matcher;
  /** Which match of this line is the current one (-1: none). */
  currentOcc: number;
  wrap: boolean;
  measure: ((el: HTMLDivElement | null) => void) | undefined;
}

/** The rows' stylesheet (inside their shadow root: plain CSS, the theme's colours put in). */
function rowStyles(mode: 'light' | 'dark'): string {
  const dark = mode === 'dark';
  // Rows are placed with `top`, not a transform: a transformed row is a paint layer of its own.
  return `
.jl-row { position: absolute; left: 0; display: flex; min-width: 100%; width: max-content; box-sizing: border-box;
  border-left: 3px solid; padding: 0 8px 0 6px; white-space: pre; }
.jl-row.jl-wrap { width: 100%; }
.jl-wrap .jl-text { white-space: pre-wrap; word-break: break-all; flex: 1 1 auto; min-width: 0; }
.jl-time { flex: 0 0 ${CLOCK_CHARS}ch; margin-right: 1ch; color: ${dark ? '#b0b0b0' : '#5f6368'}; }
.jl-src { flex: 0 0 auto; margin-right: 1ch; overflow: hidden; }
.jl-mark { flex: 0 0 ${MARK_CHARS}ch; margin-right: 1ch; font-weight: 700; }
.jl-stderr { background: ${dark ? 'rgba(244,67,54,0.10)' : 'rgba(211,47,47,0.05)'}; }
.jl-stderr .jl-mark, .jl-stderr .jl-text { color: ${dark ? '#ff8a80' : '#c62828'}; }
.jl-system .jl-mark, .jl-system .jl-text { color: ${dark ? '#b0bec5' : '#546e7a'}; }
.jl-notice { background: ${dark ? 'rgba(33,150,243,0.16)' : '#e3f2fd'}; color: ${dark ? '#90caf9' : '#0d47a1'}; }
mark { background: ${dark ? '#8d6e00' : '#fff176'}; color: inherit; border-radius: 2px; }
mark.jl-current { background: ${dark ? '#ef6c00' : '#ff9800'}; color: ${dark ? '#fff' : '#000'};
  outline: 1px solid ${dark ? '#fff' : '#000'}; }
`;
}

/** One line. Memoized: while following, only the lines that scroll in render. */
const Row = memo(function Row({
  index,
  start,
  time,
  timestamps,
  utc,
  label,
  labelChars,
  color,
  stream,
  text,
  matcher,
  currentOcc,
  wrap,
  measure,
}: RowProps) {
  const ranges = matcher.kind === 'ok' ? matcher.ranges(text) : [];
  return (
    <div
      ref={measure}
      data-index={index}
      className={`jl-row jl-${stream}${wrap ? ' jl-wrap' : ''}`}
      style={{ top: start, borderLeftColor: color }}
    >
      {timestamps && <span className="jl-time">{formatClock(time, { utc })}</span>}
      <span className="jl-src" style={{ color, width: `${labelChars}ch` }}>
        {label}
      </span>
      <span className="jl-mark" aria-hidden={stream === 'notice' ? true : undefined}>
        {MARKS[stream]}
      </span>
      <span className="jl-text">
        {ranges.length === 0
          ? text
          : splitByRanges(text, ranges).map((part, i) =>
              part.match < 0 ? (
                part.text
              ) : (
                <mark key={i} className={part.match === currentOcc ? 'jl-current' : undefined}>
                  {part.text}
                </mark>
              ),
            )}
      </span>
    </div>
  );
});

/**
 * The lines, virtualized: only those on screen are in the page. Following keeps the newest line
 * at the bottom; any move up (wheel, keys, scrollbar) pauses it and a pill counts the lines that
 * came since, never moving what is being read. The pill, End, or scrolling back to the bottom
 * follows again.
 */
export function JournalView(props: JournalViewProps) {
  const { model, wrap, timestamps, utc, current, following, pausedAt, onPause, onFollow, onRendered } = props;
  const theme = useTheme();
  const mode = theme.palette.mode;
  const version = useModelVersion(model);
  const scroller = useRef<HTMLDivElement>(null);
  const size = useInnerSize(scroller);
  // The rows live in a shadow root with a stylesheet of their own: the app's global rules (the
  // CSS baseline's `*, ::before, ::after` above all) made styling a screenful of new rows cost
  // ~20 ms a frame; inside, a few rules match and scrolling a million lines keeps 60 fps.
  const [rowsRoot, setRowsRoot] = useState<ShadowRoot | null>(null);
  const attachRows = useCallback((el: HTMLDivElement | null) => {
    if (el) setRowsRoot(el.shadowRoot ?? el.attachShadow({ mode: 'open' }));
  }, []);
  const { store } = model;
  const count = model.count;

  // The source column is as wide as the longest source label.
  const sources = store.sources;
  let labelChars = 8;
  for (const s of sources) labelChars = Math.max(labelChars, sourceLabel(s).length);
  labelChars = Math.min(labelChars, 48);
  const cw = charWidth();
  const cols = textColumns(size.width, cw, prefixChars({ timestamps, labelChars }));

  const estimateSize = useCallback(
    (k: number) => {
      const text = model.store.text(model.storeIndex(k));
      return ROW_H * (wrap ? rowsFor(text, cols) : linesOf(text));
    },
    [model, wrap, cols],
  );

  // Following: render the last screenful whatever the (stale) scroll offset says, so the frame
  // that scrolls to the bottom already has its lines.
  const rangeExtractor = useCallback(
    (range: Range) => {
      if (!following || range.count === 0) return defaultRangeExtractor(range);
      const rows = Math.ceil(Math.max(size.height, ROW_H) / ROW_H) + range.overscan;
      const first = Math.max(0, range.count - rows);
      const out: number[] = [];
      for (let i = first; i < range.count; i++) out.push(i);
      return out;
    },
    [following, size.height],
  );

  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize,
    rangeExtractor,
    overscan: 12,
  });

  // Sizes cached by index belong to other lines once the view's lines change wholesale.
  const filtering = model.filtering;
  useEffect(() => {
    virtualizer.measure();
  }, [virtualizer, wrap, cols, filtering, model.index, timestamps]);

  // Scroll positions set by code, told apart from the person's own scrolling.
  const programmaticTop = useRef(-1);
  const lastTop = useRef(0);
  /** The line at the top while paused, and what could move it: drops at the head, the view's lines. */
  const anchor = useRef<{ abs: number; delta: number; dropped: number; view: unknown } | undefined>(
    undefined,
  );
  const viewIdentity = model.filtering ? model.index : undefined;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (following) {
      anchor.current = undefined;
      const bottom = Math.max(0, el.scrollHeight - el.clientHeight);
      if (Math.abs(el.scrollTop - bottom) > 1) {
        programmaticTop.current = bottom;
        el.scrollTop = bottom;
      }
      lastTop.current = el.scrollTop;
    } else if (
      anchor.current &&
      (anchor.current.dropped !== store.dropped || anchor.current.view !== viewIdentity)
    ) {
      // Lines dropped at the head (the cap) or a filter change move what is being read: put it back.
      // (Only then: asking the virtualizer for an offset reads the layout, which is not free.)
      const a = anchor.current;
      a.dropped = store.dropped;
      a.view = viewIdentity;
      const k = a.abs < store.dropped ? 0 : model.viewIndexOf(a.abs - store.dropped);
      const at = virtualizer.getOffsetForIndex(Math.min(k, Math.max(0, count - 1)), 'start');
      if (at) {
        const want = Math.max(0, at[0] + a.delta);
        if (Math.abs(el.scrollTop - want) > 1) {
          programmaticTop.current = want;
          el.scrollTop = want;
          lastTop.current = el.scrollTop;
        }
      }
    }
  });

  const items = virtualizer.getVirtualItems();
  const firstShown = items[0]?.index ?? 0;
  const lastShown = items[items.length - 1]?.index ?? -1;
  useLayoutEffect(() => {
    onRendered?.(firstShown, lastShown);
  });

  const rememberAnchor = () => {
    const el = scroller.current;
    if (!el) return;
    const item = virtualizer.getVirtualItemForOffset(el.scrollTop);
    anchor.current = item
      ? {
          abs: store.dropped + model.storeIndex(item.index),
          delta: el.scrollTop - item.start,
          dropped: store.dropped,
          view: viewIdentity,
        }
      : undefined;
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const top = el.scrollTop;
    const byCode = Math.abs(top - programmaticTop.current) <= 1;
    programmaticTop.current = -1;
    if (!byCode) {
      const atBottom = el.scrollHeight - el.clientHeight - top <= 2;
      if (following && top < lastTop.current - 1) onPause();
      else if (!following && atBottom && top > lastTop.current) onFollow();
      rememberAnchor();
    }
    lastTop.current = top;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'End') {
      e.preventDefault();
      onFollow();
    } else if (following && (e.key === 'ArrowUp' || e.key === 'PageUp' || e.key === 'Home')) {
      onPause();
    }
  };

  useImperativeHandle(
    props.ref,
    () => ({
      revealViewIndex(k: number) {
        onPause();
        virtualizer.scrollToIndex(k, { align: 'center' });
        // Remember the place once the scroll has landed.
        requestAnimationFrame(() => rememberAnchor());
      },
      focus() {
        scroller.current?.focus();
      },
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [virtualizer, onPause, model],
  );

  const newLines = following ? 0 : Math.max(0, model.absEnd - pausedAt);
  const currentStore = current ? current.abs - store.dropped : -1;
  const css = useMemo(() => rowStyles(mode), [mode]);
  const rows = items.map((item) => {
    const i = model.storeIndex(item.index);
    const source = store.source(i);
    const stream = store.stream(i);
    return (
      <Row
        key={store.dropped + i}
        index={item.index}
        start={item.start}
        time={store.time(i)}
        timestamps={timestamps}
        utc={utc}
        label={stream === 'notice' ? '' : sourceLabel(source)}
        labelChars={labelChars}
        color={stream === 'notice' ? 'transparent' : laneColor(source.index, mode)}
        stream={stream}
        text={store.text(i)}
        matcher={model.matcher}
        currentOcc={i === currentStore ? (current?.occ ?? -1) : -1}
        wrap={wrap}
        measure={wrap ? virtualizer.measureElement : undefined}
      />
    );
  });
  return (
    <Box sx={{ position: 'relative', flex: 1, minHeight: 0, display: 'flex' }} data-version={version}>
      <Box
        ref={scroller}
        role="log"
        aria-live="off"
        aria-label="Journal lines"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={(e) => {
          // The scroll itself comes after (smoothly): its scroll events remember the place.
          const el = e.currentTarget;
          if (following && e.deltaY < 0 && el.scrollHeight > el.clientHeight) onPause();
        }}
        onKeyDown={onKeyDown}
        sx={{
          flex: 1,
          overflow: 'auto',
          overflowAnchor: 'none',
          position: 'relative',
          fontFamily: MONOSPACE,
          fontSize: `${FONT_PX}px`,
          lineHeight: `${ROW_H}px`,
          bgcolor: 'background.paper',
          color: 'text.primary',
          border: 1,
          borderColor: 'divider',
          borderRadius: 1,
          '&:focus-visible': { outline: `2px solid ${theme.palette.primary.main}`, outlineOffset: -2 },
        }}
      >
        <div
          ref={attachRows}
          data-journal-rows=""
          style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}
        />
        {rowsRoot &&
          createPortal(
            <>
              <style>{css}</style>
              {rows}
            </>,
            rowsRoot,
          )}
      </Box>
      {!following && (
        <Button
          variant="contained"
          size="small"
          startIcon={<ArrowDownwardIcon />}
          onClick={() => {
            onFollow();
            scroller.current?.focus();
          }}
          aria-label={`${newLines === 0 ? 'Following paused' : `${newLines.toLocaleString()} new ${newLines === 1 ? 'line' : 'lines'}`} — jump to the newest and follow (End)`}
          sx={{
            position: 'absolute',
            bottom: 16,
            left: '50%',
            transform: 'translateX(-50%)',
            borderRadius: 999,
            boxShadow: 4,
            textTransform: 'none',
          }}
        >
          {newLines === 0
            ? 'Paused — follow'
            : `${newLines.toLocaleString()} new ${newLines === 1 ? 'line' : 'lines'}`}
        </Button>
      )}
    </Box>
  );
}
