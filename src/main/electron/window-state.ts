import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const WindowState = z.object({
  width: z.number().int().min(400).max(10000),
  height: z.number().int().min(300).max(10000),
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

const DEFAULT: WindowState = { width: 1280, height: 820, maximized: false };

/** The window's size and place, remembered across runs in the data dir. */
export function loadWindowState(dataDir: string): WindowState {
  try {
    return WindowState.parse(JSON.parse(readFileSync(join(dataDir, 'window.json'), 'utf8')));
  } catch {
    return DEFAULT;
  }
}

export function saveWindowState(dataDir: string, s: WindowState): void {
  try {
    writeFileSync(join(dataDir, 'window.json'), JSON.stringify(s));
  } catch {
    // Losing the window size is not worth failing a shutdown over.
  }
}
