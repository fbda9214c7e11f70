import { useCallback, useSyncExternalStore } from 'react';
import type { JournalModel } from './model';

/**
 * How long to wait between renders for a view of `count` lines. Each change of the line count
 * costs the virtualizer one pass over every line (≈ 20 ns a line): free for 100,000 lines, 20 ms
 * for a million, so a big view takes new lines ten times a second instead of every frame.
 */
export function renderInterval(count: number): number {
  return count < 100_000 ? 0 : Math.min(250, count / 10_000);
}

const frame = (fn: () => void): (() => void) => {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, 16);
  return () => clearTimeout(id);
};

/**
 * The model's version, re-rendering at most once a frame however many batches arrive, or at most
 * once every `minIntervalMs` (counters beside the view need not change 60 times a second).
 */
export function useModelVersion(model: JournalModel, minIntervalMs = 0): number {
  const subscribe = useCallback(
    (notify: () => void) => {
      let cancel: (() => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let last = 0;
      const run = () => {
        cancel = undefined;
        timer = undefined;
        last = performance.now();
        notify();
      };
      const off = model.subscribe(() => {
        if (cancel || timer) return;
        const wait = Math.max(renderInterval(model.count), minIntervalMs) - (performance.now() - last);
        if (wait > 0) timer = setTimeout(() => (cancel = frame(run)), wait);
        else cancel = frame(run);
      });
      return () => {
        off();
        cancel?.();
        clearTimeout(timer);
      };
    },
    [model, minIntervalMs],
  );
  return useSyncExternalStore(subscribe, () => model.version);
}
