// A deterministic, lossy network for the simulation: every message gets a delivery time drawn from
// the seeded PRNG (so messages overtake each other), may be lost or duplicated, and never crosses
// a partition. Delivery order among messages due at the same time is also randomized.

import type { Message, NodeId } from '../types';
import type { Prng } from '../prng';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  loss: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Delivery delay range in time units, [min, max]; a few messages get a much longer delay. */
  minDelay: number;
  maxDelay: number;
  /** Probability of a long delay (reordering far behind later messages). */
  longDelay: number;
}

export interface InFlight {
  at: number;
  seq: number;
  msg: Message;
}

export class SimNetwork {
  private queue: InFlight[] = [];
  private seq = 0;
  /** Partition: node -> group number; nodes in different groups cannot talk. Empty = healed. */
  private groups = new Map<NodeId, number>();

  constructor(
    private readonly prng: Prng,
    public faults: NetworkFaults,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  send(msg: Message, now: number): 'sent' | 'lost' | 'duplicated' {
    if (this.prng.chance(this.faults.loss)) return 'lost';
    this.enqueue(msg, now);
    if (this.prng.chance(this.faults.duplicate)) {
      this.enqueue(msg, now);
      return 'duplicated';
    }
    return 'sent';
  }

  private enqueue(msg: Message, now: number): void {
    const { minDelay, maxDelay } = this.faults;
    let delay = minDelay + this.prng.int(maxDelay - minDelay + 1);
    if (this.prng.chance(this.faults.longDelay)) delay += 10 + this.prng.int(40);
    this.queue.push({ at: now + delay, seq: this.seq++, msg });
  }

  /** Messages due by `now`, removed from the queue, in a random order. */
  due(now: number): Message[] {
    if (this.queue.length === 0) return [];
    const ready: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.queue) (f.at <= now ? ready : rest).push(f);
    if (ready.length === 0) return [];
    this.queue = rest;
    // Fisher-Yates with the seeded PRNG
    for (let i = ready.length - 1; i > 0; i--) {
      const j = this.prng.int(i + 1);
      const a = ready[i];
      const b = ready[j];
      if (a && b) {
        ready[i] = b;
        ready[j] = a;
      }
    }
    return ready.map((f) => f.msg);
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (this.groups.size === 0) return true;
    return (this.groups.get(from) ?? 0) === (this.groups.get(to) ?? 0);
  }

  partition(groups: NodeId[][]): void {
    this.groups.clear();
    groups.forEach((g, i) => {
      for (const id of g) this.groups.set(id, i);
    });
  }

  heal(): void {
    this.groups.clear();
  }

  get partitioned(): boolean {
    return this.groups.size > 0;
  }
}
