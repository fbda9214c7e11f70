// The `etcd3` npm client against both clusters: one suite body, run against a real 3-member etcd
// 3.4 and against a 3-member Flotilla cluster (`flotctl kv serve`). Everything above the KV talks
// to it through this client (DESIGN.md decision 1), so both must behave the same. The Flotilla
// half fails loudly — never skips — when `flotctl kv serve` cannot run.
import { Etcd3, EtcdLockFailedError } from 'etcd3';
import type { IKeyValue, Watcher } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterKind, RunningCluster } from './clusters';
import { startCluster } from './clusters';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

interface Ev {
  type: string;
  key: string;
  value: string;
  prev?: string;
}

function record(w: Watcher): Ev[] {
  const evs: Ev[] = [];
  const on = (type: string) => (kv: IKeyValue, prev?: IKeyValue) =>
    evs.push({
      type,
      key: kv.key.toString(),
      value: kv.value.toString(),
      ...(prev ? { prev: prev.value.toString() } : {}),
    });
  w.on('put', on('put'));
  w.on('delete', on('delete'));
  return evs;
}

describe.each<ClusterKind>(['etcd', 'flotilla'])('etcd3 client against %s', (kind) => {
  let cluster: RunningCluster | undefined;
  let startError: Error | undefined;
  const clients: Etcd3[] = [];
  const client = (): Etcd3 => {
    if (!cluster) throw startError ?? new Error('cluster not started');
    const c = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
    clients.push(c);
    return c;
  };
  let c!: Etcd3;

  beforeAll(async () => {
    try {
      cluster = await startCluster(kind);
    } catch (e) {
      // Not thrown here so every test below fails with this reason instead of being skipped.
      startError = e as Error;
      return;
    }
    c = client();
  }, 60_000);

  afterAll(async () => {
    for (const x of clients) x.close();
    await cluster?.stop();
  });

  it('put / get / getAll prefix / delete', async () => {
    c ??= client();
    await c.put('kv/a').value('1');
    await c.put('kv/b').value('2');
    await c.put('kv/c').value('3');
    await c.put('kx').value('outside');
    expect(await c.get('kv/a').string()).toBe('1');
    expect(await c.get('kv/none').string()).toBeNull();
    expect(await c.getAll().prefix('kv/').strings()).toEqual({ 'kv/a': '1', 'kv/b': '2', 'kv/c': '3' });
    expect(await c.getAll().prefix('kv/').keys()).toEqual(['kv/a', 'kv/b', 'kv/c']);
    expect(await c.getAll().prefix('kv/').count()).toBe(3);
    expect(await c.getAll().prefix('kv/').limit(2).sort('Key', 'Descend').keys()).toEqual(['kv/c', 'kv/b']);
    const res = await c.getAll().prefix('kv/').exec();
    expect(res.kvs.map((kv) => kv.version)).toEqual(['1', '1', '1']);
    const put = await c.put('kv/a').value('1b').getPrevious();
    expect(put?.value.toString()).toBe('1');
    const del = await c.delete().prefix('kv/').getPrevious();
    expect(del.map((kv) => kv.key.toString()).sort()).toEqual(['kv/a', 'kv/b', 'kv/c']);
    expect(await c.getAll().prefix('kv/').keys()).toEqual([]);
    expect(await c.get('kx').string()).toBe('outside');
    // Revisions: every write bumps by one, a no-op delete does not.
    const r1 = (await c.put('rev').value('x').exec()).header.revision;
    const r2 = (await c.delete().key('rev-missing').exec()).header.revision;
    const r3 = (await c.put('rev').value('y').exec()).header.revision;
    expect(Number(r2)).toBe(Number(r1));
    expect(Number(r3)).toBe(Number(r1) + 1);
  });

  it('txn if().then().else()', async () => {
    c ??= client();
    await c.put('tx/k').value('v1');
    const ok = await c
      .if('tx/k', 'Value', '==', 'v1')
      .and('tx/k', 'Version', '>', 0)
      .then(c.put('tx/k').value('v2'), c.get('tx/k'))
      .else(c.put('tx/other').value('no'))
      .commit();
    expect(ok.succeeded).toBe(true);
    expect(ok.responses.length).toBe(2);
    expect(await c.get('tx/k').string()).toBe('v2');
    const no = await c
      .if('tx/k', 'Value', '==', 'v1')
      .then(c.put('tx/k').value('v3'))
      .else(c.put('tx/else').value('yes'), c.get('tx/k'))
      .commit();
    expect(no.succeeded).toBe(false);
    const range = no.responses[1]!.response_range!;
    expect(range.kvs[0]!.value.toString()).toBe('v2');
    expect(await c.get('tx/else').string()).toBe('yes');
    // Create == 0: "does not exist".
    const create = await c.if('tx/new', 'Create', '==', 0).then(c.put('tx/new').value('1')).commit();
    expect(create.succeeded).toBe(true);
    const again = await c.if('tx/new', 'Create', '==', 0).then(c.put('tx/new').value('2')).commit();
    expect(again.succeeded).toBe(false);
    const mod = (await c.get('tx/new').exec()).kvs[0]!.mod_revision;
    const m = await c.if('tx/new', 'Mod', '==', mod).then(c.delete().key('tx/new')).commit();
    expect(m.succeeded).toBe(true);
    // Too many operations.
    const ops = Array.from({ length: 129 }, (_, i) => c.put(`tx/many/${i}`).value('x'));
    await expect(
      c
        .if('tx/k', 'Version', '>', 0)
        .then(...ops)
        .commit(),
    ).rejects.toThrow(/too many operations in txn request/);
  });

  it('bad input: oversized requests, empty key, unknown lease', async () => {
    c ??= client();
    // Over max-request-bytes (1.5 MiB) but under the gRPC limit: etcd's own error.
    await expect(c.put('big').value(Buffer.alloc(1_600_000, 1)).exec()).rejects.toThrow(
      'etcdserver: request is too large',
    );
    await expect(c.put('').value('x').exec()).rejects.toThrow('etcdserver: key is not provided');
    await expect(c.leaseClient.leaseTimeToLive({ ID: '1234', keys: false })).resolves.toMatchObject({
      TTL: '-1',
    });
    const ka = await c.lease(5, { autoKeepAlive: false });
    await ka.grant();
    await ka.revoke();
    await expect(ka.keepaliveOnce()).rejects.toThrow();
    // The cluster still answers.
    expect(await c.get('big').string()).toBeNull();
  });

  it('bad input: a request over the gRPC receive limit gets grpc-go’s words', async () => {
    c ??= client();
    // Over the gRPC receive limit (1.5 MiB + 512 KiB): refused by the transport.
    // etcd (grpc-go): "8 RESOURCE_EXHAUSTED: grpc: received message larger than max (3145745 vs. 2097152)".
    const err = await c
      .put('bigger')
      .value(Buffer.alloc(3 * 1024 * 1024, 1))
      .exec()
      .then(
        () => 'accepted',
        (e: Error) => `${e.constructor.name}: ${e.message}`,
      );
    expect(err).toMatch(
      /^GRPCResourceExhastedError: 8 RESOURCE_EXHAUSTED: grpc: received message larger than max \(\d+ vs\. 2097152\)$/,
    );
    expect(await c.get('bigger').string()).toBeNull();
  });

  it('compaction: reads below it fail with etcd’s error, at it succeed', async () => {
    c ??= client();
    const r1 = (await c.put('cp/k').value('1').exec()).header.revision;
    await c.put('cp/k').value('2');
    const r3 = (await c.put('cp/k').value('3').exec()).header.revision;
    await c.kv.compact({ revision: String(Number(r1) + 1), physical: true });
    await expect(c.get('cp/k').revision(r1).string()).rejects.toThrow(
      'etcdserver: mvcc: required revision has been compacted',
    );
    expect(
      await c
        .get('cp/k')
        .revision(String(Number(r1) + 1))
        .string(),
    ).toBe('2');
    expect(await c.get('cp/k').string()).toBe('3');
    await expect(c.kv.compact({ revision: r1 })).rejects.toThrow(/required revision has been compacted/);
    await expect(
      c
        .get('cp/k')
        .revision(String(Number(r3) + 1000))
        .string(),
    ).rejects.toThrow('etcdserver: mvcc: required revision is a future revision');
    // A watch from below the compaction is created and canceled at once (etcd 3.4 sets
    // compact_revision and leaves cancel_reason empty, so etcd3 says just "Watcher canceled: ").
    // Own client: etcd3 keeps one watch stream per client and this watcher ends it.
    const wc = client();
    const w = await wc.watch().key('cp/k').startRevision(r1).watcher();
    const seen: string[] = [];
    w.on('connected', () => seen.push('connected'));
    w.on('disconnected', () => seen.push('disconnected'));
    w.on('end', () => seen.push('end'));
    w.on('data', () => seen.push('data'));
    const err = await Promise.race([
      new Promise<Error>((res) => w.once('error', res)),
      sleep(5_000).then(() => new Error(`no 'error' from the watcher within 5 s; saw: ${seen.join(', ')}`)),
    ]);
    expect(err.message).toBe('Watcher canceled: ');
    wc.close();
  });

  it('watch: prefix, prev kv, start revision', async () => {
    c ??= client();
    const w = await c.watch().prefix('wa/').withPreviousKV().create();
    const evs = record(w);
    await c.put('wa/1').value('a');
    await c.put('wa/2').value('b');
    await c.put('wa/1').value('c');
    await c.put('wb/1').value('not watched');
    await c.delete().key('wa/2');
    await until(() => evs.length >= 4, 5_000, 'watch events');
    await sleep(100);
    expect(evs).toEqual([
      { type: 'put', key: 'wa/1', value: 'a' },
      { type: 'put', key: 'wa/2', value: 'b' },
      { type: 'put', key: 'wa/1', value: 'c', prev: 'a' },
      { type: 'delete', key: 'wa/2', value: '', prev: 'b' },
    ]);
    await w.cancel();
    // From a past revision: the history, then live events.
    const first = (await c.put('ws/k').value('1').exec()).header.revision;
    await c.put('ws/k').value('2');
    const w2 = await c.watch().key('ws/k').startRevision(first).create();
    const evs2 = record(w2);
    await until(() => evs2.length >= 2, 5_000, 'historic events');
    await c.put('ws/k').value('3');
    await until(() => evs2.length >= 3, 5_000, 'live event');
    expect(evs2.map((e) => e.value)).toEqual(['1', '2', '3']);
    await w2.cancel();
  });

  it('leases: grant, attach, keepalive, revoke, lost', async () => {
    c ??= client();
    const lease = c.lease(5);
    const id = await lease.grant();
    await lease.put('ls/1').value('x');
    const got = (await c.get('ls/1').exec()).kvs[0]!;
    expect(got.lease).toBe(id);
    const ka = await lease.keepaliveOnce();
    expect(ka.TTL).toBe('5');
    const ttl = await c.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    expect(ttl.grantedTTL).toBe('5');
    expect(Number(ttl.TTL)).toBeGreaterThan(0);
    expect(ttl.keys.map((k) => k.toString())).toEqual(['ls/1']);
    const leases = await c.leaseClient.leaseLeases({});
    expect(leases.leases.map((l) => l.ID)).toContain(id);
    let succeeded = 0;
    lease.on('keepaliveSucceeded', () => succeeded++);
    await until(() => succeeded >= 1, 5_000, 'a keepalive');
    // Revoked elsewhere → the holder learns it has lost the lease, the key is gone.
    const lost = new Promise<Error>((res) => lease.once('lost', res));
    await c.leaseClient.leaseRevoke({ ID: id });
    const err = await lost;
    expect(err).toBeInstanceOf(Error);
    expect(await c.get('ls/1').string()).toBeNull();
    const gone = await c.leaseClient.leaseTimeToLive({ ID: id, keys: false });
    expect(gone.TTL).toBe('-1');
    await expect(c.leaseClient.leaseRevoke({ ID: id })).rejects.toThrow(
      'etcdserver: requested lease not found',
    );
    await expect(c.put('ls/2').value('x').lease(id).exec()).rejects.toThrow('requested lease not found');
    // A lease revoked by its holder: keys go away.
    const l2 = c.lease(10);
    await l2.put('ls/3').value('y');
    await l2.revoke();
    expect(await c.get('ls/3').string()).toBeNull();
  });

  it('election: one leader, observe sees the change, resign hands over', async () => {
    c ??= client();
    const other = client();
    const e1 = c.election('engine', 5);
    const e2 = other.election('engine', 5);
    const a = e1.campaign('a');
    await a.wait();
    expect(await e1.leader()).toBe('a');
    const observer = await e2.observe();
    expect(observer.leader()).toBe('a');
    const b = e2.campaign('b');
    let bElected = false;
    b.on('elected', () => (bElected = true));
    await sleep(500);
    expect(bElected).toBe(false);
    const changes: (string | undefined)[] = [];
    observer.on('change', (v) => changes.push(v));
    await a.proclaim('a2');
    await until(() => changes.includes('a2'), 5_000, 'proclaimed value');
    await a.resign();
    await b.wait();
    expect(bElected).toBe(true);
    await until(() => observer.leader() === 'b', 5_000, 'observer to see b');
    expect(await e1.leader()).toBe('b');
    await b.resign();
    await observer.cancel();
  });

  it('locks: mutual exclusion, release lets the next one in', async () => {
    c ??= client();
    const other = client();
    const l1 = await c.lock('res').ttl(5).acquire();
    // etcd3's lock does not queue: a held lock fails fast for everyone else.
    await expect(other.lock('res').ttl(5).acquire()).rejects.toThrow(EtcdLockFailedError);
    await l1.release();
    const l2 = await other.lock('res').ttl(5).acquire();
    await expect(c.lock('res').acquire()).rejects.toThrow('Failed to acquire a lock on res');
    await l2.release();
    // do(): runs under the lock and releases it after.
    expect(await c.lock('res').do(async () => 42)).toBe(42);
    await expect(c.getAll().prefix('res').keys()).resolves.toEqual([]);
  });

  it('namespace: keys are prefixed, reads are scoped', async () => {
    c ??= client();
    const ns = c.namespace('ns1/');
    await ns.put('a').value('1');
    await ns.put('b').value('2');
    await c.put('ns2/a').value('other');
    expect(await c.get('ns1/a').string()).toBe('1');
    expect(await ns.getAll().keys()).toEqual(['a', 'b']);
    expect(await ns.get('a').string()).toBe('1');
    const w = await ns.watch().key('a').create();
    const evs = record(w);
    await ns.put('a').value('3');
    await until(() => evs.length >= 1, 5_000, 'namespaced watch');
    expect(evs[0]).toEqual({ type: 'put', key: 'a', value: '3' });
    await w.cancel();
    await ns.delete().all();
    expect(await c.get('ns2/a').string()).toBe('other');
    expect(await c.getAll().prefix('ns1/').keys()).toEqual([]);
  });
});
