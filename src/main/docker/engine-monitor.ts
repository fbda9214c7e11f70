import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { EngineStatus } from '../../shared/api';
import { dockerFor, explainEngineError } from './endpoint';

export interface EngineMonitorOptions {
  endpoint: string;
  /** First retry delay after losing the engine; doubles up to maxRetryMs. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * Keeps an up-to-date EngineStatus. While connected it follows the engine's event stream (a
 * watch, not a poll) and refreshes the counts when containers or images change; when the stream
 * breaks it reports what is wrong and retries with backoff until the engine is back.
 */
export class EngineMonitor {
  readonly docker: Docker;
  private readonly emitter = new EventEmitter();
  private status: EngineStatus;
  private events: Readable | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = false;
  private connecting = false;

  constructor(private readonly opts: EngineMonitorOptions) {
    this.docker = dockerFor(opts.endpoint);
    this.retryMs = opts.minRetryMs ?? 500;
    this.status = { state: 'connecting', endpoint: opts.endpoint, since: new Date().toISOString() };
    this.emitter.setMaxListeners(0);
  }

  start(): void {
    void this.connect();
  }

  current(): EngineStatus {
    return structuredClone(this.status);
  }

  onChange(listener: (s: EngineStatus) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  /** Resolves once connected (or rejects after timeoutMs with the current problem). */
  whenConnected(timeoutMs: number): Promise<EngineStatus> {
    if (this.status.state === 'connected') return Promise.resolve(this.current());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(this.status.problem?.message ?? 'Docker engine not connected'));
      }, timeoutMs);
      const off = this.onChange((s) => {
        if (s.state === 'connected') {
          clearTimeout(timer);
          off();
          resolve(s);
        }
      });
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.events?.destroy();
    this.events = undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    try {
      const info = await this.docker.info();
      const version = await this.docker.version();
      const stream = (await this.docker.getEvents({
        filters: { type: ['container', 'image'] },
      })) as unknown as Readable;
      if (this.stopped) {
        stream.destroy();
        return;
      }
      this.events = stream;
      stream.on('data', () => this.scheduleRefresh());
      const lost = (err?: unknown) => {
        if (this.events !== stream) return;
        this.events = undefined;
        stream.destroy();
        this.disconnected(err ?? Object.assign(new Error('event stream ended'), { code: 'ECONNREFUSED' }));
      };
      stream.on('error', lost);
      stream.on('end', () => lost());
      stream.on('close', () => lost());
      this.retryMs = this.opts.minRetryMs ?? 500;
      this.setStatus({
        state: 'connected',
        endpoint: this.opts.endpoint,
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: info.OperatingSystem,
        arch: info.Architecture,
        containers: {
          total: info.Containers,
          running: info.ContainersRunning,
          paused: info.ContainersPaused,
          stopped: info.ContainersStopped,
        },
        images: info.Images,
        since: new Date().toISOString(),
      });
    } catch (err) {
      this.disconnected(err);
    } finally {
      this.connecting = false;
    }
  }

  private disconnected(err: unknown): void {
    if (this.stopped) return;
    const problem = explainEngineError(err, this.opts.endpoint);
    if (this.status.state !== 'disconnected' || this.status.problem?.message !== problem.message) {
      this.setStatus({
        state: 'disconnected',
        endpoint: this.opts.endpoint,
        problem,
        since: new Date().toISOString(),
      });
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs ?? 4000);
  }

  /** Coalesces bursts of engine events into one info call. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(async () => {
      this.refreshTimer = undefined;
      if (this.status.state !== 'connected') return;
      try {
        const info = await this.docker.info();
        this.setStatus({
          ...this.status,
          containers: {
            total: info.Containers,
            running: info.ContainersRunning,
            paused: info.ContainersPaused,
            stopped: info.ContainersStopped,
          },
          images: info.Images,
        });
      } catch {
        // The event stream's end reports the loss; nothing to add here.
      }
    }, 200);
  }

  private setStatus(s: EngineStatus): void {
    this.status = s;
    this.emitter.emit('change', this.current());
  }
}
