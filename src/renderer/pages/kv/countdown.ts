// Lease countdowns: etcd reports a lease's TTL left at the moment it was read; the explorer
// counts down from there on its own clock between reads. Pure, plus one shared 1 s ticker.
import { useSyncExternalStore } from 'react';

/** Whole seconds left of a lease read with `ttl` seconds left at `readAt`; -1 stays expired. */
export function secondsLeft(ttl: number, readAt: number, now: number): number {
  if (ttl < 0) return -1;
  return Math.max(0, ttl - Math.floor(Math.max(0, now - readAt) / 1000));
}

/** "42 s", "3 m 05 s", "2 h 01 m"; "expired" at 0 or less. */
export function formatCountdown(seconds: number): string {
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `${seconds} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${pad(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} m`;
}

// One timer for every countdown on screen, running only while one is shown.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      listeners.forEach((l) => l());
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Seconds left of a lease, re-rendering once a second while it changes. */
export function useSecondsLeft(ttl: number, readAt: number): number {
  return useSyncExternalStore(subscribe, () =>
    secondsLeft(ttl, readAt, timer === undefined ? Date.now() : now),
  );
}
