// Byte-key helpers. Keys order as unsigned bytes, like etcd's bytes.Compare.

const EMPTY = new Uint8Array(0);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A key as a Map-able string (one char per byte; lossless). */
export function keyString(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i += 4096) {
    s += String.fromCharCode(...key.subarray(i, i + 4096));
  }
  return s;
}

export function keyFromString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The interval a request's (key, range_end) names, as etcd reads it:
 * no range_end → the single key; range_end [0] → every key >= key (end undefined).
 */
export interface KeyInterval {
  start: Uint8Array;
  /** Exclusive end; undefined = unbounded. */
  end: Uint8Array | undefined;
  single: boolean;
}

export function toInterval(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyInterval {
  if (!rangeEnd || rangeEnd.length === 0) return { start: key, end: undefined, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: undefined, single: false };
  return { start: key, end: rangeEnd, single: false };
}

export function inInterval(iv: KeyInterval, key: Uint8Array): boolean {
  if (iv.single) return equalBytes(iv.start, key);
  if (compareBytes(key, iv.start) < 0) return false;
  return iv.end === undefined || compareBytes(key, iv.end) < 0;
}

/** The range_end that makes (key, range_end) a prefix query, like clientv3.GetPrefixRangeEnd. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0]); // all 0xff: no upper bound
}

export { EMPTY as EMPTY_BYTES };
