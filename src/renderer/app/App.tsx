import {
  AppBar,
  Box,
  Drawer,
  IconButton,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  ToggleButton,
  ToggleButtonGroup,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import HubIcon from '@mui/icons-material/Hub';
import DnsIcon from '@mui/icons-material/Dns';
import ViewListIcon from '@mui/icons-material/ViewList';
import ArticleIcon from '@mui/icons-material/Article';
import StorageIcon from '@mui/icons-material/Storage';
import SystemUpdateAltIcon from '@mui/icons-material/SystemUpdateAlt';
import LightModeIcon from '@mui/icons-material/LightMode';
import DarkModeIcon from '@mui/icons-material/DarkMode';
import SettingsBrightnessIcon from '@mui/icons-material/SettingsBrightness';
import CloseIcon from '@mui/icons-material/Close';
import HistoryIcon from '@mui/icons-material/History';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import SearchIcon from '@mui/icons-material/Search';
import { MaterialDesignContent, SnackbarProvider, closeSnackbar } from 'notistack';
import { styled } from '@mui/material/styles';
import { useEffect, useState, type ReactElement } from 'react';
import { ActionsProvider } from '../actions/registry';
import { ActivityDrawer } from './ActivityDrawer';
import { AppActions } from './AppActions';
import { ClusterPicker } from './ClusterPicker';
import { CommandPalette } from './CommandPalette';
import { ShortcutsHelp } from './ShortcutsHelp';
import { HashRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { ConnectionBanner } from '../components/ConnectionBanner';
import { EngineBanner } from '../components/EngineBanner';
import { StatusBar } from '../components/StatusBar';
import { TaskNotifier } from '../components/TaskNotifier';
import { ComingPage } from '../pages/ComingPage';
import { TerminalDock, TerminalProvider } from '../terminal/TerminalDock';
import { PAGES } from './pages';
import { useThemePreference, type ThemePreference } from './theme';

const ICONS: Record<string, ReactElement> = {
  '/clusters': <HubIcon />,
  '/machines': <DnsIcon />,
  '/units': <ViewListIcon />,
  '/journal': <ArticleIcon />,
  '/kv': <StorageIcon />,
  '/updates': <SystemUpdateAltIcon />,
};
const LAST_PAGE_KEY = 'flotilla.lastPage';
const DRAWER_WIDTH = 200;

function ThemeToggle() {
  const { preference, setPreference } = useThemePreference();
  return (
    <ToggleButtonGroup
      size="small"
      exclusive
      value={preference}
      onChange={(_e, v: ThemePreference | null) => v && setPreference(v)}
      aria-label="Theme"
      sx={{ bgcolor: 'background.paper' }}
    >
      <Tooltip title="Follow the system">
        <ToggleButton value="system" aria-label="System theme">
          <SettingsBrightnessIcon fontSize="small" />
        </ToggleButton>
      </Tooltip>
      <Tooltip title="Light">
        <ToggleButton value="light" aria-label="Light theme">
          <LightModeIcon fontSize="small" />
        </ToggleButton>
      </Tooltip>
      <Tooltip title="Dark">
        <ToggleButton value="dark" aria-label="Dark theme">
          <DarkModeIcon fontSize="small" />
        </ToggleButton>
      </Tooltip>
    </ToggleButtonGroup>
  );
}

function Navigation() {
  const location = useLocation();
  const navigate = useNavigate();
  useEffect(() => {
    if (PAGES.some((p) => location.pathname.startsWith(p.path)))
      localStorage.setItem(LAST_PAGE_KEY, location.pathname);
  }, [location.pathname]);
  return (
    <Drawer
      variant="permanent"
      sx={{
        width: DRAWER_WIDTH,
        flexShrink: 0,
        '& .MuiDrawer-paper': { width: DRAWER_WIDTH, position: 'relative' },
      }}
    >
      <List component="nav" aria-label="Pages">
        {PAGES.map((p) => (
          <ListItemButton
            key={p.path}
            selected={location.pathname.startsWith(p.path)}
            aria-current={location.pathname.startsWith(p.path) ? 'page' : undefined}
            onClick={() => navigate(p.path)}
          >
            <ListItemIcon sx={{ minWidth: 36 }}>{ICONS[p.path]}</ListItemIcon>
            <ListItemText primary={p.title} />
          </ListItemButton>
        ))}
      </List>
    </Drawer>
  );
}

function lastPage(): string {
  const p = localStorage.getItem(LAST_PAGE_KEY);
  return p && PAGES.some((x) => p.startsWith(x.path)) ? p : '/clusters';
}

/** notistack's default greens, blues and oranges carry white text below WCAG's 4.5:1; these do not. */
const SnackbarContent = styled(MaterialDesignContent)({
  '&.notistack-MuiContent-success': { backgroundColor: '#2e7d32' },
  '&.notistack-MuiContent-info': { backgroundColor: '#1565c0' },
  '&.notistack-MuiContent-warning': { backgroundColor: '#a04a00' },
  '&.notistack-MuiContent-error': { backgroundColor: '#c62828' },
});
const SNACKBAR_COMPONENTS = {
  success: SnackbarContent,
  info: SnackbarContent,
  warning: SnackbarContent,
  error: SnackbarContent,
  default: SnackbarContent,
};

/** The app frame: top bar, navigation, banners, the page, and the status bar. */
export function App() {
  const [palette, setPalette] = useState(false);
  const [shortcuts, setShortcuts] = useState(false);
  const [activity, setActivity] = useState(false);
  return (
    <SnackbarProvider
      maxSnack={4}
      Components={SNACKBAR_COMPONENTS}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
      action={(key) => (
        <IconButton
          size="small"
          color="inherit"
          aria-label="Dismiss notification"
          onClick={() => closeSnackbar(key)}
        >
          <CloseIcon fontSize="small" />
        </IconButton>
      )}
    >
      <HashRouter>
        <ActionsProvider>
          <TerminalProvider>
            <AppActions
              openPalette={() => setPalette(true)}
              openShortcuts={() => setShortcuts(true)}
              toggleActivity={() => setActivity((v) => !v)}
            />
            <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh' }}>
              <AppBar position="static" elevation={0} enableColorOnDark>
                <Toolbar variant="dense" sx={{ gap: 2 }}>
                  <Typography variant="h6" component="div" sx={{ flex: 1 }}>
                    Flotilla
                  </Typography>
                  <ClusterPicker />
                  <Tooltip title="Search pages and actions (Ctrl K)">
                    <IconButton color="inherit" aria-label="Command palette" onClick={() => setPalette(true)}>
                      <SearchIcon />
                    </IconButton>
                  </Tooltip>
                  <Tooltip title="Activity timeline (A)">
                    <IconButton
                      color="inherit"
                      aria-label="Activity timeline"
                      onClick={() => setActivity(true)}
                    >
                      <HistoryIcon />
                    </IconButton>
                  </Tooltip>
                  <Tooltip title="Keyboard shortcuts (?)">
                    <IconButton
                      color="inherit"
                      aria-label="Keyboard shortcuts"
                      onClick={() => setShortcuts(true)}
                    >
                      <KeyboardIcon />
                    </IconButton>
                  </Tooltip>
                  <ThemeToggle />
                </Toolbar>
              </AppBar>
              <ConnectionBanner />
              <EngineBanner />
              <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
                <Navigation />
                <Box component="main" sx={{ flex: 1, overflow: 'auto' }}>
                  <Routes>
                    {PAGES.map((p) => (
                      <Route
                        key={p.path}
                        path={`${p.path}/*`}
                        element={p.component ? <p.component /> : <ComingPage page={p} />}
                      />
                    ))}
                    <Route path="*" element={<Navigate to={lastPage()} replace />} />
                  </Routes>
                </Box>
              </Box>
              <TerminalDock />
              <StatusBar />
            </Box>
            <TaskNotifier />
            <CommandPalette open={palette} onClose={() => setPalette(false)} />
            <ShortcutsHelp open={shortcuts} onClose={() => setShortcuts(false)} />
            <ActivityDrawer open={activity} onClose={() => setActivity(false)} />
          </TerminalProvider>
        </ActionsProvider>
      </HashRouter>
    </SnackbarProvider>
  );
}
