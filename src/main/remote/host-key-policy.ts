// What to do with the host key a server presents, and the words for each refusal: these messages
// are what stands between a person and a man in the middle, so they say exactly what to check.
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { ApiError, type HostKeyFacts } from '../../shared/api';
import { hostAndPort, sshAddress, type Hop } from './address';
import { isRevoked } from './known-hosts';

/** connect: trust or refuse; probe: report an untrusted key instead of refusing it. */
export type Mode = 'connect' | 'probe';

/** What to do with a presented host key: go on, stop quietly (probe), or refuse with a reason. */
export type Verdict = { trust: true } | { trust: false; refusal?: ApiError };

export function targetVerdict(
  facts: HostKeyFacts,
  accept: string | undefined,
  hop: Hop,
  mode: Mode,
): Verdict {
  const address = sshAddress(hop);
  if (facts.status === 'known') return { trust: true };
  if (facts.status === 'changed')
    return mode === 'probe'
      ? { trust: false }
      : { trust: false, refusal: changedKeyError(facts, hop, address) };
  if (accept === facts.fingerprint) return { trust: true };
  if (accept !== undefined) return { trust: false, refusal: wrongAcceptError(facts, address, accept) };
  return mode === 'probe' ? { trust: false } : { trust: false, refusal: unknownKeyError(facts, address) };
}

export function jumpVerdict(facts: HostKeyFacts, key: Buffer, jump: Hop, target: string): Verdict {
  const address = sshAddress(jump);
  if (facts.status === 'known') return { trust: true };
  if (facts.status === 'changed')
    return { trust: false, refusal: changedKeyError(facts, jump, `the jump host ${address}`) };
  return {
    trust: false,
    refusal: new ApiError(
      'CONFLICT',
      `The host key of the jump host ${address} is not known: ${facts.keyType} key ${facts.fingerprint}. ` +
        `--accept-fingerprint applies only to the target ${target}, never to the jump host, whose key must be in ${facts.knownHostsFile} already.`,
      {
        hint:
          `Compare the fingerprint with the jump host's own (on it: ssh-keygen -lf ${hostKeyFileOf(facts.keyType)}); ` +
          `only if they are the same, add this line to ${facts.knownHostsFile}: ${facts.hostPattern} ${facts.keyType} ${key.toString('base64')}`,
        details: { hostKey: facts },
      },
    ),
  };
}

function unknownKeyError(facts: HostKeyFacts, address: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `The host key of ${address} is not known (Flotilla has not connected to ${facts.hostPattern} before): ` +
      `${facts.keyType} key ${facts.fingerprint}. Compare this fingerprint with the host's own and, only if they are the same, ` +
      `re-run with --accept-fingerprint ${facts.fingerprint}`,
    {
      hint: `On the host, ssh-keygen -lf ${hostKeyFileOf(facts.keyType)} prints its fingerprint.`,
      details: { hostKey: facts },
    },
  );
}

function wrongAcceptError(facts: HostKeyFacts, address: string, accepted: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `Refused: the host key of ${address} is ${facts.keyType} ${facts.fingerprint}, not the ${accepted} that was accepted.`,
    {
      hint:
        "Someone may be intercepting the connection, or the accepted fingerprint is another host's. " +
        `Compare again with the host's own (on it: ssh-keygen -lf ${hostKeyFileOf(facts.keyType)}).`,
      details: { hostKey: facts },
    },
  );
}

/** `who`: the address, or "the jump host <address>". */
function changedKeyError(facts: HostKeyFacts, hop: Hop, who: string): ApiError {
  const where = `${facts.knownHostsFile} line ${facts.knownHostsLine}`;
  if (isRevoked(facts))
    return new ApiError(
      'CONFLICT',
      `The host key of ${who} (${facts.keyType} ${facts.fingerprint}) is marked @revoked in ${where}: refused.`,
      {
        hint: 'A revoked key must not be trusted again: the host needs a new key, whose fingerprint you then accept.',
        details: { hostKey: facts },
      },
    );
  return new ApiError(
    'CONFLICT',
    `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${who}! Someone could be intercepting this connection ` +
      `(a man-in-the-middle attack), or the host's key was replaced. Flotilla refuses to connect. ` +
      `The host now presents ${facts.keyType} key ${facts.fingerprint}; ${where} has ${facts.knownFingerprint}.`,
    {
      hint:
        `Ask whoever runs the host whether its key was changed. Only once you know the change is legitimate: ` +
        `flotctl machine forget-host-key ${hostAndPort(hop.host, hop.port)}, ` +
        'then connect again and accept the new fingerprint.',
      details: { hostKey: facts },
    },
  );
}

/** Where OpenSSH keeps the host's public key of this type, for the person to compare with. */
function hostKeyFileOf(keyType: string): string {
  const kind =
    keyType === 'ssh-rsa' ? 'rsa' : keyType.startsWith('ecdsa-') ? 'ecdsa' : keyType.replace(/^ssh-/, '');
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}

/**
 * The server host key algorithms to offer, those of the key types known_hosts has for the host
 * first (what OpenSSH does): a server with keys of several types then shows the known one.
 */
export function hostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const all: ServerHostKeyAlgorithm[] = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
  ];
  const typeOf = (algo: string) => (algo.startsWith('rsa-sha2-') ? 'ssh-rsa' : algo);
  return [
    ...all.filter((a) => knownTypes.includes(typeOf(a))),
    ...all.filter((a) => !knownTypes.includes(typeOf(a))),
  ];
}
