// The pure half of the reboot lock: keys, the JSON check, the three changes and locksmithctl's
// output. The KV half is in locksmith.int.test.ts.
import { describe, expect, it } from 'vitest';
import {
  applyLock,
  applySetMax,
  applyUnlock,
  checkGroup,
  encodeSemaphore,
  formatLockStatus,
  formatSetMax,
  LockError,
  lockKey,
  parseSemaphore,
  type Semaphore,
} from './locksmith';

const KEY = 'coreos.com/updateengine/rebootlock/semaphore';

function errorOf(f: () => unknown): LockError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LockError);
    return e as LockError;
  }
  throw new Error('expected a LockError, nothing was thrown');
}

describe('lock keys and groups', () => {
  it('uses locksmith keys: the default semaphore and one per group', () => {
    expect(lockKey()).toBe(KEY);
    expect(lockKey('')).toBe(KEY);
    expect(lockKey('web-1.eu_a')).toBe('coreos.com/updateengine/rebootlock/groups/web-1.eu_a/semaphore');
  });

  it('refuses group names that are not one plain key segment', () => {
    for (const g of ['-x', '.x', 'a/b', 'a b', 'ü', 'x'.repeat(64), '../semaphore']) {
      const e = errorOf(() => checkGroup(g));
      expect(e.code).toBe('BAD_GROUP');
      expect(e.message).toContain(g);
    }
    expect(checkGroup('x'.repeat(63))).toBe('x'.repeat(63));
    expect(checkGroup(undefined)).toBe('');
  });
});

describe('the stored JSON', () => {
  it("writes locksmith's exact shape, holders sorted", () => {
    expect(encodeSemaphore({ semaphore: 1, max: 1, holders: [] })).toBe(
      '{"semaphore":1,"max":1,"holders":[]}',
    );
    expect(encodeSemaphore({ semaphore: 0, max: 2, holders: ['b', 'a'] })).toBe(
      '{"semaphore":0,"max":2,"holders":["a","b"]}',
    );
  });

  it('reads a good value (holders sorted, null holders as none, extra fields ignored)', () => {
    expect(parseSemaphore(KEY, '{"semaphore":0,"max":2,"holders":["m2","m1"]}')).toEqual({
      semaphore: 0,
      max: 2,
      holders: ['m1', 'm2'],
    });
    expect(parseSemaphore(KEY, Buffer.from('{"semaphore":1,"max":1,"holders":null,"index":7}'))).toEqual({
      semaphore: 1,
      max: 1,
      holders: [],
    });
    // Lowered below its holders: negative, and consistent.
    expect(parseSemaphore(KEY, '{"semaphore":-1,"max":1,"holders":["a","b"]}').semaphore).toBe(-1);
  });

  it.each([
    ['not json', /not JSON \("not json"\)/],
    ['[1,2]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"semaphore":"1","max":1,"holders":[]}', /"semaphore" must be a whole number, it is "1"/],
    ['{"semaphore":1,"holders":[]}', /"max" must be a whole number, it is undefined/],
    ['{"semaphore":1.5,"max":1,"holders":[]}', /"semaphore" must be a whole number/],
    ['{"semaphore":-1,"max":-1,"holders":[]}', /"max" must not be negative/],
    ['{"semaphore":1,"max":1}', /"holders" must be a list/],
    ['{"semaphore":0,"max":1,"holders":[3]}', /non-empty strings/],
    ['{"semaphore":-1,"max":1,"holders":["a","a"]}', /machine a is listed twice/],
    ['{"semaphore":1,"max":1,"holders":["a"]}', /"semaphore" is 1 but "max" 1 minus 1 holder\(s\) is 0/],
  ])('refuses %s with the key, the fault and a fix', (raw, fault) => {
    const e = errorOf(() => parseSemaphore(KEY, raw));
    expect(e.code).toBe('BAD_VALUE');
    expect(e.message).toContain(`'${KEY}'`);
    expect(e.message).toMatch(fault);
    expect(e.message).toContain(`etcdctl put ${KEY} '{"semaphore":1,"max":1,"holders":[]}'`);
  });

  it('shortens long garbage in the message', () => {
    const e = errorOf(() => parseSemaphore(KEY, 'x'.repeat(500)));
    expect(e.message).toContain(`"${'x'.repeat(60)}…"`);
    expect(e.message.length).toBeLessThan(400);
  });
});

describe('lock, unlock, set-max', () => {
  const free: Semaphore = { semaphore: 2, max: 2, holders: [] };

  it('lock takes a slot and keeps holders sorted', () => {
    const one = applyLock(free, 'm2');
    expect(one).toEqual({ semaphore: 1, max: 2, holders: ['m2'] });
    expect(applyLock(one, 'm1')).toEqual({ semaphore: 0, max: 2, holders: ['m1', 'm2'] });
    expect(free.holders).toEqual([]); // the input is not changed
  });

  it('a holder locking again is HELD; a full lock is NO_SLOT with its holders', () => {
    const full: Semaphore = { semaphore: 0, max: 2, holders: ['m1', 'm2'] };
    const held = errorOf(() => applyLock(full, 'm1'));
    expect(held.code).toBe('HELD');
    expect(held.message).toBe('the reboot lock is already held by m1');
    const noSlot = errorOf(() => applyLock(full, 'm3', 'web'));
    expect(noSlot.code).toBe('NO_SLOT');
    expect(noSlot.holders).toEqual(['m1', 'm2']);
    expect(noSlot.message).toMatch(/^no free reboot slot of group 'web': 2 of max 2 held by m1, m2/);
    // Below zero (max lowered under the holders) is full too.
    expect(errorOf(() => applyLock({ semaphore: -1, max: 1, holders: ['a', 'b'] }, 'c')).code).toBe(
      'NO_SLOT',
    );
  });

  it('unlock frees the slot; a machine that does not hold is NOT_HOLDER', () => {
    expect(applyUnlock({ semaphore: 0, max: 2, holders: ['m1', 'm2'] }, 'm1')).toEqual({
      semaphore: 1,
      max: 2,
      holders: ['m2'],
    });
    const e = errorOf(() => applyUnlock(free, 'm9'));
    expect(e.code).toBe('NOT_HOLDER');
    expect(e.message).toBe('m9 does not hold the reboot lock (holders: none)');
  });

  it('refuses machine ids that locksmithctl status could not print one per line', () => {
    for (const id of ['', ' ', 'a b', 'a\nb'])
      expect(errorOf(() => applyLock(free, id)).code).toBe('BAD_VALUE');
  });

  it('set-max recomputes the free slots, going negative below the holders', () => {
    const two: Semaphore = { semaphore: 0, max: 2, holders: ['a', 'b'] };
    expect(applySetMax(two, 3)).toEqual({ semaphore: 1, max: 3, holders: ['a', 'b'] });
    expect(applySetMax(two, 1)).toEqual({ semaphore: -1, max: 1, holders: ['a', 'b'] });
    for (const n of [0, -1, 1.5, NaN]) expect(errorOf(() => applySetMax(two, n)).code).toBe('BAD_VALUE');
  });
});

describe("locksmithctl's output", () => {
  const lock = { group: '', key: KEY, semaphore: 1, max: 1, holders: [] };

  it('status: Available and Max, then the holders under MACHINE ID', () => {
    expect(formatLockStatus(lock)).toEqual(['Available: 1', 'Max: 1']);
    expect(formatLockStatus({ ...lock, semaphore: -1, max: 1, holders: ['a1', 'b2'] })).toEqual([
      'Available: -1',
      'Max: 1',
      '',
      'MACHINE ID',
      'a1',
      'b2',
    ]);
  });

  it('set-max: Old and New', () => {
    expect(formatSetMax({ old: 1, new: 2 })).toEqual(['Old: 1', 'New: 2']);
  });
});
