// The life of one remote machine's SSH connection: up, lost (noticed by keepalives within a few
// seconds even when no packet says so), back after a backoff.
import type Docker from 'dockerode';
import type { Client } from 'ssh2';
import { ApiError, type RemoteLink as RemoteLinkState, type SshEndpoint } from '../../shared/api';
import { endpointAddress } from './address';
import { connectSsh } from './connect';
import { dockerOverSsh } from './docker-over-ssh';
import type { KnownHosts } from './known-hosts';

const RETRY_FIRST_MS = 500;
export const RETRY_MAX_MS = 30_000;
/** Each delay is shortened by up to this share, so that links lost together do not retry together. */
export const RETRY_JITTER = 0.2;

/** The wait before retry number `attempt` (0-based): 0.5 s doubling up to 30 s, jittered downwards. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const full = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
  return Math.round(full * (1 - RETRY_JITTER * random()));
}

export interface LinkHandlers {
  /** Connected (again): a fresh client and the engine through it. */
  onUp?(docker: Docker, client: Client): void;
  /** A connection that was up is gone; retries follow. */
  onDown?(reason: string): void;
  /** Any change of `state()`. */
  onChange?(state: RemoteLinkState): void;
}

export interface RemoteLinkOptions extends LinkHandlers {
  endpoint: SshEndpoint;
  /** The host key must be known there: a link never trusts a key by itself. */
  knownHosts: KnownHosts;
  /** Keepalive every this often (default 1 s); `keepaliveCountMax` unanswered (default 3) = lost. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
}

export class RemoteLink {
  private status: RemoteLinkState;
  private current: { client: Client; docker: Docker } | undefined;
  /** The attempt under way; start() and the retry timer share it. */
  private attempt: Promise<void> | undefined;
  /** Failed attempts since the last connection: the backoff's exponent. */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: RemoteLinkOptions) {
    this.status = { address: endpointAddress(opts.endpoint), state: 'connecting' };
  }

  /**
   * Connects now (also "retry now" while lost). Resolves once connected; rejects with this
   * attempt's error, after which retries go on with backoff — except when the host key is the
   * problem (unknown, changed, revoked): that needs a person, and the link stays lost until
   * start() is called again.
   */
  start(): Promise<void> {
    if (this.closed)
      return Promise.reject(new ApiError('CONFLICT', `The SSH link to ${this.status.address} is closed.`));
    if (this.current) return Promise.resolve();
    clearTimeout(this.retryTimer);
    this.attempt ??= this.connect().finally(() => (this.attempt = undefined));
    return this.attempt;
  }

  state(): RemoteLinkState {
    return { ...this.status };
  }

  /** The connection while connected (throws otherwise): for shell sessions on the host. */
  client(): Client {
    return this.connected().client;
  }

  /** The engine through the connection while connected (throws otherwise). */
  docker(): Docker {
    return this.connected().docker;
  }

  /** Ends the connection and every retry; the link cannot start again. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.attempt?.catch(() => undefined);
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.client.once('close', () => resolve()));
    current.client.end();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }

  private connected(): { client: Client; docker: Docker } {
    if (this.current) return this.current;
    throw new ApiError(
      'ENGINE_UNAVAILABLE',
      `The SSH link to ${this.status.address} is ${this.status.state}`,
      {
        ...(this.status.problem ? { hint: this.status.problem } : {}),
      },
    );
  }

  private async connect(): Promise<void> {
    const { endpoint, knownHosts, keepaliveIntervalMs, keepaliveCountMax, readyTimeoutMs } = this.opts;
    // While lost, an attempt does not flip the board to "connecting" and back each time.
    if (this.status.state === 'lost') {
      const { retryAt: _, ...attempting } = this.status;
      this.set(attempting);
    }
    const { client, hostKey } = await connectSsh(endpoint, {
      knownHosts,
      keepaliveIntervalMs: keepaliveIntervalMs ?? 1_000,
      keepaliveCountMax: keepaliveCountMax ?? 3,
      ...(readyTimeoutMs !== undefined ? { readyTimeoutMs } : {}),
    }).catch((err: unknown) => {
      const e = ApiError.from(err);
      if (!this.closed) this.failed(e);
      throw e;
    });
    if (this.closed) {
      client.end();
      throw new ApiError('CANCELED', `The SSH link to ${this.status.address} was closed while connecting.`);
    }
    const docker = dockerOverSsh(client, endpoint.dockerSocket);
    this.current = { client, docker };
    this.failures = 0;
    let reason: string | undefined;
    client.on(
      'error',
      (err: Error & { level?: string }) => (reason ??= lossReason(err, keepaliveCountMax ?? 3)),
    );
    client.once('close', () =>
      this.lost(client, reason ?? 'the connection was closed (sshd stopped, or the host went down)'),
    );
    this.set({ address: this.status.address, state: 'connected', fingerprint: hostKey.fingerprint });
    this.opts.onUp?.(docker, client);
  }

  private lost(client: Client, reason: string): void {
    if (this.current?.client !== client) return;
    this.current = undefined;
    if (this.closed) return;
    // The state says "lost" before anyone hears of it.
    this.retryLater(reason);
    this.opts.onDown?.(reason);
  }

  private failed(err: ApiError): void {
    // Host key trouble (CONFLICT): retrying would only meet the same key — or the same attacker.
    if (err.code === 'CONFLICT')
      this.set({ address: this.status.address, state: 'lost', problem: err.message, ...this.fingerprint() });
    else this.retryLater(err.message);
  }

  private retryLater(problem: string): void {
    const delay = retryDelayMs(this.failures++);
    this.set({
      address: this.status.address,
      state: 'lost',
      problem,
      retryAt: Date.now() + delay,
      ...this.fingerprint(),
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.start().catch(() => undefined), delay);
  }

  private fingerprint(): { fingerprint?: string } {
    return this.status.fingerprint ? { fingerprint: this.status.fingerprint } : {};
  }

  private set(status: RemoteLinkState): void {
    this.status = status;
    this.opts.onChange?.(this.state());
  }
}

function lossReason(err: Error & { level?: string }, countMax: number): string {
  if (err.level === 'client-timeout')
    return `no answer to ${countMax} keepalives in a row (the host, sshd or the network is down)`;
  return `the connection failed: ${err.message}`;
}
