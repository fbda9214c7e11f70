import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LAYOUT,
  LAYOUT_KEY,
  MIN_HEIGHT,
  clampHeight,
  keyboardHeight,
  loadLayout,
  maxHeight,
  saveLayout,
} from './layout';

function memoryStorage(initial?: string) {
  const map = new Map<string, string>(initial === undefined ? [] : [[LAYOUT_KEY, initial]]);
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
}

describe('dock layout', () => {
  it('remembers height and mode', () => {
    const storage = memoryStorage();
    saveLayout(storage, { height: 420, mode: 'maximized' });
    expect(loadLayout(storage)).toEqual({ height: 420, mode: 'maximized' });
  });

  it('falls back to the default for nothing, garbage or nonsense stored', () => {
    expect(loadLayout(memoryStorage())).toEqual(DEFAULT_LAYOUT);
    expect(loadLayout(memoryStorage('{oops'))).toEqual(DEFAULT_LAYOUT);
    expect(loadLayout(memoryStorage('"tall"'))).toEqual(DEFAULT_LAYOUT);
    expect(loadLayout(memoryStorage('{"height":"big","mode":"huge"}'))).toEqual(DEFAULT_LAYOUT);
    expect(loadLayout(memoryStorage('{"height":10,"mode":"collapsed"}'))).toEqual({
      height: MIN_HEIGHT,
      mode: 'collapsed',
    });
  });

  it('survives a storage that refuses writes', () => {
    expect(() =>
      saveLayout(
        {
          setItem: () => {
            throw new Error('QuotaExceededError');
          },
        },
        DEFAULT_LAYOUT,
      ),
    ).not.toThrow();
  });

  it('keeps the height between the minimum and what leaves room for the page', () => {
    expect(maxHeight(900)).toBe(720);
    expect(maxHeight(200)).toBe(MIN_HEIGHT);
    expect(clampHeight(50, 900)).toBe(MIN_HEIGHT);
    expect(clampHeight(5000, 900)).toBe(720);
    expect(clampHeight(333.6, 900)).toBe(334);
    expect(clampHeight(Number.NaN, 900)).toBe(DEFAULT_LAYOUT.height);
  });

  it('resizes from the keyboard like a window splitter', () => {
    expect(keyboardHeight(300, 'ArrowUp', 900)).toBe(324);
    expect(keyboardHeight(300, 'ArrowDown', 900)).toBe(276);
    expect(keyboardHeight(300, 'PageUp', 900)).toBe(420);
    expect(keyboardHeight(130, 'PageDown', 900)).toBe(MIN_HEIGHT);
    expect(keyboardHeight(300, 'Home', 900)).toBe(MIN_HEIGHT);
    expect(keyboardHeight(300, 'End', 900)).toBe(720);
    expect(keyboardHeight(710, 'ArrowUp', 900)).toBe(720);
    expect(keyboardHeight(300, 'a', 900)).toBeUndefined();
  });
});
