import { describe, expect, it } from 'vitest';
import type { MachineInfo } from '../../../shared/api';
import { keys, type Registry } from '../registry';
import { until, useKv } from '../test-helpers';
import { FleetEngine } from './engine';

// The engine against a real embedded KV, through the etcd3 client. Machines are registered the
// way agents do it (a key under a lease), so machine loss is a lease revoked or expired for real.

const kv = useKv();

const unitFile = (xfleet = '') =>
  `[Unit]\nDescription=test\n\n[Service]\nExecStart=/bin/sh -c "sleep 1000"\n${xfleet ? `\n[X-Fleet]\n${xfleet}\n` : ''}`;

const mid = (n: number) => n.toString(16).padStart(32, '0');

async function addMachine(reg: Registry, n: number, metadata: Record<string, string> = {}, ttl = 30) {
  const info: MachineInfo = { id: mid(n), name: `core-0${n}`, ip: `10.0.0.${n}`, metadata, version: 't' };
  const lease = reg.etcd.lease(ttl, { autoKeepAlive: true });
  const id = await lease.grant();
  await reg.registerMachine(info, id);
  return { info, lease };
}

async function targets(reg: Registry): Promise<Map<string, string>> {
  const { model } = await reg.load();
  return new Map(model.units().flatMap((j) => (j.target ? [[j.name, j.target] as const] : [])));
}

function startEngine(reg: Registry, id = 'engine-a', ttl = 2) {
  const e = new FleetEngine(reg, { id, reconcileIntervalMs: 200, leaseTtlSec: ttl, debounceMs: 5 });
  e.start();
  return e;
}

describe('FleetEngine on a real KV', () => {
  it('places launched units least-loaded, ties by machine id, and leaves inactive ones alone', async () => {
    const { registry } = await kv();
    const reg = registry();
    await addMachine(reg, 2);
    await addMachine(reg, 1);
    await reg.submit(
      ['a', 'b', 'c', 'idle'].map((n) => ({ name: `${n}.service`, content: unitFile() })),
      false,
    );
    await reg.setDesired(['a.service', 'b.service', 'c.service'], 'launched');
    const engine = startEngine(reg);
    try {
      await until(async () => (await targets(reg)).size === 3, 10_000, 'three placements');
      const t = await targets(reg);
      // Name order, least-loaded, ties by id: a→1, b→2, c→1.
      expect(Object.fromEntries(t)).toEqual({
        'a.service': mid(1),
        'b.service': mid(2),
        'c.service': mid(1),
      });
      expect(t.has('idle.service')).toBe(false);
      expect(engine.decisions().filter((d) => d.action === 'schedule')).toHaveLength(3);
    } finally {
      await engine.stop();
    }
  });

  it('records why a unit cannot be placed, and places it once a machine qualifies', async () => {
    const { registry } = await kv();
    const reg = registry();
    await addMachine(reg, 1, { region: 'us' });
    await reg.submit([{ name: 'eu.service', content: unitFile('MachineMetadata=region=eu') }], false);
    await reg.setDesired(['eu.service'], 'launched');
    const engine = startEngine(reg);
    try {
      await until(async () => (await reg.load()).model.jobs.get('eu.service')?.blocked !== undefined);
      const blocked = (await reg.load()).model.jobs.get('eu.service')!.blocked!;
      expect(blocked.constraint).toBe('MachineMetadata');
      expect(blocked.message).toContain('region=eu');
      expect(blocked.ruledOut.map((r) => r.machineId)).toEqual([mid(1)]);

      await addMachine(reg, 2, { region: 'eu' });
      await until(async () => (await targets(reg)).get('eu.service') === mid(2));
      // Placing clears the reason in the same transaction.
      expect((await reg.load()).model.jobs.get('eu.service')?.blocked).toBeUndefined();
    } finally {
      await engine.stop();
    }
  });

  it('unschedules on machine loss, desired-state drop and metadata change', async () => {
    const { registry } = await kv();
    const reg = registry();
    const m1 = await addMachine(reg, 1, { disk: 'ssd' });
    await addMachine(reg, 2, { disk: 'hdd' });
    await reg.submit(
      [
        { name: 'fast.service', content: unitFile('MachineMetadata=disk=ssd') },
        { name: 'any.service', content: unitFile('MachineID=' + mid(1)) },
      ],
      false,
    );
    await reg.setDesired(['fast.service', 'any.service'], 'launched');
    const engine = startEngine(reg);
    try {
      await until(async () => (await targets(reg)).size === 2);
      // Metadata change: machine 1 re-registers without ssd → fast.service must leave it.
      await reg.registerMachine({ ...m1.info, metadata: { disk: 'hdd' } }, await m1.lease.grant());
      await until(async () => !(await targets(reg)).has('fast.service'), 10_000, 'metadata unschedule');
      expect((await targets(reg)).get('any.service')).toBe(mid(1));

      // Desired state dropped.
      await reg.setDesired(['any.service'], 'inactive');
      await until(async () => !(await targets(reg)).has('any.service'), 10_000, 'inactive unschedule');

      // Machine loss: the lease goes, the machine key with it.
      await reg.setDesired(['any.service'], 'launched');
      await until(async () => (await targets(reg)).get('any.service') === mid(1));
      await m1.lease.revoke();
      await until(async () => !(await targets(reg)).has('any.service'), 10_000, 'machine-loss unschedule');
      const reason = (await reg.load()).model.jobs.get('any.service')?.blocked;
      expect(reason?.constraint).toBe('MachineID');
      const decisions = engine.decisions();
      expect(decisions.some((d) => d.action === 'unschedule' && /machine/i.test(d.reason))).toBe(true);
    } finally {
      await engine.stop();
    }
  });

  it('elects exactly one engine; a second takes over after the leader dies, without placing anything twice', async () => {
    const { registry, cuttableRegistry } = await kv();
    const { registry: regA, cut } = await cuttableRegistry();
    const regB = registry();
    await addMachine(regB, 1);
    await addMachine(regB, 2);
    const a = startEngine(regA, 'engine-a', 1);
    await until(() => a.leading, 10_000, 'a to lead');
    const b = startEngine(regB, 'engine-b', 1);
    try {
      await regB.submit(
        Array.from({ length: 20 }, (_, i) => ({ name: `u${i}.service`, content: unitFile() })),
        false,
      );
      await regB.setDesired(
        Array.from({ length: 20 }, (_, i) => `u${i}.service`),
        'launched',
      );
      await until(async () => (await targets(regB)).size === 20);
      expect(b.leading).toBe(false);
      expect(await b.leader()).toBe('engine-a');

      // The leader's network dies: no resignation, its lease just expires.
      cut();
      await until(() => b.leading, 15_000, 'b to take over');
      await regB.submit(
        Array.from({ length: 10 }, (_, i) => ({ name: `v${i}.service`, content: unitFile() })),
        false,
      );
      await regB.setDesired(
        Array.from({ length: 10 }, (_, i) => `v${i}.service`),
        'launched',
      );
      await until(async () => (await targets(regB)).size === 30);
      // Every unit was placed exactly once across both engines, and stays where it was put.
      const placed = [...a.decisions(), ...b.decisions()].filter((d) => d.action === 'schedule');
      expect(placed).toHaveLength(30);
      expect(new Set(placed.map((d) => d.unit)).size).toBe(30);
      const t = await targets(regB);
      for (const d of placed) expect(t.get(d.unit)).toBe(d.machineId);
    } finally {
      await a.stop().catch(() => undefined);
      await b.stop();
    }
  });

  it('fences a deposed leader: its writes fail once its election key is gone', async () => {
    const { registry } = await kv();
    const reg = registry();
    await addMachine(reg, 1);
    await reg.submit([{ name: 'x.service', content: unitFile() }], false);
    // A fence on a key that does not exist is what a deposed engine carries.
    const fence = [
      {
        key: Buffer.from(`${keys.engineElection}-gone`),
        target: 'Create' as const,
        result: 'Greater' as const,
        create_revision: 0,
      },
    ];
    const done = await reg.schedule([{ unit: 'x.service', machineId: mid(1) }], fence);
    expect(done).toEqual([]);
    expect((await targets(reg)).size).toBe(0);
  });
});
