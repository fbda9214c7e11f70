import { createContext, useContext, type ReactNode } from 'react';

/** What pages use to open a terminal tab: a shell in a machine (host name) or a unit's container. */
export interface Terminals {
  open(target: string, title?: string): void;
}

const TerminalsContext = createContext<Terminals>({ open: () => undefined });

export function useTerminals(): Terminals {
  return useContext(TerminalsContext);
}

/** Placeholder while the terminal dock is being built (issue 8): provides the dock to the app. */
export function TerminalProvider({ children }: { children: ReactNode }) {
  return <TerminalsContext.Provider value={{ open: () => undefined }}>{children}</TerminalsContext.Provider>;
}

/** Placeholder: the dock panel under the page (tabs of terminals). */
export function TerminalDock() {
  return null;
}
