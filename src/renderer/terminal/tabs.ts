// The dock's tabs as plain data: which sessions exist, which one is shown, how each one is doing.

/** Where a tab's session is: a status dot, a line in the tab's name, and what Enter does. */
export type SessionState =
  | { kind: 'connecting' }
  | { kind: 'running'; description: string }
  | { kind: 'exited'; code: number }
  | { kind: 'failed'; reason: string };

export interface TerminalTab {
  id: string;
  /** A machine's host name or a unit's name, as shell.session takes it. */
  target: string;
  /** The cluster it was opened in; reconnecting goes there again whatever is active by then. */
  cluster: string | undefined;
  title: string;
  state: SessionState;
}

export interface TabsState {
  tabs: readonly TerminalTab[];
  activeId: string | undefined;
}

export const NO_TABS: TabsState = { tabs: [], activeId: undefined };

/** `base`, or `base (2)`, `base (3)`… when that title is taken: two shells on core-02 stay apart. */
export function uniqueTitle(tabs: readonly TerminalTab[], base: string): string {
  const taken = new Set(tabs.map((t) => t.title));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`;
}

/** A new tab at the end, shown; the same target again makes another tab (another session). */
export function openTab(
  s: TabsState,
  tab: { id: string; target: string; cluster: string | undefined; title?: string | undefined },
): TabsState {
  const next: TerminalTab = {
    id: tab.id,
    target: tab.target,
    cluster: tab.cluster,
    title: uniqueTitle(s.tabs, tab.title?.trim() || tab.target),
    state: { kind: 'connecting' },
  };
  return { tabs: [...s.tabs, next], activeId: next.id };
}

/** Removes a tab; closing the shown one shows its right neighbour, else its left one. */
export function closeTab(s: TabsState, id: string): TabsState {
  const i = s.tabs.findIndex((t) => t.id === id);
  if (i < 0) return s;
  const tabs = s.tabs.filter((t) => t.id !== id);
  if (s.activeId !== id) return { tabs, activeId: s.activeId };
  return { tabs, activeId: (tabs[i] ?? tabs[i - 1])?.id };
}

export function activateTab(s: TabsState, id: string): TabsState {
  return s.activeId === id || !s.tabs.some((t) => t.id === id) ? s : { ...s, activeId: id };
}

export function setTabState(s: TabsState, id: string, state: SessionState): TabsState {
  if (!s.tabs.some((t) => t.id === id)) return s;
  return { ...s, tabs: s.tabs.map((t) => (t.id === id ? { ...t, state } : t)) };
}

/** The tab `delta` places from `id`, wrapping around (arrow keys in the tab strip). */
export function neighbourId(s: TabsState, id: string, delta: number): string | undefined {
  const i = s.tabs.findIndex((t) => t.id === id);
  if (i < 0 || s.tabs.length === 0) return undefined;
  const n = s.tabs.length;
  return s.tabs[(((i + delta) % n) + n) % n]?.id;
}

export function activeTab(s: TabsState): TerminalTab | undefined {
  return s.tabs.find((t) => t.id === s.activeId);
}

/** The session's state in words: "running", "exited with code 0", "failed: …". */
export function stateText(state: SessionState): string {
  switch (state.kind) {
    case 'connecting':
      return 'connecting';
    case 'running':
      return 'running';
    case 'exited':
      return `exited with code ${state.code}`;
    case 'failed':
      return `failed: ${state.reason}`;
  }
}

/** Whether a new session can be started in the tab (Reconnect, Enter). */
export function hasEnded(state: SessionState): boolean {
  return state.kind === 'exited' || state.kind === 'failed';
}
