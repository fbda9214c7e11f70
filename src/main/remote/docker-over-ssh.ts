// Docker's API on a remote host, reached through the machine's one SSH connection.
//
// dockerode speaks HTTP through docker-modem, which hands every request to node's http with the
// `agent` it was given; an http.Agent's createConnection may supply any Duplex as the "socket".
// Here each request gets its own SSH channel to the engine's unix socket (OpenSSH's
// direct-streamlocal, what `ssh -L local:/var/run/docker.sock` uses), so many requests — and
// long-lived ones: logs -f, events, attach — run side by side on one connection. The agent does
// not keep channels alive: each carries one request (`Connection: close`), and a hijacked exec
// (`Upgrade: tcp`) keeps its channel as the raw stream node hands to the 'upgrade' listener.
import Docker from 'dockerode';
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { Client, ClientChannel } from 'ssh2';
import { shellCommand } from './shell-quote';

/**
 * The fallback when sshd refuses stream-local forwarding: the docker CLI on the host relays
 * stdin/stdout to the engine (what `docker -H ssh://…` runs). The command is fixed; the socket
 * path reaches it as the first line of stdin, never as part of the command. Each such request is
 * a session channel, which sshd caps per connection (MaxSessions, 10 by default).
 */
const DIAL_STDIO = shellCommand([
  '/bin/sh',
  '-c',
  'IFS= read -r sock && DOCKER_HOST="unix://$sock" exec docker system dial-stdio',
]);

/** Neither way to the engine's socket worked: why, for each. */
export class SshDockerDialError extends Error {
  constructor(
    readonly socketPath: string,
    /** Why stream-local forwarding failed; undefined when it was known to be refused already. */
    readonly forwardingError: string | undefined,
    readonly dialStdioError: string,
  ) {
    super(
      `Cannot reach the Docker socket ${socketPath} over SSH: ` +
        (forwardingError ? `forwarding to it failed (${forwardingError}) and ` : '') +
        `docker system dial-stdio failed (${dialStdioError})`,
    );
    this.name = 'SshDockerDialError';
  }
}

/** A dockerode client whose every request travels over `client` to the engine at `dockerSocket`. */
export function dockerOverSsh(client: Client, dockerSocket: string): Docker {
  const options: Docker.DockerOptions & { agent: Agent } = {
    // Given in full so that DOCKER_HOST on this computer cannot point the requests elsewhere;
    // the host name only fills the Host header, nothing resolves it.
    protocol: 'http',
    host: 'docker',
    port: 80,
    agent: new SshDockerAgent(client, dockerSocket),
  };
  return new Docker(options);
}

/** ssh2's words when a channel is asked of a connection that has ended. */
const connectionEnded = (err: unknown): boolean => (err as Error).message === 'Not connected';

class SshDockerAgent extends Agent {
  /** Set once dial-stdio answered where forwarding had failed: sshd refuses forwarding, stop asking. */
  private forwardingRefused = false;

  constructor(
    private readonly client: Client,
    private readonly socketPath: string,
  ) {
    super({ keepAlive: false });
  }

  /**
   * docker-modem runs util.inspect(options, {depth: null}) on every request for its debug line,
   * logging on or not; without this it walks the whole ssh2 client and its open channels each
   * time (~90 ms per call with four event streams open, measured by bench:remote).
   */
  [inspect.custom](): string {
    return `SshDockerAgent(${this.socketPath})`;
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.dial().then(
      (channel) => callback!(null, channel),
      (err: Error) => callback!(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  private async dial(): Promise<ClientChannel> {
    let forwardingError: string | undefined;
    if (!this.forwardingRefused) {
      try {
        return await this.forward();
      } catch (err) {
        if (connectionEnded(err)) throw new Error('The SSH connection is closed.', { cause: err });
        forwardingError = (err as Error).message.replace(/^\(SSH\) Channel open failure: /, '');
      }
    }
    let channel: ClientChannel;
    try {
      channel = await this.dialStdio();
    } catch (err) {
      if (connectionEnded(err)) throw new Error('The SSH connection is closed.', { cause: err });
      throw new SshDockerDialError(this.socketPath, forwardingError, (err as Error).message);
    }
    // OpenSSH gives the same "open failed" for a refused forwarding and a missing socket; an
    // answer through dial-stdio from the same socket tells them apart.
    if (forwardingError) channel.once('data', () => (this.forwardingRefused = true));
    this.failOnSilentEnd(channel, forwardingError);
    return channel;
  }

  private forward(): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(this.socketPath, (err, channel) =>
        err ? reject(err) : resolve(channel),
      );
    });
  }

  private dialStdio(): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(DIAL_STDIO, (err, channel) => {
        if (err) return reject(err);
        channel.write(`${this.socketPath}\n`);
        resolve(channel);
      });
    });
  }

  /**
   * A dial-stdio that ends without relaying anything (no docker CLI, engine down) would look like
   * a bare "socket hang up" to the request; its stderr says what really happened. sshd sends a
   * session's stderr before the end of its stdout, so it is all here when 'end' comes.
   */
  private failOnSilentEnd(channel: ClientChannel, forwardingError: string | undefined): void {
    let answered = false;
    let stderr = '';
    channel.once('data', () => (answered = true));
    channel.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    // Ahead of node's own 'end' listener, so that the request fails with this error instead.
    channel.prependOnceListener('end', () => {
      if (answered) return;
      // The last line says what failed; earlier ones may be the login shell's noise.
      const why = stderr.trim().split('\n').at(-1) || 'it ended without a word';
      channel.emit('error', new SshDockerDialError(this.socketPath, forwardingError, why));
    });
  }
}
