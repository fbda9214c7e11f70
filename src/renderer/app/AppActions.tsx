import { useNavigate } from 'react-router-dom';
import { flotctl } from '../actions/flotctl';
import { useRegisterActions, type AppAction } from '../actions/registry';
import { PAGES } from './pages';
import { useThemePreference } from './theme';

/** Shortcuts for going to a page: g then the letter, as Nomad and GitHub do. */
const GO_KEYS: Record<string, string> = {
  '/clusters': 'g c',
  '/machines': 'g m',
  '/units': 'g u',
  '/journal': 'g j',
  '/kv': 'g k',
  '/updates': 'g p',
};

/** The app-wide actions: pages, palette, cheat sheet, activity, theme. */
export function AppActions({
  openPalette,
  openShortcuts,
  toggleActivity,
}: {
  openPalette: () => void;
  openShortcuts: () => void;
  toggleActivity: () => void;
}) {
  const navigate = useNavigate();
  const { setPreference } = useThemePreference();
  const actions: AppAction[] = [
    ...PAGES.map<AppAction>((p) => ({
      id: `go${p.path.replace('/', '.')}`,
      title: `Go to ${p.title}`,
      section: 'Navigate',
      shortcut: GO_KEYS[p.path],
      perform: () => navigate(p.path),
    })),
    {
      id: 'cluster.create',
      title: 'New cluster',
      section: 'Clusters',
      shortcut: 'n',
      keywords: 'create wizard',
      perform: () => navigate('/clusters/new'),
      flotctl: flotctl('cluster', 'create', 'NAME', '--machines', 3),
    },
    {
      id: 'units.new',
      title: 'New unit…',
      section: 'Units',
      keywords: 'create write unit file editor template submit',
      perform: () => navigate('/units/new'),
    },
    {
      id: 'cluster.import',
      title: 'Import from coreos-vagrant',
      section: 'Clusters',
      keywords: 'vagrant config.rb user-data',
      perform: () => navigate('/clusters/import'),
    },
    { id: 'app.palette', title: 'Command palette', section: 'App', shortcut: '$mod+k', perform: openPalette },
    {
      id: 'app.shortcuts',
      title: 'Keyboard shortcuts',
      section: 'App',
      shortcut: 'Shift+?',
      keywords: 'help cheat sheet keys',
      perform: openShortcuts,
    },
    {
      id: 'app.activity',
      title: 'Show activity timeline',
      section: 'App',
      shortcut: 'a',
      keywords: 'history audit who moved',
      perform: toggleActivity,
    },
    {
      id: 'app.theme.light',
      title: 'Use the light theme',
      section: 'App',
      perform: () => setPreference('light'),
    },
    {
      id: 'app.theme.dark',
      title: 'Use the dark theme',
      section: 'App',
      perform: () => setPreference('dark'),
    },
    {
      id: 'app.theme.system',
      title: 'Follow the system theme',
      section: 'App',
      perform: () => setPreference('system'),
    },
  ];
  useRegisterActions(actions, []);
  return null;
}
