// A tiny seeded pseudo-random generator (the mulberry32 recipe). The core must stay deterministic,
// so randomized election timeouts draw from this instead of Math.random; the member and the
// simulation choose the seed.

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float uniformly drawn from [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x100000000;
  }

  /** An integer uniformly drawn from [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('Prng.pick: empty array');
    return item;
  }
}

/** The same generator as a plain function, for tests and generators that only need floats. */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}
