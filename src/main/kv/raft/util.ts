import { EntryType, MessageType, type Entry, type Message, type NodeId } from './types';
import { RaftInvariantError } from './errors';

export const EMPTY_BYTES = new Uint8Array(0);

/** Rough encoded size of an entry: payload plus the fixed fields. Used for message and batch limits. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 16;
}

/** Bytes an entry's payload occupies; what the uncommitted-size limit counts (empty entries are free). */
export function payloadSize(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += e.data.byteLength;
  return total;
}

/** The longest prefix of `entries` within maxBytes, but never fewer than one entry (progress must be possible). */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length <= 1) return entries;
  let size = entrySize(at(entries, 0));
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySize(at(entries, n));
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/** Array access that treats a missing element as a bug rather than a value. */
export function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new RaftInvariantError(`index ${i} out of range (length ${items.length})`);
  return item;
}

export function last<T>(items: readonly T[]): T | undefined {
  return items[items.length - 1];
}

/** A message with every field filled; callers name only what matters. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: 0n,
    to: 0n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
    ...fields,
  };
}

export function normalEntry(data: Uint8Array, term = 0, index = 0): Entry {
  return { term, index, type: EntryType.Normal, data };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isResponse(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.PreVoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable ||
    t === MessageType.SnapStatus
  );
}

export function idString(id: NodeId): string {
  return id.toString();
}
