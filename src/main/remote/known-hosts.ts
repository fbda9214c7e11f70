// Flotilla's own known_hosts, in OpenSSH's format so that ssh, ssh-keygen -F/-R and people can
// read and edit it too (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
import { createHash, createHmac } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HostKeyFacts } from '../../shared/api';
import { writeDurably } from '../files/write-durably';

/** `SHA256:` and the unpadded base64 of the key blob's SHA-256: what `ssh-keygen -lf` prints. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob names in its first field (RFC 4253 §6.6), e.g. ssh-ed25519. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('malformed SSH public key: too short');
  const length = keyBlob.readUInt32BE(0);
  if (length < 1 || length > 64 || 4 + length > keyBlob.length)
    throw new Error('malformed SSH public key: bad key type field');
  return keyBlob.toString('latin1', 4, 4 + length);
}

/** A host without IPv6 brackets, in lower case as OpenSSH compares host names. */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** How known_hosts names a host: `host` for port 22, `[host]:port` otherwise. */
export function hostPattern(host: string, port: number): string {
  const bare = bareHost(host);
  return port === 22 ? bare : `[${bare}]:${port}`;
}

/**
 * A revoked key is reported as `changed` (it is refused the same way) with known_hosts' own
 * fingerprint equal to the presented one: nothing else can make the two equal.
 */
export function isRevoked(facts: HostKeyFacts): boolean {
  return facts.status === 'changed' && facts.knownFingerprint === facts.fingerprint;
}

interface Entry {
  /** 1-based, as editors and ssh's own warnings count. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: string;
  key: Buffer;
}

/** Per file, the tail of the changes queued in this process: appends and rewrites never overlap. */
const queues = new Map<string, Promise<unknown>>();

export class KnownHosts {
  constructor(readonly file: string) {}

  /** The presented key against the file: known, unknown (first contact), or changed/revoked. */
  async check(host: string, port: number, keyBlob: Buffer): Promise<HostKeyFacts> {
    return checkEntries(parse((await this.read()) ?? ''), host, port, keyBlob, this.file);
  }

  /**
   * The key types known_hosts has for the host, so that the connection can ask the server for
   * one of those first: a server also holding a key of another type must not look "changed".
   */
  async keyTypes(host: string, port: number): Promise<string[]> {
    const name = hostPattern(host, port);
    const entries = parse((await this.read()) ?? '').filter((e) => !e.marker && matchesHost(e.hosts, name));
    return [...new Set(entries.map((e) => keyTypeOf(e.key)))];
  }

  /**
   * Trusts `keyBlob` for the host: appends one line, fsynced before this resolves (a trusted key
   * that vanished in a crash would be asked about again, or worse, look changed). Nothing is
   * written when the key is known already; a changed key must be forgotten first.
   */
  add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    return this.serialized(async () => {
      const text = await this.read();
      const facts = checkEntries(parse(text ?? ''), host, port, keyBlob, this.file);
      if (facts.status === 'known') return;
      if (facts.status === 'changed')
        throw new Error(
          `${facts.hostPattern} has another key in ${this.file} (line ${facts.knownHostsLine}): forget it first`,
        );
      const line = `${hostPattern(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`;
      // A hand-edited file may lack its last newline: the new line must not join the old one.
      const separator = text && !text.endsWith('\n') ? '\n' : '';
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const fh = await open(this.file, 'a', 0o600);
      try {
        await fh.appendFile(separator + line);
        await fh.sync();
      } finally {
        await fh.close();
      }
      // A new file exists only once its directory entry is on disk too.
      if (text === undefined) await syncDirectory(dirname(this.file));
    });
  }

  /**
   * Removes every line naming the host (like `ssh-keygen -R`: a line listing several hosts goes
   * whole; @revoked and @cert-authority lines stay). Returns how many lines went.
   */
  forget(host: string, port: number): Promise<number> {
    return this.serialized(async () => {
      const text = await this.read();
      if (text === undefined) return 0;
      const name = hostPattern(host, port);
      const drop = new Set(
        parse(text)
          .filter((e) => !e.marker && matchesHost(e.hosts, name))
          .map((e) => e.line),
      );
      if (drop.size === 0) return 0;
      const kept = text.split('\n').filter((_, i) => !drop.has(i + 1));
      await writeDurably(this.file, kept.join('\n'), 0o600);
      return drop.size;
    });
  }

  /** The file's text, or undefined when there is none yet. */
  private async read(): Promise<string | undefined> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private serialized<T>(change: () => Promise<T>): Promise<T> {
    const run = (queues.get(this.file) ?? Promise.resolve()).then(change);
    const tail = run.catch(() => undefined);
    queues.set(this.file, tail);
    void tail.then(() => {
      if (queues.get(this.file) === tail) queues.delete(this.file);
    });
    return run;
  }
}

function checkEntries(
  entries: Entry[],
  host: string,
  port: number,
  keyBlob: Buffer,
  file: string,
): HostKeyFacts {
  const name = hostPattern(host, port);
  const facts = {
    hostPattern: name,
    keyType: keyTypeOf(keyBlob),
    fingerprint: fingerprint(keyBlob),
    knownHostsFile: file,
  };
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && matchesHost(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
  if (revoked)
    return { ...facts, status: 'changed', knownFingerprint: facts.fingerprint, knownHostsLine: revoked.line };
  const plain = forHost.filter((e) => !e.marker);
  if (plain.some((e) => e.key.equals(keyBlob))) return { ...facts, status: 'known' };
  if (plain.length === 0) return { ...facts, status: 'unknown' };
  // Like OpenSSH, any other key for the host means "changed", a key of another type included
  // (the connection asks for the known types first, so a legitimate server shows one of those).
  const other = plain.find((e) => keyTypeOf(e.key) === facts.keyType) ?? plain[0]!;
  return {
    ...facts,
    status: 'changed',
    knownFingerprint: fingerprint(other.key),
    knownHostsLine: other.line,
  };
}

/** The lines that name a host and a key; comments, blank and malformed lines are skipped as ssh does. */
function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: Entry['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else return;
      fields.shift();
    }
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64) return;
    const key = Buffer.from(base64, 'base64');
    try {
      if (keyTypeOf(key) !== type) return;
    } catch {
      return;
    }
    entries.push({ line: i + 1, marker, hosts, key });
  });
  return entries;
}

/**
 * OpenSSH's host matching: a hashed name (`|1|salt|HMAC-SHA1(salt, name)`, what HashKnownHosts
 * writes), or a comma-separated list of patterns with `*` and `?` where a matching `!pattern`
 * excludes the host whatever else matches.
 */
function matchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.toLowerCase().split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
