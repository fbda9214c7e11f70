// The reboot lock against a real 3-member etcd 3.4 and a 3-member Flotilla KV, through the etcd3
// client only: locksmith's key and exact JSON, lock/unlock/set-max, groups, machines racing for
// the last slot, a hand-written bad value left alone, and a writer slipping in between our read
// and our compare-and-swap without losing its change.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type ClusterKind, type RunningCluster } from '../kv/conformance/clusters';
import { LockError, Locksmith, lockKey } from './locksmith';

const DEFAULT_KEY = 'coreos.com/updateengine/rebootlock/semaphore';

async function lockErrorOf(p: Promise<unknown>): Promise<LockError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LockError);
  return err as LockError;
}

describe.each<ClusterKind>(['etcd', 'flotilla'])('reboot lock against %s', (kind) => {
  let cluster: RunningCluster;
  const clients: Etcd3[] = [];
  let client: Etcd3;
  let ls: Locksmith;

  /** A client of its own, as another machine's locksmithd would have; closed in afterAll. */
  const newClient = () => {
    const c = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
    clients.push(c);
    return c;
  };

  /** The value as etcdctl would show it, and its revisions. */
  async function raw(key: string) {
    const kv = (await client.kv.range({ key: Buffer.from(key) })).kvs[0];
    return kv
      ? {
          text: kv.value.toString(),
          json: JSON.parse(kv.value.toString()) as unknown,
          mod: Number(kv.mod_revision),
        }
      : undefined;
  }

  beforeAll(async () => {
    cluster = await startCluster(kind);
    client = newClient();
    ls = new Locksmith(client);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('status of a fresh cluster reports the default without writing; the first lock creates the key', async () => {
    expect(await ls.status()).toEqual({ group: '', key: DEFAULT_KEY, semaphore: 1, max: 1, holders: [] });
    expect(await raw(DEFAULT_KEY)).toBeUndefined();

    expect(await ls.lock('m1')).toMatchObject({ semaphore: 0, max: 1, holders: ['m1'] });
    expect((await raw(DEFAULT_KEY))!.text).toBe('{"semaphore":0,"max":1,"holders":["m1"]}');

    const held = await lockErrorOf(ls.lock('m1'));
    expect(held.code).toBe('HELD');
    expect(held.message).toMatch(/already held by m1/);
    const full = await lockErrorOf(ls.lock('m2'));
    expect(full.code).toBe('NO_SLOT');
    expect(full.holders).toEqual(['m1']);
    const notHolder = await lockErrorOf(ls.unlock('m2'));
    expect(notHolder.code).toBe('NOT_HOLDER');
    // Refusals leave the key untouched.
    const before = (await raw(DEFAULT_KEY))!.mod;

    expect(await ls.unlock('m1')).toMatchObject({ semaphore: 1, max: 1, holders: [] });
    const after = (await raw(DEFAULT_KEY))!;
    expect(after.text).toBe('{"semaphore":1,"max":1,"holders":[]}');
    expect(after.mod).toBeGreaterThan(before);
    expect(await ls.status()).toEqual({ group: '', key: DEFAULT_KEY, semaphore: 1, max: 1, holders: [] });
  });

  it('any command creates the key on first use, even one refused; bad arguments write nothing', async () => {
    const key = lockKey('first-use');
    const e = await lockErrorOf(ls.unlock('m1', 'first-use'));
    expect(e.code).toBe('NOT_HOLDER');
    expect((await raw(key))!.json).toEqual({ semaphore: 1, max: 1, holders: [] });

    expect((await lockErrorOf(ls.setMax(0, 'never'))).code).toBe('BAD_VALUE');
    expect((await lockErrorOf(ls.lock('', 'never'))).code).toBe('BAD_VALUE');
    expect((await lockErrorOf(ls.lock('m1', 'bad/group'))).code).toBe('BAD_GROUP');
    expect((await lockErrorOf(ls.status('../x'))).code).toBe('BAD_GROUP');
    expect(await raw(lockKey('never'))).toBeUndefined();
    const all = await client.getAll().prefix('coreos.com/updateengine/rebootlock/').keys();
    expect(all.sort()).toEqual([lockKey('first-use'), DEFAULT_KEY]);
  });

  it('set-max raises and lowers; below the holders nobody new gets in until enough unlock', async () => {
    const g = 'maxed';
    const key = lockKey(g);
    expect(await ls.setMax(2, g)).toEqual({ old: 1, new: 2 });
    expect((await raw(key))!.text).toBe('{"semaphore":2,"max":2,"holders":[]}');
    await ls.lock('b', g);
    await ls.lock('a', g);
    expect((await raw(key))!.text).toBe('{"semaphore":0,"max":2,"holders":["a","b"]}');

    expect(await ls.setMax(1, g)).toEqual({ old: 2, new: 1 });
    expect((await raw(key))!.text).toBe('{"semaphore":-1,"max":1,"holders":["a","b"]}');
    expect((await lockErrorOf(ls.lock('c', g))).code).toBe('NO_SLOT');
    await ls.unlock('a', g);
    expect(await ls.status(g)).toMatchObject({ semaphore: 0, max: 1, holders: ['b'] });
    const still = await lockErrorOf(ls.lock('c', g));
    expect(still).toMatchObject({ code: 'NO_SLOT', holders: ['b'] });
    await ls.unlock('b', g);
    await ls.lock('c', g);
    expect((await raw(key))!.text).toBe('{"semaphore":0,"max":1,"holders":["c"]}');
    expect(await ls.setMax(3, g)).toEqual({ old: 1, new: 3 });
    expect(await ls.status(g)).toEqual({ group: g, key, semaphore: 2, max: 3, holders: ['c'] });
  });

  it('groups are separate keys with separate slots', async () => {
    await ls.lock('web1', 'web');
    await ls.lock('db1', 'db');
    expect(await ls.status('web')).toMatchObject({
      key: 'coreos.com/updateengine/rebootlock/groups/web/semaphore',
      semaphore: 0,
      holders: ['web1'],
    });
    expect(await ls.status('db')).toMatchObject({ semaphore: 0, holders: ['db1'] });
    expect((await raw('coreos.com/updateengine/rebootlock/groups/db/semaphore'))!.json).toEqual({
      semaphore: 0,
      max: 1,
      holders: ['db1'],
    });
    // The default group's slot is not theirs.
    expect((await ls.status()).holders).toEqual([]);
    expect((await lockErrorOf(ls.unlock('web1', 'db'))).code).toBe('NOT_HOLDER');
    await ls.unlock('web1', 'web');
    await ls.unlock('db1', 'db');
  });

  it('three machines racing for two slots: exactly two get in, holders sorted', async () => {
    for (let round = 0; round < 3; round++) {
      const g = `race-${round}`;
      await ls.setMax(2, g);
      const machines = ['m-c', 'm-a', 'm-b'].map((id) => ({ id, ls: new Locksmith(newClient()) }));
      const results = await Promise.allSettled(machines.map((m) => m.ls.lock(m.id, g)));
      const won = machines.filter((_, i) => results[i]!.status === 'fulfilled').map((m) => m.id);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(2);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(LockError);
      expect((lost[0]!.reason as LockError).code).toBe('NO_SLOT');
      expect((lost[0]!.reason as LockError).holders).toEqual([...won].sort());
      expect((await raw(lockKey(g)))!.json).toEqual({ semaphore: 0, max: 2, holders: [...won].sort() });
    }
  });

  it('a hand-written bad value is reported with its key and left as it is', async () => {
    const g = 'garbage';
    const key = lockKey(g);
    for (const value of ['not json at all', '{"semaphore":1,"max":1,"holders":["x"]}']) {
      await client.put(key).value(value);
      const mod = (await client.kv.range({ key: Buffer.from(key) })).kvs[0]!.mod_revision;
      // Started one at a time: a rejection nobody awaits yet would be unhandled.
      const ops = [
        () => ls.status(g),
        () => ls.lock('m1', g),
        () => ls.unlock('m1', g),
        () => ls.setMax(3, g),
      ];
      for (const op of ops) {
        const e = await lockErrorOf(op());
        expect(e.code).toBe('BAD_VALUE');
        expect(e.message).toContain(key);
        expect(e.message).toContain(`etcdctl put ${key} '{"semaphore":1,"max":1,"holders":[]}'`);
      }
      const kv = (await client.kv.range({ key: Buffer.from(key) })).kvs[0]!;
      expect(kv.value.toString()).toBe(value);
      expect(kv.mod_revision).toBe(mod);
    }
    // Repaired by hand as the message says: usable again.
    await client.put(key).value('{"semaphore":1,"max":1,"holders":[]}');
    await ls.lock('m1', g);
    expect(await ls.status(g)).toMatchObject({ semaphore: 0, holders: ['m1'] });
  });

  it('a writer slipping in between our read and our swap keeps its change (existing and absent key)', async () => {
    const other = new Locksmith(newClient());
    for (const g of ['cas-new', 'cas-old']) {
      if (g === 'cas-old') await ls.setMax(2, g);
      const attempts: number[] = [];
      const racing = new Locksmith(newClient(), {
        beforeSwap: async (_key, attempt) => {
          attempts.push(attempt);
          // Once, after our read: another machine takes a slot (and, for 'cas-new', creates the key).
          if (attempt === 1) {
            if (g === 'cas-new') await other.setMax(2, g);
            await other.lock('intruder', g);
          }
        },
      });
      expect(await racing.lock('m1', g)).toMatchObject({ semaphore: 0, max: 2, holders: ['intruder', 'm1'] });
      expect(attempts).toEqual([1, 2]);
      expect((await raw(lockKey(g)))!.text).toBe('{"semaphore":0,"max":2,"holders":["intruder","m1"]}');
    }
  });

  it('many machines locking, unlocking and setting max at once never lose a change', async () => {
    const g = 'stress';
    await ls.setMax(2, g);
    const ids = ['w0', 'w1', 'w2', 'w3'];
    const believed = new Map(ids.map((id) => [id, false]));
    const outcomes = { locked: 0, unlocked: 0, noSlot: 0 };
    let lastMax = 2;
    // Counts swaps after a lost race: proof the test contends, not just runs side by side.
    let retries = 0;
    const opts = { beforeSwap: (_k: string, attempt: number) => void (attempt > 1 && retries++) };
    const worker = async (id: string) => {
      const me = new Locksmith(newClient(), opts);
      for (let i = 0; i < 15; i++) {
        const holds = believed.get(id)!;
        // Mostly toggle, sometimes repeat, so HELD and NOT_HOLDER come up too.
        const tryLock = Math.random() < 0.2 ? holds : !holds;
        if (tryLock) {
          const r = await me.lock(id, g).then(
            () => 'ok',
            (e: LockError) => e.code,
          );
          // What the KV answers must match what this machine knows it holds.
          if (holds) expect(r).toBe('HELD');
          else expect(['ok', 'NO_SLOT']).toContain(r);
          if (r === 'ok') {
            believed.set(id, true);
            outcomes.locked++;
          }
          if (r === 'NO_SLOT') outcomes.noSlot++;
        } else {
          const r = await me.unlock(id, g).then(
            () => 'ok',
            (e: LockError) => e.code,
          );
          expect(r).toBe(holds ? 'ok' : 'NOT_HOLDER');
          if (r === 'ok') {
            believed.set(id, false);
            outcomes.unlocked++;
          }
        }
      }
    };
    const maxSetter = async () => {
      const me = new Locksmith(newClient(), opts);
      for (let i = 0; i < 8; i++) {
        const n = i % 2 === 0 ? 3 : 2;
        await me.setMax(n, g);
        lastMax = n;
      }
    };
    await Promise.all([...ids.map(worker), maxSetter()]);

    const holders = ids.filter((id) => believed.get(id)).sort();
    const stored = (await raw(lockKey(g)))!.json as { semaphore: number; max: number; holders: string[] };
    expect(stored).toEqual({ semaphore: lastMax - holders.length, max: lastMax, holders });
    expect(outcomes.locked).toBeGreaterThan(0);
    expect(outcomes.unlocked).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
  });
});
