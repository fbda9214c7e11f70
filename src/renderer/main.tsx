import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi } from './api/client';
import { ApiContext } from './api/hooks';
import { App } from './app/App';
import { AppThemeProvider } from './app/theme';

const api = createApi();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ApiContext.Provider value={api}>
      <AppThemeProvider>
        <App />
      </AppThemeProvider>
    </ApiContext.Provider>
  </StrictMode>,
);
