import { CssBaseline, ThemeProvider, createTheme, useMediaQuery } from '@mui/material';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export type ThemePreference = 'system' | 'light' | 'dark';
const KEY = 'flotilla.theme';

const ThemePreferenceContext = createContext<{
  preference: ThemePreference;
  setPreference: (p: ThemePreference) => void;
}>({
  preference: 'system',
  setPreference: () => undefined,
});

export function useThemePreference() {
  return useContext(ThemePreferenceContext);
}

function storedPreference(): ThemePreference {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** Light/dark following the OS, with an explicit choice remembered across runs. */
export function AppThemeProvider({ children }: { children: ReactNode }) {
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)', { noSsr: true });
  const [preference, setPreferenceState] = useState<ThemePreference>(storedPreference);
  const mode = preference === 'system' ? (prefersDark ? 'dark' : 'light') : preference;
  const theme = useMemo(
    () =>
      createTheme({
        palette: { mode, primary: { main: mode === 'dark' ? '#64b5f6' : '#1565c0' } },
        typography: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif' },
        components: { MuiButtonBase: { defaultProps: { disableRipple: false } } },
      }),
    [mode],
  );
  const value = useMemo(
    () => ({
      preference,
      setPreference: (p: ThemePreference) => {
        localStorage.setItem(KEY, p);
        setPreferenceState(p);
      },
    }),
    [preference],
  );
  return (
    <ThemePreferenceContext.Provider value={value}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </ThemePreferenceContext.Provider>
  );
}
