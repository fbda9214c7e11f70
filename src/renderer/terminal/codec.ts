// Bytes of a shell session as the API carries them (base64), and as xterm takes them (text).

/** Bytes a single shell.input call carries at most; its params allow 1 MB of base64. */
export const INPUT_CHUNK_BYTES = 48 * 1024;

/** Base64 of bytes; btoa wants a binary string, built in slices so a big paste cannot overflow the stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A session's output as text. A chunk may end inside a UTF-8 sequence (the engine cuts where it
 * likes): `stream: true` keeps the partial bytes for the next chunk instead of printing U+FFFD.
 */
export class OutputDecoder {
  private readonly decoder = new TextDecoder('utf-8');

  decode(base64: string): string {
    return this.decoder.decode(base64ToBytes(base64), { stream: true });
  }

  /** The session ended: an incomplete sequence left over comes out as U+FFFD, and the decoder is fresh. */
  end(): string {
    return this.decoder.decode();
  }
}

const encoder = new TextEncoder();

/** xterm's onData text as UTF-8 bytes. */
export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** xterm's onBinary data (one char per byte, e.g. X10 mouse reports) as bytes, not re-encoded. */
export function binaryBytes(binary: string): Uint8Array {
  return Uint8Array.from(binary, (c) => c.charCodeAt(0) & 0xff);
}

/** Joins queued input and cuts it into base64 chunks of at most `max` bytes each, in order. */
export function inputChunks(parts: readonly Uint8Array[], max = INPUT_CHUNK_BYTES): string[] {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const chunks: string[] = [];
  // Cutting inside a UTF-8 sequence is fine: the bytes meet again on the other side's stdin.
  for (let i = 0; i < total; i += max) chunks.push(bytesToBase64(all.subarray(i, i + max)));
  return chunks;
}
