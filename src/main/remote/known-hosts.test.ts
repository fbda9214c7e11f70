import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, isRevoked, KnownHosts, keyTypeOf, hostPattern } from './known-hosts';

// Real OpenSSH keys and files: ssh-keygen makes the keys, hashes a file, and reads ours back.
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const missing = existsSync(SSH_KEYGEN)
  ? undefined
  : `${SSH_KEYGEN} is not installed (apt-get install openssh-client)`;
if (missing) console.warn(`known-hosts.test.ts: skipped: ${missing}`);

interface Key {
  blob: Buffer;
  /** The .pub line's first two fields: `type base64`. */
  line: string;
  pubFile: string;
}

let dir: string;
let ed: Key;
let ed2: Key;
let ecdsa: Key;

async function makeKey(name: string, type: string): Promise<Key> {
  const file = join(dir, name);
  execFileSync(SSH_KEYGEN, ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  const [keyType, base64] = (await readFile(`${file}.pub`, 'utf8')).split(' ');
  return { blob: Buffer.from(base64!, 'base64'), line: `${keyType} ${base64}`, pubFile: `${file}.pub` };
}

describe.skipIf(missing)('known_hosts', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-known-hosts-'));
    [ed, ed2, ecdsa] = await Promise.all([
      makeKey('ed', 'ed25519'),
      makeKey('ed2', 'ed25519'),
      makeKey('ecdsa', 'ecdsa'),
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const fileWith = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return new KnownHosts(file);
  };

  it('fingerprints a key exactly as ssh-keygen -lf prints it, and reads its type from the blob', () => {
    for (const key of [ed, ecdsa]) {
      const printed = execFileSync(SSH_KEYGEN, ['-lf', key.pubFile], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(key.blob)).toBe(printed);
    }
    expect(keyTypeOf(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 99, 1]))).toThrow(/malformed/);
  });

  it('names hosts as known_hosts does: plain for port 22, [host]:port otherwise', () => {
    expect(hostPattern('Example.COM', 22)).toBe('example.com');
    expect(hostPattern('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(hostPattern('[fe80::1]', 22)).toBe('fe80::1');
    expect(hostPattern('fe80::1', 2200)).toBe('[fe80::1]:2200');
  });

  it('reads ssh-keyscan output: comments, blank lines, host lists, [host]:port', async () => {
    const kh = await fileWith(
      'keyscan',
      [
        '# 10.0.0.5:2222 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10',
        `[10.0.0.5]:2222 ${ed.line}`,
        '',
        '   # indented comment',
        `alpha,beta.example.com,[gamma]:2200 ${ecdsa.line} some comment`,
        `not-a-key-line`,
      ].join('\n'),
    );
    expect(await kh.check('10.0.0.5', 2222, ed.blob)).toMatchObject({
      status: 'known',
      hostPattern: '[10.0.0.5]:2222',
      keyType: 'ssh-ed25519',
      fingerprint: fingerprint(ed.blob),
      knownHostsFile: kh.file,
    });
    // The port is part of the name: the same address on port 22 is another host.
    expect((await kh.check('10.0.0.5', 22, ed.blob)).status).toBe('unknown');
    expect((await kh.check('BETA.example.com', 22, ecdsa.blob)).status).toBe('known');
    expect((await kh.check('gamma', 2200, ecdsa.blob)).status).toBe('known');
    expect((await kh.check('gamma', 22, ecdsa.blob)).status).toBe('unknown');
  });

  it('reads a line hashed by ssh-keygen -H (HMAC-SHA1 of the name)', async () => {
    const file = join(dir, 'hashed');
    await writeFile(file, `[10.0.0.7]:2222 ${ed.line}\nplain.example ${ecdsa.line}\n`);
    execFileSync(SSH_KEYGEN, ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('10.0.0.7');
    expect(text).toMatch(/^\|1\|/);
    const kh = new KnownHosts(file);
    expect((await kh.check('10.0.0.7', 2222, ed.blob)).status).toBe('known');
    expect((await kh.check('plain.example', 22, ecdsa.blob)).status).toBe('known');
    expect(await kh.check('10.0.0.7', 2222, ed2.blob)).toMatchObject({
      status: 'changed',
      knownFingerprint: fingerprint(ed.blob),
      knownHostsLine: 1,
    });
    expect((await kh.check('10.0.0.8', 2222, ed.blob)).status).toBe('unknown');
  });

  it('reports a changed key with the known fingerprint and its line, another key type included', async () => {
    const kh = await fileWith('changed', `# header\nhost.example ${ecdsa.line}\nhost.example ${ed.line}\n`);
    expect(await kh.check('host.example', 22, ed2.blob)).toMatchObject({
      status: 'changed',
      fingerprint: fingerprint(ed2.blob),
      // The known key of the presented type is the one to compare with.
      knownFingerprint: fingerprint(ed.blob),
      knownHostsLine: 3,
    });
    const onlyEcdsa = await fileWith('changed-type', `host.example ${ecdsa.line}\n`);
    expect(await onlyEcdsa.check('host.example', 22, ed.blob)).toMatchObject({
      status: 'changed',
      knownFingerprint: fingerprint(ecdsa.blob),
      knownHostsLine: 1,
    });
    expect(await onlyEcdsa.keyTypes('host.example', 22)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('refuses a @revoked key like a changed one and ignores @cert-authority lines', async () => {
    const kh = await fileWith(
      'markers',
      [`@revoked * ${ed2.line}`, `@cert-authority *.example ${ed.line}`, `good.example ${ed2.line}`].join(
        '\n',
      ),
    );
    const facts = await kh.check('good.example', 22, ed2.blob);
    expect(facts).toMatchObject({ status: 'changed', knownHostsLine: 1 });
    expect(isRevoked(facts)).toBe(true);
    // A CA key is not a host key: trusting it as one would trust every host it signed for.
    expect((await kh.check('other.example', 22, ed.blob)).status).toBe('unknown');
  });

  it('honours wildcards and negated patterns', async () => {
    const kh = await fileWith('globs', `*.lab.example,!secret.lab.example ${ed.line}\n`);
    expect((await kh.check('node1.lab.example', 22, ed.blob)).status).toBe('known');
    expect((await kh.check('secret.lab.example', 22, ed.blob)).status).toBe('unknown');
    expect((await kh.check('lab.example', 22, ed.blob)).status).toBe('unknown');
  });

  it('adds a line ssh itself reads, creating the file 0600 in a 0700 directory', async () => {
    const file = join(dir, 'new', 'sub', 'known_hosts');
    const kh = new KnownHosts(file);
    await kh.add('10.0.0.9', 2222, ed.blob);
    await kh.add('10.0.0.9', 2222, ed.blob); // known already: no second line
    expect(await readFile(file, 'utf8')).toBe(`[10.0.0.9]:2222 ${ed.line}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'new', 'sub'))).mode & 0o777).toBe(0o700);
    const found = execFileSync(SSH_KEYGEN, ['-F', '[10.0.0.9]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(ed.line);
    expect((await kh.check('10.0.0.9', 2222, ed.blob)).status).toBe('known');
    await expect(kh.add('10.0.0.9', 2222, ed2.blob)).rejects.toThrow(/another key.*forget it first/);
  });

  it('serializes concurrent adds: every line arrives whole', async () => {
    const kh = new KnownHosts(join(dir, 'concurrent'));
    await Promise.all(Array.from({ length: 40 }, (_, i) => kh.add(`host-${i}.example`, 22, ed.blob)));
    const lines = (await readFile(kh.file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(40);
    for (let i = 0; i < 40; i++)
      expect((await kh.check(`host-${i}.example`, 22, ed.blob)).status).toBe('known');
  });

  it('does not join a new line to a last line without its newline', async () => {
    const kh = await fileWith('no-newline', `a.example ${ecdsa.line}`);
    await kh.add('b.example', 22, ed.blob);
    expect((await kh.check('a.example', 22, ecdsa.blob)).status).toBe('known');
    expect((await kh.check('b.example', 22, ed.blob)).status).toBe('known');
  });

  it('forgets every line naming the host, hashed ones too, and keeps the rest', async () => {
    const file = join(dir, 'forget');
    await writeFile(file, `[10.0.0.7]:2222 ${ed.line}\n`);
    execFileSync(SSH_KEYGEN, ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const hashed = await readFile(file, 'utf8');
    await writeFile(
      file,
      [
        '# keep me',
        hashed.trimEnd(),
        `other.example,[10.0.0.7]:2222 ${ecdsa.line}`,
        `@revoked [10.0.0.7]:2222 ${ed2.line}`,
        `other.example ${ed.line}`,
        '',
      ].join('\n'),
    );
    const kh = new KnownHosts(file);
    expect(await kh.forget('10.0.0.7', 2222)).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(
      ['# keep me', `@revoked [10.0.0.7]:2222 ${ed2.line}`, `other.example ${ed.line}`, ''].join('\n'),
    );
    expect((await kh.check('10.0.0.7', 2222, ed.blob)).status).toBe('unknown');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await kh.forget('10.0.0.7', 2222)).toBe(0);
    expect(await new KnownHosts(join(dir, 'absent')).forget('x', 22)).toBe(0);
  });
});
