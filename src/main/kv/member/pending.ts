// Callers waiting for their proposals to be applied, keyed by the member-local sequence number that
// travels in the entry envelope. Each wait has a deadline: a proposal forwarded to a leader that then
// loses it (crash, partition) is never applied, and the caller must hear about it.
import type { MemberError } from './errors';
import { timedOut } from './errors';

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingRequests<T> {
  private readonly waiters = new Map<number, Waiter<T>>();
  private nextSeq: number;

  constructor(private readonly timeoutMs: number) {
    // Start from the boot time so sequences are not reused by a restarted member whose old
    // proposals may still be in the log (they would otherwise wake a new caller).
    this.nextSeq = Date.now() * 1000;
  }

  get size(): number {
    return this.waiters.size;
  }

  /** Reserves a sequence number and a promise that settles when `settle(seq, …)` is called. */
  register(): { seq: number; done: Promise<T> } {
    const seq = this.nextSeq++;
    const done = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(seq);
        reject(timedOut());
      }, this.timeoutMs);
      this.waiters.set(seq, { resolve, reject, timer });
    });
    return { seq, done };
  }

  resolve(seq: number, value: T): void {
    const w = this.waiters.get(seq);
    if (!w) return;
    this.waiters.delete(seq);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  reject(seq: number, err: Error): void {
    const w = this.waiters.get(seq);
    if (!w) return;
    this.waiters.delete(seq);
    clearTimeout(w.timer);
    w.reject(err);
  }

  rejectAll(err: MemberError): void {
    for (const seq of [...this.waiters.keys()]) this.reject(seq, err);
  }
}
