// gzip decoding for write_files with a gz encoding. Synchronous, because parseCloudConfig must be
// sync in the editor and in the main process alike, and the renderer has no node:zlib: fflate
// does the inflating, this adds the size limit and one error type with a reason.
import { gunzipSync } from 'fflate';

/** Thrown for data that is not valid gzip or too large; the message says what is wrong. */
export class GzipError extends Error {}

/** Decodes gzip data; refuses output larger than `maxBytes` (a gzip bomb). */
export function gunzip(data: Uint8Array, maxBytes: number): Uint8Array {
  if (data.length < 18) throw new GzipError('not gzip data (too short)');
  if (data[0] !== 0x1f || data[1] !== 0x8b) throw new GzipError('not gzip data (no gzip header)');
  // One byte over the limit tells "exactly the limit" from "cut at the limit".
  const out = new Uint8Array(maxBytes + 1);
  let decoded: Uint8Array;
  try {
    decoded = gunzipSync(data, { out });
  } catch (err) {
    throw new GzipError(`damaged gzip data (${(err as Error).message})`);
  }
  if (decoded.length > maxBytes) throw new GzipError(`decodes to more than ${maxBytes} bytes`);
  return decoded.slice();
}
