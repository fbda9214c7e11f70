import { describe, expect, it } from 'vitest';
import { fixAuthority, hasUrlAuthority, huffmanDecode } from './h2-authority';

// A header block etcdctl 3.4 sent for `endpoint status` (:authority "http://127.0.0.1:39999").
const GO_BLOCK =
  '8386459760a924882d9dcb6571afa066a925a87510ac6e48d36a3f41909d29aee30c044eae05c0b86e32fbefbf5f8b1d75d0620d263d4c4d65647a8b9acac8b4c7602bb2caecff40027465864d833505b11f40899acac8b24d494f6a7f8669f7dd740fdb408d25062d495875996ee5b1063d5f03332e34';

describe('HTTP/2 :authority fix-up', () => {
  it('decodes HPACK Huffman strings', () => {
    expect(huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex'))).toBe('www.example.com');
    expect(huffmanDecode(Buffer.from('9d29aee30c044eae05c0b86e32fbefbf', 'hex'))).toBe(
      'http://127.0.0.1:39999',
    );
  });

  it('rewrites a URL authority to one of the same length, leaving the rest alone', () => {
    const block = Buffer.from(GO_BLOCK, 'hex');
    expect(hasUrlAuthority(block)).toBe(true);
    const fixed = fixAuthority(block);
    expect(hasUrlAuthority(fixed)).toBe(false);
    const raw = 'http:--127.0.0.1:39999';
    expect(fixed.includes(Buffer.from([0x41, raw.length, ...Buffer.from(raw)]))).toBe(true);
    expect(fixed.subarray(0, 27)).toEqual(block.subarray(0, 27));
    expect(fixed.subarray(fixed.length - 60)).toEqual(block.subarray(block.length - 60));
  });

  it('leaves good authorities untouched', () => {
    const good = Buffer.concat([Buffer.from([0x83, 0x41, 9]), Buffer.from('a.b:2379x')]);
    expect(fixAuthority(good)).toEqual(good);
  });
});
