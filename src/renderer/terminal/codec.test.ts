import { describe, expect, it } from 'vitest';
import { OutputDecoder, base64ToBytes, binaryBytes, bytesToBase64, inputChunks, textBytes } from './codec';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('base64', () => {
  it('round-trips every byte value and big buffers', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(all)).toBe(b64(all));
    expect([...base64ToBytes(b64(all))]).toEqual([...all]);
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
    expect(bytesToBase64(big)).toBe(b64(big));
    expect(bytesToBase64(new Uint8Array())).toBe('');
  });
});

describe('OutputDecoder', () => {
  const text = 'é € 😀 ok';
  const bytes = new TextEncoder().encode(text);

  it('joins UTF-8 sequences split between chunks, at every possible cut', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new OutputDecoder();
      const out = d.decode(b64(bytes.subarray(0, cut))) + d.decode(b64(bytes.subarray(cut))) + d.end();
      expect(out).toBe(text);
    }
  });

  it('decodes byte by byte', () => {
    const d = new OutputDecoder();
    let out = '';
    for (const byte of bytes) out += d.decode(b64(Uint8Array.of(byte)));
    expect(out + d.end()).toBe(text);
  });

  it('prints U+FFFD for invalid bytes and for a sequence cut off by the end', () => {
    const d = new OutputDecoder();
    expect(d.decode(b64(Uint8Array.of(0x61, 0xff, 0x62)))).toBe('a\uFFFDb');
    expect(d.decode(b64(Uint8Array.of(0xe2, 0x82)))).toBe('');
    expect(d.end()).toBe('\uFFFD');
    // Fresh again after the end.
    expect(d.decode(b64(new TextEncoder().encode('x')))).toBe('x');
  });
});

describe('input', () => {
  it('encodes text as UTF-8 and binary strings byte for byte', () => {
    expect([...textBytes('é')]).toEqual([0xc3, 0xa9]);
    expect([...binaryBytes('\x1b[M \xff')]).toEqual([0x1b, 0x5b, 0x4d, 0x20, 0xff]);
  });

  it('joins queued parts in order and cuts them into chunks of at most max bytes', () => {
    const parts = [textBytes('hello '), textBytes('wörld'), textBytes('!')];
    const chunks = inputChunks(parts, 4);
    const bytes = chunks.flatMap((c) => [...Buffer.from(c, 'base64')]);
    expect(Buffer.from(bytes).toString()).toBe('hello wörld!');
    expect(chunks.every((c) => Buffer.from(c, 'base64').length <= 4)).toBe(true);
    expect(chunks).toHaveLength(Math.ceil(13 / 4));
    expect(inputChunks([])).toEqual([]);
  });
});
