import { describe, expect, it } from 'vitest';
import { PartitionSchema } from '../../shared/api/updates-model';
import {
  boot,
  initialTable,
  install,
  markFailed,
  markSuccessful,
  passiveOf,
  pendingVersion,
  prioritize,
  tableSchema,
  toPartitions,
  type PartitionTable,
} from './partitions';

const OLD = '4459.2.1';
const NEW = '4487.1.0';

/** Deep copy to check that no function changes its input. */
const snapshot = (t: PartitionTable): PartitionTable => JSON.parse(JSON.stringify(t)) as PartitionTable;

describe('initialTable / passiveOf', () => {
  it('starts on USR-A, good, with USR-B never written', () => {
    const t = initialTable(OLD);
    expect(t).toEqual({
      active: 'USR-A',
      parts: {
        'USR-A': { version: OLD, priority: 1, tries: 0, successful: true },
        'USR-B': { version: null, priority: 0, tries: 0, successful: false },
      },
    });
    expect(passiveOf(t)).toBe('USR-B');
    expect(passiveOf({ ...t, active: 'USR-B' })).toBe('USR-A');
    expect(pendingVersion(t)).toBeUndefined();
  });
});

describe('install', () => {
  it('writes the passive partition with priority 2 and one try, without touching the input', () => {
    const t = initialTable(OLD);
    const before = snapshot(t);
    const u = install(t, NEW);
    expect(t).toEqual(before);
    expect(u.active).toBe('USR-A');
    expect(u.parts['USR-A']).toEqual({ version: OLD, priority: 1, tries: 0, successful: true });
    expect(u.parts['USR-B']).toEqual({ version: NEW, priority: 2, tries: 1, successful: false });
    expect(pendingVersion(u)).toBe(NEW);
  });

  it('refuses the version already running', () => {
    expect(() => install(initialTable(OLD), '4459.2.1.0')).toThrow(
      '4459.2.1.0 is the version the machine runs (USR-A); nothing to install',
    );
  });
});

describe('boot scenarios', () => {
  it('install → boot → markSuccessful: the machine runs the new version for good', () => {
    const installed = install(initialTable(OLD), NEW);
    const before = snapshot(installed);
    const first = boot(installed);
    expect(installed).toEqual(before);
    expect(first.booted).toBe('USR-B');
    expect(first.fellBack).toBe(false);
    expect(first.table.active).toBe('USR-B');
    expect(first.table.parts['USR-B']).toEqual({ version: NEW, priority: 2, tries: 0, successful: false });
    expect(pendingVersion(first.table)).toBeUndefined();

    const good = markSuccessful(first.table);
    expect(good.parts['USR-B']).toEqual({ version: NEW, priority: 2, tries: 0, successful: true });
    expect(first.table.parts['USR-B'].successful).toBe(false);

    // Later boots stay on it and use no tries.
    const again = boot(good);
    expect(again).toEqual({ table: good, booted: 'USR-B', fellBack: false });
  });

  it('install → boot → markFailed → boot goes back to the old version', () => {
    const first = boot(install(initialTable(OLD), NEW));
    const failed = markFailed(first.table);
    expect(failed.parts['USR-B']).toEqual({ version: NEW, priority: 0, tries: 0, successful: false });
    const back = boot(failed);
    expect(back.booted).toBe('USR-A');
    expect(back.table.active).toBe('USR-A');
    expect(back.table.parts['USR-A']).toEqual({ version: OLD, priority: 1, tries: 0, successful: true });
    // The failed one was demoted, not skipped at a higher priority.
    expect(back.fellBack).toBe(false);
    expect(pendingVersion(back.table)).toBeUndefined();
  });

  it('a second boot without markSuccessful falls back by itself: the one try is spent', () => {
    const first = boot(install(initialTable(OLD), NEW));
    const second = boot(first.table);
    expect(second.booted).toBe('USR-A');
    expect(second.fellBack).toBe(true);
    expect(second.table.parts['USR-B']).toEqual({ version: NEW, priority: 2, tries: 0, successful: false });
    // It stays on the old version from then on.
    const third = boot(second.table);
    expect(third.booted).toBe('USR-A');
    expect(third.fellBack).toBe(true);
  });

  it('manual rollback: prioritize the old partition, boot, and it runs again', () => {
    const updated = markSuccessful(boot(install(initialTable(OLD), NEW)).table);
    const rolled = prioritize(updated, 'USR-A');
    expect(rolled.parts['USR-A'].priority).toBe(2);
    expect(rolled.parts['USR-B'].priority).toBe(1);
    expect(rolled.active).toBe('USR-B');
    expect(updated.parts['USR-A'].priority).toBe(1);
    const b = boot(rolled);
    expect(b.booted).toBe('USR-A');
    expect(b.fellBack).toBe(false);
    expect(b.table.parts['USR-A']).toEqual({ version: OLD, priority: 2, tries: 0, successful: true });
  });

  it('prioritize refuses a partition never written or never booted good, saying why', () => {
    expect(() => prioritize(initialTable(OLD), 'USR-B')).toThrow(
      'USR-B was never written: there is nothing to boot there',
    );
    const installed = install(initialTable(OLD), NEW);
    expect(() => prioritize(installed, 'USR-B')).toThrow(
      `USR-B (${NEW}) never booted successfully: rolling back to it could leave the machine unbootable`,
    );
  });

  it('prioritize of the running partition over an empty one keeps the empty one at 0', () => {
    const t = prioritize(initialTable(OLD), 'USR-A');
    expect(t.parts['USR-A'].priority).toBe(2);
    expect(t.parts['USR-B'].priority).toBe(0);
  });

  it('installs over a passive partition that failed, and the retry can succeed', () => {
    const fellBack = boot(markFailed(boot(install(initialTable(OLD), NEW)).table)).table;
    const NEWER = '4487.1.1';
    const retried = install(fellBack, NEWER);
    expect(retried.parts['USR-B']).toEqual({ version: NEWER, priority: 2, tries: 1, successful: false });
    expect(pendingVersion(retried)).toBe(NEWER);
    const b = boot(retried);
    expect(b.booted).toBe('USR-B');
    const good = markSuccessful(b.table);
    expect(toPartitions(good).find((p) => p.active)?.version).toBe(NEWER);
  });

  it('the next update goes to the other partition, and the running one drops to priority 1', () => {
    const onB = markSuccessful(boot(install(initialTable(OLD), NEW)).table);
    const NEXT = '4516.0.0';
    const t = install(onB, NEXT);
    expect(t.parts['USR-B']).toEqual({ version: NEW, priority: 1, tries: 0, successful: true });
    expect(t.parts['USR-A']).toEqual({ version: NEXT, priority: 2, tries: 1, successful: false });
    expect(boot(t).booted).toBe('USR-A');
  });

  it('on equal priorities stays on the running partition', () => {
    const t: PartitionTable = {
      active: 'USR-B',
      parts: {
        'USR-A': { version: OLD, priority: 1, tries: 0, successful: true },
        'USR-B': { version: NEW, priority: 1, tries: 0, successful: true },
      },
    };
    expect(boot(t).booted).toBe('USR-B');
    expect(boot({ ...t, active: 'USR-A' }).booted).toBe('USR-A');
  });

  it('throws when nothing can boot', () => {
    const dead = markFailed(initialTable(OLD));
    expect(() => boot(dead)).toThrow(/no bootable \/usr partition/);
  });
});

describe('toPartitions / tableSchema', () => {
  it('gives the contract shape, USR-A first, the running one active', () => {
    const t = boot(install(initialTable(OLD), NEW)).table;
    const parts = toPartitions(t);
    expect(parts).toEqual([
      { label: 'USR-A', version: OLD, priority: 1, tries: 0, successful: true, active: false },
      { label: 'USR-B', version: NEW, priority: 2, tries: 0, successful: false, active: true },
    ]);
    for (const p of parts) expect(PartitionSchema.parse(p)).toEqual(p);
  });

  it('tableSchema round-trips a table through JSON and rejects a broken one', () => {
    const t = install(initialTable(OLD), NEW);
    expect(tableSchema.parse(JSON.parse(JSON.stringify(t)))).toEqual(t);
    expect(tableSchema.safeParse({ ...t, active: 'USR-C' }).success).toBe(false);
    expect(
      tableSchema.safeParse({ ...t, parts: { ...t.parts, 'USR-B': { ...t.parts['USR-B'], tries: -1 } } })
        .success,
    ).toBe(false);
  });
});
