// A cluster's own small PKI, as CoreOS's etcd client SSL authentication guide sets one up: a CA, one
// certificate the members use on both their client and peer ports (so it is good for serving and
// for dialling), and a client certificate for "root". ECDSA P-256 with SHA-256, made with
// @peculiar/x509 on Node's webcrypto; everything PEM, keys PKCS#8.
// @peculiar/x509 finds its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { mkdir, readFile, chmod } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { writeDurably } from '../../files';
import type { TlsMaterial } from './options';

export interface CertAndKey {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface ClusterPki {
  ca: CertAndKey;
  /** Serves the client and peer ports and dials peers: serverAuth + clientAuth, loopback SANs. */
  member: CertAndKey;
  /** CN "root", clientAuth only. */
  client: CertAndKey;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const crypto = webcrypto as unknown as Crypto;
const YEAR_MS = 365 * 24 * 3600 * 1000;
const VALID_YEARS = 10;
/** Back-dated so a machine whose clock runs a little behind ours takes the certificates at once. */
const BACKDATE_MS = 3600 * 1000;

/** The loopback names every member certificate carries, whatever else it is given. */
const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/** File names of a PKI written by writePki (the names CoreOS's guide uses, less its "-" prefix). */
export const PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  memberCert: 'member.pem',
  memberKey: 'member-key.pem',
  clientCert: 'client.pem',
  clientKey: 'client-key.pem',
} as const;

const FILES = {
  ca: [PKI_FILES.caCert, PKI_FILES.caKey],
  member: [PKI_FILES.memberCert, PKI_FILES.memberKey],
  client: [PKI_FILES.clientCert, PKI_FILES.clientKey],
} as const;

async function keyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function pkcs8(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function altNames(extra: readonly string[]): x509.JsonGeneralName[] {
  const names = [...new Set([...LOOPBACK, ...extra])];
  return names.map((value) => ({ type: isIP(value) ? 'ip' : 'dns', value }));
}

/**
 * A fresh CA, member and client certificate for `clusterName`. `extraNames` (IP addresses or DNS
 * names) go into the member certificate beside 127.0.0.1, ::1 and localhost.
 */
export async function makeClusterPki(
  clusterName: string,
  extraNames: readonly string[] = [],
): Promise<ClusterPki> {
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  // The leaves live as long as the CA: a cluster's PKI is made with the cluster and goes with it.
  const notAfter = new Date(notBefore.getTime() + VALID_YEARS * YEAR_MS);
  const caKeys = await keyPair();
  const caName: x509.JsonName = [{ O: ['Flotilla'] }, { CN: [`${clusterName} CA`] }];
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: caName,
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const caKeyId = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto);

  const leaf = async (cn: string, usages: x509.ExtendedKeyUsage[], names?: x509.JsonGeneralName[]) => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create(
      {
        subject: [{ O: ['Flotilla'] }, { CN: [cn] }],
        issuer: ca.subjectName,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        notBefore,
        notAfter,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension(usages, false),
          ...(names ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
          caKeyId,
        ],
      },
      crypto,
    );
    return { cert: cert.toString('pem'), key: await pkcs8(keys.privateKey) };
  };

  const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;
  return {
    ca: { cert: ca.toString('pem'), key: await pkcs8(caKeys.privateKey) },
    member: await leaf(`${clusterName} member`, [serverAuth, clientAuth], altNames(extraNames)),
    client: await leaf('root', [clientAuth]),
  };
}

/** What a member's client and peer ports need. */
export function memberTls(pki: ClusterPki): TlsMaterial {
  return { ca: pki.ca.cert, cert: pki.member.cert, key: pki.member.key };
}

/** What a client ("root") needs to reach the cluster. */
export function clientTls(pki: ClusterPki): TlsMaterial {
  return { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key };
}

/**
 * Writes the PKI as ca.pem, ca-key.pem, member.pem, member-key.pem, client.pem, client-key.pem
 * into `dir` (created 0700; keys 0600, certificates 0644), each file durably.
 */
export async function writePki(dir: string, pki: ClusterPki): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing dir's mode alone.
  await chmod(dir, 0o700);
  for (const role of ['ca', 'member', 'client'] as const) {
    const [certFile, keyFile] = FILES[role];
    await writeDurably(join(dir, certFile), pki[role].cert, 0o644);
    await writeDurably(join(dir, keyFile), pki[role].key, 0o600);
  }
}

/** Reads what writePki wrote; fails if a file is missing. */
export async function readPki(dir: string): Promise<ClusterPki> {
  const read = async (role: keyof typeof FILES): Promise<CertAndKey> => {
    const [certFile, keyFile] = FILES[role];
    return {
      cert: await readFile(join(dir, certFile), 'utf8'),
      key: await readFile(join(dir, keyFile), 'utf8'),
    };
  };
  return { ca: await read('ca'), member: await read('member'), client: await read('client') };
}
