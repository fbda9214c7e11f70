import { describe, expect, it } from 'vitest';
import { RETRY_JITTER, RETRY_MAX_MS, retryDelayMs } from './link';

describe('the reconnect backoff', () => {
  it('starts at 0.5 s and doubles up to 30 s without jitter', () => {
    const none = () => 0;
    expect(Array.from({ length: 10 }, (_, i) => retryDelayMs(i, none))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000,
    ]);
    expect(retryDelayMs(1000, none)).toBe(RETRY_MAX_MS);
  });

  it('jitters each delay downwards by up to a fifth, never above the schedule', () => {
    expect(retryDelayMs(0, () => 1)).toBe(500 * (1 - RETRY_JITTER));
    expect(retryDelayMs(6, () => 1)).toBe(30_000 * (1 - RETRY_JITTER));
    for (let i = 0; i < 200; i++) {
      const attempt = i % 8;
      const full = Math.min(RETRY_MAX_MS, 500 * 2 ** attempt);
      const d = retryDelayMs(attempt);
      expect(d).toBeGreaterThanOrEqual(full * (1 - RETRY_JITTER));
      expect(d).toBeLessThanOrEqual(full);
    }
  });
});
