import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { tinykeys } from 'tinykeys';

/** Something a person can do from anywhere: the command palette lists it, a shortcut may run it. */
export interface AppAction {
  /** Stable id, e.g. go.machines or cluster.create. */
  id: string;
  title: string;
  section: 'Navigate' | 'Clusters' | 'Machines' | 'Units' | 'KV' | 'App';
  /** tinykeys syntax: "$mod+k", "g m" (a sequence), "Shift+?" */
  shortcut?: string;
  /** Extra words the palette matches. */
  keywords?: string;
  perform: () => void;
  /** The same thing as a flotctl command line, when there is one. */
  flotctl?: string;
}

interface Registration {
  register(owner: symbol, actions: AppAction[]): void;
  unregister(owner: symbol): void;
}

const ActionsContext = createContext<AppAction[]>([]);
const RegistrationContext = createContext<Registration | null>(null);

/** True when a key press belongs to a text field, not to the app's shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return !!el.closest('input, textarea, select, [contenteditable="true"], .cm-editor, [role="combobox"]');
}

/** Holds every registered action and binds their shortcuts on the window. */
export function ActionsProvider({ children }: { children: ReactNode }) {
  const [owners, setOwners] = useState<Map<symbol, AppAction[]>>(new Map());
  // Stable for the app's life: registering must not make registrants register again.
  const registration = useMemo<Registration>(
    () => ({
      register: (owner, actions) =>
        setOwners((prev) => {
          const next = new Map(prev);
          next.set(owner, actions);
          return next;
        }),
      unregister: (owner) =>
        setOwners((prev) => {
          if (!prev.has(owner)) return prev;
          const next = new Map(prev);
          next.delete(owner);
          return next;
        }),
    }),
    [],
  );
  const actions = useMemo(() => [...owners.values()].flat(), [owners]);
  useEffect(() => {
    const bindings: Record<string, (e: KeyboardEvent) => void> = {};
    for (const a of actions) {
      if (!a.shortcut) continue;
      const global = a.shortcut.includes('$mod');
      bindings[a.shortcut] = (e) => {
        // Plain-key shortcuts must not fire while typing or under a dialog; $mod ones work everywhere.
        if (!global && (isTyping(e.target) || document.querySelector('[role="dialog"]'))) return;
        e.preventDefault();
        a.perform();
      };
    }
    return tinykeys(window, bindings);
  }, [actions]);
  return (
    <RegistrationContext.Provider value={registration}>
      <ActionsContext.Provider value={actions}>{children}</ActionsContext.Provider>
    </RegistrationContext.Provider>
  );
}

export function useActions(): AppAction[] {
  return useContext(ActionsContext);
}

/**
 * Registers actions while the calling component is mounted. `deps` says when to re-register
 * (the actions' closures see fresh state through a ref, so re-registering is only for changes
 * in which actions exist or their titles).
 */
export function useRegisterActions(actions: AppAction[], deps: readonly unknown[]): void {
  const registration = useContext(RegistrationContext);
  const owner = useRef(Symbol('actions'));
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    if (!registration) return undefined;
    const me = owner.current;
    registration.register(
      me,
      latest.current.map((a, i) => ({ ...a, perform: () => latest.current[i]?.perform() })),
    );
    return () => registration.unregister(me);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [registration, ...deps]);
}

/** How a shortcut reads in the UI: "Ctrl K", "G then M", "?". */
export function shortcutLabel(shortcut: string, mac = /Mac|iPhone|iPad/.test(navigator.platform)): string {
  return shortcut
    .split(' ')
    .map((chord) =>
      chord
        .split('+')
        .map((k) =>
          k === '$mod'
            ? mac
              ? '⌘'
              : 'Ctrl'
            : k === 'Shift' && chord.endsWith('?')
              ? ''
              : k.length === 1
                ? k.toUpperCase()
                : k,
        )
        .filter(Boolean)
        .join(' '),
    )
    .join(' then ');
}
