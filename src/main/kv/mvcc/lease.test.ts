import { describe, expect, it } from 'vitest';
import { LeaseTracker, NotPrimaryLessorError } from './lease-tracker';
import { MvccStore } from './store';
import { b, expectMvccError, keys, str } from './test-helpers';

describe('leases in the state machine', () => {
  it('grants with the minimum TTL rule and rejects duplicates and huge TTLs', () => {
    const s = new MvccStore({ minLeaseTtl: 2 });
    expect(s.leaseGrant({ id: 1n, ttl: 1 })).toMatchObject({ id: 1n, ttl: 2, header: { revision: 1 } });
    expect(s.leaseGrant({ id: 2n, ttl: 60 }).ttl).toBe(60);
    expectMvccError(() => s.leaseGrant({ id: 1n, ttl: 5 }), 'etcdserver: lease already exists');
    expectMvccError(() => s.leaseGrant({ id: 3n, ttl: 9_000_000_001 }), 'etcdserver: too large lease TTL');
    expect(s.currentRevision).toBe(1); // grants are not KV writes
  });

  it('picks an automatic id deterministically from the Raft index', () => {
    const grant = (s: MvccStore, index: number): bigint => {
      const r = s.apply({ type: 'leaseGrant', requestId: 1n, request: { id: 0n, ttl: 10 } }, index);
      if (!r.ok) throw r.error;
      return r.response.id;
    };
    const a = new MvccStore();
    const b2 = new MvccStore();
    const ida = grant(a, 17);
    expect(ida).toBe(grant(b2, 17));
    expect(ida > 0n && ida < 2n ** 63n).toBe(true);
    expect(grant(a, 18)).not.toBe(ida);
  });

  it('attaches keys via put, moves them between leases, and revoke deletes them in one revision', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 10n, ttl: 30 });
    s.leaseGrant({ id: 11n, ttl: 30 });
    s.put({ key: b('c'), lease: 10n }); // 2
    s.put({ key: b('a'), lease: 10n }); // 3
    s.put({ key: b('b'), lease: 10n }); // 4
    s.put({ key: b('b'), lease: 11n }); // 5: moved
    s.put({ key: b('free') }); // 6
    expect(s.leaseTimeToLive({ id: 10n, keys: true }).keys.map(str)).toEqual(['a', 'c']);
    const w = s.watch({ key: b('a'), rangeEnd: new Uint8Array([0]) });
    const resp = s.leaseRevoke({ id: 10n });
    expect(resp.header.revision).toBe(7);
    expect(keys(s.range({ key: b('a'), rangeEnd: new Uint8Array([0]) }).kvs)).toEqual(['b', 'free']);
    const events = w.next()!.events;
    expect(events.map((e) => `${e.type}:${str(e.kv.key)}@${e.kv.modRevision}`)).toEqual(['1:a@7', '1:c@7']);
    expect(s.leaseLeases().leases).toEqual([{ id: 11n }]);
    expectMvccError(() => s.leaseRevoke({ id: 10n }), 'etcdserver: requested lease not found');
  });

  it('revoking a lease without keys does not bump the revision; deleted keys detach', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 1n, ttl: 30 });
    s.put({ key: b('k'), lease: 1n });
    s.deleteRange({ key: b('k') });
    expect(s.leaseTimeToLive({ id: 1n, keys: true }).keys).toEqual([]);
    expect(s.leaseRevoke({ id: 1n }).header.revision).toBe(3);
  });

  it('time-to-live reports -1 for unknown leases and lists leases by id', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 9n, ttl: 30 });
    s.leaseGrant({ id: 3n, ttl: 40 });
    expect(s.leaseTimeToLive({ id: 5n }).ttl).toBe(-1);
    expect(s.leaseTimeToLive({ id: 3n })).toMatchObject({ ttl: 40, grantedTtl: 40, keys: [] });
    expect(s.leaseLeases().leases.map((l) => l.id)).toEqual([3n, 9n]);
    s.leaseCheckpoint({
      checkpoints: [
        { id: 3n, remainingTtl: 12 },
        { id: 404n, remainingTtl: 1 },
      ],
    });
    expect(s.leaseTimeToLive({ id: 3n }).ttl).toBe(12);
  });
});

describe('LeaseTracker (leader clock)', () => {
  it('only the primary expires leases; expiry follows grant and renewals', () => {
    const s = new MvccStore();
    const t = new LeaseTracker(s, { revokeRetryMs: 1000 });
    s.leaseGrant({ id: 1n, ttl: 5 });
    s.leaseGrant({ id: 2n, ttl: 10 });
    expect(t.expiredLeases(1_000_000)).toEqual([]);
    expect(() => t.renew(1n, 0)).toThrow(NotPrimaryLessorError);
    t.promote(0);
    expect(t.expiredLeases(4_999)).toEqual([]);
    expect(t.expiredLeases(5_000)).toEqual([1n]);
    expect(t.expiredLeases(5_500)).toEqual([]); // offered once, retried later
    expect(t.expiredLeases(6_000)).toEqual([1n]);
    expect(t.renew(2n, 6_000)).toBe(10);
    expect(t.timeToLive({ id: 2n }, 7_000).ttl).toBe(9);
    expect(t.expiredLeases(15_000)).toEqual([1n]);
    expect(t.expiredLeases(16_000)).toEqual([1n, 2n]); // 1 is offered again: its revoke never applied
    expect(t.renew(404n, 0)).toBe(0);
  });

  it('drops revoked leases and picks up newly granted ones', () => {
    const s = new MvccStore();
    const t = new LeaseTracker(s);
    t.promote(0);
    s.leaseGrant({ id: 1n, ttl: 5 });
    expect(t.expiredLeases(1_000)).toEqual([]); // first seen at 1 s → deadline 6 s
    expect(t.expiredLeases(6_000)).toEqual([1n]);
    s.leaseRevoke({ id: 1n });
    expect(t.expiredLeases(100_000)).toEqual([]);
  });

  it('a new leader restarts deadlines from checkpoints (plus the extension), not from zero', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 1n, ttl: 100 });
    s.leaseGrant({ id: 2n, ttl: 100 });
    const old = new LeaseTracker(s);
    old.promote(0);
    const cps = old.checkpoints(90_000);
    expect(cps).toEqual([
      { id: 1n, remainingTtl: 10 },
      { id: 2n, remainingTtl: 10 },
    ]);
    s.apply({ type: 'leaseCheckpoint', requestId: 1n, request: { checkpoints: cps.slice(0, 1) } }, 5);
    old.demote();
    expect(old.expiredLeases(1e9)).toEqual([]);
    const next = new LeaseTracker(s, { promoteExtendMs: 1_000 });
    next.promote(500_000); // long after every old deadline: nothing expires at once
    expect(next.expiredLeases(500_000)).toEqual([]);
    expect(next.expiredLeases(511_000)).toEqual([1n]);
    s.leaseRevoke({ id: 1n });
    expect(next.expiredLeases(601_000)).toEqual([2n]);
  });

  it('limits how many expired leases are offered per call, oldest first', () => {
    const s = new MvccStore();
    for (let i = 1; i <= 5; i++) s.leaseGrant({ id: BigInt(i), ttl: 10 + i });
    const t = new LeaseTracker(s);
    t.promote(0);
    expect(t.expiredLeases(100_000, 2)).toEqual([1n, 2n]);
    expect(t.expiredLeases(100_000, 2)).toEqual([3n, 4n]);
  });

  it('expiry turns into a LeaseRevoke command that deletes the keys', () => {
    const s = new MvccStore();
    s.leaseGrant({ id: 1n, ttl: 2 });
    s.put({ key: b('session'), value: b('x'), lease: 1n });
    const t = new LeaseTracker(s);
    t.promote(0);
    let index = 10;
    for (const id of t.expiredLeases(2_000)) {
      const r = s.apply({ type: 'leaseRevoke', requestId: BigInt(index), request: { id } }, index++);
      expect(r.ok).toBe(true);
    }
    expect(s.range({ key: b('session') }).count).toBe(0);
    expect(t.expiredLeases(10_000)).toEqual([]);
  });
});
