import { describe, expect, it } from 'vitest';
import { renderInterval } from './useModelVersion';

describe('renderInterval', () => {
  it('renders every frame up to 100,000 lines, then less often as the view grows', () => {
    expect(renderInterval(0)).toBe(0);
    expect(renderInterval(99_999)).toBe(0);
    expect(renderInterval(100_000)).toBe(10);
    expect(renderInterval(1_000_000)).toBe(100);
    expect(renderInterval(10_000_000)).toBe(250);
  });
});
