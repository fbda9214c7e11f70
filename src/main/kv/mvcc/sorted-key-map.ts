// Ordered map from byte keys to values: a skip list, so point lookups and inserts are O(log n) and a
// range scan is O(log n + k). Levels come from a fixed-seed xorshift, so the shape (not that it is
// observable) is the same on every member.

import { compareBytes } from './bytes';

const MAX_LEVEL = 32;

interface SkipNode<V> {
  key: Uint8Array;
  value: V;
  next: Array<SkipNode<V> | undefined>;
}

export class SortedKeyMap<V> {
  private readonly head: SkipNode<V> = {
    key: new Uint8Array(0),
    value: undefined as unknown as V,
    next: new Array<SkipNode<V> | undefined>(MAX_LEVEL).fill(undefined),
  };
  private level = 1;
  private count = 0;
  private seed = 0x9e3779b9;

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    const node = this.lowerBound(key);
    return node && compareBytes(node.key, key) === 0 ? node.value : undefined;
  }

  /** Per level, the last node whose key is below `key` (where an insert or unlink happens). */
  private predecessors(key: Uint8Array): SkipNode<V>[] {
    const update = new Array<SkipNode<V>>(MAX_LEVEL);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n && compareBytes(n.key, key) < 0) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    return update;
  }

  set(key: Uint8Array, value: V): void {
    const update = this.predecessors(key);
    const found = update[0]!.next[0];
    if (found && compareBytes(found.key, key) === 0) {
      found.value = value;
      return;
    }
    const lvl = this.randomLevel();
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) update[i] = this.head;
      this.level = lvl;
    }
    const node: SkipNode<V> = { key, value, next: new Array<SkipNode<V> | undefined>(lvl) };
    for (let i = 0; i < lvl; i++) {
      node.next[i] = update[i]!.next[i];
      update[i]!.next[i] = node;
    }
    this.count++;
  }

  delete(key: Uint8Array): boolean {
    const update = this.predecessors(key);
    const target = update[0]!.next[0];
    if (!target || compareBytes(target.key, key) !== 0) return false;
    for (let i = 0; i < this.level; i++) {
      if (update[i]!.next[i] !== target) break;
      update[i]!.next[i] = target.next[i];
    }
    while (this.level > 1 && this.head.next[this.level - 1] === undefined) this.level--;
    this.count--;
    return true;
  }

  /** Entries with start <= key < end (end undefined: to the last key), ascending. */
  *range(start: Uint8Array, end: Uint8Array | undefined): Generator<[Uint8Array, V]> {
    let n = this.lowerBound(start);
    while (n && (end === undefined || compareBytes(n.key, end) < 0)) {
      yield [n.key, n.value];
      n = n.next[0];
    }
  }

  *entries(): Generator<[Uint8Array, V]> {
    let n = this.head.next[0];
    while (n) {
      yield [n.key, n.value];
      n = n.next[0];
    }
  }

  /** The first node with key >= `key`. */
  private lowerBound(key: Uint8Array): SkipNode<V> | undefined {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n && compareBytes(n.key, key) < 0) {
        x = n;
        n = x.next[i];
      }
    }
    return x.next[0];
  }

  private randomLevel(): number {
    // xorshift32; p = 1/4 per level keeps nodes small.
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    let lvl = 1;
    let bits = this.seed;
    while (lvl < MAX_LEVEL && (bits & 3) === 0) {
      lvl++;
      bits >>>= 2;
      if (bits === 0) break;
    }
    return lvl;
  }
}
