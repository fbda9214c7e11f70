import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as net from 'node:net';
import type { ClientDuplexStream, ClientReadableStream } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { call, rawClients, sleep, startCluster, type TestCluster } from './test-helpers';

let tc: TestCluster;
let raw: ReturnType<typeof rawClients>;
let rawFollower: ReturnType<typeof rawClients>;

beforeAll(async () => {
  tc = await startCluster(3);
  raw = rawClients(tc.servers[await tc.leader()]!.endpoint);
  rawFollower = rawClients(tc.servers[await tc.follower()]!.endpoint);
});

afterAll(async () => {
  raw?.close();
  rawFollower?.close();
  await tc?.close();
});

const b = (s: string) => Buffer.from(s);

describe('KV over raw gRPC', () => {
  it('put, range, header', async () => {
    const put = await call(raw.KV!, 'Put', { key: b('raw/a'), value: b('1') });
    const h = put.header as Record<string, string>;
    expect(BigInt(h.cluster_id!)).toBe(tc.cluster.member(0).clusterId);
    expect(Number(h.revision)).toBeGreaterThan(1);
    expect(Number(h.raft_term)).toBeGreaterThan(0);
    const got = await call(raw.KV!, 'Range', { key: b('raw/a') });
    const kvs = got.kvs as Record<string, unknown>[];
    expect(kvs).toHaveLength(1);
    expect(String(kvs[0]!.value)).toBe('1');
    expect(kvs[0]!.version).toBe('1');
  });

  it('writes and linearizable reads through a follower', async () => {
    await call(rawFollower.KV!, 'Put', { key: b('raw/f'), value: b('via-follower') });
    const got = await call(rawFollower.KV!, 'Range', { key: b('raw/f') });
    expect(String((got.kvs as Record<string, unknown>[])[0]!.value)).toBe('via-follower');
    const ser = await call(rawFollower.KV!, 'Range', { key: b('raw/f'), serializable: true });
    expect(ser.count).toBe('1');
  });

  it('answers etcd error texts', async () => {
    await expect(call(raw.KV!, 'Put', { key: b('') })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: key is not provided',
    });
    await expect(call(raw.KV!, 'Range', { key: b('x'), revision: '999999' })).rejects.toMatchObject({
      code: 11,
      details: 'etcdserver: mvcc: required revision is a future revision',
    });
    const ops = Array.from({ length: 129 }, (_, i) => ({ request_put: { key: b(`t/${i}`), value: b('v') } }));
    await expect(call(raw.KV!, 'Txn', { success: ops })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: too many operations in txn request',
    });
    const dup = [
      { request_put: { key: b('d'), value: b('1') } },
      { request_put: { key: b('d'), value: b('2') } },
    ];
    await expect(call(raw.KV!, 'Txn', { success: dup })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: duplicate key given in txn request',
    });
    await expect(
      call(raw.KV!, 'Put', { key: b('big'), value: Buffer.alloc(1.5 * 1024 * 1024 + 10, 1) }),
    ).rejects.toMatchObject({ code: 3, details: 'etcdserver: request is too large' });
    await expect(call(raw.Lease!, 'LeaseRevoke', { ID: '12345' })).rejects.toMatchObject({
      code: 5,
      details: 'etcdserver: requested lease not found',
    });
  });

  it('compaction: compacted reads are OutOfRange', async () => {
    const p1 = await call(raw.KV!, 'Put', { key: b('c/k'), value: b('1') });
    await call(raw.KV!, 'Put', { key: b('c/k'), value: b('2') });
    const rev = Number((p1.header as Record<string, string>).revision);
    await call(raw.KV!, 'Compact', { revision: String(rev + 1) });
    await expect(call(raw.KV!, 'Range', { key: b('c/k'), revision: String(rev) })).rejects.toMatchObject({
      code: 11,
      details: 'etcdserver: mvcc: required revision has been compacted',
    });
  });

  it('garbage on the port does not hurt the member', async () => {
    const port = tc.servers[0]!.port;
    for (const junk of [
      Buffer.from([0, 1, 2, 3, 255, 254]),
      b('PRI * HTTP/2.0\r\n\r\nXX garbage'),
      b('GET /\r\n\r\n'),
    ]) {
      await new Promise<void>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.end(junk));
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.resume();
      });
    }
    const c = rawClients(tc.servers[0]!.endpoint);
    try {
      const got = await call(c.KV!, 'Range', { key: b('raw/a') });
      expect(got.count).toBe('1');
    } finally {
      c.close();
    }
  });
});

describe('the etcd3 client', () => {
  it('kv, txn, lease, watch, cluster, maintenance', async () => {
    const hosts = tc.servers.map((s) => s.url);
    const client = new Etcd3({ hosts });
    try {
      await client.put('e3/a').value('A');
      await client.put('e3/b').value('B');
      expect(await client.get('e3/a').string()).toBe('A');
      expect(await client.getAll().prefix('e3/').keys()).toEqual(['e3/a', 'e3/b']);
      const t = await client
        .if('e3/a', 'Value', '==', 'A')
        .then(client.put('e3/c').value('C'))
        .else(client.put('e3/c').value('X'))
        .commit();
      expect(t.succeeded).toBe(true);
      expect(await client.get('e3/c').string()).toBe('C');
      await client.delete().key('e3/c');
      expect(await client.get('e3/c').string()).toBeNull();

      const lease = client.lease(2);
      await lease.put('e3/leased').value('L');
      const id = await lease.grant();
      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
      expect(Number(ttl.TTL)).toBeGreaterThan(0);
      expect(ttl.keys.map((k) => k.toString())).toEqual(['e3/leased']);
      await lease.revoke();
      expect(await client.get('e3/leased').string()).toBeNull();

      const events: string[] = [];
      const w = await client.watch().prefix('e3/w/').withPreviousKV().create();
      w.on('put', (kv, prev) =>
        events.push(`put ${kv.key.toString()}=${kv.value.toString()} prev=${prev?.value.toString() ?? ''}`),
      );
      w.on('delete', (kv) => events.push(`del ${kv.key.toString()}`));
      await client.put('e3/w/1').value('a');
      await client.put('e3/w/1').value('b');
      await client.delete().key('e3/w/1');
      for (let i = 0; i < 200 && events.length < 3; i++) await sleep(20);
      expect(events).toEqual(['put e3/w/1=a prev=', 'put e3/w/1=b prev=a', 'del e3/w/1']);
      await w.cancel();

      const members = await client.cluster.memberList({});
      expect(members.members).toHaveLength(3);
      expect(members.members.every((m) => m.clientURLs.length === 1)).toBe(true);
      const st = await client.maintenance.status({});
      expect(st.version).toBe('3.4.23');
      const alarms = await client.maintenance.alarm({ action: 'Get' as never });
      expect(alarms.alarms).toEqual([]);
    } finally {
      client.close();
    }
  });
});

type Msg = Record<string, unknown>;

function openWatch(client: ReturnType<typeof rawClients>) {
  const stream = (client.Watch as unknown as { Watch(): ClientDuplexStream<Msg, Msg> }).Watch();
  const got: Msg[] = [];
  stream.on('data', (m: Msg) => got.push(m));
  stream.on('error', () => undefined);
  const until = async (pred: (ms: Msg[]) => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred(got)) {
      if (Date.now() > end) throw new Error(`watch: timed out; got ${JSON.stringify(got)}`);
      await sleep(10);
    }
  };
  return { stream, got, until };
}

const evKeys = (ms: Msg[]) =>
  ms.flatMap((m) =>
    ((m.events as Msg[]) ?? []).map((e) => `${e.type === 1 ? 'DEL' : 'PUT'} ${String((e.kv as Msg).key)}`),
  );

describe('Watch over raw gRPC', () => {
  it('prefix, start revision, prev_kv, cancel, progress', async () => {
    const first = await call(raw.KV!, 'Put', { key: b('w/a'), value: b('1') });
    const rev = Number((first.header as Msg & { revision: string }).revision);
    await call(raw.KV!, 'Put', { key: b('w/a'), value: b('2') });
    await call(raw.KV!, 'Put', { key: b('other'), value: b('x') });
    await call(raw.KV!, 'DeleteRange', { key: b('w/a') });
    const w = openWatch(rawFollower);
    w.stream.write({
      create_request: { key: b('w/'), range_end: b('w0'), start_revision: String(rev), prev_kv: true },
    });
    await w.until((ms) => evKeys(ms).length >= 3);
    expect(w.got[0]).toMatchObject({ created: true, watch_id: '0' });
    expect(evKeys(w.got)).toEqual(['PUT w/a', 'PUT w/a', 'DEL w/a']);
    const all = w.got.flatMap((m) => (m.events as Msg[]) ?? []);
    expect(String((all[1]!.prev_kv as Msg).value)).toBe('1');
    expect(String((all[2]!.prev_kv as Msg).value)).toBe('2');
    // a second watcher gets id 1; cancel it
    w.stream.write({ create_request: { key: b('zzz') } });
    await w.until((ms) => ms.some((m) => m.created && m.watch_id === '1'));
    w.stream.write({ cancel_request: { watch_id: '1' } });
    await w.until((ms) => ms.some((m) => m.canceled && m.watch_id === '1'));
    w.stream.write({ progress_request: {} });
    await w.until((ms) => ms.some((m) => m.watch_id === '-1'));
    // live events for the first watcher
    await call(raw.KV!, 'Put', { key: b('w/b'), value: b('live') });
    await w.until((ms) => evKeys(ms).includes('PUT w/b'));
    w.stream.end();
  });

  it('a start revision below the compaction: created, then canceled with compact_revision', async () => {
    const p = await call(raw.KV!, 'Put', { key: b('wc/k'), value: b('1') });
    const rev = Number((p.header as Msg & { revision: string }).revision);
    await call(raw.KV!, 'Put', { key: b('wc/k'), value: b('2') });
    await call(raw.KV!, 'Compact', { revision: String(rev + 1) });
    const w = openWatch(raw);
    w.stream.write({ create_request: { key: b('wc/k'), start_revision: String(rev) } });
    await w.until((ms) => ms.length >= 2);
    expect(w.got[0]).toMatchObject({ created: true });
    expect(w.got[0]!.canceled).toBeFalsy();
    expect(w.got[1]).toMatchObject({ canceled: true, compact_revision: String(rev + 1) });
    w.stream.end();
  });
});

describe('Lease over raw gRPC', () => {
  it('grant, keepalive through a follower, timetolive with keys, leases, revoke deletes keys', async () => {
    const g = await call(rawFollower.Lease!, 'LeaseGrant', { TTL: '1' });
    expect(Number(g.TTL)).toBeGreaterThanOrEqual(2); // raised to the minimum TTL
    const id = g.ID as string;
    await call(rawFollower.KV!, 'Put', { key: b('lease/k'), value: b('v'), lease: id });
    const ka = (
      rawFollower.Lease as unknown as {
        LeaseKeepAlive(): ClientDuplexStream<Msg, Msg>;
      }
    ).LeaseKeepAlive();
    const replies: Msg[] = [];
    ka.on('data', (m: Msg) => replies.push(m));
    ka.on('error', () => undefined);
    ka.write({ ID: id });
    ka.write({ ID: '987654321' });
    for (let i = 0; i < 300 && replies.length < 2; i++) await sleep(10);
    expect(replies[0]).toMatchObject({ ID: id, TTL: g.TTL });
    expect(replies[1]).toMatchObject({ ID: '987654321', TTL: '0' });
    ka.end();
    const ttl = await call(rawFollower.Lease!, 'LeaseTimeToLive', { ID: id, keys: true });
    expect(Number(ttl.TTL)).toBeGreaterThan(0);
    expect((ttl.keys as Buffer[]).map(String)).toEqual(['lease/k']);
    const unknown = await call(raw.Lease!, 'LeaseTimeToLive', { ID: '42' });
    expect(unknown.TTL).toBe('-1');
    const list = await call(raw.Lease!, 'LeaseLeases', {});
    expect((list.leases as Msg[]).map((l) => l.ID)).toContain(id);
    await call(raw.Lease!, 'LeaseRevoke', { ID: id });
    const after = await call(raw.KV!, 'Range', { key: b('lease/k') });
    expect(after.count).toBe('0');
  });

  it('an unrenewed lease expires and takes its keys', async () => {
    const g = await call(raw.Lease!, 'LeaseGrant', { TTL: '2' });
    await call(raw.KV!, 'Put', { key: b('exp/k'), value: b('v'), lease: g.ID });
    for (let i = 0; i < 100; i++) {
      const r = await call(raw.KV!, 'Range', { key: b('exp/k') });
      if (r.count === '0') return;
      await sleep(100);
    }
    throw new Error('lease did not expire');
  });
});

describe('Cluster and Maintenance over raw gRPC', () => {
  it('member list, add, remove; status; hash; alarm; snapshot; move leader errors', async () => {
    const list = await call(rawFollower.Cluster!, 'MemberList', { linearizable: true });
    expect((list.members as Msg[]).length).toBe(3);
    const added = await call(raw.Cluster!, 'MemberAdd', { peerURLs: ['http://127.0.0.1:1'] });
    const id = (added.member as Msg).ID as string;
    expect((added.member as Msg).name ?? '').toBe(''); // not started yet: no name, like etcd
    expect((added.members as Msg[]).length).toBe(4);
    await expect(call(raw.Cluster!, 'MemberAdd', { peerURLs: ['http://127.0.0.1:1'] })).rejects.toMatchObject(
      {
        code: 9,
        details: 'etcdserver: Peer URLs already exists',
      },
    );
    await expect(call(raw.Cluster!, 'MemberAdd', { peerURLs: ['not a url'] })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: given member URLs are invalid',
    });
    const removed = await call(raw.Cluster!, 'MemberRemove', { ID: id });
    expect((removed.members as Msg[]).length).toBe(3);
    await expect(call(raw.Cluster!, 'MemberRemove', { ID: id })).rejects.toMatchObject({
      code: 5,
      details: 'etcdserver: member not found',
    });

    const learner = await call(raw.Cluster!, 'MemberAdd', {
      peerURLs: ['http://127.0.0.1:2'],
      isLearner: true,
    });
    const lid = (learner.member as Msg).ID as string;
    expect((learner.member as Msg).isLearner).toBe(true);
    for (const c of [rawFollower, raw]) {
      await expect(call(c.Cluster!, 'MemberPromote', { ID: lid })).rejects.toMatchObject({
        code: 9,
        details: 'etcdserver: can only promote a learner member which is in sync with leader',
      });
    }
    await expect(
      call(raw.Cluster!, 'MemberPromote', { ID: (list.members as Msg[])[0]!.ID }),
    ).rejects.toMatchObject({
      code: 9,
      details: 'etcdserver: can only promote a learner member',
    });
    await call(raw.Cluster!, 'MemberRemove', { ID: lid });

    const st = await call(rawFollower.Maintenance!, 'Status', {});
    const leaderId = tc.cluster.leader()!.id;
    expect(BigInt(st.leader as string)).toBe(leaderId);
    expect(st.version).toBe('3.4.23');
    expect(Number(st.raftIndex)).toBeGreaterThan(0);
    expect(st.errors ?? []).toEqual([]);
    const h = await call(raw.Maintenance!, 'HashKV', {});
    expect(typeof h.hash).toBe('number');
    expect((await call(raw.Maintenance!, 'Alarm', {})).alarms ?? []).toEqual([]);
    await call(raw.Maintenance!, 'Defragment', {});
    await expect(call(rawFollower.Maintenance!, 'MoveLeader', { targetID: '1' })).rejects.toMatchObject({
      code: 9,
      details: 'etcdserver: not leader',
    });
    await expect(call(raw.Maintenance!, 'MoveLeader', { targetID: '1' })).rejects.toMatchObject({
      code: 9,
      details: 'etcdserver: bad leader transferee',
    });
    const snap = (raw.Maintenance as unknown as { Snapshot(r: Msg): ClientReadableStream<Msg> }).Snapshot({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      snap.on('data', (m: Msg) => chunks.push(m.blob as Buffer));
      snap.on('end', () => resolve());
      snap.on('error', reject);
    });
    const blob = Buffer.concat(chunks);
    expect((blob.length - 32) % 512).toBe(0);
  });
});

describe('JSON gateway', () => {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${tc.servers[0]!.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Msg };
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('kv endpoints speak etcd gateway JSON', async () => {
    const put = await post('/v3/kv/put', { key: b64('gw/a'), value: b64('1') });
    expect(put.status).toBe(200);
    expect(Object.keys(put.json.header as Msg)).toEqual(['cluster_id', 'member_id', 'revision', 'raft_term']);
    const got = await post('/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0') });
    expect(got.json.count).toBe('1');
    const kv = (got.json.kvs as Msg[])[0]!;
    expect(kv).toMatchObject({ key: b64('gw/a'), value: b64('1'), version: '1' });
    expect(Object.keys(kv)).toEqual(['key', 'create_revision', 'mod_revision', 'version', 'value']);
    const txn = await post('/v3/kv/txn', {
      compare: [{ key: b64('gw/a'), target: 'VALUE', result: 'EQUAL', value: b64('1') }],
      success: [{ request_put: { key: b64('gw/b'), value: b64('2') } }],
    });
    expect(txn.json.succeeded).toBe(true);
    expect((txn.json.responses as Msg[])[0]).toEqual({
      response_put: { header: { revision: (txn.json.header as Msg).revision } },
    });
    const del = await post('/v3/kv/deleterange', { key: b64('gw/b'), prev_kv: true });
    expect(del.json.deleted).toBe('1');
    const err = await post('/v3/kv/put', { key: '' });
    expect(err).toEqual({
      status: 400,
      json: { error: 'etcdserver: key is not provided', message: 'etcdserver: key is not provided', code: 3 },
    });
    const rev = Number((del.json.header as Msg).revision);
    const comp = await post('/v3/kv/compaction', { revision: String(rev) });
    expect(comp.status).toBe(200);
    const old = await post('/v3/kv/range', { key: b64('gw/a'), revision: String(rev - 1) });
    expect(old.json).toMatchObject({
      code: 11,
      error: 'etcdserver: mvcc: required revision has been compacted',
    });
    expect((await fetch(`${tc.servers[0]!.url}/v3/nope`, { method: 'POST' })).status).toBe(404);
  });

  it('lease, cluster and maintenance endpoints', async () => {
    const g = await post('/v3/lease/grant', { TTL: '30' });
    const id = g.json.ID as string;
    expect(g.json.TTL).toBe('30');
    const t = await post('/v3/lease/timetolive', { ID: id, keys: true });
    expect(t.json.grantedTTL).toBe('30');
    expect(((await post('/v3/lease/leases', {})).json.leases as Msg[]).map((l) => l.ID)).toContain(id);
    const ka = await fetch(`${tc.servers[0]!.url}/v3/lease/keepalive`, {
      method: 'POST',
      body: JSON.stringify({ ID: id }),
    });
    expect(JSON.parse((await ka.text()).trim())).toMatchObject({ result: { ID: id, TTL: '30' } });
    expect((await post('/v3/lease/revoke', { ID: id })).status).toBe(200);
    expect((await post('/v3/lease/timetolive', { ID: id })).json.TTL).toBe('-1');
    const ml = await post('/v3/cluster/member/list', {});
    expect((ml.json.members as Msg[]).length).toBe(3);
    expect((ml.json.header as Msg).revision).toBeUndefined();
    const st = await post('/v3/maintenance/status', {});
    expect(st.json.version).toBe('3.4.23');
  });

  it('/v3/watch streams newline-delimited results', async () => {
    const ctrl = new AbortController();
    const r = await fetch(`${tc.servers[0]!.url}/v3/watch`, {
      method: 'POST',
      body: JSON.stringify({ create_request: { key: b64('gww/'), range_end: b64('gww0') } }),
      signal: ctrl.signal,
    });
    const reader = r.body!.getReader();
    const lines: Msg[] = [];
    let text = '';
    const readUntil = async (n: number) => {
      while (lines.length < n) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        let i;
        while ((i = text.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(text.slice(0, i)) as Msg);
          text = text.slice(i + 1);
        }
      }
    };
    await readUntil(1);
    expect((lines[0]!.result as Msg).created).toBe(true);
    await post('/v3/kv/put', { key: b64('gww/x'), value: b64('y') });
    await readUntil(2);
    const ev = ((lines[1]!.result as Msg).events as Msg[])[0]!;
    expect(ev.type).toBeUndefined(); // PUT is the zero value: omitted like etcd's gateway
    expect((ev.kv as Msg).key).toBe(b64('gww/x'));
    ctrl.abort();
    await reader.cancel().catch(() => undefined);
  });
});
