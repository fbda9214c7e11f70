import { describe, expect, it } from 'vitest';
import type { MemberStatus, PeerStatus } from '../kv/member';
import { Role } from '../kv/raft';
import { buildHealth, refusals, sampleOf, type MemberView } from './kv-health';

const ids = [1n, 2n, 3n, 4n, 5n];

function status(id: bigint, role: Role, voters: bigint[], peers: Partial<PeerStatus>[] = []): MemberStatus {
  return {
    id,
    name: `core-0${id}`,
    clusterId: 9n,
    running: true,
    removed: false,
    role,
    leader: 1n,
    term: 4,
    commit: 100,
    applied: 100,
    firstIndex: 1,
    lastIndex: 120,
    snapshotIndex: 0,
    revision: 50,
    voters,
    learners: [],
    peers: peers.map((p) => ({ id: 0n, name: '', addr: undefined, learner: false, cutOff: false, ...p })),
  };
}

/** n voters; member 1 leads; `down` lists members whose machines are down. */
function cluster(n: number, down: bigint[] = [], leaderPeers: Partial<PeerStatus>[] = []): MemberView[] {
  const voters = ids.slice(0, n);
  return voters.map((id) => ({
    machineId: `m${id}`,
    hostname: `core-0${id}`,
    machineUp: !down.includes(id),
    id,
    status: down.includes(id)
      ? undefined
      : status(id, id === 1n ? Role.Leader : Role.Follower, voters, id === 1n ? leaderPeers : []),
  }));
}

describe('member actions keep a quorum', () => {
  it('removing an up member of 3 healthy members leaves 2 of 2: allowed by the quorum rule', () => {
    const m = cluster(3);
    expect(refusals(m).remove(m[2]!)).toBeUndefined();
  });

  it('removing an up member while another is down would leave 1 of 2 up: refused, saying why', () => {
    const m = cluster(3, [3n]);
    expect(refusals(m).remove(m[1]!)).toBe(
      'Removing core-02 leaves 1 of 2 members up, below the quorum of 2: start the machines that are down first',
    );
    // Removing the member that is down is what restores the margin.
    expect(refusals(m).remove(m[2]!)).toBeUndefined();
  });

  it('the only member cannot be removed; without a leader nothing changes membership', () => {
    const one = cluster(1);
    expect(refusals(one).remove(one[0]!)).toMatch(/only member/);
    const leaderless = cluster(3, [1n]);
    expect(refusals(leaderless).remove(leaderless[1]!)).toMatch(/no leader/);
    expect(refusals(leaderless).add({ machineId: 'm4', hostname: 'core-04', machineUp: true })).toMatch(
      /no leader/,
    );
  });

  it("adding follows etcd's strict check: the new member counts as not started yet", () => {
    const threeUp = cluster(3);
    expect(refusals(threeUp).add({ machineId: 'm4', hostname: 'core-04', machineUp: true })).toBeUndefined();
    const twoOfThree = cluster(3, [3n]);
    expect(refusals(twoOfThree).add({ machineId: 'm4', hostname: 'core-04', machineUp: true })).toBe(
      'With 2 of 3 members up, a 4th would need 3 up for a quorum: start the machines that are down first',
    );
    expect(refusals(threeUp).add({ machineId: 'm4', hostname: 'core-04', machineUp: false })).toMatch(
      /is down/,
    );
  });

  it('leadership goes only to a running follower the leader hears from', () => {
    const m = cluster(3, [3n], [{ id: 2n, recentActive: false }]);
    const r = refusals(m);
    expect(r.transfer(m[0]!)).toBe('core-01 already leads');
    expect(r.transfer(m[2]!)).toBe('core-03 is down');
    expect(r.transfer(m[1]!)).toBe('core-01 has not heard from core-02 lately');
    const healthy = cluster(3, [], [{ id: 2n, recentActive: true }]);
    expect(refusals(healthy).transfer(healthy[1]!)).toBeUndefined();
  });
});

describe('the health panel model', () => {
  it("shows roles, the leader's view of lag and last contact, and the quorum", () => {
    const m = cluster(
      3,
      [3n],
      [
        { id: 2n, match: 117, recentActive: true, lastContactMs: 42.4 },
        { id: 3n, match: 80, recentActive: false, lastContactMs: 9000 },
      ],
    );
    const h = buildHealth(m, [{ machineId: 'm4', hostname: 'core-04', machineUp: true }], []);
    expect(h.leader).toBe('core-01');
    expect(h.quorum).toEqual({ voters: 3, up: 2, needed: 2 });
    expect(h.members.map((x) => [x.hostname, x.role, x.lag, x.lastContactMs])).toEqual([
      ['core-01', 'leader', 0, undefined],
      ['core-02', 'follower', 3, 42],
      ['core-03', 'down', undefined, 9000],
    ]);
    expect(h.members[0]!.id).toBe('1');
    expect(h.members[1]!.refuseRemove).toMatch(/below the quorum/);
    // Removing the member that is down is allowed: it restores the margin.
    expect(h.members[2]!.refuseRemove).toBeUndefined();
    expect(h.candidates[0]!.refuseAdd).toMatch(/a 4th would need 3 up/);
  });

  it('a sample turns a revision delta into writes per second and latencies into p50/p99', () => {
    const lat = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 ms
    expect(sampleOf(1000, 2, 100, 300, lat)).toEqual({
      at: 1000,
      writesPerSecond: 100,
      commitLatencyP50Ms: 51,
      commitLatencyP99Ms: 100,
      revision: 300,
    });
    expect(sampleOf(1000, 1, 5, 5, [])).toEqual({ at: 1000, writesPerSecond: 0, revision: 5 });
  });
});
