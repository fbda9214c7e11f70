// Shared helpers for this folder's tests.

import { expect } from 'vitest';
import type { ApplyResult } from './command';
import { MvccError } from './errors';
import type { KeyValue } from './types';
import { prng } from '../raft/prng';

export { prng };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export const b = (s: string): Uint8Array => encoder.encode(s);
/** String of UTF-8 bytes. */
export const str = (u: Uint8Array): string => decoder.decode(u);
export const keys = (kvs: KeyValue[]): string[] => kvs.map((kv) => str(kv.key));

export function expectMvccError(fn: () => unknown, message: string): MvccError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MvccError);
    expect((err as MvccError).message).toBe(message);
    return err as MvccError;
  }
  throw new Error(`expected MvccError "${message}"`);
}

export function okResponse<T>(result: ApplyResult): T {
  if (!result.ok) throw result.error;
  return result.response as T;
}
