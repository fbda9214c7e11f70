// The dock's size and mode, remembered across runs.

export type DockMode = 'normal' | 'collapsed' | 'maximized';

export interface DockLayout {
  /** Height in CSS pixels when the mode is normal. */
  height: number;
  mode: DockMode;
}

export const LAYOUT_KEY = 'flotilla.terminalDock';
export const MIN_HEIGHT = 120;
export const DEFAULT_LAYOUT: DockLayout = { height: 300, mode: 'normal' };
/** What the page keeps above a dock dragged to its tallest: the top bar, banners and a little page. */
const PAGE_RESERVE = 180;
const STEP = 24;
const PAGE_STEP = 120;

/** The tallest a normal dock may be in a window `viewport` pixels high. */
export function maxHeight(viewport: number): number {
  return Math.max(MIN_HEIGHT, Math.floor(viewport - PAGE_RESERVE));
}

export function clampHeight(height: number, viewport: number): number {
  if (!Number.isFinite(height)) return DEFAULT_LAYOUT.height;
  return Math.min(maxHeight(viewport), Math.max(MIN_HEIGHT, Math.round(height)));
}

/** The remembered layout, or the default when nothing (or nothing readable) was stored. */
export function loadLayout(storage: Pick<Storage, 'getItem'>): DockLayout {
  try {
    const raw = JSON.parse(storage.getItem(LAYOUT_KEY) ?? 'null') as Partial<DockLayout> | null;
    if (!raw || typeof raw !== 'object') return DEFAULT_LAYOUT;
    const height =
      typeof raw.height === 'number' && Number.isFinite(raw.height)
        ? Math.max(MIN_HEIGHT, Math.round(raw.height))
        : DEFAULT_LAYOUT.height;
    const mode: DockMode =
      raw.mode === 'collapsed' || raw.mode === 'maximized' || raw.mode === 'normal' ? raw.mode : 'normal';
    return { height, mode };
  } catch {
    return DEFAULT_LAYOUT;
  }
}

export function saveLayout(storage: Pick<Storage, 'setItem'>, layout: DockLayout): void {
  try {
    storage.setItem(LAYOUT_KEY, JSON.stringify(layout));
  } catch {
    // A full or disabled storage costs only the memory of the size.
  }
}

/**
 * The new height for a key pressed on the resize handle (a window splitter: up grows the dock,
 * Home/End go to the smallest and largest), or undefined when the key is not a resize key.
 */
export function keyboardHeight(height: number, key: string, viewport: number): number | undefined {
  const delta: Record<string, number> = {
    ArrowUp: STEP,
    ArrowDown: -STEP,
    PageUp: PAGE_STEP,
    PageDown: -PAGE_STEP,
  };
  if (key === 'Home') return MIN_HEIGHT;
  if (key === 'End') return maxHeight(viewport);
  const d = delta[key];
  return d === undefined ? undefined : clampHeight(height + d, viewport);
}
