import { describe, expect, it } from 'vitest';
import { converge, enc, localValue, missingOn, startWriters, until, useClusters } from './test-helpers';

const start = useClusters();

describe('ClusterRunner under faults', () => {
  it('leader stop → a new leader; no acknowledged write is lost', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    const w = startWriters(c, 4, 'stop');
    await until(() => w.acked.size >= 50, 10_000, 'writes');
    await c.stop(c.indexOf(l.id));
    const nl = await c.waitForLeader(10_000, l.id);
    expect(nl.id).not.toBe(l.id);
    const before = w.acked.size;
    await until(() => w.acked.size >= before + 50, 10_000, 'writes under the new leader');
    await w.stop();
    await converge(c);
    for (const { member } of c.running()) expect(missingOn(member, w.acked)).toEqual([]);
    // The stopped one comes back and catches up.
    const back = await c.restart(c.indexOf(l.id));
    await converge(c);
    expect(missingOn(back, w.acked)).toEqual([]);
  });

  it('a member killed mid-write recovers every acknowledged entry from its WAL', async () => {
    const c = await start(3);
    await c.waitForLeader();
    const w = startWriters(c, 8, 'kill');
    await until(() => w.acked.size >= 100, 10_000, 'writes');
    // Kill the leader itself: the hardest case (its own in-flight appends are lost).
    const victim = c.indexOf(c.leader()!.id);
    await c.kill(victim);
    const mid = w.acked.size;
    await until(() => w.acked.size >= mid + 100, 10_000, 'writes after the kill');
    const restarted = await c.restart(victim);
    const after = w.acked.size;
    await until(() => w.acked.size >= after + 50, 10_000, 'writes after the restart');
    await w.stop();
    await converge(c);
    expect(restarted.running).toBe(true);
    for (const { member } of c.running()) expect(missingOn(member, w.acked)).toEqual([]);
  });

  it('partitioned leader: the minority cannot commit, the majority elects a new leader, heal → catch-up', async () => {
    const c = await start(3, { requestTimeoutMs: 1_000 });
    const old = await c.waitForLeader();
    await old.put({ key: enc('before'), value: enc('1') });
    c.partition(c.indexOf(old.id));
    const lost = old.put({ key: enc('minority'), value: enc('x') }).then(
      () => 'committed',
      (e: Error) => e.message,
    );
    const nl = await c.waitForLeader(10_000, old.id);
    await nl.put({ key: enc('majority'), value: enc('2') });
    expect(await lost).toMatch(/etcdserver: (request timed out|no leader)/);
    // The old leader noticed it lost its quorum (check-quorum) and refuses writes.
    await until(() => !old.isLeader, 5_000, 'old leader to step down');
    await expect(old.put({ key: enc('minority2'), value: enc('y') })).rejects.toThrow(/etcdserver/);
    c.heal();
    await until(() => localValue(old, 'majority') === '2', 10_000, 'old leader to catch up');
    await converge(c);
    for (const { member } of c.running()) {
      expect(localValue(member, 'before')).toBe('1');
      expect(localValue(member, 'minority')).toBeUndefined();
      expect(localValue(member, 'minority2')).toBeUndefined();
      expect(member.leaderId).toBe(c.leader()!.id);
    }
  });

  it('expires leases on the leader and revokes them through the log', async () => {
    const c = await start(3, { minLeaseTtl: 1 });
    const l = await c.waitForLeader();
    const g = await l.leaseGrant({ ttl: 1, id: 0n });
    await l.put({ key: enc('leased'), value: enc('x'), lease: g.id });
    const kept = await l.leaseGrant({ ttl: 1, id: 0n });
    await l.put({ key: enc('kept'), value: enc('y'), lease: kept.id });
    const keepAlive = setInterval(() => l.leaseRenew(kept.id), 200);
    try {
      await until(
        () => c.running().every(({ member }) => localValue(member, 'leased') === undefined),
        5_000,
        'expiry',
      );
      expect(localValue(l, 'kept')).toBe('y');
      expect(l.leaseTimeToLive({ id: g.id }).ttl).toBe(-1);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('5 members under random kills, restarts and partitions keep every acked write and converge', async () => {
    const c = await start(5, { snapshotCount: 300, snapshotCatchUpEntries: 50 });
    await c.waitForLeader();
    const w = startWriters(c, 16, 'chaos');
    // Seeded, so a failure replays the same fault schedule.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const down = new Set<number>();
    for (let round = 0; round < 12; round++) {
      const action = rnd(4);
      const i = rnd(5);
      if (down.has(i)) {
        await c.restart(i);
        down.delete(i);
      } else if (action === 0 && down.size < 2) {
        await c.kill(i);
        down.add(i);
      } else if (action === 1 && down.size < 2) {
        await c.stop(i);
        down.add(i);
      } else if (action === 2) {
        c.partition(i);
      } else {
        c.heal();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    c.heal();
    for (const i of down) await c.restart(i);
    const before = w.acked.size;
    await until(() => w.acked.size >= before + 100, 15_000, 'writes after the faults');
    await w.stop();
    await converge(c, 15_000);
    expect(w.acked.size).toBeGreaterThan(500);
    const hashes = new Set<number>();
    for (const { member } of c.running()) {
      expect(missingOn(member, w.acked)).toEqual([]);
      hashes.add(member.store.hashKV(member.store.currentRevision).hash);
    }
    expect(c.running()).toHaveLength(5);
    expect(hashes.size).toBe(1);
  });
});
