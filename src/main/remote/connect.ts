// One SSH connection to a remote machine: host key checked against Flotilla's known_hosts before
// anything is sent, public-key authentication (a key file or the ssh-agent), an optional jump host.
import type { Readable } from 'node:stream';
import { Client } from 'ssh2';
import { ApiError, type HostKeyFacts, type SshEndpoint } from '../../shared/api';
import { hostAndPort, sshAddress, type Hop } from './address';
import { credentialsFor, type Credentials } from './credentials';
import { hostKeyAlgorithms, jumpVerdict, targetVerdict, type Mode, type Verdict } from './host-key-policy';
import { bareHost, type KnownHosts } from './known-hosts';

export interface ConnectOptions {
  knownHosts: KnownHosts;
  /** The fingerprint a person compared and accepted for the target's unknown key (never the jump host's). */
  acceptFingerprint?: string;
  /** For the TCP connection, the SSH handshake and authentication together; default 20 s. */
  readyTimeoutMs?: number;
  /** SSH keepalives: a connection with `keepaliveCountMax` unanswered in a row is dropped. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface SshConnection {
  /**
   * Authenticated and ready. It keeps an 'error' listener of its own (errors after this point end
   * in 'close'); ending it also ends the jump host's connection.
   */
  client: Client;
  hostKey: HostKeyFacts;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;

/**
 * Connects and authenticates. The target's host key must be in known_hosts, or be unknown and
 * equal to `acceptFingerprint` — then it is written there, but only once authentication has
 * succeeded (a key is trusted for a host one could actually log in to). Everything else is
 * refused with an ApiError saying what to do; nothing is ever accepted silently.
 */
export async function connectSsh(endpoint: SshEndpoint, opts: ConnectOptions): Promise<SshConnection> {
  const { client, hostKey } = await open(endpoint, opts, 'connect');
  return { client: client!, hostKey };
}

/**
 * Like connectSsh, but a host key that is not trusted (unknown and not accepted, or changed) is
 * reported instead of refused: the connection ends before authentication and only the facts
 * come back. An accepted unknown key is not written to known_hosts (a probe trusts nothing).
 */
export function probeSsh(
  endpoint: SshEndpoint,
  opts: ConnectOptions,
): Promise<{ hostKey: HostKeyFacts; client?: Client }> {
  return open(endpoint, opts, 'probe');
}

async function open(
  endpoint: SshEndpoint,
  opts: ConnectOptions,
  mode: Mode,
): Promise<{ hostKey: HostKeyFacts; client?: Client }> {
  const credentials = await credentialsFor(endpoint);
  const jump = endpoint.jump ? await openJump(endpoint, endpoint.jump, credentials, opts) : undefined;
  try {
    const sock = jump ? await forwardTo(jump, endpoint.jump!, endpoint) : undefined;
    const target = await handshake(
      endpoint,
      credentials,
      opts,
      (facts) => targetVerdict(facts, opts.acceptFingerprint, endpoint, mode),
      sock,
    );
    const { client } = target;
    if (!client) {
      jump?.end();
      return { hostKey: target.facts };
    }
    if (jump) {
      client.once('close', () => jump.end());
      jump.once('close', () => client.end());
    }
    if (target.facts.status === 'known' || mode === 'probe') return { client, hostKey: target.facts };
    try {
      await opts.knownHosts.add(endpoint.host, endpoint.port, target.key);
    } catch (err) {
      client.end();
      throw new ApiError(
        'INTERNAL',
        `Logged in to ${sshAddress(endpoint)}, but its host key could not be saved in ${opts.knownHosts.file}: ${(err as Error).message}`,
        { hint: 'Check that Flotilla can write its data directory, then connect again.' },
      );
    }
    return { client, hostKey: { ...target.facts, status: 'known' } };
  } catch (err) {
    jump?.end();
    throw err;
  }
}

/** The jump host's connection: its key must be known already, whatever was accepted for the target. */
async function openJump(
  target: SshEndpoint,
  jump: Hop,
  credentials: Credentials,
  opts: ConnectOptions,
): Promise<Client> {
  const { client } = await handshake(jump, credentials, opts, (facts, key) =>
    jumpVerdict(facts, key, jump, sshAddress(target)),
  );
  // jumpVerdict never stops quietly: an untrusted key has been refused by now.
  return client!;
}

interface Handshake {
  facts: HostKeyFacts;
  key: Buffer;
  /** Absent when the key was not trusted and the verdict was to stop quietly (a probe). */
  client?: Client;
}

/** One hop: TCP (or `sock`), the host key verdict, authentication. */
async function handshake(
  hop: Hop,
  credentials: Credentials,
  opts: ConnectOptions,
  decide: (facts: HostKeyFacts, key: Buffer) => Verdict,
  sock?: Readable,
): Promise<Handshake> {
  const knownTypes = await opts.knownHosts.keyTypes(hop.host, hop.port);
  const client = new Client();
  return new Promise<Handshake>((resolve, reject) => {
    let presented: { facts: HostKeyFacts; key: Buffer } | undefined;
    // Set by the verifier when it says no: explains the disconnect that follows.
    let stop: { refusal?: ApiError } | undefined;
    let tcpConnected = false;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const stopped = (): boolean => {
      if (!stop) return false;
      client.end();
      if (stop.refusal) reject(stop.refusal);
      else resolve(presented!);
      return true;
    };
    client.on('connect', () => (tcpConnected = true));
    client.on('error', (err) =>
      settle(() => stopped() || reject(explainSshError(err, hop, credentials, opts, tcpConnected))),
    );
    client.on('close', () =>
      settle(
        () =>
          stopped() ||
          reject(
            new ApiError(
              'ENGINE_UNAVAILABLE',
              `${sshAddress(hop)} closed the connection before logging in.`,
              {
                hint: 'Check the sshd log on that host (journalctl -u ssh).',
              },
            ),
          ),
      ),
    );
    client.once('ready', () =>
      settle(() => {
        // Docker's requests are small and mostly wait for their answer: Nagle's algorithm would
        // hold one back until the last is acknowledged (up to a delayed ACK, ~40 ms, per request).
        client.setNoDelay(true);
        resolve({ ...presented!, client });
      }),
    );
    try {
      client.connect({
        host: bareHost(hop.host),
        port: hop.port,
        username: hop.user,
        ...(sock ? { sock } : {}),
        readyTimeout: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 1_000,
        keepaliveCountMax: opts.keepaliveCountMax ?? 3,
        algorithms: { serverHostKey: hostKeyAlgorithms(knownTypes) },
        // Called again on every re-key: the key is checked each time, not only at first.
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          opts.knownHosts.check(hop.host, hop.port, key).then(
            (facts) => {
              presented = { facts, key };
              const verdict = decide(facts, key);
              if (!verdict.trust) stop = { ...(verdict.refusal ? { refusal: verdict.refusal } : {}) };
              verify(verdict.trust);
            },
            (err: Error) => {
              stop = {
                refusal: new ApiError('INTERNAL', `Cannot read ${opts.knownHosts.file}: ${err.message}`),
              };
              verify(false);
            },
          );
        },
        ...credentials.config,
      });
    } catch (err) {
      settle(() => reject(explainSshError(err, hop, credentials, opts, false)));
    }
  });
}

/** A channel from the jump host to the target's SSH port, to run the target's connection over. */
function forwardTo(jump: Client, via: Hop, target: Hop): Promise<Readable> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, bareHost(target.host), target.port, (err, channel) => {
      if (!err) return resolve(channel);
      reject(
        new ApiError(
          'ENGINE_UNAVAILABLE',
          `The jump host ${sshAddress(via)} could not open a connection to ${hostAndPort(target.host, target.port)}: ${err.message.replace(/^\(SSH\) Channel open failure: /, '')}`,
          {
            hint: "Check that sshd listens on that port of the target and that the jump host can reach it; the jump host's sshd must allow TCP forwarding (AllowTcpForwarding).",
          },
        ),
      );
    });
  });
}

/** A failure of ssh2 before the connection was ready, as an ApiError naming the hop and the way out. */
function explainSshError(
  err: unknown,
  hop: Hop,
  credentials: Credentials,
  opts: ConnectOptions,
  tcpConnected: boolean,
): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Error & { level?: string; code?: string };
  const address = sshAddress(hop);
  const target = hostAndPort(hop.host, hop.port);
  const seconds = (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) / 1000;
  if (e.level === 'client-authentication')
    return new ApiError('UNAUTHORIZED', `${address} refused ${credentials.what}.`, {
      hint:
        `The key was refused: add its public key to ~${hop.user}/.ssh/authorized_keys on ${bareHost(hop.host)}` +
        (credentials.publicKey ? `: ${credentials.publicKey}` : " (ssh-add -L lists the agent's keys)."),
    });
  if (e.level === 'agent')
    return new ApiError(
      'BAD_REQUEST',
      `The ssh-agent at ${process.env.SSH_AUTH_SOCK} did not answer: ${e.message}`,
      {
        hint: 'Start an agent and add your key (eval "$(ssh-agent)"; ssh-add), or give --identity with your private key file.',
      },
    );
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ApiError(
        'ENGINE_UNAVAILABLE',
        `No SSH server is listening at ${target} (connection refused).`,
        {
          hint: `Check the port, and that sshd runs on ${bareHost(hop.host)} (sudo systemctl start ssh).`,
        },
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ApiError('ENGINE_UNAVAILABLE', `${target} cannot be reached (${e.code}).`, {
        hint: 'Check the address, that the host is up, and any firewall in between.',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ApiError(
        'ENGINE_UNAVAILABLE',
        `The host name ${bareHost(hop.host)} does not resolve (${e.code}).`,
        {
          hint: 'Check its spelling, or give its IP address.',
        },
      );
  }
  if (e.level === 'client-timeout' && /handshake/.test(e.message))
    return tcpConnected
      ? new ApiError(
          'ENGINE_UNAVAILABLE',
          `${target} accepted the connection but no SSH login completed within ${seconds} s.`,
          {
            hint: "Check that the port is an SSH server's, and whether the host is overloaded.",
          },
        )
      : new ApiError('ENGINE_UNAVAILABLE', `${target} cannot be reached: no answer within ${seconds} s.`, {
          hint: 'The host may be down or the address wrong, or a firewall drops the packets.',
        });
  if (e.level === 'protocol' || /before handshake/.test(e.message))
    return new ApiError('ENGINE_UNAVAILABLE', `${target} closed the connection before the SSH handshake.`, {
      hint: 'Either no SSH server listens on that port, or sshd turned the connection away (MaxStartups, TCP wrappers, a firewall).',
    });
  if (e.level === 'handshake')
    return new ApiError('ENGINE_UNAVAILABLE', `The SSH handshake with ${address} failed: ${e.message}`, {
      hint: 'Flotilla and the server share no key exchange, cipher or host key algorithm: check the sshd configuration (KexAlgorithms, Ciphers, HostKeyAlgorithms).',
    });
  return new ApiError('ENGINE_UNAVAILABLE', `SSH to ${address} failed: ${e.message}`);
}
