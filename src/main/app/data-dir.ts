import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where Flotilla keeps its state: --data-dir, else $FLOTILLA_HOME, else the desktop app's
 * userData (~/.config/flotilla on Linux). The desktop app, `flotctl serve` and the CLI use this
 * one rule, so the CLI finds whichever is running.
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.FLOTILLA_HOME) return resolve(env.FLOTILLA_HOME);
  switch (process.platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'flotilla');
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'flotilla');
    default:
      return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'flotilla');
  }
}

export const API_FILE = 'api.json';
