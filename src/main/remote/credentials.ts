// Who Flotilla logs in as: a private key file on this computer, or the keys of the ssh-agent.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { utils, type ConnectConfig, type ParsedKey } from 'ssh2';
import { ApiError, type SshEndpoint } from '../../shared/api';
import { fingerprint } from './known-hosts';

export interface Credentials {
  config: Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent' | 'authHandler'>;
  /** "the key ~/.ssh/id_ed25519 (ssh-ed25519 SHA256:…)" or "the keys of the ssh-agent at …". */
  what: string;
  /** The line to add to authorized_keys, when the key is known here. */
  publicKey?: string;
}

/** The key file, decrypted here so that a bad one fails before any connection; else the ssh-agent. */
export async function credentialsFor(endpoint: SshEndpoint): Promise<Credentials> {
  if (endpoint.identityFile) {
    const file = endpoint.identityFile.replace(/^~(?=\/|$)/, homedir());
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ApiError(
        'BAD_REQUEST',
        `Cannot read the identity file ${file}: ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`,
        {
          hint: 'Give the private key file on this computer (like ~/.ssh/id_ed25519), or leave it out to use your ssh-agent.',
        },
      );
    }
    const parsed = utils.parseKey(data, endpoint.passphrase);
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
    if (key instanceof Error) throw keyFileError(file, key);
    if (!key.isPrivateKey())
      throw new ApiError('BAD_REQUEST', `${file} is a public key`, {
        hint: 'Give the private key: the same file name without .pub.',
      });
    const blob = key.getPublicSSH();
    return {
      config: {
        privateKey: data,
        ...(endpoint.passphrase !== undefined ? { passphrase: endpoint.passphrase } : {}),
        authHandler: ['publickey'],
      },
      what: `the key ${file} (${key.type} ${fingerprint(blob)})`,
      publicKey: `${key.type} ${blob.toString('base64')}${key.comment ? ` ${key.comment}` : ''}`,
    };
  }
  const agent = process.env.SSH_AUTH_SOCK;
  if (!agent)
    throw new ApiError(
      'BAD_REQUEST',
      'No identity file was given and there is no ssh-agent to ask (SSH_AUTH_SOCK is not set).',
      {
        hint: 'Give --identity with your private key file (like ~/.ssh/id_ed25519), or start an agent and add the key: eval "$(ssh-agent)"; ssh-add',
      },
    );
  return { config: { agent, authHandler: ['agent'] }, what: `the keys of the ssh-agent at ${agent}` };
}

function keyFileError(file: string, err: Error): ApiError {
  if (/no passphrase given/i.test(err.message))
    return new ApiError(
      'BAD_REQUEST',
      `The identity file ${file} is encrypted and no passphrase was given.`,
      {
        hint: `Give its passphrase, or add the key to your ssh-agent (ssh-add ${file}) and leave the identity file out.`,
      },
    );
  if (/bad passphrase/i.test(err.message))
    return new ApiError('BAD_REQUEST', `Wrong passphrase for the identity file ${file}.`, {
      hint: `Type it again (ssh-keygen -y -f ${file} asks for it and checks it).`,
    });
  return new ApiError(
    'BAD_REQUEST',
    `The identity file ${file} is not a private key Flotilla can read: ${err.message}`,
    {
      hint: 'Give an OpenSSH private key (ssh-keygen -t ed25519 makes one); PEM RSA/ECDSA keys and PuTTY .ppk files work too.',
    },
  );
}
