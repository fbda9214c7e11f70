import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClusterPki, readPki, writePki, type ClusterPki } from '.';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** `openssl verify`'s verdict (stdout and stderr together) and exit status. */
function opensslVerify(args: string[]): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync('openssl', ['verify', ...args], { encoding: 'utf8', stdio: 'pipe' }),
    };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

let pki: ClusterPki;
let other: ClusterPki;
let dir: string;
let otherDir: string;

beforeAll(async () => {
  [pki, other] = await Promise.all([
    makeClusterPki('demo', ['10.0.0.5', 'core-01.example']),
    makeClusterPki('elsewhere'),
  ]);
  dir = join(await mkdtemp(join(tmpdir(), 'flotilla-pki-')), 'tls');
  otherDir = join(dir, '..', 'other');
  await writePki(dir, pki);
  await writePki(otherDir, other);
});

afterAll(async () => {
  if (dir) await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('makeClusterPki', () => {
  it('makes a self-signed ECDSA P-256 CA for 10 years', () => {
    const ca = new X509Certificate(pki.ca.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=demo CA');
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * 24 * 3600 * 1000);
    expect(years).toBeCloseTo(10, 1);
    // Node shows no key usage bits; openssl does.
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
      input: pki.ca.cert,
      encoding: 'utf8',
    });
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(text).toMatch(/ecdsa-with-SHA256/);
  });

  it('signs a member certificate for loopback and the extra names, serving and dialling', () => {
    const ca = new X509Certificate(pki.ca.cert);
    const member = new X509Certificate(pki.member.cert);
    expect(member.ca).toBe(false);
    expect(member.checkIssued(ca)).toBe(true);
    expect(member.verify(ca.publicKey)).toBe(true);
    expect(member.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(member.checkIP('::1')).toBe('::1');
    expect(member.checkHost('localhost')).toBe('localhost');
    expect(member.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(member.checkHost('core-01.example')).toBe('core-01.example');
    expect(member.checkIP('10.0.0.6')).toBeUndefined();
    expect(member.keyUsage?.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(member.checkPrivateKey(createPrivateKey(pki.member.key))).toBe(true);
  });

  it('signs a client certificate for root, client auth only', () => {
    const client = new X509Certificate(pki.client.cert);
    expect(client.subject).toMatch(/CN=root/);
    expect(client.verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(true);
    expect(client.keyUsage).toEqual([CLIENT_AUTH]);
    expect(client.subjectAltName).toBeUndefined();
    expect(client.checkPrivateKey(createPrivateKey(pki.client.key))).toBe(true);
  });

  it('writes keys as PKCS#8 PEM', () => {
    for (const key of [pki.ca.key, pki.member.key, pki.client.key]) {
      expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\r?\n/);
      const k = createPrivateKey(key);
      expect(k.asymmetricKeyType).toBe('ec');
      expect(k.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
  });

  it('gives each cluster its own CA: one cluster does not vouch for the other', () => {
    const member = new X509Certificate(other.member.cert);
    expect(member.verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(false);
  });
});

describe('openssl verify', () => {
  it('accepts the member for TLS servers and clients, and the client for TLS clients', () => {
    const ca = join(dir, 'ca.pem');
    const member = join(dir, 'member.pem');
    const client = join(dir, 'client.pem');
    expect(opensslVerify(['-CAfile', ca, '-purpose', 'sslserver', member])).toEqual({
      ok: true,
      out: `${member}: OK\n`,
    });
    expect(opensslVerify(['-CAfile', ca, '-purpose', 'sslclient', member, client]).ok).toBe(true);
    // EKU clientAuth only: not a server.
    const asServer = opensslVerify(['-CAfile', ca, '-purpose', 'sslserver', client]);
    expect(asServer.ok).toBe(false);
    expect(asServer.out).toMatch(/unsuitable certificate purpose/);
  });

  it("refuses another cluster's certificates", () => {
    const r = opensslVerify(['-CAfile', join(dir, 'ca.pem'), join(otherDir, 'client.pem')]);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/unable to get local issuer certificate/);
  });
});

describe('writePki / readPki', () => {
  it('round-trips, dir 0700, keys 0600', async () => {
    expect(await readPki(dir)).toEqual(pki);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const f of ['ca-key.pem', 'member-key.pem', 'client-key.pem'])
      expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    for (const f of ['ca.pem', 'member.pem', 'client.pem'])
      expect((await stat(join(dir, f))).mode & 0o077).toBe(0o044);
  });

  it('fails on a dir without a PKI', async () => {
    await expect(readPki(join(dir, '..', 'none'))).rejects.toThrow(/ENOENT/);
  });
});
