/**
 * Runs a reconcile pass one at a time, on demand. Requests while a pass runs coalesce into exactly
 * one more pass; `kick(delay)` debounces bursts of events into one. The engine and every agent
 * loop this way (fleet's reconcilers did too): the pass itself reads the world fresh, so it never
 * matters how many events asked for it.
 */
export class PassRunner {
  private running: Promise<void> | undefined;
  private again = false;
  private debounce: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  /** The last pass's failure, cleared by a pass that succeeds (the next one retries). */
  lastError: Error | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    /** Passes run only while this holds (started, leading …). */
    private readonly active: () => boolean,
  ) {}

  /** A pass after `delayMs`, replacing any pending kick. */
  kick(delayMs: number): void {
    if (!this.active()) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.runNow(), delayMs);
  }

  /** A pass at least every `ms` while active. */
  every(ms: number): void {
    clearInterval(this.interval);
    this.interval = setInterval(() => this.kick(0), ms);
    this.interval.unref();
  }

  /** Runs a pass now, or one more right after the current one; resolves when it is done. */
  async runNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      await this.running;
      if (this.running) await this.running;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    await this.running;
  }

  /** No more passes are started; resolves when the current one has ended. */
  async halt(): Promise<void> {
    clearTimeout(this.debounce);
    clearInterval(this.interval);
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err as Error;
      }
    } while (this.again && this.active());
  }
}
