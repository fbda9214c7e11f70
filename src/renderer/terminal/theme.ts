// The terminal's colours and font, taken from the app's MUI theme so light and dark both read well.
import type { Theme } from '@mui/material/styles';
import { decomposeColor, hslToRgb } from '@mui/material/styles';
import type { ITheme } from '@xterm/xterm';

type AnsiName =
  | 'black'
  | 'red'
  | 'green'
  | 'yellow'
  | 'blue'
  | 'magenta'
  | 'cyan'
  | 'white'
  | 'brightBlack'
  | 'brightRed'
  | 'brightGreen'
  | 'brightYellow'
  | 'brightBlue'
  | 'brightMagenta'
  | 'brightCyan'
  | 'brightWhite';

/**
 * ANSI colours per mode, each at least 4.5:1 against the terminal's background (WCAG AA), except
 * the one a program uses as a background there: black on dark, bright white on light. On light,
 * "white" is a grey: programs print white text assuming a dark screen.
 */
export const ANSI: Record<'light' | 'dark', Record<AnsiName, string>> = {
  dark: {
    black: '#3a3a3a',
    red: '#f47067',
    green: '#6bc46d',
    yellow: '#e5c07b',
    blue: '#6cb6ff',
    magenta: '#dcbdfb',
    cyan: '#56d4dd',
    white: '#d0d0d0',
    brightBlack: '#8b949e',
    brightRed: '#ff938a',
    brightGreen: '#8ddb8c',
    brightYellow: '#f8e3a1',
    brightBlue: '#96d0ff',
    brightMagenta: '#eedcff',
    brightCyan: '#b3f0ff',
    brightWhite: '#ffffff',
  },
  light: {
    black: '#1f2328',
    red: '#c62828',
    green: '#1b7c2b',
    yellow: '#8a5a00',
    blue: '#0b5cad',
    magenta: '#8e24aa',
    cyan: '#00727d',
    white: '#5c6670',
    brightBlack: '#5f6a75',
    brightRed: '#b3261e',
    brightGreen: '#2a7a2f',
    brightYellow: '#7a5200',
    brightBlue: '#1565c0',
    brightMagenta: '#7b1fa2',
    brightCyan: '#006b75',
    brightWhite: '#8c959f',
  },
};

/** ANSI colours a program paints backgrounds with in each mode: exempt from the contrast rule. */
export const BACKGROUND_ANSI: Record<'light' | 'dark', readonly AnsiName[]> = {
  dark: ['black'],
  light: ['brightWhite'],
};

/** The same stack as the code editor's; MUI's theme has no monospace of its own unless one is added. */
export const DEFAULT_MONOSPACE =
  'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';

const hex2 = (n: number) =>
  Math.round(Math.min(255, Math.max(0, n)))
    .toString(16)
    .padStart(2, '0');

/**
 * `#rrggbb` (or `#rrggbbaa` with `alpha`) for any CSS colour MUI's palette holds. xterm parses hex
 * itself; other forms it would parse through a canvas, which is slower and absent in tests.
 * A translucent colour (MUI's text.primary is black at 87 %) is first laid over `over`.
 */
export function toHex(color: string, over?: string, alpha?: number): string {
  const c = decomposeColor(color.startsWith('hsl') ? hslToRgb(color) : color);
  let [r, g, b] = c.values as [number, number, number];
  const a = c.type.endsWith('a') ? (c.values[3] ?? 1) : 1;
  if (a < 1 && over) {
    const [br, bg, bb] = decomposeColor(over).values as [number, number, number];
    r = r * a + br * (1 - a);
    g = g * a + bg * (1 - a);
    b = b * a + bb * (1 - a);
  }
  return `#${hex2(r)}${hex2(g)}${hex2(b)}${alpha === undefined ? '' : hex2(alpha * 255)}`;
}

/** xterm's theme from the app's palette: paper background, primary text, the primary colour as cursor. */
export function terminalTheme(theme: Theme): ITheme {
  const mode = theme.palette.mode;
  const background = toHex(theme.palette.background.paper);
  const foreground = toHex(theme.palette.text.primary, background);
  const primary = toHex(theme.palette.primary.main, background);
  return {
    background,
    foreground,
    cursor: primary,
    cursorAccent: background,
    selectionBackground: toHex(primary, background, mode === 'dark' ? 0.45 : 0.3),
    selectionInactiveBackground: toHex(toHex(theme.palette.text.secondary, background), background, 0.25),
    scrollbarSliderBackground: toHex(foreground, background, 0.2),
    scrollbarSliderHoverBackground: toHex(foreground, background, 0.35),
    scrollbarSliderActiveBackground: toHex(foreground, background, 0.5),
    ...ANSI[mode],
  };
}

/** The font: the theme's monospace when it has one (typography.fontFamilyMonospace), at body size. */
export function terminalFont(theme: Theme): { fontFamily: string; fontSize: number } {
  const typography = theme.typography as Theme['typography'] & { fontFamilyMonospace?: string };
  const size = Number.parseFloat(String(theme.typography.body2.fontSize ?? '')) || 0.875;
  // body2 is in rem (0.875rem = 14 px); one point smaller packs the columns a terminal wants.
  const px = String(theme.typography.body2.fontSize ?? '').endsWith('px')
    ? size
    : size * theme.typography.htmlFontSize;
  return { fontFamily: typography.fontFamilyMonospace ?? DEFAULT_MONOSPACE, fontSize: Math.round(px) - 1 };
}
