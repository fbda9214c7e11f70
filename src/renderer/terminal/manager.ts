// The dock's state outside React: tabs, their terminals, and the dock's size. Terminals and their
// sessions live here so that renders, StrictMode's double mounts and a hidden dock leave them be.
import { clampHeight, loadLayout, saveLayout, type DockLayout } from './layout';
import { matchesShortcut } from './keys';
import { TerminalRuntime, type Appearance } from './runtime';
import type { ShellApi } from './session';
import { NO_TABS, activateTab, activeTab, closeTab, openTab, setTabState, type TabsState } from './tabs';

export interface DockSnapshot {
  tabs: TabsState;
  /** The dock is on screen (it hides when its last tab closes, or by the toggle). */
  shown: boolean;
  layout: DockLayout;
  /** The find bar of the active tab is open. */
  finding: boolean;
}

export interface ManagerEnv {
  api: ShellApi;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  mac: boolean;
  appearance: Appearance;
}

export class TerminalManager {
  private snapshot: DockSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly runtimes = new Map<string, TerminalRuntime>();
  private nextId = 1;
  private appearance: Appearance;
  /** Where clipboard failures go (the provider points it at the notifications). */
  private report: (err: unknown, what: string) => void = () => undefined;
  /** The dock's element, to tell whether focus is in it. */
  private dockElement: HTMLElement | null = null;
  /** The app's global shortcuts ($mod+…), which the terminals leave to the app. */
  private appShortcuts: readonly string[] = [];
  /** What had focus before the toggle brought the dock up; the toggle gives it back. */
  private returnFocus: HTMLElement | null = null;

  constructor(private readonly env: ManagerEnv) {
    this.appearance = env.appearance;
    this.snapshot = { tabs: NO_TABS, shown: false, layout: loadLayout(env.storage), finding: false };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): DockSnapshot => this.snapshot;

  setReporter(report: (err: unknown, what: string) => void): void {
    this.report = report;
  }

  setAppShortcuts(shortcuts: readonly string[]): void {
    this.appShortcuts = shortcuts;
  }

  setDockElement(el: HTMLElement | null): void {
    this.dockElement = el;
  }

  runtime(id: string): TerminalRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** A new tab with a new session on `target` (a machine's host name or a unit), shown and focused. */
  open(where: { target: string; title?: string | undefined; cluster: string | undefined }): string {
    const id = `terminal-${this.nextId++}`;
    const tabs = openTab(this.snapshot.tabs, { id, ...where });
    const tab = tabs.tabs.at(-1)!;
    const runtime = new TerminalRuntime(
      { target: tab.target, cluster: tab.cluster, title: tab.title },
      {
        api: this.env.api,
        mac: this.env.mac,
        appearance: () => this.appearance,
        report: (err, what) => this.report(err, what),
        find: () => this.setFinding(true),
        isAppShortcut: (e) => this.appShortcuts.some((s) => matchesShortcut(e, s, this.env.mac)),
      },
      (state) => this.update({ tabs: setTabState(this.snapshot.tabs, id, state) }),
    );
    this.runtimes.set(id, runtime);
    this.rememberFocus();
    this.update({ tabs, shown: true, layout: this.expanded(), finding: false });
    runtime.focus();
    return id;
  }

  /**
   * Closes a tab: its session ends (the process is killed) and its scrollback goes. The keyboard
   * moves to the next tab's terminal, unless `focusNext` is false (Delete in the tab strip keeps it
   * on the tabs).
   */
  close(id: string, focusNext = true): void {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    const focusWasInside = this.focusInDock();
    this.runtimes.delete(id);
    runtime.dispose();
    const tabs = closeTab(this.snapshot.tabs, id);
    this.update({ tabs, shown: this.snapshot.shown && tabs.tabs.length > 0, finding: false });
    const next = activeTab(tabs);
    if (next && focusWasInside && focusNext) this.runtimes.get(next.id)?.focus();
    else if (!next) this.giveFocusBack();
  }

  activate(id: string): void {
    if (!this.runtimes.has(id)) return;
    this.update({
      tabs: activateTab(this.snapshot.tabs, id),
      shown: true,
      finding: this.snapshot.tabs.activeId === id && this.snapshot.finding,
    });
  }

  /** Shows a tab and puts the keyboard in it. */
  focusTab(id: string): void {
    this.activate(id);
    if (this.snapshot.layout.mode === 'collapsed') this.update({ layout: this.expanded() });
    this.runtimes.get(id)?.focus();
  }

  reconnect(id: string): void {
    this.runtimes.get(id)?.reconnect();
  }

  setLayout(patch: Partial<DockLayout>): void {
    const layout = { ...this.snapshot.layout, ...patch };
    if (patch.height !== undefined) layout.height = clampHeight(patch.height, window.innerHeight);
    this.update({ layout });
  }

  setFinding(finding: boolean): void {
    if (finding && !activeTab(this.snapshot.tabs)) return;
    this.update({ finding, ...(finding ? { shown: true, layout: this.expanded() } : {}) });
    if (!finding) {
      const tab = activeTab(this.snapshot.tabs);
      if (tab) {
        this.runtimes.get(tab.id)?.search.clearDecorations();
        this.runtimes.get(tab.id)?.focus();
      }
    }
  }

  /**
   * The dock's shortcut: brings the dock up with the keyboard in its terminal; pressed again in
   * the dock, hides it and gives the keyboard back to where it was.
   */
  toggle(): void {
    const { shown, layout, tabs } = this.snapshot;
    if (!shown || layout.mode === 'collapsed') {
      this.rememberFocus();
      this.update({ shown: true, layout: this.expanded() });
      this.focusActive();
    } else if (this.focusInDock() || tabs.tabs.length === 0) {
      this.hide();
    } else {
      this.rememberFocus();
      this.focusActive();
    }
  }

  show(): void {
    this.update({ shown: true, layout: this.expanded() });
  }

  /** Hides the dock; its sessions keep running. */
  hide(): void {
    this.update({ shown: false, finding: false });
    this.giveFocusBack();
  }

  setAppearance(look: Appearance): void {
    this.appearance = look;
    for (const r of this.runtimes.values()) r.setAppearance(look);
  }

  /** Ends every session (the app goes away). */
  closeAll(): void {
    for (const r of this.runtimes.values()) r.dispose();
    this.runtimes.clear();
    this.update({ tabs: NO_TABS, shown: false, finding: false });
  }

  private focusActive(): void {
    const tab = activeTab(this.snapshot.tabs);
    if (tab) this.runtimes.get(tab.id)?.focus();
  }

  private focusInDock(): boolean {
    return !!this.dockElement && this.dockElement.contains(document.activeElement);
  }

  private rememberFocus(): void {
    if (this.focusInDock()) return;
    const el = document.activeElement;
    this.returnFocus = el instanceof HTMLElement && el !== document.body ? el : null;
  }

  private giveFocusBack(): void {
    const el = this.returnFocus;
    this.returnFocus = null;
    if (el?.isConnected && this.focusInDock()) el.focus();
    else if (this.focusInDock()) (document.activeElement as HTMLElement | null)?.blur();
  }

  /** The layout with the dock open: collapsed comes back to normal, other modes stay. */
  private expanded(): DockLayout {
    const layout = this.snapshot.layout;
    return layout.mode === 'collapsed' ? { ...layout, mode: 'normal' } : layout;
  }

  private update(patch: Partial<DockSnapshot>): void {
    const next = { ...this.snapshot, ...patch };
    if (patch.layout && patch.layout !== this.snapshot.layout) saveLayout(this.env.storage, next.layout);
    this.snapshot = next;
    for (const l of this.listeners) l();
  }
}
