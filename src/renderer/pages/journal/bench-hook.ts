// For `npm run bench:journal` only. The bench creates `window.__flotillaJournalBench = {}` before
// the app loads (Playwright's addInitScript); the Journal page then fills it in. Without that
// object nothing here runs and the page has no hook. Everything is read-only except `fill`,
// which puts synthetic lines into the page's store for the scroll measurement.

import type { JournalModel } from './model';

export interface JournalBenchHook {
  /** Lines in the store. */
  count?(): number;
  /** Every text in the store, in order (the bench checks each number arrived exactly once). */
  texts?(): string[];
  /** Adds `n` synthetic lines (4 sources, 2 machines, about 80 characters each). */
  fill?(n: number): void;
  following?(): boolean;
  /** Per line that came on screen while following: commit time − entry time, in ms. */
  delays?: number[];
}

declare global {
  interface Window {
    __flotillaJournalBench?: JournalBenchHook;
  }
}

export function benchHook(): JournalBenchHook | undefined {
  return typeof window === 'undefined' ? undefined : window.__flotillaJournalBench;
}

export function attachBenchHook(hook: JournalBenchHook, model: JournalModel, following: () => boolean): void {
  const { store } = model;
  hook.count = () => store.length;
  hook.texts = () => {
    const out: string[] = [];
    store.forEachText(0, store.length, (t) => out.push(t));
    return out;
  };
  hook.following = following;
  hook.delays ??= [];
  hook.fill = (n: number) => {
    const words = ['GET', '/api/v1/units', '200', 'took', 'ms', 'cache', 'miss', 'retry', 'ok', 'user=core'];
    const start = Date.now() - n; // one line a millisecond, ending now
    const BATCH = 50_000;
    for (let from = 0; from < n; from += BATCH) {
      const lines = [];
      for (let i = from; i < Math.min(n, from + BATCH); i++) {
        const m = i % 2;
        let text = `synthetic ${i}`;
        for (let w = 0; text.length < 60 + (i % 40); w++) text += ` ${words[(i * 7 + w) % words.length]}`;
        lines.push({
          time: start + i,
          stream: i % 50 === 0 ? ('stderr' as const) : ('stdout' as const),
          text,
          machineId: `synthetic-machine-${m}`,
          hostname: `core-0${m + 1}`,
          unit: `load-${i % 4 < 2 ? 'a' : 'b'}.service`,
        });
      }
      store.addLines(lines);
    }
  };
}
