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
import { SnackbarProvider, closeSnackbar } from 'notistack';
import { useEffect, type ReactElement } from 'react';
import { HashRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { ConnectionBanner } from '../components/ConnectionBanner';
import { EngineBanner } from '../components/EngineBanner';
import { StatusBar } from '../components/StatusBar';
import { TaskNotifier } from '../components/TaskNotifier';
import { ComingPage } from '../pages/ComingPage';
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
    if (PAGES.some((p) => p.path === location.pathname))
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
            selected={location.pathname === p.path}
            aria-current={location.pathname === p.path ? 'page' : undefined}
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
  return PAGES.some((x) => x.path === p) ? (p as string) : '/clusters';
}

/** The app frame: top bar, navigation, banners, the page, and the status bar. */
export function App() {
  return (
    <SnackbarProvider
      maxSnack={4}
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
        <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh' }}>
          <AppBar position="static" elevation={0} enableColorOnDark>
            <Toolbar variant="dense" sx={{ gap: 2 }}>
              <Typography variant="h6" component="div" sx={{ flex: 1 }}>
                Flotilla
              </Typography>
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
                  <Route key={p.path} path={p.path} element={<ComingPage page={p} />} />
                ))}
                <Route path="*" element={<Navigate to={lastPage()} replace />} />
              </Routes>
            </Box>
          </Box>
          <StatusBar />
        </Box>
        <TaskNotifier />
      </HashRouter>
    </SnackbarProvider>
  );
}
