import {
  Alert,
  Box,
  Button,
  Divider,
  IconButton,
  ListItemText,
  Menu,
  MenuItem,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import CloseIcon from '@mui/icons-material/Close';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowUpIcon from '@mui/icons-material/KeyboardArrowUp';
// Bundled by Vite with the app's CSS: the stylesheet xterm's DOM renderer expects.
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react';
import { useNotify } from '../app/notify';
import { copyText } from '../components/CopyCommand';
import { sshCommand, useDock } from './context';
import { IS_MAC, keyLabel } from './keys';
import type { TerminalRuntime } from './runtime';
import { hasEnded, type TerminalTab } from './tabs';

export const tabDomId = (id: string) => `${id}-tab`;
export const panelDomId = (id: string) => `${id}-panel`;

/** The xterm element of a runtime, fitted to this box whenever the box changes size. */
function TerminalView({
  runtime,
  onContextMenu,
}: {
  runtime: TerminalRuntime;
  onContextMenu: (e: ReactMouseEvent) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    runtime.attach(el);
    runtime.layout();
    // Dragging the dock's edge, maximising, showing a hidden tab: all change this box's size.
    const observer =
      typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => runtime.layout());
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      runtime.detach(el);
    };
  }, [runtime]);
  return (
    <Box
      ref={box}
      onContextMenu={onContextMenu}
      sx={{
        position: 'absolute',
        inset: 0,
        // The margin is this box's padding: xterm's black viewport would show in its own.
        pl: 1,
        pt: 0.5,
        // Below the last whole row xterm's viewport shows; it takes the theme's colour from here.
        '& .xterm .xterm-viewport': { backgroundColor: 'transparent' },
      }}
    />
  );
}

/** Find in the scrollback (xterm's search addon): Enter for the next match, Shift+Enter the previous. */
function FindBar({ runtime, onClose }: { runtime: TerminalRuntime; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [missing, setMissing] = useState(false);
  const find = (q: string, backwards = false, incremental = false) => {
    if (!q) {
      runtime.search.clearDecorations();
      setMissing(false);
      return;
    }
    const found = backwards ? runtime.search.findPrevious(q) : runtime.search.findNext(q, { incremental });
    setMissing(!found);
  };
  return (
    <Box
      role="search"
      aria-label="Find in terminal"
      sx={{
        position: 'absolute',
        top: 4,
        right: 20,
        zIndex: 2,
        display: 'flex',
        alignItems: 'center',
        gap: 0.5,
        p: 0.5,
        bgcolor: 'background.paper',
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        boxShadow: 2,
      }}
    >
      <TextField
        size="small"
        label="Find"
        autoFocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          find(e.target.value, false, true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(query, e.shiftKey);
          } else if (e.key === 'Escape') {
            e.preventDefault();
            onClose();
          }
        }}
        slotProps={{ htmlInput: { spellCheck: false } }}
        sx={{ width: 200 }}
      />
      {missing && (
        <Typography variant="body2" role="status" color="text.secondary" sx={{ px: 0.5 }}>
          No matches
        </Typography>
      )}
      <IconButton size="small" aria-label="Previous match" onClick={() => find(query, true)}>
        <KeyboardArrowUpIcon fontSize="small" />
      </IconButton>
      <IconButton size="small" aria-label="Next match" onClick={() => find(query)}>
        <KeyboardArrowDownIcon fontSize="small" />
      </IconButton>
      <IconButton size="small" aria-label="Close find" onClick={onClose}>
        <CloseIcon fontSize="small" />
      </IconButton>
    </Box>
  );
}

/** The bar under a session that ended: why, and a way to start a new one. */
function EndedBar({ tab, onReconnect }: { tab: TerminalTab; onReconnect: () => void }) {
  const failed = tab.state.kind === 'failed';
  return (
    <Alert
      severity={failed ? 'error' : 'info'}
      role={failed ? 'alert' : 'status'}
      variant="outlined"
      sx={{ borderRadius: 0, borderLeft: 0, borderRight: 0, borderBottom: 0, py: 0 }}
      action={
        <Button color="inherit" size="small" onClick={onReconnect}>
          Reconnect
        </Button>
      }
    >
      {tab.state.kind === 'exited'
        ? `The shell on ${tab.target} exited with code ${tab.state.code}. Press Enter in the terminal or Reconnect for a new one.`
        : tab.state.kind === 'failed'
          ? `The shell on ${tab.target} failed: ${tab.state.reason}`
          : ''}
    </Alert>
  );
}

/** One tab's panel: the terminal, its find bar, its ended bar and its context menu. */
export function TerminalPanel({
  tab,
  runtime,
  active,
  finding,
}: {
  tab: TerminalTab;
  runtime: TerminalRuntime;
  active: boolean;
  finding: boolean;
}) {
  const { manager, activeCluster } = useDock();
  const notify = useNotify();
  const [menu, setMenu] = useState<{ x: number; y: number; selection: boolean } | null>(null);
  const ended = hasEnded(tab.state);
  const command = sshCommand(tab, activeCluster);
  // A menu item acts once the menu has closed and handed focus back to the terminal.
  const act = (fn: () => void) => () => {
    setMenu(null);
    fn();
  };
  return (
    <Box
      role="tabpanel"
      id={panelDomId(tab.id)}
      aria-labelledby={tabDomId(tab.id)}
      hidden={!active}
      sx={{ position: 'absolute', inset: 0, display: active ? 'flex' : 'none', flexDirection: 'column' }}
    >
      <Box sx={{ position: 'relative', flex: 1, minHeight: 0 }}>
        <TerminalView
          runtime={runtime}
          onContextMenu={(e) => {
            e.preventDefault();
            setMenu({ x: e.clientX, y: e.clientY, selection: runtime.term.hasSelection() });
          }}
        />
        {active && finding && <FindBar runtime={runtime} onClose={() => manager.setFinding(false)} />}
      </Box>
      {ended && <EndedBar tab={tab} onReconnect={() => manager.reconnect(tab.id)} />}
      <Menu
        open={menu !== null}
        onClose={() => setMenu(null)}
        anchorReference="anchorPosition"
        anchorPosition={menu ? { top: menu.y, left: menu.x } : undefined}
        slotProps={{ list: { dense: true, 'aria-label': `Terminal ${tab.title}` } }}
      >
        <MenuItem disabled={!menu?.selection} onClick={act(() => runtime.copy())}>
          <ListItemText>Copy</ListItemText>
          <Shortcut text={keyLabel('copy', IS_MAC)} />
        </MenuItem>
        <MenuItem onClick={act(() => void runtime.paste())}>
          <ListItemText>Paste</ListItemText>
          <Shortcut text={keyLabel('paste', IS_MAC)} />
        </MenuItem>
        <MenuItem onClick={act(() => runtime.term.selectAll())}>Select all</MenuItem>
        <MenuItem onClick={act(() => manager.setFinding(true))}>
          <ListItemText>Find…</ListItemText>
          <Shortcut text={keyLabel('find', IS_MAC)} />
        </MenuItem>
        <MenuItem onClick={act(() => runtime.term.clear())}>Clear scrollback</MenuItem>
        <MenuItem
          onClick={act(() =>
            copyText(command).then(
              () => notify.info(`Copied: ${command}`),
              (err: unknown) => notify.error(err, 'Copy to the clipboard'),
            ),
          )}
        >
          Copy as flotctl command
        </MenuItem>
        <Divider />
        {ended && <MenuItem onClick={act(() => manager.reconnect(tab.id))}>Reconnect</MenuItem>}
        <MenuItem onClick={act(() => manager.close(tab.id))}>Close terminal</MenuItem>
      </Menu>
    </Box>
  );
}

function Shortcut({ text }: { text: string }) {
  return (
    <Typography variant="body2" color="text.secondary" sx={{ ml: 3 }}>
      {text}
    </Typography>
  );
}

/** Icon button with a tooltip naming it and its keys. */
export function DockButton({
  label,
  keys,
  onClick,
  children,
  ...aria
}: {
  label: string;
  keys?: string;
  onClick: (e: ReactMouseEvent<HTMLElement>) => void;
  children: ReactNode;
  'aria-expanded'?: boolean;
  'aria-controls'?: string;
  'aria-haspopup'?: 'menu';
}) {
  return (
    <Tooltip title={keys ? `${label} (${keys})` : label}>
      <IconButton size="small" aria-label={label} onClick={onClick} {...aria}>
        {children}
      </IconButton>
    </Tooltip>
  );
}
