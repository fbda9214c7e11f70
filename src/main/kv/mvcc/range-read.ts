// Range semantics of etcd's executeRange (server/etcdserver/txn): fetch, filter by mod/create
// revision, sort, truncate to limit with `more`, count = all keys in range at that revision.

import { compareBytes, EMPTY_BYTES, toInterval } from './bytes';
import type { KeyHistory } from './key-history';
import type { SortedKeyMap } from './sorted-key-map';
import { SortOrder, SortTarget } from './types';
import type { KeyValue, RangeRequest } from './types';

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/** Live key-values at `rev` in (key, rangeEnd); `limit` 0 = all. Counts every match regardless. */
export function scanAt(
  index: SortedKeyMap<KeyHistory>,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  rev: number,
  limit: number,
): { kvs: KeyValue[]; count: number } {
  const iv = toInterval(key, rangeEnd);
  const kvs: KeyValue[] = [];
  if (iv.single) {
    const rec = index.get(key)?.at(rev);
    if (rec) kvs.push(rec.kv);
    return { kvs, count: kvs.length };
  }
  let count = 0;
  for (const [, hist] of index.range(iv.start, iv.end)) {
    const rec = hist.at(rev);
    if (!rec) continue;
    count++;
    if (limit === 0 || kvs.length < limit) kvs.push(rec.kv);
  }
  return { kvs, count };
}

function hasRevisionFilter(r: RangeRequest): boolean {
  return !!(r.minModRevision || r.maxModRevision || r.minCreateRevision || r.maxCreateRevision);
}

function effectiveSortOrder(r: RangeRequest): SortOrder {
  const order = r.sortOrder ?? SortOrder.NONE;
  const target = r.sortTarget ?? SortTarget.KEY;
  // The index already yields keys ascending; any other target sorts ascending by default.
  if (target !== SortTarget.KEY && order === SortOrder.NONE) return SortOrder.ASCEND;
  if (target === SortTarget.KEY && order === SortOrder.ASCEND) return SortOrder.NONE;
  return order;
}

function sortKey(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case SortTarget.KEY:
      return (a, b) => compareBytes(a.key, b.key);
    case SortTarget.VERSION:
      return (a, b) => a.version - b.version;
    case SortTarget.CREATE:
      return (a, b) => a.createRevision - b.createRevision;
    case SortTarget.MOD:
      return (a, b) => a.modRevision - b.modRevision;
    case SortTarget.VALUE:
      return (a, b) => compareBytes(a.value, b.value);
  }
}

export function readRange(index: SortedKeyMap<KeyHistory>, r: RangeRequest, rev: number): RangeResult {
  const limit = r.limit && r.limit > 0 ? r.limit : 0;
  const order = effectiveSortOrder(r);
  // Sorting or filtering needs every match first; otherwise one extra tells us `more`.
  const fetchLimit = order !== SortOrder.NONE || hasRevisionFilter(r) ? 0 : limit > 0 ? limit + 1 : 0;
  const scanned = scanAt(index, r.key, r.rangeEnd, rev, r.countOnly ? 0 : fetchLimit);
  if (r.countOnly) return { kvs: [], more: false, count: scanned.count };

  let kvs = scanned.kvs;
  if (hasRevisionFilter(r)) {
    kvs = kvs.filter(
      (kv) =>
        !(r.maxModRevision && kv.modRevision > r.maxModRevision) &&
        !(r.minModRevision && kv.modRevision < r.minModRevision) &&
        !(r.maxCreateRevision && kv.createRevision > r.maxCreateRevision) &&
        !(r.minCreateRevision && kv.createRevision < r.minCreateRevision),
    );
  }
  if (order !== SortOrder.NONE) {
    const cmp = sortKey(r.sortTarget ?? SortTarget.KEY);
    // Stable sort: ties keep key order, so the answer is deterministic.
    kvs = kvs.slice().sort(order === SortOrder.DESCEND ? (a, b) => cmp(b, a) : cmp);
  }
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (r.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY_BYTES }));
  return { kvs, more, count: scanned.count };
}
