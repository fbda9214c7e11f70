import { describe, expect, it } from 'vitest';
import { keyLabel, matchesShortcut, terminalKey } from './keys';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {},
  code = /^[a-z]$/i.test(k) ? `Key${k.toUpperCase()}` : k === '`' ? 'Backquote' : k,
) => ({ key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('terminal keys', () => {
  it('leaves Ctrl+C and Ctrl+V to the shell; Ctrl+Shift+C/V/F are copy, paste and find', () => {
    expect(terminalKey(key('c', { ctrlKey: true }), false)).toBeUndefined();
    expect(terminalKey(key('v', { ctrlKey: true }), false)).toBeUndefined();
    expect(terminalKey(key('C', { ctrlKey: true, shiftKey: true }), false)).toBe('copy');
    expect(terminalKey(key('V', { ctrlKey: true, shiftKey: true }), false)).toBe('paste-native');
    expect(terminalKey(key('F', { ctrlKey: true, shiftKey: true }), false)).toBe('find');
    expect(terminalKey(key('a'), false)).toBeUndefined();
    expect(terminalKey(key('C', { ctrlKey: true, shiftKey: true, altKey: true }), false)).toBeUndefined();
  });

  it('on macOS takes ⌘C/⌘V/⌘F too, and reads the clipboard for Ctrl+Shift+V', () => {
    expect(terminalKey(key('c', { metaKey: true }), true)).toBe('copy');
    expect(terminalKey(key('v', { metaKey: true }), true)).toBe('paste-native');
    expect(terminalKey(key('f', { metaKey: true }), true)).toBe('find');
    expect(terminalKey(key('V', { ctrlKey: true, shiftKey: true }), true)).toBe('paste');
    expect(terminalKey(key('c', { ctrlKey: true }), true)).toBeUndefined();
  });

  it('knows the dock toggle by key or by code (layouts without a backquote key)', () => {
    expect(terminalKey(key('`', { ctrlKey: true }), false)).toBe('toggle-dock');
    expect(terminalKey(key('ö', { ctrlKey: true }, 'Backquote'), false)).toBe('toggle-dock');
    expect(terminalKey(key('`', { metaKey: true }), true)).toBe('toggle-dock');
    expect(terminalKey(key('`', { metaKey: true }), false)).toBeUndefined();
  });

  it('matches the app shortcuts in tinykeys syntax', () => {
    expect(matchesShortcut(key('k', { ctrlKey: true }), '$mod+k', false)).toBe(true);
    expect(matchesShortcut(key('k', { metaKey: true }), '$mod+k', true)).toBe(true);
    expect(matchesShortcut(key('k', { ctrlKey: true }), '$mod+k', true)).toBe(false);
    expect(matchesShortcut(key('k', { ctrlKey: true, shiftKey: true }), '$mod+k', false)).toBe(false);
    expect(matchesShortcut(key('P', { ctrlKey: true, shiftKey: true }), '$mod+Shift+p', false)).toBe(true);
    expect(matchesShortcut(key('m'), 'g m', false)).toBe(false);
    expect(matchesShortcut(key('`', { ctrlKey: true }), '$mod+`', false)).toBe(true);
  });

  it('names the keys for menus and tooltips', () => {
    expect(keyLabel('copy', false)).toBe('Ctrl+Shift+C');
    expect(keyLabel('paste', true)).toBe('⌘V');
  });
});
