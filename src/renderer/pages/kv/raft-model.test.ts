import { describe, expect, it } from 'vitest';
import type { KvHealth, KvHealthSample } from '../../../shared/api';
import {
  additionEffect,
  applyHealth,
  contactTone,
  quorumOf,
  quorumText,
  removalEffect,
  WINDOW_MS,
} from './raft-model';

const sample = (at: number): KvHealthSample => ({ at, writesPerSecond: 1, revision: at });
const payload = (samples: KvHealthSample[], leader = 'core-01'): KvHealth => ({
  external: false,
  leader,
  members: [],
  quorum: { voters: 3, up: 3, needed: 2 },
  candidates: [],
  samples,
});

describe('applyHealth', () => {
  it('keeps the history of the first payload and appends later samples', () => {
    let s = applyHealth(undefined, payload([sample(1000), sample(2000)]));
    s = applyHealth(s, payload([sample(3000)], 'core-02'));
    expect(s.samples.map((x) => x.at)).toEqual([1000, 2000, 3000]);
    expect(s.health.leader).toBe('core-02');
  });

  it('drops repeated samples and those older than the window', () => {
    let s = applyHealth(undefined, payload([sample(1000), sample(2000)]));
    s = applyHealth(s, payload([sample(2000), sample(3000)]));
    expect(s.samples.map((x) => x.at)).toEqual([1000, 2000, 3000]);
    s = applyHealth(s, payload([sample(2000 + WINDOW_MS)]));
    expect(s.samples.map((x) => x.at)).toEqual([3000, 2000 + WINDOW_MS]);
  });
});

describe('quorum words', () => {
  it('needs a majority', () => {
    expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3]);
    expect(quorumText({ voters: 3, up: 3, needed: 2 })).toBe('3 voters, 3 up, quorum 2');
  });

  it('says what removing an up voter does', () => {
    expect(removalEffect({ voters: 3, up: 3, needed: 2 }, { name: 'core-02', role: 'follower' })).toBe(
      'After removing core-02 the KV has 2 voters (2 up) and needs 2 for a quorum. It then survives 0 failures instead of 1.',
    );
  });

  it('says when a removal leaves no quorum', () => {
    expect(removalEffect({ voters: 3, up: 2, needed: 2 }, { name: 'core-02', role: 'follower' })).toContain(
      'fewer than a quorum',
    );
  });

  it('says removing a down member stops nothing and a learner does not vote', () => {
    const down = removalEffect({ voters: 4, up: 3, needed: 3 }, { name: 'core-04', role: 'down' });
    expect(down).toContain('3 voters (3 up) and needs 2');
    expect(down).toContain('still survives 1 failure');
    expect(down).toContain('core-04 is down');
    expect(removalEffect({ voters: 3, up: 3, needed: 2 }, { name: 'l', role: 'learner' })).toContain(
      'does not vote',
    );
  });

  it('says what adding a member does', () => {
    expect(additionEffect({ voters: 3, up: 3, needed: 2 }, 'core-04')).toContain(
      '4 voters and needs 3 for a quorum (it survives 1 failure, as now)',
    );
  });

  it('colours last contact by heartbeats and the election timeout', () => {
    expect([undefined, 50, 300, 999, 1000].map(contactTone)).toEqual(['ok', 'ok', 'slow', 'slow', 'late']);
  });
});
