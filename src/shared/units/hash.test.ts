import { describe, expect, it } from 'vitest';
import { shortHash, unitHash } from './hash';

describe('unitHash', () => {
  it('is the SHA1 hex of the UTF-8 content', () => {
    expect(unitHash('')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(unitHash('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    // UTF-8, not UTF-16: "é" is the two bytes c3 a9.
    expect(unitHash('\u00e9')).toBe('bf15be717ac1b080b4f1c456692825891ff5073d');
  });

  it('differs for different content and is stable', () => {
    expect(unitHash('[Unit]\n')).toBe(unitHash('[Unit]\n'));
    expect(unitHash('[Unit]\n')).not.toBe(unitHash('[Unit]\r\n'));
  });

  it('shortHash is the first 7 characters', () => {
    expect(shortHash(unitHash(''))).toBe('da39a3e');
  });
});
