// Keys the terminal does not pass to the shell: clipboard, find, and the dock's own toggle.

export type TerminalKey =
  /** Copy the selection. */
  | 'copy'
  /** Paste through the browser's own paste (a paste event xterm handles): no clipboard permission needed. */
  | 'paste-native'
  /** Paste by reading the clipboard (where the browser has no paste binding for the keys). */
  | 'paste'
  | 'find'
  /** The app's shortcut for the dock: left to the window's key handler, not sent as NUL. */
  | 'toggle-dock';

type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

/**
 * What a key press means to the dock rather than to the shell. Ctrl+C stays the shell's interrupt:
 * copying is Ctrl+Shift+C, as in Linux terminals; on macOS ⌘C and ⌘V too, as in Terminal.app.
 */
export function terminalKey(e: KeyLike, mac: boolean): TerminalKey | undefined {
  if (e.altKey) return undefined;
  const letter = e.code.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase();
  if ((mac ? e.metaKey : e.ctrlKey) && !e.shiftKey && (e.key === '`' || e.code === 'Backquote'))
    return 'toggle-dock';
  if (e.ctrlKey && e.shiftKey && !e.metaKey) {
    if (letter === 'c') return 'copy';
    // Chromium binds Ctrl+Shift+V to "paste as plain text" off macOS; macOS has no such binding.
    if (letter === 'v') return mac ? 'paste' : 'paste-native';
    if (letter === 'f') return 'find';
  }
  if (mac && e.metaKey && !e.ctrlKey && !e.shiftKey) {
    if (letter === 'c') return 'copy';
    if (letter === 'v') return 'paste-native';
    if (letter === 'f') return 'find';
  }
  return undefined;
}

/**
 * Whether a key press is one of the app's shortcuts in tinykeys syntax ("$mod+k", "$mod+Shift+p";
 * sequences never match). The app's $mod shortcuts (the palette…) win over the shell, whose
 * Ctrl+K is then the palette, as editors with a terminal panel do for their own commands.
 */
export function matchesShortcut(e: KeyLike, shortcut: string, mac: boolean): boolean {
  if (shortcut.includes(' ')) return false;
  const parts = shortcut.split('+');
  const key = parts.pop();
  if (!key) return false;
  const mods = new Set(parts.map((p) => (p === '$mod' ? (mac ? 'Meta' : 'Control') : p)));
  if (
    mods.has('Control') !== e.ctrlKey ||
    mods.has('Meta') !== e.metaKey ||
    mods.has('Shift') !== e.shiftKey ||
    mods.has('Alt') !== e.altKey
  )
    return false;
  return key.toLowerCase() === e.key.toLowerCase() || key === e.code;
}

/** The shortcut's name as the UI writes it. */
export function keyLabel(key: 'copy' | 'paste' | 'find', mac: boolean): string {
  const letter = { copy: 'C', paste: 'V', find: 'F' }[key];
  return mac ? `⌘${letter}` : `Ctrl+Shift+${letter}`;
}

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
