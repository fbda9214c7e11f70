import { useSyncExternalStore } from 'react';
import { formatAge } from './unit-state';

// One ticker for every "time in state" on screen: cards read the shared clock and re-render only
// when their own text changes ("3 m" stays "3 m" for a minute), so thousands of cards cost one timer.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  now = Date.now();
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(tick, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** How long ago `since` (epoch ms) was, as "3 m", ticking once a second; undefined without a time. */
export function useAge(since: number | undefined): string | undefined {
  return useSyncExternalStore(subscribe, () =>
    since === undefined ? undefined : formatAge((timer === undefined ? Date.now() : now) - since),
  );
}

/**
 * How long until `at` (epoch ms), as "12 s", ticking once a second; "0 s" once it has passed,
 * undefined without a time.
 */
export function useCountdown(at: number | undefined): string | undefined {
  return useSyncExternalStore(subscribe, () =>
    at === undefined ? undefined : formatAge(at - (timer === undefined ? Date.now() : now)),
  );
}
