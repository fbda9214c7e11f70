import { describe, expect, it } from 'vitest';
import { SETTINGS_KEY, defaultSettings, loadSettings, saveSettings } from './settings';

const memory = (initial?: string) => {
  const data = new Map<string, string>(initial === undefined ? [] : [[SETTINGS_KEY, initial]]);
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    data,
  };
};

describe('journal settings', () => {
  it('start from defaults: no wrap, local timestamps, plain search, 1,000 lines', () => {
    expect(loadSettings(memory())).toEqual({
      wrap: false,
      timestamps: true,
      utc: false,
      regex: false,
      caseSensitive: false,
      filter: false,
      history: 1000,
      sources: {},
    });
  });

  it('come back as they were saved, sources per cluster', () => {
    const store = memory();
    const s = {
      ...defaultSettings(),
      wrap: true,
      utc: true,
      regex: true,
      history: 10_000,
      sources: { dev: { machines: ['core-01'], units: ['hello.service'] } },
    };
    saveSettings(s, store);
    expect(loadSettings(store)).toEqual(s);
  });

  it('keep what is usable of damaged or foreign values', () => {
    expect(loadSettings(memory('not json')).wrap).toBe(false);
    const s = loadSettings(memory(JSON.stringify({ wrap: true, history: 7, regex: 'yes', sources: 5 })));
    expect(s).toMatchObject({ wrap: true, history: 1000, regex: false, sources: {} });
  });

  it('survive a storage that refuses to write', () => {
    expect(() =>
      saveSettings(defaultSettings(), {
        setItem: () => {
          throw new Error('QuotaExceededError');
        },
      }),
    ).not.toThrow();
  });
});
