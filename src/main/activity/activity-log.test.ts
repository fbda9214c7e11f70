import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log';
import { summarizeCall } from './summary';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-activity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ActivityLog', () => {
  it('tells listeners at once and keeps entries across a restart', async () => {
    const file = join(dir, 'activity.jsonl');
    const log = new ActivityLog(file);
    const seen: string[] = [];
    log.onEntry((e) => seen.push(e.summary));
    log.record({ actor: 'desktop', action: 'units.move', summary: 'Moved a to core-02', outcome: 'ok' });
    log.record({
      actor: 'flotctl',
      action: 'clusters.stop',
      summary: 'Stopped cluster x',
      outcome: 'failed',
      error: 'no',
    });
    expect(seen).toEqual(['Moved a to core-02', 'Stopped cluster x']);
    await log.flush();
    const again = new ActivityLog(file);
    await again.load();
    expect(again.recent().map((e) => [e.actor, e.summary, e.outcome])).toEqual([
      ['desktop', 'Moved a to core-02', 'ok'],
      ['flotctl', 'Stopped cluster x', 'failed'],
    ]);
  });

  it('skips a torn last line and foreign lines', async () => {
    const file = join(dir, 'activity.jsonl');
    const log = new ActivityLog(file);
    log.record({ actor: 'browser', action: 'units.destroy', summary: 'Destroyed a', outcome: 'ok' });
    await log.flush();
    await writeFile(file, `${await readFile(file, 'utf8')}{"not":"an entry"}\n{"id":"x","at":1,"act`);
    const again = new ActivityLog(file);
    await again.load();
    expect(again.recent().map((e) => e.summary)).toEqual(['Destroyed a']);
  });

  it('cuts the file back when it doubles its kept size', async () => {
    const file = join(dir, 'activity.jsonl');
    const log = new ActivityLog(file);
    for (let i = 0; i < 1200; i++)
      log.record({ actor: 'flotctl', action: 'units.destroy', summary: `Destroyed u${i}`, outcome: 'ok' });
    await log.flush();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(1000);
    expect(JSON.parse(lines.at(-1)!).summary).toBe('Destroyed u1199');
    expect(log.recent()).toHaveLength(500);
  });
});

describe('summarizeCall', () => {
  const hostOf = (_c: string | undefined, id: string) => (id.startsWith('ab') ? 'core-02' : id);
  it('says what a change did, in host names', () => {
    expect(summarizeCall('units.move', { name: 'hello.service', machineId: 'ab12' }, hostOf)).toBe(
      'Moved hello.service to core-02',
    );
    expect(
      summarizeCall('units.setState', { names: ['a', 'b', 'c', 'd', 'e'], state: 'launched' }, hostOf),
    ).toBe('Started a, b, c and 2 more');
    expect(summarizeCall('machines.kill', { machine: 'core-03' }, hostOf)).toBe('Killed machine core-03');
    expect(
      summarizeCall(
        'machines.addRemote',
        { ssh: { user: 'core', host: '10.0.0.14', port: 2222 }, acceptFingerprint: 'SHA256:abc' },
        hostOf,
      ),
    ).toBe('Added remote host core@10.0.0.14:2222, trusting host key SHA256:abc');
    expect(summarizeCall('machines.forgetHostKey', { host: '10.0.0.14', port: 22 }, hostOf)).toBe(
      'Forgot the host key of 10.0.0.14',
    );
    expect(
      summarizeCall('clusters.create', { name: 'prod', machines: 3, channel: 'stable', etcd: {} }, hostOf),
    ).toBe('Created cluster prod (3 machines, stable, external etcd)');
    expect(
      summarizeCall(
        'clusters.create',
        {
          name: 'lab',
          machines: 1,
          channel: 'stable',
          remotes: [
            {
              ssh: { user: 'core', host: '10.0.0.14', port: 22 },
              hostname: 'core-02',
              acceptFingerprint: 'SHA256:abc',
            },
            { ssh: { user: 'core', host: '10.0.0.15', port: 2222 } },
          ],
        },
        hostOf,
      ),
    ).toBe(
      'Created cluster lab (1 machine, stable; remote host core@10.0.0.14 as core-02, trusting host key SHA256:abc; remote host core@10.0.0.15:2222)',
    );
    expect(summarizeCall('kv.put', { key: '/app/x', value: 'v', expectModRevision: 12 }, hostOf)).toBe(
      'Wrote KV key /app/x (over revision 12)',
    );
    expect(summarizeCall('kv.transferLeader', { machine: 'core-02' }, hostOf)).toBe(
      "Made core-02's KV member the leader",
    );
    expect(summarizeCall('updates.setChannel', { channel: 'alpha' }, hostOf)).toBe(
      'Switched every machine to the alpha channel',
    );
    expect(
      summarizeCall(
        'updates.setStrategy',
        { machine: 'core-03', strategy: 'etcd-lock', window: { start: 'Thu 04:00', length: '1h' } },
        hostOf,
      ),
    ).toBe('Set REBOOT_STRATEGY=etcd-lock, window Thu 04:00 for 1h on core-03');
    expect(summarizeCall('locksmith.setMax', { max: 2 }, hostOf)).toBe("Set the reboot lock's max to 2");
  });
  it('records nothing for reads', () => {
    expect(summarizeCall('units.list', {}, hostOf)).toBeUndefined();
    expect(summarizeCall('plan.preview', {}, hostOf)).toBeUndefined();
    expect(summarizeCall('kv.history', { key: '/a' }, hostOf)).toBeUndefined();
    expect(summarizeCall('updates.status', {}, hostOf)).toBeUndefined();
    expect(summarizeCall('locksmith.status', {}, hostOf)).toBeUndefined();
  });
});
