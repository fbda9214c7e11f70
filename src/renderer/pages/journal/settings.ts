// What the viewer remembers between visits (localStorage): how lines look, how search works, how
// much history to load, and per cluster which machines and units were followed. Whatever was
// stored by an older version or by hand is read field by field; what does not fit is ignored.

import { z } from 'zod';

export const HISTORY_CHOICES = [100, 1000, 10_000, 100_000] as const;

const Sources = z.object({
  machines: z.array(z.string().max(255)).max(100),
  units: z.array(z.string().max(255)).max(100),
});
export type Sources = z.infer<typeof Sources>;

const Settings = z.object({
  wrap: z.boolean().catch(false),
  timestamps: z.boolean().catch(true),
  utc: z.boolean().catch(false),
  regex: z.boolean().catch(false),
  caseSensitive: z.boolean().catch(false),
  /** Show only the lines that match the search. */
  filter: z.boolean().catch(false),
  /** Lines of backlog each followed stream starts with. */
  history: z
    .number()
    .refine((n) => (HISTORY_CHOICES as readonly number[]).includes(n))
    .catch(1000),
  /** Per cluster; empty lists mean "all". */
  sources: z.record(z.string(), Sources).catch({}),
});
export type Settings = z.infer<typeof Settings>;

export const SETTINGS_KEY = 'flotilla.journal';

export function defaultSettings(): Settings {
  return Settings.parse({});
}

export function loadSettings(storage: Pick<Storage, 'getItem'> = localStorage): Settings {
  let raw: unknown = {};
  try {
    raw = JSON.parse(storage.getItem(SETTINGS_KEY) ?? '{}');
  } catch {
    // unreadable: start from the defaults
  }
  const r = Settings.safeParse(raw && typeof raw === 'object' ? raw : {});
  return r.success ? r.data : defaultSettings();
}

export function saveSettings(s: Settings, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(SETTINGS_KEY, JSON.stringify(s));
  } catch {
    // storage full or refused: the settings last for this visit only
  }
}
