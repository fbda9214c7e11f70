import { Box, Button, Menu, MenuItem, Tooltip, Typography } from '@mui/material';
import { useTheme } from '@mui/material/styles';
import AddIcon from '@mui/icons-material/Add';
import CloseIcon from '@mui/icons-material/Close';
import CloseFullscreenIcon from '@mui/icons-material/CloseFullscreen';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import ContentPasteIcon from '@mui/icons-material/ContentPaste';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import OpenInFullIcon from '@mui/icons-material/OpenInFull';
import SearchIcon from '@mui/icons-material/Search';
import {
  createContext,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import { clusterFlag, flotctl } from '../actions/flotctl';
import { useActions, useRegisterActions, type AppAction } from '../actions/registry';
import { useApi } from '../api/hooks';
import { useCurrentCluster, useMachines } from '../api/live';
import { useNotify } from '../app/notify';
import { CopyCommand } from '../components/CopyCommand';
import { DockContext, machineIsUp, sshCommand, useDock, useDockSnapshot } from './context';
import { IS_MAC, keyLabel } from './keys';
import { MIN_HEIGHT, keyboardHeight, maxHeight } from './layout';
import { TerminalManager } from './manager';
import { DockButton, TerminalPanel, panelDomId, tabDomId } from './TerminalPanel';
import { activeTab, neighbourId, stateText, type SessionState, type TerminalTab } from './tabs';
import { terminalFont, terminalTheme } from './theme';

/** What pages use to open a terminal tab: a shell in a machine (host name) or a unit's container. */
export interface Terminals {
  open(target: string, title?: string): void;
}

export const TerminalsContext = createContext<Terminals>({ open: () => undefined });

export function useTerminals(): Terminals {
  return useContext(TerminalsContext);
}

/** The dock's shortcut: Ctrl+` (⌘` on macOS), as in editors with a terminal panel. */
export const TOGGLE_SHORTCUT = '$mod+`';

/** Holds the app's terminals (they outlive pages) and offers `open` to every page. */
export function TerminalProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const theme = useTheme();
  const notify = useNotify();
  const { cluster, clusters } = useCurrentCluster();
  const machines = useMachines(cluster);
  const [manager] = useState(
    () =>
      new TerminalManager({
        api,
        storage: window.localStorage,
        mac: IS_MAC,
        appearance: { theme: terminalTheme(theme), ...terminalFont(theme) },
      }),
  );
  // Flipping light/dark re-themes every open terminal in place.
  useEffect(() => {
    manager.setAppearance({ theme: terminalTheme(theme), ...terminalFont(theme) });
  }, [manager, theme]);
  useEffect(() => {
    manager.setReporter((err, what) => notify.error(err, what));
  }, [manager, notify]);
  const actions = useActions();
  const appShortcuts = useMemo(
    () => actions.flatMap((a) => (a.shortcut?.includes('$mod') ? [a.shortcut] : [])),
    [actions],
  );
  useEffect(() => manager.setAppShortcuts(appShortcuts), [manager, appShortcuts]);
  // The app going away ends its sessions (their processes are killed server-side).
  useEffect(() => () => manager.closeAll(), [manager]);

  const clusterName = cluster?.name;
  const activeCluster = clusters.items.find((c) => c.active)?.name;
  const machinesUp = useMemo(() => machines.items.filter(machineIsUp), [machines.items]);
  const terminals = useMemo<Terminals>(
    () => ({ open: (target, title) => void manager.open({ target, title, cluster: clusterName }) }),
    [manager, clusterName],
  );
  const dock = useMemo(
    () => ({ manager, cluster: clusterName, activeCluster, machinesUp }),
    [manager, clusterName, activeCluster, machinesUp],
  );
  return (
    <DockContext.Provider value={dock}>
      <TerminalsContext.Provider value={terminals}>
        <TerminalActions />
        {children}
      </TerminalsContext.Provider>
    </DockContext.Provider>
  );
}

/** Palette entries: a terminal on each machine that is up, and the dock's toggle. */
function TerminalActions() {
  const { manager, cluster, activeCluster, machinesUp } = useDock();
  const actions: AppAction[] = [
    {
      id: 'terminal.toggle',
      title: 'Show or hide the terminal dock',
      section: 'App',
      shortcut: TOGGLE_SHORTCUT,
      keywords: 'terminal shell console panel dock',
      perform: () => manager.toggle(),
    },
    ...machinesUp.map<AppAction>((m) => ({
      id: `terminal.open.${m.id}`,
      title: `Open terminal on ${m.name}`,
      section: 'Machines',
      keywords: `shell ssh console ${m.ip}`,
      perform: () => void manager.open({ target: m.name, title: m.name, cluster }),
      flotctl: flotctl('ssh', ...clusterFlag(cluster, cluster === activeCluster), m.name),
    })),
  ];
  const key = machinesUp.map((m) => `${m.id}:${m.name}`).join(',');
  useRegisterActions(actions, [key, cluster, activeCluster]);
  return null;
}

const DOT_COLOR: Record<SessionState['kind'], string> = {
  connecting: 'warning.main',
  running: 'success.main',
  exited: 'text.disabled',
  failed: 'error.main',
};

function StatusDot({ state }: { state: SessionState }) {
  return (
    <Box
      component="span"
      aria-hidden
      sx={{ width: 8, height: 8, borderRadius: '50%', flexShrink: 0, bgcolor: DOT_COLOR[state.kind] }}
    />
  );
}

/**
 * The tab strip. A tab's close mark is for the mouse only: a button inside a tab is a nested
 * control screen readers cannot reach. The keyboard closes the focused tab with Delete, and the
 * panel's context menu has "Close terminal".
 */
function TabStrip({ tabs, activeId }: { tabs: readonly TerminalTab[]; activeId: string | undefined }) {
  const { manager } = useDock();
  const onKeyDown = (e: ReactKeyboardEvent, tab: TerminalTab) => {
    const state = manager.getSnapshot().tabs;
    const target =
      e.key === 'ArrowRight'
        ? neighbourId(state, tab.id, 1)
        : e.key === 'ArrowLeft'
          ? neighbourId(state, tab.id, -1)
          : e.key === 'Home'
            ? tabs[0]?.id
            : e.key === 'End'
              ? tabs.at(-1)?.id
              : undefined;
    if (target) {
      e.preventDefault();
      manager.activate(target);
      document.getElementById(tabDomId(target))?.focus();
    } else if (e.key === 'Delete') {
      e.preventDefault();
      manager.close(tab.id, false);
      // The keyboard goes to the tab shown now (roving focus: the one with tabindex 0).
      const shown = manager.getSnapshot().tabs.activeId;
      if (shown) document.getElementById(tabDomId(shown))?.focus();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      manager.focusTab(tab.id);
    }
  };
  return (
    <Box
      role="tablist"
      aria-label="Terminal sessions"
      sx={{ display: 'flex', minWidth: 0, overflowX: 'auto', alignSelf: 'stretch' }}
    >
      {tabs.map((tab) => {
        const selected = tab.id === activeId;
        return (
          <Tooltip key={tab.id} title={stateText(tab.state)} describeChild enterDelay={600}>
            <Box
              role="tab"
              id={tabDomId(tab.id)}
              aria-selected={selected}
              aria-controls={panelDomId(tab.id)}
              aria-label={`${tab.title}, ${stateText(tab.state)}`}
              aria-keyshortcuts="Delete"
              tabIndex={selected ? 0 : -1}
              onClick={() => manager.focusTab(tab.id)}
              onAuxClick={(e) => {
                if (e.button === 1) manager.close(tab.id);
              }}
              onKeyDown={(e) => onKeyDown(e, tab)}
              sx={{
                display: 'flex',
                alignItems: 'center',
                gap: 0.75,
                pl: 1.25,
                pr: 0.5,
                cursor: 'pointer',
                whiteSpace: 'nowrap',
                borderRight: 1,
                borderColor: 'divider',
                borderBottom: 2,
                borderBottomColor: selected ? 'primary.main' : 'transparent',
                color: selected ? 'text.primary' : 'text.secondary',
                bgcolor: selected ? 'action.selected' : 'transparent',
                '&:hover': { bgcolor: 'action.hover' },
                '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: -2 },
              }}
            >
              <StatusDot state={tab.state} />
              <Typography variant="body2" component="span">
                {tab.title}
              </Typography>
              <Box
                component="span"
                aria-hidden
                title="Close (Delete)"
                onClick={(e) => {
                  e.stopPropagation();
                  manager.close(tab.id);
                }}
                sx={{
                  display: 'inline-flex',
                  borderRadius: 0.5,
                  p: 0.25,
                  '&:hover': { bgcolor: 'action.hover', color: 'text.primary' },
                }}
              >
                <CloseIcon sx={{ fontSize: 14 }} />
              </Box>
            </Box>
          </Tooltip>
        );
      })}
    </Box>
  );
}

/** The dock's top edge: drag it, or focus it and use the arrow keys (a window splitter). */
function ResizeHandle({ dock, bodyId }: { dock: RefObject<HTMLElement | null>; bodyId: string }) {
  const { manager } = useDock();
  const { layout } = useDockSnapshot(manager);
  const drag = useRef<{ y: number; height: number } | null>(null);
  const maximized = layout.mode === 'maximized';
  // Maximised, the dock is as tall as the window lets it be; a drag or key starts from that.
  const current = () => (maximized ? (dock.current?.offsetHeight ?? layout.height) : layout.height);
  const resizeTo = (height: number) => manager.setLayout({ height, mode: 'normal' });
  return (
    <Box
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize terminal dock"
      aria-controls={bodyId}
      aria-valuemin={MIN_HEIGHT}
      aria-valuemax={maxHeight(window.innerHeight)}
      aria-valuenow={maximized ? maxHeight(window.innerHeight) : layout.height}
      tabIndex={0}
      onPointerDown={(e: ReactPointerEvent) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture?.(e.pointerId);
        drag.current = { y: e.clientY, height: current() };
      }}
      onPointerMove={(e: ReactPointerEvent) => {
        if (!drag.current) return;
        resizeTo(drag.current.height + (drag.current.y - e.clientY));
      }}
      onPointerUp={(e: ReactPointerEvent) => {
        drag.current = null;
        e.currentTarget.releasePointerCapture?.(e.pointerId);
      }}
      onPointerCancel={() => {
        drag.current = null;
      }}
      onKeyDown={(e) => {
        const height = keyboardHeight(current(), e.key, window.innerHeight);
        if (height === undefined) return;
        e.preventDefault();
        resizeTo(height);
      }}
      sx={{
        height: 6,
        mt: '-3px',
        mb: '-3px',
        position: 'relative',
        zIndex: 1,
        cursor: 'row-resize',
        flexShrink: 0,
        '&:hover, &:focus-visible': { bgcolor: 'primary.main', outline: 'none' },
      }}
    />
  );
}

/** Shown when the dock is open without terminals: where one can be opened. */
function EmptyDock() {
  const { manager, cluster, machinesUp } = useDock();
  return (
    <Box sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Typography variant="body2" color="text.secondary">
        {machinesUp.length > 0
          ? 'Open a shell on a machine. A unit’s shell opens from the Units page.'
          : 'No machine is up: start a cluster, then open a shell on one of its machines.'}
      </Typography>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
        {machinesUp.map((m) => (
          <Button
            key={m.id}
            size="small"
            variant="outlined"
            onClick={() => manager.open({ target: m.name, title: m.name, cluster })}
          >
            {`Open terminal on ${m.name}`}
          </Button>
        ))}
      </Box>
    </Box>
  );
}

/** "New terminal": a shell on any machine that is up. */
function NewTerminalButton() {
  const { manager, cluster, machinesUp } = useDock();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  return (
    <>
      <DockButton
        label="New terminal"
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? true : undefined}
        onClick={(e) => setAnchor(e.currentTarget)}
      >
        <AddIcon fontSize="small" />
      </DockButton>
      {anchor && (
        <Menu id={menuId} anchorEl={anchor} open onClose={() => setAnchor(null)}>
          {machinesUp.length === 0 && <MenuItem disabled>No machine is up</MenuItem>}
          {machinesUp.map((m) => (
            <MenuItem
              key={m.id}
              onClick={() => {
                setAnchor(null);
                manager.open({ target: m.name, title: m.name, cluster });
              }}
            >
              {`Open terminal on ${m.name}`}
            </MenuItem>
          ))}
        </Menu>
      )}
    </>
  );
}

/** The dock under the page: tabs of terminals, collapsible, maximisable and resizable. */
export function TerminalDock() {
  const { manager, activeCluster } = useDock();
  const { tabs, shown, layout, finding } = useDockSnapshot(manager);
  const root = useRef<HTMLElement | null>(null);
  const bodyId = useId();
  const active = activeTab(tabs);
  const activeRuntime = active ? manager.runtime(active.id) : undefined;
  if (!shown && tabs.tabs.length === 0) return null;
  const collapsed = layout.mode === 'collapsed';
  const maximized = layout.mode === 'maximized';
  return (
    <Box
      component="section"
      aria-label="Terminals"
      ref={(el: HTMLElement | null) => {
        root.current = el;
        manager.setDockElement(el);
      }}
      // Hidden, not unmounted: the terminals keep their sessions and scrollback.
      hidden={!shown}
      sx={{
        display: shown ? 'flex' : 'none',
        flexDirection: 'column',
        minHeight: 0,
        // Normal: its height, shrinking before it pushes the status bar out of a short window.
        // Maximised: everything the page had (the page's own box shrinks to nothing).
        flex: collapsed ? '0 0 auto' : maximized ? '0 1 100vh' : `0 1 ${layout.height}px`,
        borderTop: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
      }}
    >
      {!collapsed && <ResizeHandle dock={root} bodyId={bodyId} />}
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          minHeight: 34,
          borderBottom: collapsed ? 0 : 1,
          borderColor: 'divider',
          flexShrink: 0,
        }}
      >
        <TabStrip tabs={tabs.tabs} activeId={tabs.activeId} />
        <NewTerminalButton />
        <Box sx={{ flex: 1 }} />
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.25, px: 0.5 }}>
          {active && activeRuntime && (
            <>
              <DockButton
                label="Find in terminal"
                keys={keyLabel('find', IS_MAC)}
                onClick={() => manager.setFinding(!finding)}
              >
                <SearchIcon fontSize="small" />
              </DockButton>
              <DockButton
                label="Copy selection"
                keys={keyLabel('copy', IS_MAC)}
                onClick={() => activeRuntime.copy()}
              >
                <ContentCopyIcon fontSize="small" />
              </DockButton>
              <DockButton
                label="Paste"
                keys={keyLabel('paste', IS_MAC)}
                onClick={() => void activeRuntime.paste()}
              >
                <ContentPasteIcon fontSize="small" />
              </DockButton>
              <CopyCommand command={sshCommand(active, activeCluster)} />
            </>
          )}
          <DockButton
            label={collapsed ? 'Expand terminal dock' : 'Collapse terminal dock'}
            aria-expanded={!collapsed}
            aria-controls={bodyId}
            onClick={() => manager.setLayout({ mode: collapsed ? 'normal' : 'collapsed' })}
          >
            {collapsed ? <ExpandLessIcon fontSize="small" /> : <ExpandMoreIcon fontSize="small" />}
          </DockButton>
          <DockButton
            label={maximized ? 'Restore terminal dock' : 'Maximise terminal dock'}
            onClick={() => manager.setLayout({ mode: maximized ? 'normal' : 'maximized' })}
          >
            {maximized ? <CloseFullscreenIcon fontSize="small" /> : <OpenInFullIcon fontSize="small" />}
          </DockButton>
          <DockButton
            label="Hide terminal dock"
            keys={IS_MAC ? '⌘`' : 'Ctrl+`'}
            onClick={() => manager.hide()}
          >
            <CloseIcon fontSize="small" />
          </DockButton>
        </Box>
      </Box>
      <Box
        id={bodyId}
        sx={{ display: collapsed ? 'none' : 'block', position: 'relative', flex: 1, minHeight: 0 }}
      >
        {tabs.tabs.length === 0 && <EmptyDock />}
        {tabs.tabs.map((tab) => {
          const runtime = manager.runtime(tab.id);
          return (
            runtime && (
              <TerminalPanel
                key={tab.id}
                tab={tab}
                runtime={runtime}
                active={tab.id === tabs.activeId}
                finding={finding}
              />
            )
          );
        })}
      </Box>
    </Box>
  );
}
