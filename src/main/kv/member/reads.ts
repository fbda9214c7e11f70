// Linearizable reads by ReadIndex, batched like etcd's linearizableReadLoop: every caller that
// arrives while a ReadIndex round is in flight joins the NEXT round, and one round answers all of
// its callers once the local applied index reaches the read index the leader confirmed.
import type { MemberError } from './errors';
import { timedOut } from './errors';

interface Round {
  ctx: Uint8Array;
  key: string;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
  /** Set when the leader answered; waiting for applied to reach it. */
  index?: number;
  /** When the first caller's round was issued (deadline) and when this attempt was (retry). */
  firstAt: number;
  sentAt: number;
}

export interface ReadIndexHost {
  /** Issues a ReadIndex request to Raft; throws if it cannot be issued (e.g. no leader). */
  requestReadIndex(ctx: Uint8Array): void;
  appliedIndex(): number;
}

export class ReadBatcher {
  private inflight: Round | undefined;
  private next: Round['waiters'] = [];
  private readonly ready: Round[] = [];
  private counter = 0n;

  constructor(
    private readonly host: ReadIndexHost,
    private readonly nonce: bigint,
    private readonly timeoutMs: number,
    /** Re-issue a round that got no answer after this long (the request or reply was lost). */
    private readonly retryMs: number,
  ) {}

  private scheduled = false;

  read(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.next.push({ resolve, reject });
      // Deferred a turn so every caller of this event-loop turn shares the round.
      if (!this.inflight && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (!this.inflight) this.startRound();
        });
      }
    });
  }

  private startRound(firstAt = Date.now()): void {
    if (this.next.length === 0) return;
    const waiters = this.next;
    this.next = [];
    const ctx = new Uint8Array(16);
    const v = new DataView(ctx.buffer);
    v.setBigUint64(0, this.nonce);
    v.setBigUint64(8, ++this.counter);
    const round: Round = { ctx, key: Buffer.from(ctx).toString('hex'), waiters, firstAt, sentAt: Date.now() };
    // In flight before asking: the answer may come back synchronously (a single-voter leader).
    this.inflight = round;
    try {
      this.host.requestReadIndex(ctx);
    } catch (err) {
      if (this.inflight === round) this.inflight = undefined;
      for (const w of waiters) w.reject(err as Error);
      // Callers that arrived meanwhile get their own attempt.
      this.startRound();
    }
  }

  /** A ReadState from a Ready. */
  onReadState(index: number, ctx: Uint8Array): void {
    const r = this.inflight;
    if (!r || Buffer.from(ctx).toString('hex') !== r.key) return;
    this.inflight = undefined;
    r.index = index;
    this.ready.push(r);
    this.onApplied();
    this.startRound();
  }

  /** Call after applying entries: answers the rounds whose read index is now applied. */
  onApplied(): void {
    if (this.ready.length === 0) return;
    const applied = this.host.appliedIndex();
    for (let i = 0; i < this.ready.length;) {
      const r = this.ready[i]!;
      if (r.index! <= applied) {
        this.ready.splice(i, 1);
        for (const w of r.waiters) w.resolve();
      } else i++;
    }
  }

  /** Call on every tick: retries a silent round, fails callers past their deadline. */
  onTick(): void {
    const now = Date.now();
    const r = this.inflight;
    if (!r) return;
    if (now - r.firstAt >= this.timeoutMs) {
      this.inflight = undefined;
      for (const w of r.waiters) w.reject(timedOut());
      this.startRound();
    } else if (now - r.sentAt >= this.retryMs) {
      // Same waiters, fresh context, so a late answer to the old one is ignored.
      this.inflight = undefined;
      this.next = r.waiters.concat(this.next);
      this.startRound(r.firstAt);
    }
  }

  failAll(err: MemberError): void {
    const all = [...(this.inflight?.waiters ?? []), ...this.next, ...this.ready.flatMap((r) => r.waiters)];
    this.inflight = undefined;
    this.next = [];
    this.ready.length = 0;
    for (const w of all) w.reject(err);
  }
}
