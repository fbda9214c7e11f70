// Drives Raft's logical clock from wall time. Raft only counts ticks; with the defaults
// (100 ms tick, heartbeat 1 tick, election 10 ticks) it matches etcd's 100 ms / 1 s tuning.

export const DEFAULT_TICK_MS = 100;

export class Clock {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onTick: () => void,
    readonly tickMs: number = DEFAULT_TICK_MS,
  ) {
    if (!(tickMs > 0)) throw new RangeError('tickMs must be positive');
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(this.onTick, this.tickMs);
    // A cluster host process should be able to exit once everything else is closed.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
