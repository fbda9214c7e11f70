import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from '@mui/material';
import { useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { UNSAFE_NavigationContext, type Navigator } from 'react-router-dom';
import { useApi } from '../../api/hooks';

/**
 * Routes every push/replace of the router's navigator through `shouldAsk`: when it says so, the
 * navigation waits in `ask` instead of happening. Returns the undo.
 */
function guardNavigator(nav: Navigator, shouldAsk: () => boolean, ask: (go: () => void) => void): () => void {
  const { push, replace } = nav;
  const guarded =
    (original: Navigator['push']): Navigator['push'] =>
    (...args) => {
      if (shouldAsk()) ask(() => original.apply(nav, args));
      else original.apply(nav, args);
    };
  nav.push = guarded(push);
  nav.replace = guarded(replace);
  return () => {
    nav.push = push;
    nav.replace = replace;
  };
}

/**
 * Asks before leaving a page with unsaved work: in-app navigation (links, the page list, the
 * palette) waits for "Leave" in a dialog; closing or reloading a browser tab gets the browser's
 * prompt. The app uses a HashRouter, which has no useBlocker, so the router's navigator is
 * wrapped while the page is mounted. `leave` navigates on purpose (e.g. after a save) without asking.
 */
export function useLeaveGuard(
  when: boolean,
  message: string,
): { prompt: ReactNode; leave: (go: () => void) => void } {
  const { navigator } = useContext(UNSAFE_NavigationContext);
  const [pending, setPending] = useState<{ go: () => void }>();
  const whenRef = useRef(when);
  const bypass = useRef(false);
  useEffect(() => {
    whenRef.current = when;
  });

  useEffect(
    () =>
      guardNavigator(
        navigator,
        () => whenRef.current && !bypass.current,
        (go) => setPending({ go }),
      ),
    [navigator],
  );

  // Electron closes nothing and asks nothing when a page refuses to unload (the main process
  // would have to handle will-prevent-unload), so the browser prompt is only for browsers.
  const browser = useApi().transport === 'websocket';
  useEffect(() => {
    if (!when || !browser) return undefined;
    const onBeforeUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [when, browser]);

  const leave = useCallback((go: () => void) => {
    bypass.current = true;
    try {
      go();
    } finally {
      bypass.current = false;
    }
  }, []);

  const titleId = useId();
  const prompt = pending ? (
    <Dialog open onClose={() => setPending(undefined)} aria-labelledby={titleId}>
      <DialogTitle id={titleId}>Leave without submitting?</DialogTitle>
      <DialogContent>
        <DialogContentText>{message}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => setPending(undefined)}>Stay</Button>
        <Button
          color="error"
          onClick={() => {
            setPending(undefined);
            leave(pending.go);
          }}
        >
          Leave and discard
        </Button>
      </DialogActions>
    </Dialog>
  ) : null;
  return { prompt, leave };
}
