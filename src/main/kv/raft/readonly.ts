// Linearizable reads by ReadIndex (Raft thesis §6.4). A read request records the commit index at
// arrival; it may be served once the leader has confirmed, by a heartbeat round acknowledged by a
// quorum, that it was still the leader after the request arrived. Requests are batched: at most one
// confirmation round is in flight, and one round releases every request that arrived before it began.

import type { NodeId } from './types';

export interface ReadRequest {
  index: number;
  /** Who asked: the leader itself, or a follower that forwarded MsgReadIndex. */
  from: NodeId;
  context: Uint8Array;
}

interface Round {
  id: number;
  /** How many queued requests (from the front) this round confirms. */
  covers: number;
  acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private queue: ReadRequest[] = [];
  private round: Round | undefined;
  private nextRoundId = 1;

  get pendingCount(): number {
    return this.queue.length;
  }

  add(req: ReadRequest): void {
    this.queue.push(req);
  }

  /** Begins a round covering all queued requests if none is in flight; returns its heartbeat context. */
  maybeStartRound(self: NodeId): Uint8Array | undefined {
    if (this.round || this.queue.length === 0) return undefined;
    this.round = { id: this.nextRoundId++, covers: this.queue.length, acks: new Set([self]) };
    return encodeRoundId(this.round.id);
  }

  /** Context to attach to heartbeats: the round in flight, so a lost heartbeat is retried by the next. */
  roundContext(): Uint8Array | undefined {
    return this.round ? encodeRoundId(this.round.id) : undefined;
  }

  /**
   * A heartbeat response carrying `context` arrived from `from`. When that completes a quorum,
   * returns the requests the round confirms (and ends the round).
   */
  recvAck(
    from: NodeId,
    context: Uint8Array,
    isQuorum: (acks: ReadonlySet<NodeId>) => boolean,
  ): ReadRequest[] {
    const round = this.round;
    if (!round || decodeRoundId(context) !== round.id) return [];
    round.acks.add(from);
    if (!isQuorum(round.acks)) return [];
    const released = this.queue.slice(0, round.covers);
    this.queue = this.queue.slice(round.covers);
    this.round = undefined;
    return released;
  }

  reset(): void {
    this.queue = [];
    this.round = undefined;
  }
}

function encodeRoundId(id: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, id);
  return out;
}

function decodeRoundId(ctx: Uint8Array): number | undefined {
  if (ctx.byteLength !== 8) return undefined;
  return new DataView(ctx.buffer, ctx.byteOffset, 8).getFloat64(0);
}
