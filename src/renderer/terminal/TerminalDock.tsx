import type { ReactNode } from 'react';

/** Placeholder while the terminal dock is being built (issue 8): provides the dock to the app. */
export function TerminalProvider({ children }: { children: ReactNode }) {
  return <>{children}</>;
}

/** Placeholder: the dock panel under the page (tabs of terminals). */
export function TerminalDock() {
  return null;
}
