// Length framing for the peer stream: u32 big-endian payload length, then the payload.
// The decoder collects chunks and only copies once a whole frame is present, so a multi-MiB
// snapshot arriving in 64 KiB pieces is not re-concatenated on every chunk.

export const MAX_FRAME = 512 * 1024 * 1024;

export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private total = 0;

  /** Feeds bytes; returns the complete frames now available. Throws on an oversized frame. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.total += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.total < 4) break;
      const head = this.peekHeader();
      if (head > MAX_FRAME) throw new Error(`frame too large: ${head}`);
      if (this.total < 4 + head) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
      out.push(all.subarray(4, 4 + head));
      const rest = all.subarray(4 + head);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.total = rest.length;
    }
    return out;
  }

  private peekHeader(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, this.total).readUInt32BE(0);
  }
}
