export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const FRAME_MS = 1000 / 60;

export function frameSummary(intervals: readonly number[]): {
  p50: number;
  p95: number;
  max: number;
  over: number;
  n: number;
} {
  return {
    p50: quantile(intervals, 0.5),
    p95: quantile(intervals, 0.95),
    max: intervals.length ? Math.max(...intervals) : NaN,
    over: intervals.filter((f) => f > FRAME_MS + 0.5).length,
    n: intervals.length,
  };
}

export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
export const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
