// What the leader knows about each follower's log, and how much it may send it.
//   probe:     one App at a time until the follower's match point is found;
//   replicate: pipelined Apps, bounded by the in-flight window (messages and bytes);
//   snapshot:  a snapshot is on its way; send nothing until it is reported done.

export enum ProgressState {
  Probe = 'probe',
  Replicate = 'replicate',
  Snapshot = 'snapshot',
}

/** The window of App messages sent but not yet acknowledged, oldest first. */
export class Inflights {
  private readonly queue: { index: number; bytes: number }[] = [];
  private bytes = 0;

  constructor(
    readonly maxMessages: number,
    /** 0 means no byte limit. */
    readonly maxBytes: number,
  ) {}

  add(index: number, bytes: number): void {
    this.queue.push({ index, bytes });
    this.bytes += bytes;
  }

  /** Acknowledgement up to `index` frees every message ending at or before it. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.queue.length) {
      const head = this.queue[n];
      if (head === undefined || head.index > index) break;
      this.bytes -= head.bytes;
      n++;
    }
    if (n > 0) this.queue.splice(0, n);
  }

  freeFirstOne(): void {
    const head = this.queue.shift();
    if (head) this.bytes -= head.bytes;
  }

  full(): boolean {
    return this.queue.length >= this.maxMessages || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  get count(): number {
    return this.queue.length;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.queue.length = 0;
    this.bytes = 0;
  }
}

export class Progress {
  /** Highest index known to be in the follower's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state = ProgressState.Probe;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** In probe state: an App is out, wait for its answer (or a heartbeat response) before the next. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflightMsgs: number,
    maxInflightBytes: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot's entries.
    const afterSnapshot = this.state === ProgressState.Snapshot ? this.pendingSnapshot + 1 : 0;
    this.resetState(ProgressState.Probe);
    this.next = Math.max(this.match + 1, afterSnapshot);
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** Book-keeping after sending an App with `count` entries totalling `bytes`. */
  sentEntries(count: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (count > 0) {
        this.next += count;
        this.inflights.add(this.next - 1, bytes);
      }
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  /** The follower acknowledged up to n. Returns whether that is news. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * The follower rejected an App whose previous index was `rejected`; `matchHint` is where its
   * log might match. Returns false when the rejection is stale (answers an older message).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
