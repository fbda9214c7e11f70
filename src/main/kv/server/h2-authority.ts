// etcd 3.4's clientv3 dials maintenance calls (endpoint status/hashkv/defrag …) with the endpoint
// URL itself as the HTTP/2 :authority ("http://127.0.0.1:2379"). Go's server takes it; nghttp2
// (Node's HTTP/2) rejects it with PROTOCOL_ERROR. Clients send their first request only after the
// server's SETTINGS, so the server sends an empty SETTINGS itself (dropping the client's ACK for
// it), then looks at the first header block: a connection with a valid :authority gets the raw
// socket (fast path); one with a URL runs through a small rewriter that makes such an :authority
// valid without changing its length (so both HPACK tables stay in step).
import { Duplex } from 'node:stream';
import type * as net from 'node:net';

// HPACK Huffman code lengths (RFC 7541 Appendix B), symbols 0..256; the code is canonical, so
// the codes follow from the lengths.
const LENGTHS = (
  '13 23 28 28 28 28 28 28 28 24 30 28 28 30 28 28 28 28 28 28 28 28 30 28 28 28 28 28 28 28 28 28 ' +
  '6 10 10 12 13 6 8 11 10 10 8 11 8 6 6 6 5 5 5 6 6 6 6 6 6 6 7 8 15 6 12 10 ' +
  '13 6 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 8 7 8 13 19 13 14 6 ' +
  '15 5 6 5 6 5 6 6 6 5 7 7 6 6 6 5 6 7 6 5 5 6 7 7 7 7 7 15 11 14 13 28 ' +
  '20 22 20 20 22 22 22 23 22 23 23 23 23 23 24 23 24 24 22 23 24 23 23 23 23 21 22 23 22 23 23 24 ' +
  '22 21 20 22 22 23 23 21 23 22 22 24 21 22 23 23 21 21 22 21 23 22 23 23 20 22 22 22 23 22 22 23 ' +
  '26 26 20 19 22 23 22 25 26 26 26 27 27 26 24 25 19 21 26 27 27 26 27 24 21 21 26 26 28 27 27 27 ' +
  '20 24 20 21 22 21 21 23 22 22 25 25 24 24 26 23 26 27 26 26 27 27 27 27 27 28 27 27 27 27 27 26 30'
)
  .split(' ')
  .map(Number);

/** code length -> (code -> symbol) */
let decodeTable: Map<number, Map<number, number>> | undefined;

function table(): Map<number, Map<number, number>> {
  if (decodeTable) return decodeTable;
  const symbols = LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const t = new Map<number, Map<number, number>>();
  let code = 0;
  let prevLen = symbols[0]!.len;
  for (const { len, sym } of symbols) {
    code *= 2 ** (len - prevLen);
    prevLen = len;
    let m = t.get(len);
    if (!m) t.set(len, (m = new Map()));
    m.set(code, sym);
    code++;
  }
  decodeTable = t;
  return t;
}

export function huffmanDecode(data: Uint8Array): string {
  const t = table();
  let out = '';
  let code = 0;
  let len = 0;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const sym = t.get(len)?.get(code);
      if (sym !== undefined) {
        if (sym === 256) return out;
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len > 30) throw new Error('bad huffman code');
    }
  }
  return out; // the rest is EOS padding
}

/** An HPACK integer with an n-bit prefix at data[pos]. */
function readInt(data: Uint8Array, pos: number, bits: number): { value: number; next: number } {
  const max = (1 << bits) - 1;
  let value = data[pos]! & max;
  let p = pos + 1;
  if (value < max) return { value, next: p };
  let m = 0;
  for (;;) {
    if (p >= data.length) throw new Error('truncated integer');
    const b = data[p++]!;
    value += (b & 0x7f) * 2 ** m;
    m += 7;
    if ((b & 0x80) === 0) return { value, next: p };
    if (m > 28) throw new Error('integer too large');
  }
}

function readString(data: Uint8Array, pos: number): { raw: Uint8Array; text: () => string; next: number } {
  const huff = (data[pos]! & 0x80) !== 0;
  const { value: len, next } = readInt(data, pos, 7);
  if (next + len > data.length) throw new Error('truncated string');
  const raw = data.subarray(pos, next + len);
  const body = data.subarray(next, next + len);
  return {
    raw,
    text: () => (huff ? huffmanDecode(body) : Buffer.from(body).toString('latin1')),
    next: next + len,
  };
}

const BAD_AUTHORITY = /[/\s]/;

interface Field {
  /** Literal whose name is static entry 1 (:authority). */
  authority: boolean;
  prefixBits: number;
  flag: number;
  start: number;
  nameEnd: number;
  end: number;
  value?: () => string;
}

function scanBlock(block: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  while (p < block.length) {
    const b = block[p]!;
    const start = p;
    if (b & 0x80) {
      p = readInt(block, p, 7).next;
      continue;
    }
    if ((b & 0xe0) === 0x20) {
      p = readInt(block, p, 5).next;
      continue;
    }
    const bits = (b & 0xc0) === 0x40 ? 6 : 4;
    const flag = bits === 6 ? 0x40 : b & 0xf0;
    const { value: idx, next } = readInt(block, p, bits);
    p = next;
    if (idx === 0) p = readString(block, p).next;
    const nameEnd = p;
    const v = readString(block, p);
    p = v.next;
    out.push({ authority: idx === 1, prefixBits: bits, flag, start, nameEnd, end: p, value: v.text });
  }
  return out;
}

function encodeRawString(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const len: number[] = [];
  if (body.length < 127) len.push(body.length);
  else {
    len.push(127);
    let rest = body.length - 127;
    while (rest >= 128) {
      len.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    len.push(rest);
  }
  return Buffer.concat([Buffer.from(len), body]);
}

/**
 * The header block with every literal :authority that is a URL made valid: '/' and blanks become
 * '-'. The decoded length stays the same, so the HPACK dynamic tables of both ends stay in step.
 */
export function fixAuthority(block: Uint8Array): Buffer {
  const fields = scanBlock(block).filter((f) => f.authority && f.value && BAD_AUTHORITY.test(f.value()));
  if (fields.length === 0) return Buffer.from(block);
  const parts: Buffer[] = [];
  let at = 0;
  for (const f of fields) {
    parts.push(Buffer.from(block.subarray(at, f.nameEnd)));
    parts.push(encodeRawString(f.value!().replace(/[/\s]/g, '-')));
    at = f.end;
  }
  parts.push(Buffer.from(block.subarray(at)));
  return Buffer.concat(parts);
}

/** Whether a header block carries an :authority nghttp2 would refuse (a URL). */
export function hasUrlAuthority(block: Uint8Array): boolean {
  for (const f of scanBlock(block)) {
    if (!f.authority || !f.value) continue;
    if (BAD_AUTHORITY.test(f.value())) return true;
  }
  return false;
}

const PREFACE_LEN = 24;
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const END_STREAM = 0x1;
const MAX_FRAME = 16384;

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

function frameAt(buf: Buffer, pos: number): Frame | undefined {
  if (buf.length - pos < 9) return undefined;
  const len = buf.readUIntBE(pos, 3);
  if (buf.length - pos - 9 < len) return undefined;
  return {
    type: buf[pos + 3]!,
    flags: buf[pos + 4]!,
    stream: buf.readUInt32BE(pos + 5) & 0x7fffffff,
    payload: buf.subarray(pos + 9, pos + 9 + len),
  };
}

function headerBlockFragment(f: Frame): { priority: Buffer; fragment: Buffer } {
  let p = f.payload;
  let pad = 0;
  if (f.type === HEADERS && f.flags & PADDED) {
    pad = p[0]!;
    p = p.subarray(1);
  }
  let priority: Buffer = Buffer.alloc(0);
  if (f.type === HEADERS && f.flags & PRIORITY) {
    priority = p.subarray(0, 5);
    p = p.subarray(5);
  }
  return { priority, fragment: p.subarray(0, p.length - pad) };
}

function frameBytes(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

const SETTINGS = 0x4;
const PING = 0x6;
const ACK = 0x1;

/** An empty SETTINGS frame: all defaults. */
export const EMPTY_SETTINGS = Buffer.from([0, 0, 0, SETTINGS, 0, 0, 0, 0, 0]);

const isSettingsAck = (f: Frame): boolean =>
  f.type === SETTINGS && (f.flags & ACK) !== 0 && f.payload.length === 0;

export interface Peek {
  /** The bytes so far, minus the ACK of our SETTINGS once it came. */
  buf: Buffer;
  ackDropped: boolean;
  verdict: 'more' | 'raw' | 'rewrite';
}

/**
 * Looks at what a client sent after the preface (the server's empty SETTINGS already out): drops
 * the first SETTINGS ACK, and judges the first header block. A PING (keepalive) must not wait.
 */
export function peek(input: Buffer, ackDropped: boolean): Peek {
  let buf = input;
  let pos = PREFACE_LEN;
  let block: Buffer[] | undefined;
  for (;;) {
    const f = frameAt(buf, pos);
    if (!f) return { buf, ackDropped, verdict: buf.length > 1 << 20 ? 'rewrite' : 'more' };
    const size = 9 + f.payload.length;
    if (!ackDropped && isSettingsAck(f)) {
      buf = Buffer.concat([buf.subarray(0, pos), buf.subarray(pos + size)]);
      ackDropped = true;
      continue;
    }
    pos += size;
    if (f.type === PING) return { buf, ackDropped, verdict: 'rewrite' };
    if (f.type === HEADERS) block = [headerBlockFragment(f).fragment];
    else if (f.type === CONTINUATION && block) block.push(f.payload);
    else continue;
    if (f.flags & END_HEADERS) {
      let bad = true;
      try {
        bad = hasUrlAuthority(Buffer.concat(block));
      } catch {
        // malformed: let nghttp2 judge it, through the careful path
      }
      return { buf, ackDropped, verdict: bad || !ackDropped ? 'rewrite' : 'raw' };
    }
  }
}

/** A duplex over `socket` whose readable side is the client's bytes with :authority renamed. */
export function rewritingStream(socket: net.Socket, initial: Buffer, dropSettingsAck: boolean): Duplex {
  let pending: Buffer = Buffer.alloc(0);
  let prefaceLeft = PREFACE_LEN;
  let dropAck = dropSettingsAck;
  let block: { stream: number; flags: number; priority: Buffer; parts: Buffer[] } | undefined;
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  duplex.on('error', () => undefined);
  // HTTP/2 sets no-delay on sockets it owns; this one it never sees.
  socket.setNoDelay(true);
  const emitBlock = (b: NonNullable<typeof block>) => {
    const rewritten = fixAuthority(Buffer.concat(b.parts));
    const room = MAX_FRAME - b.priority.length;
    let first = rewritten.subarray(0, room);
    let rest = rewritten.subarray(first.length);
    const flags = (b.flags & (END_STREAM | PRIORITY)) | (rest.length === 0 ? END_HEADERS : 0);
    const out = [frameBytes(HEADERS, flags, b.stream, Buffer.concat([b.priority, first]))];
    while (rest.length > 0) {
      first = rest.subarray(0, MAX_FRAME);
      rest = rest.subarray(first.length);
      out.push(frameBytes(CONTINUATION, rest.length === 0 ? END_HEADERS : 0, b.stream, first));
    }
    return Buffer.concat(out);
  };
  const feed = (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const out: Buffer[] = [];
    if (prefaceLeft > 0) {
      const n = Math.min(prefaceLeft, pending.length);
      out.push(pending.subarray(0, n));
      pending = pending.subarray(n);
      prefaceLeft -= n;
    }
    let pos = 0;
    for (;;) {
      const f = frameAt(pending, pos);
      if (!f) break;
      const raw = pending.subarray(pos, pos + 9 + f.payload.length);
      pos += raw.length;
      if (dropAck && isSettingsAck(f)) {
        dropAck = false;
        continue;
      }
      if (f.type === HEADERS) {
        const { priority, fragment } = headerBlockFragment(f);
        block = {
          stream: f.stream,
          flags: f.flags,
          priority: Buffer.from(priority),
          parts: [Buffer.from(fragment)],
        };
      } else if (f.type === CONTINUATION && block) {
        block.parts.push(Buffer.from(f.payload));
      } else {
        out.push(raw);
        continue;
      }
      if (f.flags & END_HEADERS) {
        try {
          out.push(emitBlock(block));
        } catch {
          duplex.destroy();
          return;
        }
        block = undefined;
      }
    }
    pending = Buffer.from(pending.subarray(pos));
    if (out.length > 0 && !duplex.push(Buffer.concat(out))) socket.pause();
  };
  socket.on('data', feed);
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  socket.on('error', (err) => duplex.destroy(err));
  feed(initial);
  return duplex;
}
