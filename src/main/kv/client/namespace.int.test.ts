// namespaceInterceptor with the etcd3 client against a real etcd 3.4 and against Flotilla's KV: two
// clients living in /flotilla/a/ and /flotilla/b/ and one without a prefix. Everything etcd3 does
// (builders, raw RPC clients, watches, leases, Election, Lock) stays inside its namespace, answers
// carry unprefixed keys, and etcdctl (no prefix) sees the real keys.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Etcd3, EtcdLockFailedError, type IKeyValue, type Watcher } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCDCTL_BIN, startEtcdCluster, type RunningCluster } from '../conformance/clusters';
import { until } from '../cluster/test-helpers';
import { startCluster as startFlotilla } from '../server/test-helpers';
import { ERR_EMPTY_KEY, namespaceInterceptor } from '.';

const A = '/flotilla/a/';
const B = '/flotilla/b/';
const b = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** etcdctl without blocking the event loop (the Flotilla members answer from this process). */
async function etcdctl(endpoints: string[], args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(ETCDCTL_BIN, [`--endpoints=${endpoints.join(',')}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    timeout: 15_000,
  });
  return stdout;
}

interface Ev {
  type: string;
  key: string;
  prev?: string;
}

function record(w: Watcher): Ev[] {
  const evs: Ev[] = [];
  const on = (type: string) => (kv: IKeyValue, prev?: IKeyValue) =>
    evs.push({ type, key: kv.key.toString(), ...(prev ? { prev: prev.key.toString() } : {}) });
  w.on('put', on('put'));
  w.on('delete', on('delete'));
  return evs;
}

interface Target {
  endpoints: string[];
  stop(): Promise<void>;
}

const targets: Record<'etcd' | 'flotilla', () => Promise<Target>> = {
  etcd: async () => {
    const c: RunningCluster = await startEtcdCluster();
    return c;
  },
  flotilla: async () => {
    const tc = await startFlotilla(3);
    return { endpoints: tc.servers.map((s) => s.endpoint), stop: () => tc.close() };
  },
};

describe.each(['etcd', 'flotilla'] as const)('namespaceInterceptor against %s', (kind) => {
  let target: Target;
  let a: Etcd3;
  let bb: Etcd3;
  let root: Etcd3;

  beforeAll(async () => {
    target = await targets[kind]();
    const hosts = target.endpoints.map((e) => `http://${e}`);
    a = new Etcd3({ hosts, grpcOptions: { interceptors: [namespaceInterceptor(A)] } });
    bb = new Etcd3({ hosts, grpcOptions: { interceptors: [namespaceInterceptor(B)] } });
    root = new Etcd3({ hosts });
  }, 60_000);

  afterAll(async () => {
    for (const c of [a, bb, root]) c?.close();
    await target?.stop();
  });

  it('put / get / prefix reads / ranges stay inside the namespace', async () => {
    await a.put('k').value('a');
    await bb.put('k').value('b');
    await a.put('dir/1').value('a1');
    await a.put('dir/2').value('a2');
    await bb.put('dir/3').value('b3');
    // Sorts after every /flotilla/ key: a "to the end" range of a namespace must stop before it.
    await root.put('zz-outside').value('root');

    expect(await a.get('k').string()).toBe('a');
    expect(await bb.get('k').string()).toBe('b');
    expect(await root.get(`${A}k`).string()).toBe('a');
    expect(await root.get('k').string()).toBeNull();
    expect(await a.getAll().prefix('dir/').strings()).toEqual({ 'dir/1': 'a1', 'dir/2': 'a2' });
    expect(await bb.getAll().prefix('dir/').keys()).toEqual(['dir/3']);
    expect(await a.getAll().keys()).toEqual(['dir/1', 'dir/2', 'k']);
    expect(await a.getAll().inRange({ start: 'dir/2', end: '\0' }).keys()).toEqual(['dir/2', 'k']);
    expect(await a.getAll().inRange({ start: 'dir/1', end: 'dir/2' }).keys()).toEqual(['dir/1']);
    expect(await a.getAll().prefix('dir/').count()).toBe(2);

    // The raw RPC client (what etcd3's namespace() would not rewrite), keys as Buffers and as the
    // base64 text protobufjs also takes.
    const raw = await a.kv.range({ key: b('dir/'), range_end: b('dir0') });
    expect(raw.kvs.map((kv) => kv.key.toString())).toEqual(['dir/1', 'dir/2']);
    const b64 = await a.kv.range({ key: b('k').toString('base64') } as never);
    expect(b64.kvs.map((kv) => kv.key.toString())).toEqual(['k']);
    expect(b64.kvs[0]!.value.toString()).toBe('a');

    // An empty key would address the prefix itself: refused on the client, as Go's namespace does.
    await expect(a.put('').value('x')).rejects.toThrow(ERR_EMPTY_KEY);
    await expect(a.get('').string()).rejects.toThrow(ERR_EMPTY_KEY);
    expect(await root.get(A).string()).toBeNull();
  });

  it('put and delete answer previous key-values with unprefixed keys', async () => {
    await a.put('p/1').value('one');
    const prev = await a.put('p/1').value('uno').getPrevious();
    expect(prev?.key.toString()).toBe('p/1');
    expect(prev?.value.toString()).toBe('one');
    await a.put('p/2').value('two');
    await bb.put('p/1').value('bee');
    const gone = await a.delete().prefix('p/').getPrevious();
    expect(gone.map((kv) => kv.key.toString()).sort()).toEqual(['p/1', 'p/2']);
    const one = await bb.delete().key('p/1').getPrevious();
    expect(one.map((kv) => [kv.key.toString(), kv.value.toString()])).toEqual([['p/1', 'bee']]);
    expect(await root.getAll().prefix('/flotilla/').keys()).not.toContain(`${A}p/1`);
  });

  it('txn: compares, ops and nested txns on both sides, prefixed and unprefixed', async () => {
    await a.put('t/x').value('1');
    await bb.put('t/x').value('1');
    await bb.put('t/x').value('2'); // b's t/x is at version 2, a's at 1
    const r = await a
      .if('t/x', 'Value', '==', '1')
      .then(a.put('t/y').value('yes'), a.get('t/x'))
      .else(a.put('t/y').value('no'))
      .commit();
    expect(r.succeeded).toBe(true);
    const got = r.responses[1]!.response_range!;
    expect(got.kvs.map((kv) => kv.key.toString())).toEqual(['t/x']);
    expect(await a.get('t/y').string()).toBe('yes');
    expect(await bb.get('t/y').string()).toBeNull();

    // A compare over a range (every key in it must match) sees only the namespace's keys, and the
    // nested txn's answers come back unprefixed too.
    const nested = await a.kv.txn({
      compare: [{ key: b('t/'), range_end: b('t0'), target: 'Version', result: 'Equal', version: '1' }],
      success: [
        {
          request_txn: {
            compare: [{ key: b('t/y'), target: 'Value', result: 'Equal', value: b('yes') }],
            success: [
              { request_put: { key: b('t/z'), value: b('deep'), prev_kv: true } },
              { request_range: { key: b('t/'), range_end: b('\0') } },
              { request_delete_range: { key: b('t/y'), prev_kv: true } },
            ],
          },
        },
      ],
      failure: [{ request_put: { key: b('t/failed'), value: b('1') } }],
    });
    expect(nested.succeeded).toBe(true);
    const inner = nested.responses[0]!.response_txn!;
    expect(inner.succeeded).toBe(true);
    expect(inner.responses[1]!.response_range!.kvs.map((kv) => kv.key.toString())).toEqual([
      't/x',
      't/y',
      't/z',
    ]);
    expect(inner.responses[2]!.response_delete_range!.prev_kvs.map((kv) => kv.key.toString())).toEqual([
      't/y',
    ]);
    expect(await root.get(`${A}t/z`).string()).toBe('deep');
    expect(await root.get(`${A}t/failed`).string()).toBeNull();

    // The same range compare for b fails: its t/x is at version 2.
    const other = await bb.kv.txn({
      compare: [{ key: b('t/'), range_end: b('t0'), target: 'Version', result: 'Equal', version: '1' }],
      failure: [{ request_range: { key: b('t/x') } }],
    });
    expect(other.succeeded).toBe(false);
    expect(other.responses[0]!.response_range!.kvs[0]!.key.toString()).toBe('t/x');
  });

  it('watches see their namespace only, with unprefixed keys', async () => {
    const wa = await a.watch().prefix('w/').withPreviousKV().create();
    const wb = await bb.watch().key('w/1').create();
    const wroot = await root.watch().prefix('/flotilla/').create();
    const ea = record(wa);
    const eb = record(wb);
    const er = record(wroot);
    try {
      await bb.put('w/1').value('b');
      await a.put('w/1').value('a');
      await a.put('w/1').value('a2');
      await a.delete().key('w/1');
      await root.put('w/1').value('root');
      await until(() => ea.length >= 3 && eb.length >= 1, 10_000, 'watch events');
      await until(() => er.filter((e) => e.key.endsWith('w/1')).length >= 4, 10_000, 'root events');
      expect(ea).toEqual([
        { type: 'put', key: 'w/1' },
        { type: 'put', key: 'w/1', prev: 'w/1' },
        { type: 'delete', key: 'w/1', prev: 'w/1' },
      ]);
      expect(eb).toEqual([{ type: 'put', key: 'w/1' }]);
      expect(er.filter((e) => e.key.endsWith('w/1')).map((e) => e.key)).toEqual([
        `${B}w/1`,
        `${A}w/1`,
        `${A}w/1`,
        `${A}w/1`,
      ]);
    } finally {
      await Promise.all([wa.cancel(), wb.cancel(), wroot.cancel()]);
    }
  });

  it('leases: keys attached in the namespace, time-to-live lists only its own keys', async () => {
    const lease = a.lease(30, { autoKeepAlive: false });
    await lease.put('l/1').value('x');
    const id = await lease.grant();
    const ttl = await a.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    expect(ttl.keys.map((k) => k.toString())).toEqual(['l/1']);
    expect(await root.get(`${A}l/1`).string()).toBe('x');

    // A lease holding keys of both namespaces: each side lists its own, root lists all.
    const shared = root.lease(30, { autoKeepAlive: false });
    await shared.put(`${A}l/2`).value('a');
    await shared.put(`${B}l/2`).value('b');
    const sid = await shared.grant();
    const ka = await a.leaseClient.leaseTimeToLive({ ID: sid, keys: true });
    const kb = await bb.leaseClient.leaseTimeToLive({ ID: sid, keys: true });
    const kr = await root.leaseClient.leaseTimeToLive({ ID: sid, keys: true });
    expect(ka.keys.map((k) => k.toString())).toEqual(['l/2']);
    expect(kb.keys.map((k) => k.toString())).toEqual(['l/2']);
    expect(kr.keys.map((k) => k.toString()).sort()).toEqual([`${A}l/2`, `${B}l/2`]);

    await lease.revoke();
    await shared.revoke();
    expect(await a.get('l/1').string()).toBeNull();
    expect(await bb.get('l/2').string()).toBeNull();
  });

  it("etcd3's Election and Lock: one leader and one lock holder per namespace", async () => {
    const ea1 = a.election('leader').campaign('a1');
    const eb1 = bb.election('leader').campaign('b1');
    await Promise.all([ea1.wait(), eb1.wait()]);
    const observer = await a.election('leader').observe();
    expect(observer.leader()).toBe('a1');
    const ea2 = a.election('leader').campaign('a2');
    let a2Elected = false;
    ea2.on('elected', () => (a2Elected = true));
    await sleep(300);
    expect(a2Elected).toBe(false);
    expect(await bb.election('leader').leader()).toBe('b1');
    const keys = await root.getAll().prefix(`${A}election/leader/`).keys();
    expect(keys).toHaveLength(2);
    const changes: string[] = [];
    observer.on('change', (v) => changes.push(v ?? ''));
    await ea1.resign();
    await ea2.wait();
    await until(() => changes.includes('a2'), 10_000, 'observer sees a2');
    expect(await a.election('leader').leader()).toBe('a2');
    await Promise.all([ea2.resign(), eb1.resign(), observer.cancel()]);

    const la = await a.lock('res').ttl(30).acquire();
    const lb = await bb.lock('res').ttl(30).acquire();
    await expect(a.lock('res').ttl(30).acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
    expect(await root.getAll().prefix('/flotilla/').keys()).toEqual(
      expect.arrayContaining([`${A}res`, `${B}res`]),
    );
    await la.release();
    await lb.release();
    expect(await root.get(`${A}res`).string()).toBeNull();
  });

  it('compact is untouched; etcdctl sees the real keys; neither client sees the other', async () => {
    const rev = Number((await a.kv.range({ key: b('k') })).header.revision);
    await a.kv.compact({ revision: String(rev) });
    await expect(a.get('k').revision(rev - 1)).rejects.toThrow('required revision has been compacted');

    const ctl = await etcdctl(target.endpoints, ['get', '--prefix', '--keys-only', '/flotilla/']);
    const listed = ctl.split('\n').filter(Boolean);
    expect(listed).toEqual(expect.arrayContaining([`${A}k`, `${B}k`, `${A}dir/1`, `${B}dir/3`]));

    const inA = await a.getAll().strings();
    const inB = await bb.getAll().strings();
    const strip = (pfx: string, all: Record<string, string>) =>
      Object.fromEntries(Object.entries(all).map(([k, v]) => [k.slice(pfx.length), v]));
    expect(inA).toEqual(strip(A, await root.getAll().prefix(A).strings()));
    expect(inB).toEqual(strip(B, await root.getAll().prefix(B).strings()));
    expect(inA.k).toBe('a');
    expect(inB.k).toBe('b');
    expect(Object.keys(inA).some((k) => k.startsWith('/flotilla/'))).toBe(false);
    expect(Object.keys(inA)).not.toContain('dir/3');
  });
});
