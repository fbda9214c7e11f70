import { describe, expect, it } from 'vitest';
import { converge, dec, enc, localValue, missingOn, startWriters, until, useClusters } from './test-helpers';

const start = useClusters();

describe('ClusterRunner', () => {
  it('a single member elects itself, writes and reads', async () => {
    const c = await start(1);
    const l = await c.waitForLeader();
    const put = await l.put({ key: enc('a'), value: enc('1') });
    expect(put.header.revision).toBe(2);
    const r = await l.range({ key: enc('a') });
    expect(dec(r.kvs[0]!.value)).toBe('1');
  });

  it('3 members elect one leader, replicate puts and serve linearizable reads anywhere', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    expect(c.running().filter(({ member }) => member.isLeader)).toHaveLength(1);
    for (let i = 0; i < 30; i++) await l.put({ key: enc(`k${i}`), value: enc(`v${i}`) });
    for (const { member } of c.running()) {
      // Linearizable: a read right after the write sees it, on followers too.
      const r = await member.range({ key: enc('k29') });
      expect(dec(r.kvs[0]!.value)).toBe('v29');
    }
    // Followers forward proposals to the leader.
    const f = c.running().find(({ member }) => !member.isLeader)!.member;
    await f.put({ key: enc('from-follower'), value: enc('x') });
    const r = await l.range({ key: enc('from-follower') });
    expect(r.kvs).toHaveLength(1);
    // Many concurrent reads are served (batched into few ReadIndex rounds).
    const rounds = f.metrics.readIndexRounds;
    const reads = await Promise.all(Array.from({ length: 50 }, () => f.range({ key: enc('k0') })));
    expect(f.metrics.readIndexRounds - rounds).toBeLessThanOrEqual(2);
    expect(reads.every((x) => dec(x.kvs[0]!.value) === 'v0')).toBe(true);
    const s = l.status();
    expect(s.role).toBe('leader');
    expect(s.peers).toHaveLength(2);
    expect(s.peers.every((p) => (p.match ?? 0) > 0)).toBe(true);
  });

  it('a killed follower restarted from its WAL alone (no leader help) still has what it had acked', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    for (let i = 0; i < 20; i++) await l.put({ key: enc(`p${i}`), value: enc(`${i}`) });
    await converge(c);
    const fi = c.running().find(({ member }) => !member.isLeader)!.index;
    await c.kill(fi);
    // Restart it cut off from everyone: whatever it has now came from its own disk.
    c.partition(fi);
    const m = await c.restart(fi);
    const committed = m.status().commit;
    expect(committed).toBeGreaterThan(20);
    for (let i = 0; i < 20; i++) expect(localValue(m, `p${i}`)).toBe(`${i}`);
    c.heal();
    await converge(c);
  });

  it('tells role listeners of elections, stops, crashes and restarts, so leader() can be read then', async () => {
    const c = await start(3);
    const seen: (bigint | undefined)[] = [];
    const off = c.onRoleChange(() => seen.push(c.leader()?.id));
    const l = await c.waitForLeader();
    const li = c.indexOf(l.id);
    await c.kill(li);
    // The crash itself is news: the dead leader no longer counts.
    expect(seen.at(-1)).toBeUndefined();
    const next = await c.waitForLeader(10_000, l.id);
    await until(() => seen.includes(next.id), 5_000, 'the new leader to be announced');
    const count = seen.length;
    await c.restart(li);
    expect(seen.length).toBeGreaterThan(count);
    off();
    const after = seen.length;
    await c.stop(li);
    expect(seen.length).toBe(after);
  });

  it('with no quorum, proposals fail with "etcdserver: no leader"', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    const li = c.indexOf(l.id);
    for (const { index } of c.running()) if (index !== li) await c.stop(index);
    await until(() => !l.isLeader && l.leaderId === 0n, 5_000, 'step down');
    await expect(l.put({ key: enc('x'), value: enc('y') })).rejects.toThrow('etcdserver: no leader');
    await expect(l.linearizableRead()).rejects.toThrow('etcdserver: no leader');
    // Serializable reads still answer from local state.
    expect((await l.range({ key: enc('x'), serializable: true })).kvs).toHaveLength(0);
  });

  it('a lagging member catches up by snapshot', async () => {
    const c = await start(3, { snapshotCount: 100, snapshotCatchUpEntries: 20 });
    const l = await c.waitForLeader();
    const fi = c.running().find(({ member }) => !member.isLeader)!.index;
    const lagLast = c.member(fi).status().lastIndex;
    await c.stop(fi);
    for (let b = 0; b < 20; b++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => l.put({ key: enc(`s${b * 20 + i}`), value: enc(`${b}`) })),
      );
    }
    // The leader has compacted past what the follower has: only a snapshot can bring it back.
    expect(l.status().firstIndex).toBeGreaterThan(lagLast + 1);
    const f = await c.restart(fi);
    let installed = 0;
    f.events.on('snapshot', (i: number) => (installed = i));
    await converge(c);
    expect(installed).toBeGreaterThan(lagLast);
    expect(
      missingOn(f, new Map(Array.from({ length: 400 }, (_, i) => [`s${i}`, `${Math.floor(i / 20)}`]))),
    ).toEqual([]);
    // And it restarts from its own snapshot + WAL afterwards.
    await c.stop(fi);
    const again = await c.restart(fi);
    expect(localValue(again, 's399')).toBe('19');
  });

  it('the whole cluster restarts from snapshots + WAL with every acknowledged write', async () => {
    const c = await start(3, { snapshotCount: 50, snapshotCatchUpEntries: 10 });
    await c.waitForLeader();
    const w = startWriters(c, 4, 'full');
    await until(() => w.acked.size >= 200, 10_000, 'writes');
    await w.stop();
    for (let i = 0; i < 3; i++) await c.stop(i);
    for (let i = 0; i < 3; i++) await c.restart(i);
    await converge(c);
    for (const { member } of c.running()) {
      expect(member.status().snapshotIndex).toBeGreaterThan(1);
      expect(missingOn(member, w.acked)).toEqual([]);
    }
  });

  it('adds and removes members, including the leader', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    await l.put({ key: enc('a'), value: enc('1') });
    const ni = await c.addMember('core-04');
    const n = c.member(ni);
    await until(() => localValue(n, 'a') === '1', 10_000, 'new member to catch up');
    expect(
      l
        .members()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['core-01', 'core-02', 'core-03', 'core-04']);
    await n.put({ key: enc('b'), value: enc('2') });
    await converge(c);
    // Remove a follower.
    const fi = c.running().find(({ member, index }) => !member.isLeader && index !== ni)!.index;
    await c.removeMember(fi);
    const l2 = await c.waitForLeader();
    expect(l2.members()).toHaveLength(3);
    // Remove the leader: the rest elect a new one and keep going.
    const li = c.indexOf(l2.id);
    await c.removeMember(li);
    const l3 = await c.waitForLeader(10_000, l2.id);
    expect(l3.members()).toHaveLength(2);
    await l3.put({ key: enc('c'), value: enc('3') });
    await converge(c);
    for (const { member } of c.running()) {
      expect(localValue(member, 'a')).toBe('1');
      expect(localValue(member, 'c')).toBe('3');
    }
    await expect(l3.addMember('core-04', { host: '127.0.0.1', port: 1 })).rejects.toThrow(/exists/);
  });

  it('membership changes asked at once, or of a fresh leader, wait for each other instead of failing', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    // A fresh leader takes no change until it has applied its log; two changes at once collide.
    await l.transferLeadership(c.running().find(({ member }) => !member.isLeader)!.member.id);
    const [a, b] = await Promise.all([c.addMember('core-04'), c.addMember('core-05')]);
    const l2 = await c.waitForLeader();
    expect(
      l2
        .members()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['core-01', 'core-02', 'core-03', 'core-04', 'core-05']);
    await Promise.all([c.removeMember(a), c.removeMember(b)]);
    expect((await c.waitForLeader()).members()).toHaveLength(3);
  });

  it('transfers leadership on request', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    const target = c.running().find(({ member }) => !member.isLeader)!.member;
    await l.transferLeadership(target.id);
    const nl = await c.waitForLeader();
    expect(nl.id).toBe(target.id);
    await nl.put({ key: enc('t'), value: enc('1') });
  });
});
