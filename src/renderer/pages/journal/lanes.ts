// A colour per source (machine + unit), readable as text on the theme's background (≥ 4.5:1 on
// white for light, on #121212 for dark). Colour is never the only key: every line names its
// source in text too.

export const LANES_LIGHT = [
  '#1565c0',
  '#2e7d32',
  '#7b1fa2',
  '#bf360c',
  '#00695c',
  '#ad1457',
  '#3949ab',
  '#6d4c41',
  '#006064',
  '#455a64',
];
export const LANES_DARK = [
  '#64b5f6',
  '#81c784',
  '#ce93d8',
  '#ff8a65',
  '#80cbc4',
  '#f48fb1',
  '#9fa8da',
  '#bcaaa4',
  '#4dd0e1',
  '#b0bec5',
];

export function laneColor(sourceIndex: number, mode: 'light' | 'dark'): string {
  const lanes = mode === 'dark' ? LANES_DARK : LANES_LIGHT;
  return lanes[sourceIndex % lanes.length]!;
}

/** How a source reads: `core-01 hello.service`, `core-01` for the machine's own lines. */
export function sourceLabel(s: { hostname: string; unit: string | undefined; key: string }): string {
  if (s.key === 'notice') return 'notice';
  return s.unit ? `${s.hostname} ${s.unit}` : s.hostname;
}
