// locksmith's reboot semaphore (../shared/reference/coreos.md §3), kept in the KV at the key and in
// the JSON shape locksmith uses, so `etcdctl get` shows what a CoreOS admin expects. Through the
// etcd3 client only (DESIGN.md decision 1): the same code works on the embedded KV and a real etcd.
//
// Every change is a compare-and-swap on the key's mod_revision, re-read and retried when another
// machine won the race: holders are never lost to a blind overwrite. A value that is not
// locksmith's shape is reported (with the key and a fix), never repaired behind the admin's back.
import type { Etcd3 } from 'etcd3';
import type { RebootLock } from '../../shared/api/updates-model';

export type LockErrorCode = 'NO_SLOT' | 'HELD' | 'NOT_HOLDER' | 'BAD_VALUE' | 'BAD_GROUP';

/**
 * A refusal the service maps to an API error: NO_SLOT/HELD → CONFLICT, NOT_HOLDER → NOT_FOUND,
 * BAD_* → BAD_REQUEST. NO_SLOT carries the holders, so a waiting machine can say whom it waits for.
 */
export class LockError extends Error {
  constructor(
    readonly code: LockErrorCode,
    message: string,
    readonly holders?: string[],
  ) {
    super(message);
    this.name = 'LockError';
  }
}

/** The value at the key, exactly locksmith's fields. */
export interface Semaphore {
  /** Free slots: max − holders.length (negative after lowering max below the holders). */
  semaphore: number;
  max: number;
  /** Machine ids, sorted. */
  holders: string[];
}

export const DEFAULT_SEMAPHORE: Readonly<Semaphore> = Object.freeze({ semaphore: 1, max: 1, holders: [] });

const KEY_ROOT = 'coreos.com/updateengine/rebootlock';
const GROUP_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** '' and undefined are the default group; anything else must be a plain name (it becomes a key segment). */
export function checkGroup(group: string | undefined): string {
  const g = group ?? '';
  if (g !== '' && !GROUP_RE.test(g)) {
    throw new LockError(
      'BAD_GROUP',
      `reboot lock group '${g}' is not valid: use 1–63 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return g;
}

export function lockKey(group?: string): string {
  const g = checkGroup(group);
  return g === '' ? `${KEY_ROOT}/semaphore` : `${KEY_ROOT}/groups/${g}/semaphore`;
}

const groupText = (group: string) => (group === '' ? '' : ` of group '${group}'`);

/** The JSON written to the KV: locksmith's field order, holders sorted. */
export function encodeSemaphore(s: Semaphore): string {
  return JSON.stringify({ semaphore: s.semaphore, max: s.max, holders: [...s.holders].sort() });
}

/**
 * Reads a stored value; anything that is not locksmith's shape is a BAD_VALUE naming the key, what
 * is wrong and the command that resets it. Unknown extra fields are ignored (as Go's JSON decoding
 * in locksmith does); holders need not be sorted (they are sorted again on the next write).
 */
export function parseSemaphore(key: string, raw: Buffer | string): Semaphore {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const bad = (what: string) =>
    new LockError(
      'BAD_VALUE',
      `the reboot lock at '${key}' is not usable: ${what}. Fix it by hand, e.g. ` +
        `etcdctl put ${key} '${encodeSemaphore(DEFAULT_SEMAPHORE)}' (this frees every slot)`,
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw bad(`its value is not JSON (${JSON.stringify(shown)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('its value is not a JSON object');
  const o = v as Record<string, unknown>;
  for (const f of ['semaphore', 'max'] as const) {
    if (!Number.isInteger(o[f])) throw bad(`"${f}" must be a whole number, it is ${JSON.stringify(o[f])}`);
  }
  const max = o.max as number;
  const semaphore = o.semaphore as number;
  if (max < 0) throw bad(`"max" must not be negative, it is ${max}`);
  // A Go writer marshals an empty (nil) holder slice as null: accept it as no holders.
  const list = o.holders === null ? [] : o.holders;
  if (!Array.isArray(list))
    throw bad(`"holders" must be a list of machine ids, it is ${JSON.stringify(list)}`);
  if (!list.every((h) => typeof h === 'string' && h !== '')) {
    throw bad('"holders" must hold machine ids (non-empty strings) only');
  }
  const holders = [...(list as string[])].sort();
  const dup = holders.find((h, i) => holders[i + 1] === h);
  if (dup !== undefined) throw bad(`machine ${dup} is listed twice in "holders"`);
  if (semaphore !== max - holders.length) {
    throw bad(
      `"semaphore" is ${semaphore} but "max" ${max} minus ${holders.length} holder(s) is ${max - holders.length}`,
    );
  }
  return { semaphore, max, holders };
}

export function checkMachineId(id: string): void {
  // A holder id is printed one per line by `locksmithctl status`: no blanks, no line breaks.
  if (typeof id !== 'string' || !/^\S+$/.test(id)) {
    throw new LockError(
      'BAD_VALUE',
      `machine id ${JSON.stringify(id)} is not valid: it must be non-empty, without spaces`,
    );
  }
}

export function checkMax(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new LockError('BAD_VALUE', `the reboot lock's max must be a whole number of at least 1, not ${n}`);
  }
}

// The three changes, pure, so they are unit-tested without a KV. `group` is for messages only.

export function applyLock(s: Semaphore, id: string, group = ''): Semaphore {
  checkMachineId(id);
  if (s.holders.includes(id)) {
    throw new LockError('HELD', `the reboot lock${groupText(group)} is already held by ${id}`, [
      ...s.holders,
    ]);
  }
  if (s.semaphore <= 0) {
    throw new LockError(
      'NO_SLOT',
      `no free reboot slot${groupText(group)}: ${s.holders.length} of max ${s.max} held by ${s.holders.join(', ') || 'nobody'}; ` +
        `wait for a holder to unlock, or raise the max (locksmithctl set-max)`,
      [...s.holders],
    );
  }
  return { semaphore: s.semaphore - 1, max: s.max, holders: [...s.holders, id].sort() };
}

export function applyUnlock(s: Semaphore, id: string, group = ''): Semaphore {
  checkMachineId(id);
  if (!s.holders.includes(id)) {
    throw new LockError(
      'NOT_HOLDER',
      `${id} does not hold the reboot lock${groupText(group)} (holders: ${s.holders.join(', ') || 'none'})`,
      [...s.holders],
    );
  }
  return { semaphore: s.semaphore + 1, max: s.max, holders: s.holders.filter((h) => h !== id) };
}

/** Lowering below the current holders is allowed (as locksmith does): nobody new gets in until enough unlock. */
export function applySetMax(s: Semaphore, n: number): Semaphore {
  checkMax(n);
  return { semaphore: n - s.holders.length, max: n, holders: [...s.holders] };
}

// ---------------------------------------------------------------------------------------------
// locksmithctl's output

/** `locksmithctl status`: Available/Max, then the holders under a MACHINE ID heading. */
export function formatLockStatus(lock: RebootLock): string[] {
  const lines = [`Available: ${lock.semaphore}`, `Max: ${lock.max}`];
  if (lock.holders.length > 0) lines.push('', 'MACHINE ID', ...lock.holders);
  return lines;
}

/** `locksmithctl set-max N`. */
export function formatSetMax(r: { old: number; new: number }): string[] {
  return [`Old: ${r.old}`, `New: ${r.new}`];
}

// ---------------------------------------------------------------------------------------------

export interface LocksmithOptions {
  /** Compare-and-swap attempts before giving up when other writers keep winning. */
  attempts?: number;
  /**
   * Called after each read, before its compare-and-swap (tests use it to write in between and
   * prove the lost race is retried, not overwritten).
   */
  beforeSwap?: (key: string, attempt: number) => Promise<void> | void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Locksmith {
  private readonly attempts: number;

  constructor(
    private readonly client: Etcd3,
    private readonly opts: LocksmithOptions = {},
  ) {
    this.attempts = Math.max(1, opts.attempts ?? 20);
  }

  /**
   * The lock as stored. Read-only: an absent key is reported as the default locksmith would
   * create (the key itself is created by the first lock, unlock or set-max), so looking at the
   * Updates page never writes to the KV.
   */
  async status(group?: string): Promise<RebootLock> {
    const g = checkGroup(group);
    const key = lockKey(g);
    const res = await this.client.kv.range({ key: Buffer.from(key) });
    const kv = res.kvs[0];
    const s = kv ? parseSemaphore(key, kv.value) : DEFAULT_SEMAPHORE;
    return { group: g, key, semaphore: s.semaphore, max: s.max, holders: [...s.holders] };
  }

  // Arguments are checked before the KV is touched: a typo must not create the key.
  async lock(id: string, group?: string): Promise<RebootLock> {
    const g = checkGroup(group);
    checkMachineId(id);
    return (await this.change(g, (s) => applyLock(s, id, g))).after;
  }

  async unlock(id: string, group?: string): Promise<RebootLock> {
    const g = checkGroup(group);
    checkMachineId(id);
    return (await this.change(g, (s) => applyUnlock(s, id, g))).after;
  }

  async setMax(n: number, group?: string): Promise<{ old: number; new: number }> {
    const g = checkGroup(group);
    checkMax(n);
    const { before, after } = await this.change(g, (s) => applySetMax(s, n));
    return { old: before.max, new: after.max };
  }

  /**
   * Read, change, compare-and-swap on the revision read; on a lost race read again and redo the
   * change on what the winner wrote. An absent key is created (compare create_revision == 0) with
   * the change applied, or with the default when the change is refused — locksmith creates the
   * semaphore on first use whatever the command.
   */
  private async change(
    group: string,
    f: (s: Semaphore) => Semaphore,
  ): Promise<{ before: Semaphore; after: RebootLock }> {
    const key = lockKey(group);
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const res = await this.client.kv.range({ key: Buffer.from(key) });
      const kv = res.kvs[0];
      const before = kv ? parseSemaphore(key, kv.value) : { ...DEFAULT_SEMAPHORE, holders: [] };
      let after: Semaphore;
      let refusal: unknown;
      try {
        after = f(before);
      } catch (e) {
        // An existing key stays as it is on a refusal; an absent one is still created.
        if (kv) throw e;
        refusal = e;
        after = before;
      }
      await this.opts.beforeSwap?.(key, attempt);
      const txn = kv
        ? this.client.if(key, 'Mod', '==', String(kv.mod_revision))
        : this.client.if(key, 'Create', '==', 0);
      const done = await txn.then(this.client.put(key).value(encodeSemaphore(after))).commit();
      if (done.succeeded) {
        if (refusal !== undefined) throw refusal;
        return { before, after: { group, key, ...after, holders: [...after.holders] } };
      }
      // Lost the race: back off, growing and jittered, so contenders stop colliding in step and a
      // machine that keeps losing still gets its turn.
      await sleep(Math.random() * Math.min(250, 5 * 2 ** attempt));
    }
    throw new Error(
      `the reboot lock at '${key}' kept changing while we tried to update it (${this.attempts} attempts); try again`,
    );
  }
}
