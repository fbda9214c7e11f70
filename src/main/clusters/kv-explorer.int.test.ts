// The KV explorer's calls against a real 3-member etcd 3.4 and a 3-member Flotilla KV, through
// the etcd3 client only: listing by pages, checked writes and deletes that refuse a silent
// overwrite, a key's history by revision, leases and a live watch — the same answers from both.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvWatchBatch } from '../../shared/api';
import { startCluster, type ClusterKind, type RunningCluster } from '../kv/conformance/clusters';
import { KvExplorer, KvExplorerError } from './kv-explorer';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function conflictOf(p: Promise<unknown>): Promise<KvExplorerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KvExplorerError);
  expect((err as KvExplorerError).apiCode).toBe('CONFLICT');
  return err as KvExplorerError;
}

describe.each<ClusterKind>(['etcd', 'flotilla'])('KV explorer against %s', (kind) => {
  let cluster: RunningCluster;
  let client: Etcd3;
  let kv: KvExplorer;

  beforeAll(async () => {
    cluster = await startCluster(kind);
    client = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
    kv = new KvExplorer(client);
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('lists keys under a prefix a page at a time, values decoded or marked binary', async () => {
    for (let i = 0; i < 5; i++) await client.put(`/list/k${i}`).value(`v${i}`);
    await client.put('/list/bin').value(Buffer.from([0xff, 0xfe, 0x00]));
    await client.put('/listing-not-under-prefix').value('x');
    const first = await kv.list({ prefix: '/list/', limit: 4, keysOnly: false });
    expect(first.entries.map((e) => e.key)).toEqual(['/list/bin', '/list/k0', '/list/k1', '/list/k2']);
    expect(first.more).toBe(true);
    expect(first.entries[0]).toMatchObject({
      binary: true,
      value: Buffer.from([0xff, 0xfe, 0]).toString('base64'),
      size: 3,
    });
    expect(first.entries[1]).toMatchObject({ value: 'v0', binary: false, version: 1 });
    const rest = await kv.list({ prefix: '/list/', after: '/list/k2', limit: 4, keysOnly: true });
    expect(rest.entries.map((e) => [e.key, e.value, e.size])).toEqual([
      ['/list/k3', '', 2],
      ['/list/k4', '', 2],
    ]);
    expect(rest.more).toBe(false);
    expect(rest.revision).toBeGreaterThanOrEqual(first.revision);
  });

  it('a checked put writes only over the revision it started from, else says what is there now', async () => {
    await client.put('/edit/a').value('one');
    const start = await kv.get('/edit/a');
    // Someone else writes meanwhile.
    await client.put('/edit/a').value('theirs');
    const err = await conflictOf(
      kv.put({ key: '/edit/a', value: 'mine', binary: false, expectModRevision: start.modRevision }),
    );
    expect(err.message).toMatch(/changed since you read it/);
    expect(err.details).toMatchObject({
      key: '/edit/a',
      expectedModRevision: start.modRevision,
      current: { value: 'theirs' },
    });
    expect(await client.get('/edit/a').string()).toBe('theirs');
    // Overwriting knowingly: against their revision.
    const theirs = (err.details as { current: { modRevision: number } }).current.modRevision;
    const { revision } = await kv.put({
      key: '/edit/a',
      value: 'mine',
      binary: false,
      expectModRevision: theirs,
    });
    expect((await kv.get('/edit/a')).modRevision).toBe(revision);
    // 0 = must not exist.
    const exists = await conflictOf(
      kv.put({ key: '/edit/a', value: 'x', binary: false, expectModRevision: 0 }),
    );
    expect(exists.message).toMatch(/already exists/);
    await kv.put({ key: '/edit/new', value: 'fresh', binary: false, expectModRevision: 0 });
    expect(await client.get('/edit/new').string()).toBe('fresh');
  });

  it('a checked delete refuses when the key changed, and NOT_FOUND names a missing key', async () => {
    await client.put('/del/a').value('1');
    const start = await kv.get('/del/a');
    await client.put('/del/a').value('2');
    await conflictOf(kv.delete({ key: '/del/a', expectModRevision: start.modRevision }));
    expect(await client.get('/del/a').string()).toBe('2');
    const now = await kv.get('/del/a');
    expect(await kv.delete({ key: '/del/a', expectModRevision: now.modRevision })).toMatchObject({
      deleted: 1,
    });
    const gone = await kv.get('/del/a').catch((e: KvExplorerError) => e);
    expect(gone).toMatchObject({ apiCode: 'NOT_FOUND', message: "key '/del/a' does not exist" });
    const deleted = await conflictOf(kv.delete({ key: '/del/a', expectModRevision: now.modRevision }));
    expect(deleted.message).toMatch(/was deleted/);
  });

  it("a key's history lists every version newest first, back to its creation", async () => {
    for (const v of ['a', 'b', 'c']) {
      await client.put('/hist/k').value(v);
      await client.put('/hist/other').value(v); // revisions in between belong to other keys
    }
    const h = await kv.history('/hist/k', 50);
    expect(h.versions.map((v) => [v.value, v.version])).toEqual([
      ['c', 3],
      ['b', 2],
      ['a', 1],
    ]);
    expect(h.versions[0]!.modRevision).toBeGreaterThan(h.versions[1]!.modRevision);
    expect(h.deleted).toBe(false);
    expect((await kv.history('/hist/k', 2)).versions).toHaveLength(2);
    // Compacted history stops there and says so.
    await client.put('/hist/k').value('d');
    const { modRevision } = await kv.get('/hist/k');
    await client.kv.compact({ revision: modRevision, physical: true });
    const after = await kv.history('/hist/k', 50);
    expect(after.versions.map((v) => v.value)).toEqual(['d']);
    expect(after.compactedAt).toBe(modRevision - 1);
  });

  it('leases show their TTL and keys; a put can attach one', async () => {
    const lease = client.lease(30, { autoKeepAlive: false });
    const id = await lease.grant();
    await kv.put({ key: '/lease/a', value: 'x', binary: false, lease: String(BigInt(id)) });
    const leases = await kv.leases();
    const mine = leases.find((l) => l.id === String(BigInt(id)));
    expect(mine).toMatchObject({ grantedTtl: 30, keys: ['/lease/a'] });
    expect(mine!.ttl).toBeGreaterThan(20);
    expect((await kv.get('/lease/a')).lease).toBe(String(BigInt(id)));
    await lease.revoke();
  });

  it('a watch from a revision sends every change after it, in order', async () => {
    const start = await kv.list({ prefix: '/watch/', limit: 10, keysOnly: true });
    await client.put('/watch/a').value('1'); // before the watch opens, after the list: still seen
    const batches: KvWatchBatch[] = [];
    const errors: Error[] = [];
    const stop = kv.watch(
      '/watch/',
      start.revision + 1,
      (b) => batches.push(b),
      (e) => errors.push(e),
    );
    await client.put('/watch/b').value('2');
    await client.delete().key('/watch/a');
    await client.put('/elsewhere').value('no');
    const events = () => batches.flatMap((b) => b.events);
    await until(() => events().length >= 3, 5_000, 'three watch events');
    stop();
    expect(events().map((e) => [e.type, e.entry.key, e.entry.value])).toEqual([
      ['put', '/watch/a', '1'],
      ['put', '/watch/b', '2'],
      ['delete', '/watch/a', ''],
    ]);
    expect(errors).toEqual([]);
  });
});
