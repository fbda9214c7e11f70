import { describe, expect, it } from 'vitest';
import { compareVersions, isNewer } from './versions';

describe('compareVersions', () => {
  it('compares each part as a number, not as text', () => {
    expect(compareVersions('4459.10.0', '4459.9.9')).toBe(1);
    expect(compareVersions('4459.9.9', '4459.10.0')).toBe(-1);
    expect(compareVersions('10.0.0', '9.99.99')).toBe(1);
  });

  it('treats missing parts as 0', () => {
    expect(compareVersions('4459.2', '4459.2.0')).toBe(0);
    expect(compareVersions('4459', '4459.0.1')).toBe(-1);
    expect(compareVersions('4459.0.0.1', '4459')).toBe(1);
  });

  it('orders a list newest first when used as a sort comparator', () => {
    const sorted = ['4426.1.1', '4459.2.1', '4459.10.0', '4459.1.2'].sort((a, b) => compareVersions(b, a));
    expect(sorted).toEqual(['4459.10.0', '4459.2.1', '4459.1.2', '4426.1.1']);
  });

  it('rejects text that is not a version, saying what a version looks like', () => {
    expect(() => compareVersions('4459.x', '1')).toThrow(/"4459\.x" is not numbers separated by dots/);
    expect(() => compareVersions('1', '')).toThrow(/like 4459\.2\.1/);
  });
});

describe('isNewer', () => {
  it('is true only when strictly newer', () => {
    expect(isNewer('4487.1.0', '4487.0.1')).toBe(true);
    expect(isNewer('4487.0.1', '4487.1.0')).toBe(false);
    expect(isNewer('4487.1.0', '4487.1')).toBe(false);
  });
});
