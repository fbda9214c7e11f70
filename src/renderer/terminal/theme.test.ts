import { createTheme, getContrastRatio } from '@mui/material/styles';
import { describe, expect, it } from 'vitest';
import { ANSI, BACKGROUND_ANSI, DEFAULT_MONOSPACE, terminalFont, terminalTheme, toHex } from './theme';

describe('terminal theme', () => {
  for (const mode of ['light', 'dark'] as const) {
    const theme = createTheme({
      palette: { mode, primary: { main: mode === 'dark' ? '#64b5f6' : '#1565c0' } },
    });
    const t = terminalTheme(theme);

    it(`takes the ${mode} palette: paper background, opaque primary text, primary cursor`, () => {
      expect(t.background).toBe(toHex(theme.palette.background.paper));
      expect(t.foreground).toMatch(/^#[0-9a-f]{6}$/);
      expect(t.cursor).toBe(toHex(theme.palette.primary.main));
      expect(t.cursorAccent).toBe(t.background);
      expect(t.selectionBackground).toMatch(/^#[0-9a-f]{8}$/);
      expect(getContrastRatio(t.foreground!, t.background!)).toBeGreaterThanOrEqual(7);
    });

    it(`has ANSI colours readable on the ${mode} background`, () => {
      for (const [name, color] of Object.entries(ANSI[mode])) {
        if ((BACKGROUND_ANSI[mode] as readonly string[]).includes(name)) continue;
        expect([name, getContrastRatio(color, t.background!) >= 4.5]).toEqual([name, true]);
        expect(t[name as keyof typeof t]).toBe(color);
      }
    });
  }

  it('follows the mode: light and dark differ', () => {
    const light = terminalTheme(createTheme({ palette: { mode: 'light' } }));
    const dark = terminalTheme(createTheme({ palette: { mode: 'dark' } }));
    expect(light.background).toBe('#ffffff');
    expect(dark.background).toBe('#121212');
    expect(light.red).not.toBe(dark.red);
  });

  it('writes any palette colour as hex, laying translucent ones over the background', () => {
    expect(toHex('#fff')).toBe('#ffffff');
    expect(toHex('rgb(18, 18, 18)')).toBe('#121212');
    expect(toHex('rgba(0, 0, 0, 0.87)', '#ffffff')).toBe('#212121');
    expect(toHex('hsl(0, 100%, 50%)')).toBe('#ff0000');
    expect(toHex('#1565c0', undefined, 0.5)).toBe('#1565c080');
  });

  it('uses the theme monospace when it has one, else the code editor stack, a point under body size', () => {
    expect(terminalFont(createTheme())).toEqual({ fontFamily: DEFAULT_MONOSPACE, fontSize: 13 });
    const custom = createTheme({
      typography: { fontFamilyMonospace: 'Iosevka, monospace' } as Record<string, unknown>,
    });
    expect(terminalFont(custom).fontFamily).toBe('Iosevka, monospace');
  });
});
