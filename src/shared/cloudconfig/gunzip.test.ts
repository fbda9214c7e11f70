import { describe, expect, it } from 'vitest';
import { gunzip, GzipError } from './gunzip';

/** gzip as the platform writes it (the same CompressionStream a browser has). */
async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A deterministic byte source (xorshift), so failures repeat. */
function randomBytes(length: number, seed: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const MAX = 1 << 24;

describe('gunzip', () => {
  it('decodes short text (fixed Huffman codes)', async () => {
    const input = new TextEncoder().encode('hello, flotilla\n');
    expect(text(gunzip(await gzip(input), MAX))).toBe('hello, flotilla\n');
  });

  it('decodes long repetitive text (dynamic Huffman codes and back-references)', async () => {
    const input = new TextEncoder().encode(
      Array.from({ length: 2000 }, (_, i) => `line ${i}: [Service] ExecStart=/bin/true\n`).join(''),
    );
    expect(gunzip(await gzip(input), MAX)).toEqual(input);
  });

  it('decodes incompressible data (stored blocks)', async () => {
    const input = randomBytes(70_000, 7);
    expect(gunzip(await gzip(input), MAX)).toEqual(input);
  });

  it('rejects damaged data with the reason', async () => {
    const good = await gzip(new TextEncoder().encode('some text to protect'));
    expect(() => gunzip(good.slice(0, good.length - 12), MAX)).toThrow(/damaged gzip data/);
    expect(() => gunzip(new TextEncoder().encode('not gzip at all, clearly'), MAX)).toThrow(/not gzip data/);
    expect(() => gunzip(new Uint8Array([0x1f, 0x8b]), MAX)).toThrow(/too short/);
  });

  it('stops at the size limit (a gzip bomb)', async () => {
    const zeros = await gzip(new Uint8Array(1_000_000));
    expect(zeros.length).toBeLessThan(5000);
    expect(() => gunzip(zeros, 100_000)).toThrow(/more than 100000 bytes/);
  });

  it('throws only GzipError on garbage and on damaged streams', async () => {
    const good = await gzip(new TextEncoder().encode('x'.repeat(500) + 'y'.repeat(500)));
    for (let seed = 1; seed <= 300; seed++) {
      const damaged = good.slice();
      const noise = randomBytes(4, seed);
      damaged[10 + (noise[0]! % (damaged.length - 10))] = noise[1]!;
      const garbage = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, ...randomBytes(40, seed)]);
      for (const input of [damaged, garbage]) {
        try {
          gunzip(input, MAX);
        } catch (error) {
          expect(error).toBeInstanceOf(GzipError);
        }
      }
    }
  });
});
