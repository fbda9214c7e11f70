import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feed } from '../../shared/api/updates-model';
import { DEFAULT_UPDATE_SERVER } from '../machines/files';
import { BUILTIN_FEED, BUILTIN_SERVER, loadFeed, newestOf, parseFeed, releaseOf, serverKind } from './feed';
import { isNewer } from './versions';

const CHANNELS = ['stable', 'beta', 'alpha'] as const;

function smallFeed(): Feed {
  return {
    channels: {
      stable: [{ version: '4459.2.1', date: '2026-11-10', notes: 'Linux 6.12.58', size: 400_000_000 }],
      beta: [],
      alpha: [
        { version: '4516.0.0', date: '2026-11-10', notes: 'a', size: 1 },
        { version: '4508.0.0', date: '2026-10-27', notes: 'b', size: 2 },
      ],
    },
  };
}

describe('BUILTIN_FEED', () => {
  it('offers the versions new machines run as the newest of each channel', () => {
    expect(newestOf(BUILTIN_FEED, 'stable')?.version).toBe('4459.2.1');
    expect(newestOf(BUILTIN_FEED, 'beta')?.version).toBe('4487.1.0');
    expect(newestOf(BUILTIN_FEED, 'alpha')?.version).toBe('4516.0.0');
  });

  it('is a valid feed: schema, newest first, no duplicates', () => {
    expect(parseFeed(JSON.stringify(BUILTIN_FEED), 'builtin')).toEqual(BUILTIN_FEED);
  });

  it('looks like a real feed: 3-4 releases a channel, 2026 dates, 300-500 MB, notes', () => {
    for (const channel of CHANNELS) {
      const list = BUILTIN_FEED.channels[channel];
      expect(list.length).toBeGreaterThanOrEqual(3);
      expect(list.length).toBeLessThanOrEqual(4);
      for (const r of list) {
        expect(r.date).toMatch(/^2026-/);
        expect(r.size).toBeGreaterThanOrEqual(300 * 1024 * 1024);
        expect(r.size).toBeLessThanOrEqual(500 * 1024 * 1024);
        expect(r.notes.split('\n').length).toBeGreaterThanOrEqual(2);
      }
      const dates = list.map((r) => r.date);
      expect([...dates].sort().reverse()).toEqual(dates);
    }
  });

  it('has alpha ahead of beta ahead of stable', () => {
    const newest = (c: (typeof CHANNELS)[number]) => newestOf(BUILTIN_FEED, c)!.version;
    expect(isNewer(newest('alpha'), newest('beta'))).toBe(true);
    expect(isNewer(newest('beta'), newest('stable'))).toBe(true);
  });

  it('cannot be changed by a caller', () => {
    expect(() => {
      (BUILTIN_FEED.channels.stable as unknown[]).pop();
    }).toThrow();
    expect(() => {
      BUILTIN_FEED.channels.stable[0]!.version = '1.0.0';
    }).toThrow();
    expect(newestOf(BUILTIN_FEED, 'stable')?.version).toBe('4459.2.1');
  });
});

describe('newestOf / releaseOf', () => {
  it('newestOf is the first of the channel, undefined for an empty channel', () => {
    expect(newestOf(smallFeed(), 'alpha')?.version).toBe('4516.0.0');
    expect(newestOf(smallFeed(), 'beta')).toBeUndefined();
  });

  it('releaseOf searches every channel and compares versions numerically', () => {
    expect(releaseOf(smallFeed(), '4508.0.0')?.notes).toBe('b');
    expect(releaseOf(smallFeed(), '4459.2.1.0')?.notes).toBe('Linux 6.12.58');
    expect(releaseOf(smallFeed(), '4487.0.0')).toBeUndefined();
    expect(releaseOf(BUILTIN_FEED, '4459.1.0')?.version).toBe('4459.1.0');
  });
});

describe('parseFeed', () => {
  const parseError = (text: string, source = '/tmp/f.json'): string => {
    try {
      parseFeed(text, source);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('parseFeed accepted it');
  };

  it('accepts a valid feed and drops fields it does not know', () => {
    const withExtra = { ...smallFeed(), generator: 'x' };
    expect(parseFeed(JSON.stringify(withExtra), 'x')).toEqual(smallFeed());
  });

  it('names the source, the path and what a bad version should look like', () => {
    const feed = smallFeed();
    feed.channels.alpha[1]!.version = '4508.zero';
    expect(parseError(JSON.stringify(feed))).toBe(
      'feed /tmp/f.json: channels.alpha[1].version: must be numbers separated by dots, like 4459.2.1',
    );
  });

  it('says a field is missing and what belongs there', () => {
    const feed = JSON.parse(JSON.stringify(smallFeed())) as { channels: Record<string, unknown> };
    delete feed.channels.beta;
    expect(parseError(JSON.stringify(feed))).toBe(
      'feed /tmp/f.json: channels.beta: missing; must be a list of releases, newest first ([] for none)',
    );
  });

  it('explains wrong types, bad sizes and long notes', () => {
    const feed = smallFeed() as unknown as { channels: { stable: Record<string, unknown>[] } };
    feed.channels.stable[0]!.size = 1.5;
    expect(parseError(JSON.stringify(feed))).toMatch(
      /^feed \/tmp\/f\.json: channels\.stable\[0\]\.size: must be a whole number of bytes, 0 or more$/,
    );
    feed.channels.stable[0]!.size = 1;
    feed.channels.stable[0]!.notes = 'x'.repeat(20_001);
    expect(parseError(JSON.stringify(feed))).toBe(
      'feed /tmp/f.json: channels.stable[0].notes: too long: at most 20000 characters',
    );
    expect(parseError('[]')).toMatch(/^feed \/tmp\/f\.json: \(the whole feed\): must be an object like/);
  });

  it('lists up to three problems and counts the rest', () => {
    const msg = parseError('{"channels": {"stable": [1, 2, 3, 4, 5]}}');
    expect(msg).toMatch(/channels\.stable\[0\]: must be a release like/);
    expect(msg).toMatch(/; and 4 more problems$/);
  });

  it('rejects a channel that is not newest first, naming both versions', () => {
    const feed = smallFeed();
    feed.channels.alpha.reverse();
    expect(parseError(JSON.stringify(feed))).toBe(
      'feed /tmp/f.json: channels.alpha[1].version: 4516.0.0 is newer than 4508.0.0 before it; ' +
        "list each channel's versions newest first",
    );
  });

  it('rejects a version listed twice in a channel, even written differently', () => {
    const feed = smallFeed();
    feed.channels.alpha.push({ version: '4508.0', date: '2026-10-01', notes: '', size: 0 });
    expect(parseError(JSON.stringify(feed))).toBe(
      'feed /tmp/f.json: channels.alpha[2].version: 4508.0 is listed twice (also at channels.alpha[1]); keep one',
    );
  });

  it('allows the same version in two channels (a promotion)', () => {
    const feed = smallFeed();
    feed.channels.beta = [{ ...feed.channels.stable[0]! }];
    expect(parseFeed(JSON.stringify(feed), 'x').channels.beta[0]!.version).toBe('4459.2.1');
  });

  it('gives line and column for invalid JSON, whatever kind of mistake', () => {
    // A bad token: Node 20 names no position for this one.
    expect(parseError('{\n  "channels": {\n    "stable": [,]\n  }\n}')).toBe(
      "feed /tmp/f.json: not valid JSON at line 3, column 16: Unexpected token ','",
    );
    // A stray literal.
    expect(parseError('{\n  "channels": nul}')).toMatch(
      /^feed \/tmp\/f\.json: not valid JSON at line 2, column 18: /,
    );
    // Node names a position.
    expect(parseError('{"channels": {}\n  "x": 1}')).toMatch(
      /^feed \/tmp\/f\.json: not valid JSON at line 2, column 3: /,
    );
    // Cut short.
    expect(parseError('{"channels": {\n')).toBe(
      "feed /tmp/f.json: not valid JSON at line 2, column 1: the text ends early (Expected property name or '}')",
    );
    expect(parseError('{"channels": {"stable": [')).toBe(
      'feed /tmp/f.json: not valid JSON at line 1, column 26: Unexpected end of the text',
    );
    expect(parseError('')).toBe(
      'feed /tmp/f.json: not valid JSON at line 1, column 1: Unexpected end of the text',
    );
  });
});

describe('serverKind', () => {
  it('classifies SERVER values', () => {
    expect(serverKind('builtin:')).toBe('builtin');
    expect(serverKind(DEFAULT_UPDATE_SERVER)).toBe('builtin');
    expect(serverKind('https://public.update.core-os.net/v1/update')).toBe('builtin');
    expect(serverKind('file:///srv/feed.json')).toBe('file');
    expect(serverKind('http://10.0.0.1:8080/feed.json')).toBe('http');
    expect(serverKind('https://updates.example.com/feed')).toBe('http');
    expect(serverKind('ftp://x/feed.json')).toBeUndefined();
    expect(serverKind('/srv/feed.json')).toBeUndefined();
    expect(serverKind('file://host/srv/feed.json')).toBeUndefined();
    expect(serverKind('http://')).toBeUndefined();
    expect(serverKind('')).toBeUndefined();
  });
});

describe('loadFeed', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-feed-'));
    server = createServer((req, res) => {
      if (req.url === '/feed.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(smallFeed()));
      } else if (req.url === '/broken.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"channels": ');
      } else if (req.url === '/slow.json') {
        // Never answers: the client's timeout or signal must end the request.
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('builtin: and CoreOS default SERVER give the built-in feed', async () => {
    expect(await loadFeed(BUILTIN_SERVER)).toEqual(BUILTIN_FEED);
    expect(await loadFeed(DEFAULT_UPDATE_SERVER)).toEqual(BUILTIN_FEED);
  });

  it('reads a file:// URL', async () => {
    const path = join(dir, 'good.json');
    await writeFile(path, JSON.stringify(smallFeed()));
    expect(await loadFeed(pathToFileURL(path).href)).toEqual(smallFeed());
  });

  it('names the file when it is invalid or missing', async () => {
    const path = join(dir, 'bad.json');
    const feed = smallFeed();
    feed.channels.alpha[1]!.version = 'v2';
    await writeFile(path, JSON.stringify(feed));
    await expect(loadFeed(pathToFileURL(path).href)).rejects.toThrow(
      `feed ${path}: channels.alpha[1].version: must be numbers separated by dots`,
    );
    const missing = join(dir, 'missing.json');
    await expect(loadFeed(pathToFileURL(missing).href)).rejects.toThrow(
      `feed ${missing}: cannot read it: no such file`,
    );
  });

  it('fetches an http:// URL', async () => {
    expect(await loadFeed(`${base}/feed.json`)).toEqual(smallFeed());
  });

  it('names the URL and the status when the server does not answer 200', async () => {
    await expect(loadFeed(`${base}/nothing.json`)).rejects.toThrow(
      `feed ${base}/nothing.json: the server answered 404 Not Found`,
    );
  });

  it('names the URL when the server sends something that is not a feed', async () => {
    await expect(loadFeed(`${base}/broken.json`)).rejects.toThrow(
      `feed ${base}/broken.json: not valid JSON at line 1, column 14`,
    );
  });

  it('gives up after the timeout', async () => {
    const started = Date.now();
    await expect(loadFeed(`${base}/slow.json`, { timeoutMs: 200 })).rejects.toThrow(
      `feed ${base}/slow.json: no answer within 0.2 s`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    const loading = loadFeed(`${base}/slow.json`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(loading).rejects.toThrow(`feed ${base}/slow.json: cancelled`);
  });

  it('says which servers it can read when it cannot read this one', async () => {
    await expect(loadFeed('ftp://example.com/feed.json')).rejects.toThrow(
      /SERVER "ftp:\/\/example\.com\/feed\.json" is not a feed Flotilla can read: use builtin:.*file:\/\/\/.*http\(s\):\/\//,
    );
  });

  it('reports a connection that is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(loadFeed(`http://127.0.0.1:${port}/feed.json`)).rejects.toThrow(
      `feed http://127.0.0.1:${port}/feed.json: cannot fetch it: ECONNREFUSED`,
    );
  });
});
