import { describe, expect, it } from 'vitest';
import { globMatch as matchGlob } from '../../../shared/units';
import type { ClusterView, SchedUnit } from './schedule';
import { checkMove, moveChecker, reconcile } from './schedule';
import { apply, machine, machineId, placementsAfter, prng, unit } from './testkit';

const M1 = machineId('1');
const M2 = machineId('2');
const M3 = machineId('3');

function blockedOf(view: ClusterView, name: string) {
  return reconcile(view).blocked.find((entry) => entry.unit === name)?.reason;
}

describe('least-loaded placement', () => {
  it('spreads units over machines, counting placements made earlier in the same pass, ties by id', () => {
    const view: ClusterView = {
      machines: [machine('2'), machine('1')],
      units: [unit('c.service'), unit('a.service'), unit('b.service')],
    };
    const result = reconcile(view);
    // name order: a → 1 (tie, lower id), b → 2 (1 has one now), c → 1 (tie again)
    expect(result.schedule.map((step) => [step.unit, step.machineId])).toEqual([
      ['a.service', M1],
      ['b.service', M2],
      ['c.service', M1],
    ]);
    expect(result.schedule[0]?.reason).toContain('least-loaded');
    expect(result.unschedule).toEqual([]);
    expect(result.blocked).toEqual([]);
  });

  it('prefers the machine with fewer placed units already', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [unit('a.service', {}, { on: '1' }), unit('b.service', {}, { on: '1' }), unit('new.service')],
    };
    expect(reconcile(view).schedule).toEqual([
      expect.objectContaining({ unit: 'new.service', machineId: M2 }),
    ]);
  });

  it('does not count global units as load', () => {
    const view: ClusterView = {
      machines: [machine('1', { role: 'edge' }), machine('2')],
      units: [
        unit('g1.service', { global: true, machineMetadata: { role: ['edge'] } }),
        unit('g2.service', { global: true, machineMetadata: { role: ['edge'] } }),
        unit('a.service'),
      ],
    };
    const result = reconcile(view);
    expect(result.global.get('g1.service')).toEqual([M1]);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'a.service', machineId: M1 })]);
  });

  it('places only units whose desired state is loaded or launched', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [
        unit('idle.service', {}, { desired: 'inactive' }),
        unit('loaded.service', {}, { desired: 'loaded' }),
        unit('run.service'),
      ],
    };
    expect(reconcile(view).schedule.map((step) => step.unit)).toEqual(['loaded.service', 'run.service']);
  });

  it('blocks with NoMachines when the cluster has none', () => {
    const reason = blockedOf({ machines: [], units: [unit('a.service')] }, 'a.service');
    expect(reason?.constraint).toBe('NoMachines');
    expect(reason?.ruledOut).toEqual([]);
  });
});

describe('unscheduling', () => {
  it('unschedules units whose desired state dropped to inactive and does not reschedule them', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [unit('a.service', {}, { on: '1', desired: 'inactive' }), unit('b.service', {}, { on: '1' })],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([
      { unit: 'a.service', machineId: M1, reason: 'desired state dropped to inactive' },
    ]);
    expect(result.schedule).toEqual([]);
  });

  it('moves units off a machine that is gone, in the same pass', () => {
    const view: ClusterView = {
      machines: [machine('2')],
      units: [unit('a.service', {}, { on: '1' })],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([
      { unit: 'a.service', machineId: M1, reason: expect.stringContaining('machine gone') },
    ]);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'a.service', machineId: M2 })]);
  });

  it('unschedules a unit whose machine metadata no longer matches, and reschedules it elsewhere', () => {
    const view: ClusterView = {
      machines: [machine('1', { region: 'us' }), machine('2', { region: 'eu' })],
      units: [unit('a.service', { machineMetadata: { region: ['eu'] } }, { on: '1' })],
    };
    const result = reconcile(view);
    expect(result.unschedule).toHaveLength(1);
    expect(result.unschedule[0]?.reason).toBe(
      'MachineMetadata region=eu: this machine has region=us, needs region=eu',
    );
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'a.service', machineId: M2 })]);
  });

  it('keeps a placed unit whose constraints still hold', () => {
    const view: ClusterView = {
      machines: [machine('1', { region: 'eu' }), machine('2', { region: 'eu' })],
      units: [unit('a.service', { machineMetadata: { region: ['eu'] } }, { on: '2' })],
    };
    expect(reconcile(view)).toMatchObject({ unschedule: [], schedule: [], blocked: [] });
  });

  it('unschedules a unit pinned by MachineID to another machine', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [unit('a.service', { machineId: M2 }, { on: '1' })],
    };
    const result = reconcile(view);
    expect(result.unschedule[0]?.reason).toContain('MachineID=');
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'a.service', machineId: M2 })]);
  });

  it('unschedules the later unit when a conflict appears on a machine, and moves it', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('a.service', {}, { on: '1' }),
        unit('b.service', { conflicts: ['a.service'] }, { on: '1' }),
      ],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([
      {
        unit: 'b.service',
        machineId: M1,
        reason: 'Conflicts=a.service: this machine runs a.service, which matches Conflicts=a.service',
      },
    ]);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'b.service', machineId: M2 })]);
  });
});

describe('MachineID', () => {
  it('accepts the full id or a prefix of it (the short id)', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2'), machine('3')],
      units: [unit('full.service', { machineId: M3 }), unit('short.service', { machineId: '33333333' })],
    };
    const placed = placementsAfter(view);
    expect(placed.get('full.service')).toBe(M3);
    expect(placed.get('short.service')).toBe(M3);
  });

  it('blocks when no machine matches, listing every machine', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [unit('a.service', { machineId: 'abc' })],
    };
    const reason = blockedOf(view, 'a.service');
    expect(reason?.constraint).toBe('MachineID');
    expect(reason?.message).toBe("MachineID=abc: no machine's id starts with abc");
    expect(reason?.ruledOut.map((entry) => [entry.machineId, entry.constraint])).toEqual([
      [M1, 'MachineID'],
      [M2, 'MachineID'],
    ]);
  });
});

describe('MachineMetadata', () => {
  const machines = [
    machine('1', { region: 'eu', disk: 'hdd' }),
    machine('2', { region: 'us', disk: 'ssd' }),
    machine('3', { region: 'eu', disk: 'ssd' }),
  ];

  it('requires every key (AND) and accepts any listed value of a key (OR)', () => {
    const view: ClusterView = {
      machines,
      units: [
        unit('and.service', { machineMetadata: { region: ['eu'], disk: ['ssd'] } }),
        unit('or.service', { machineMetadata: { region: ['us', 'ap'] } }),
      ],
    };
    const placed = placementsAfter(view);
    expect(placed.get('and.service')).toBe(M3);
    expect(placed.get('or.service')).toBe(M2);
  });

  it('never matches a machine lacking the key', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2', { rack: 'r1' })],
      units: [unit('a.service', { machineMetadata: { rack: ['r1'] } }), unit('b.service')],
    };
    // a goes to 2 although 1 is lighter by id order; b then takes the empty 1
    expect(placementsAfter(view)).toEqual(
      new Map([
        ['a.service', M2],
        ['b.service', M1],
      ]),
    );
  });

  it('blocks with a message naming the missing metadata', () => {
    const view: ClusterView = {
      machines,
      units: [unit('a.service', { machineMetadata: { region: ['ap'] } })],
    };
    const reason = blockedOf(view, 'a.service');
    expect(reason?.constraint).toBe('MachineMetadata');
    expect(reason?.message).toBe('MachineMetadata region=ap: no machine has region=ap');
    expect(reason?.ruledOut).toHaveLength(3);
    expect(reason?.ruledOut[0]).toEqual({
      machineId: M1,
      constraint: 'MachineMetadata',
      detail: 'has region=eu, needs region=ap',
    });
  });

  it('says when each key exists but no machine has them together', () => {
    const view: ClusterView = {
      machines,
      units: [unit('a.service', { machineMetadata: { region: ['us'], disk: ['hdd'] } })],
    };
    expect(blockedOf(view, 'a.service')?.message).toBe(
      'MachineMetadata disk=hdd region=us: no machine has disk=hdd and region=us',
    );
  });
});

describe('MachineOf', () => {
  it('places a follower with its peer even on a busier machine, whatever the name order', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('busy.service', {}, { on: '2' }),
        unit('a-sidecar.service', { machineOf: ['z-db.service'] }),
        unit('z-db.service', { machineId: M2 }),
      ],
    };
    const result = reconcile(view);
    expect(result.schedule.map((step) => [step.unit, step.machineId])).toEqual([
      ['a-sidecar.service', M2],
      ['z-db.service', M2],
    ]);
    expect(result.schedule[0]?.reason).toBe('MachineOf=z-db.service: runs with z-db.service');
  });

  it('follows chains in one pass', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2'), machine('3')],
      units: [
        unit('a.service', { machineOf: ['b.service'] }),
        unit('b.service', { machineOf: ['c.service'] }),
        unit('c.service', { machineId: M3 }),
      ],
    };
    const placed = placementsAfter(view);
    expect([...placed.values()]).toEqual([M3, M3, M3]);
  });

  it('blocks when the peer does not exist or is not started', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [
        unit('a.service', { machineOf: ['ghost.service'] }),
        unit('b.service', { machineOf: ['idle.service'] }),
        unit('idle.service', {}, { desired: 'inactive' }),
      ],
    };
    expect(blockedOf(view, 'a.service')).toEqual({
      constraint: 'MachineOf',
      message: 'MachineOf=ghost.service: ghost.service does not exist',
      ruledOut: [{ machineId: M1, constraint: 'MachineOf', detail: 'ghost.service does not exist' }],
    });
    expect(blockedOf(view, 'b.service')?.message).toBe('MachineOf=idle.service: idle.service is not started');
  });

  it('blocks a follower whose peer is itself blocked', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [
        unit('db.service', { machineMetadata: { disk: ['ssd'] } }),
        unit('web.service', { machineOf: ['db.service'] }),
      ],
    };
    expect(blockedOf(view, 'web.service')?.message).toBe('MachineOf=db.service: db.service is not scheduled');
  });

  it('blocks every unit of a cycle and says so', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('a.service', { machineOf: ['b.service'] }),
        unit('b.service', { machineOf: ['a.service'] }),
        unit('self.service', { machineOf: ['self.service'] }),
        unit('tail.service', { machineOf: ['a.service'] }),
      ],
    };
    const result = reconcile(view);
    expect(result.schedule).toEqual([]);
    expect(result.blocked.map((entry) => entry.unit)).toEqual([
      'a.service',
      'b.service',
      'self.service',
      'tail.service',
    ]);
    for (const entry of result.blocked) {
      expect(entry.reason.constraint).toBe('MachineOf');
      expect(entry.reason.message).toContain('cycle');
    }
    expect(result.blocked[0]?.reason.message).toBe(
      'MachineOf=b.service: a.service → b.service → a.service is a cycle',
    );
  });

  it('moves a follower when its peer moved to another machine', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('db.service', {}, { on: '2' }),
        unit('web.service', { machineOf: ['db.service'] }, { on: '1' }),
      ],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([
      { unit: 'web.service', machineId: M1, reason: `MachineOf=db.service: db.service runs on 22222222` },
    ]);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'web.service', machineId: M2 })]);
  });

  it('moves peer and follower together when their machine goes away', () => {
    const view: ClusterView = {
      machines: [machine('2'), machine('3')],
      units: [
        unit('other.service', {}, { on: '2' }),
        unit('db.service', {}, { on: '1' }),
        unit('web.service', { machineOf: ['db.service'] }, { on: '1' }),
      ],
    };
    const placed = placementsAfter(view);
    expect(placed.get('db.service')).toBe(M3);
    expect(placed.get('web.service')).toBe(M3);
  });

  it('blocks a follower whose peer machine fails its other constraints, explaining that machine', () => {
    const view: ClusterView = {
      machines: [machine('1', { disk: 'hdd' }), machine('2', { disk: 'ssd' })],
      units: [
        unit('db.service', {}, { on: '1' }),
        unit('web.service', { machineOf: ['db.service'], machineMetadata: { disk: ['ssd'] } }),
      ],
    };
    const reason = blockedOf(view, 'web.service');
    expect(reason?.ruledOut).toEqual([
      { machineId: M1, constraint: 'MachineMetadata', detail: 'has disk=hdd, needs disk=ssd' },
      { machineId: M2, constraint: 'MachineOf', detail: 'db.service runs on 11111111' },
    ]);
    // a tie (one machine each): the earlier check, MachineMetadata, is reported
    expect(reason?.constraint).toBe('MachineMetadata');
  });
});

describe('Conflicts', () => {
  it('puts hello@1 and hello@2 with Conflicts=hello*.service on different machines', () => {
    const hello = (n: number): SchedUnit => unit(`hello@${n}.service`, { conflicts: ['hello*.service'] });
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [hello(1), hello(2)],
    };
    expect(placementsAfter(view)).toEqual(
      new Map([
        ['hello@1.service', M1],
        ['hello@2.service', M2],
      ]),
    );
  });

  it('blocks the third instance on two machines with Conflicts, listing both machines', () => {
    const hello = (n: number): SchedUnit => unit(`hello@${n}.service`, { conflicts: ['hello*.service'] });
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [hello(1), hello(2), hello(3)],
    };
    const result = reconcile(view);
    expect(result.schedule).toHaveLength(2);
    expect(result.blocked.map((entry) => entry.unit)).toEqual(['hello@3.service']);
    const reason = result.blocked[0]?.reason;
    expect(reason?.constraint).toBe('Conflicts');
    expect(reason?.message.startsWith('Conflicts=hello*.service: ')).toBe(true);
    expect(reason?.ruledOut).toEqual([
      {
        machineId: M1,
        constraint: 'Conflicts',
        detail: 'runs hello@1.service, which matches Conflicts=hello*.service',
      },
      {
        machineId: M2,
        constraint: 'Conflicts',
        detail: 'runs hello@2.service, which matches Conflicts=hello*.service',
      },
    ]);
  });

  it('is checked in the other direction: a placed unit’s globs keep new units away', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('a.service', { conflicts: ['b*.service'] }, { on: '1' }),
        unit('x.service', {}, { on: '2' }),
        unit('x2.service', {}, { on: '2' }),
        unit('b1.service'),
      ],
    };
    // machine 1 is lighter, but a.service there refuses b1
    expect(reconcile(view).schedule).toEqual([
      expect.objectContaining({ unit: 'b1.service', machineId: M2 }),
    ]);
    const single: ClusterView = {
      machines: [machine('1')],
      units: [view.units[0] as SchedUnit, unit('b1.service')],
    };
    expect(blockedOf(single, 'b1.service')?.ruledOut).toEqual([
      {
        machineId: M1,
        constraint: 'Conflicts',
        detail: 'runs a.service, whose Conflicts=b*.service matches b1.service',
      },
    ]);
  });

  it('never makes a unit conflict with itself', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [unit('hello.service', { conflicts: ['hello*.service', 'hello.service'] })],
    };
    expect(placementsAfter(view).get('hello.service')).toBe(M1);
    const placed: ClusterView = { ...view, units: [{ ...(view.units[0] as SchedUnit), machineId: M1 }] };
    expect(reconcile(placed).unschedule).toEqual([]);
  });

  it('uses Go glob classes and ? (not crossing characters it should not)', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('web1.service', {}, { on: '1' }),
        unit('web12.service', {}, { on: '2' }),
        unit('lb.service', { conflicts: ['web[0-9].service'] }),
      ],
    };
    // web[0-9] matches web1 but not web12: lb must go to machine 2
    expect(placementsAfter(view).get('lb.service')).toBe(M2);
  });
});

describe('blocked explanations', () => {
  it('reuses an explanation only for units ruled out regardless of their name', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [
        unit('a.service', { conflicts: ['x1.service'] }, { on: '1' }),
        unit('x1.service'),
        unit('x2.service'),
      ],
    };
    const result = reconcile(view);
    // same options, but only x1's name is refused by a.service
    expect(result.blocked.map((entry) => entry.unit)).toEqual(['x1.service']);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'x2.service', machineId: M1 })]);
  });

  it('gives identical blocked units the same reason', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: ['a', 'b', 'c'].map((name) => unit(`${name}.service`, { machineMetadata: { gpu: ['yes'] } })),
    };
    const result = reconcile(view);
    expect(result.blocked.map((entry) => entry.unit)).toEqual(['a.service', 'b.service', 'c.service']);
    for (const entry of result.blocked) {
      expect(entry.reason.message).toBe('MachineMetadata gpu=yes: no machine has gpu=yes');
      expect(entry.reason.ruledOut).toHaveLength(2);
    }
  });
});

describe('Replaces', () => {
  it('lets the replacer take the machine and moves the replaced unit elsewhere', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('old.service', {}, { on: '1' }),
        unit('new.service', { replaces: ['old.service'], machineId: M1 }),
      ],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([
      {
        unit: 'old.service',
        machineId: M1,
        reason: 'Replaces: new.service replaces old.service on this machine',
      },
    ]);
    expect(result.schedule.map((step) => [step.unit, step.machineId])).toEqual([
      ['new.service', M1],
      ['old.service', M2],
    ]);
    // and it is stable: the next pass changes nothing
    const next = reconcile(apply(view, result));
    expect(next.unschedule).toEqual([]);
    expect(next.schedule).toEqual([]);
  });

  it('never lets the replaced unit land next to its replacer', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('new.service', { replaces: ['old*.service'] }, { on: '1' }),
        unit('x.service', {}, { on: '2' }),
        unit('y.service', {}, { on: '2' }),
        unit('old1.service'),
      ],
    };
    expect(reconcile(view).schedule).toEqual([
      expect.objectContaining({ unit: 'old1.service', machineId: M2 }),
    ]);
    const single: ClusterView = {
      machines: [machine('1')],
      units: [view.units[0] as SchedUnit, unit('old1.service')],
    };
    const reason = blockedOf(single, 'old1.service');
    expect(reason?.constraint).toBe('Replaces');
    expect(reason?.ruledOut[0]?.detail).toBe('runs new.service, which replaces old1.service');
  });

  it('unschedules a placed unit when its replacer arrives on the machine', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('a-old.service', {}, { on: '1' }),
        unit('z-new.service', { replaces: ['a-old.service'] }, { on: '1' }),
      ],
    };
    const result = reconcile(view);
    expect(result.unschedule.map((step) => step.unit)).toEqual(['a-old.service']);
    expect(result.schedule).toEqual([expect.objectContaining({ unit: 'a-old.service', machineId: M2 })]);
  });

  it('takes the replaced unit’s MachineOf followers along', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('old.service', {}, { on: '1' }),
        unit('old-sidecar.service', { machineOf: ['old.service'] }, { on: '1' }),
        unit('new.service', { replaces: ['old.service'], machineId: M1 }),
      ],
    };
    const placed = placementsAfter(view);
    expect(placed.get('new.service')).toBe(M1);
    expect(placed.get('old.service')).toBe(M2);
    expect(placed.get('old-sidecar.service')).toBe(M2);
  });

  it('ignores units that replace each other, as fleet does', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [
        unit('a.service', { replaces: ['b.service'] }, { on: '1' }),
        unit('b.service', { replaces: ['a.service'] }, { on: '1' }),
      ],
    };
    expect(reconcile(view)).toMatchObject({ unschedule: [], schedule: [], blocked: [] });
  });
});

describe('global units', () => {
  it('run on every machine passing MachineMetadata, ignoring MachineID and MachineOf', () => {
    const view: ClusterView = {
      machines: [machine('3', { role: 'web' }), machine('1', { role: 'web' }), machine('2', { role: 'db' })],
      units: [
        unit('web-agent.service', { global: true, machineMetadata: { role: ['web'] }, machineId: M2 }),
        unit('everywhere.service', { global: true, machineOf: ['ghost.service'] }),
        unit('off.service', { global: true }, { desired: 'inactive' }),
      ],
    };
    const result = reconcile(view);
    expect(result.global).toEqual(
      new Map([
        ['everywhere.service', [M1, M2, M3]],
        ['web-agent.service', [M1, M3]],
      ]),
    );
    expect(result.schedule).toEqual([]);
    expect(result.blocked).toEqual([]);
  });

  it('yield to conflicting placed units, in both directions', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2'), machine('3')],
      units: [
        unit('a.service', {}, { on: '1' }),
        unit('b.service', { conflicts: ['mon*.service'] }, { on: '2' }),
        unit('monitor.service', { global: true, conflicts: ['a.service'] }),
      ],
    };
    expect(reconcile(view).global.get('monitor.service')).toEqual([M3]);
  });

  it('count for the Conflicts checks of units placed later', () => {
    const view: ClusterView = {
      machines: [machine('1', { role: 'edge' }), machine('2')],
      units: [
        unit('proxy.service', { global: true, machineMetadata: { role: ['edge'] } }),
        unit('lonely.service', { conflicts: ['proxy.service'] }),
        unit('shy.service'),
      ],
    };
    const blocking: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [
        unit('proxy.service', { global: true }),
        unit('lonely.service', { conflicts: ['proxy.service'] }),
      ],
    };
    // lonely avoids machine 1 where the proxy runs, although 1 is lighter by id
    expect(placementsAfter(view).get('lonely.service')).toBe(M2);
    const reason = blockedOf(blocking, 'lonely.service');
    expect(reason?.constraint).toBe('Conflicts');
    expect(reason?.ruledOut.map((entry) => entry.detail)).toEqual([
      'runs proxy.service, which matches Conflicts=proxy.service',
      'runs proxy.service, which matches Conflicts=proxy.service',
    ]);
  });

  it('unschedules a global unit that was given a target', () => {
    const view: ClusterView = {
      machines: [machine('1')],
      units: [unit('g.service', { global: true }, { on: '1' })],
    };
    const result = reconcile(view);
    expect(result.unschedule).toEqual([expect.objectContaining({ unit: 'g.service', machineId: M1 })]);
    expect(result.global.get('g.service')).toEqual([M1]);
  });
});

describe('combined constraints', () => {
  it('applies metadata, conflicts and MachineOf together', () => {
    const view: ClusterView = {
      machines: [
        machine('1', { region: 'eu' }),
        machine('2', { region: 'eu' }),
        machine('3', { region: 'us' }),
      ],
      units: [
        unit('api@1.service', { machineMetadata: { region: ['eu'] }, conflicts: ['api@*.service'] }),
        unit('api@2.service', { machineMetadata: { region: ['eu'] }, conflicts: ['api@*.service'] }),
        unit('api@3.service', { machineMetadata: { region: ['eu'] }, conflicts: ['api@*.service'] }),
        unit('log@2.service', { machineOf: ['api@2.service'] }),
      ],
    };
    const result = reconcile(view);
    const placed = placementsAfter(view, result);
    expect(placed.get('api@1.service')).toBe(M1);
    expect(placed.get('api@2.service')).toBe(M2);
    expect(placed.get('log@2.service')).toBe(M2);
    const reason = result.blocked.find((entry) => entry.unit === 'api@3.service')?.reason;
    // machine 3 fails metadata, machines 1 and 2 fail Conflicts: Conflicts rules out the most
    expect(reason?.constraint).toBe('Conflicts');
    expect(reason?.ruledOut.map((entry) => entry.constraint)).toEqual([
      'Conflicts',
      'Conflicts',
      'MachineMetadata',
    ]);
  });
});

/** A generated cluster with every kind of constraint, for properties that must always hold. */
function generatedView(seed: number, unitCount: number, machineCount: number): ClusterView {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const regions = ['eu', 'us', 'ap'];
  const machines = Array.from({ length: machineCount }, (_, index) => ({
    id: (index * 2654435761 + 17).toString(16).padStart(32, '0'),
    metadata: (random() < 0.9 ? { region: pick(regions) } : {}) as Record<string, string>,
  }));
  const units: SchedUnit[] = [];
  for (let index = 0; index < unitCount; index++) {
    const roll = random();
    const group = `grp${index % 7}`;
    const base = unit(`${group}@${index}.service`);
    if (roll < 0.2) base.options.machineMetadata = { region: [pick(regions)] };
    else if (roll < 0.35) base.options.conflicts = [`${group}@*.service`];
    else if (roll < 0.45 && index > 0)
      base.options.machineOf = [(units[Math.floor(random() * index)] as SchedUnit).name];
    else if (roll < 0.5) base.options.machineId = pick(machines).id.slice(0, 8);
    else if (roll < 0.53) base.options.replaces = [`grp${(index + 1) % 7}@${index - 1}.service`];
    else if (roll < 0.56) base.options.global = true;
    if (random() < 0.1) base.desired = 'inactive';
    if (random() < 0.3 && !base.options.global) base.machineId = pick(machines).id;
    units.push(base);
  }
  return { machines, units };
}

/** Settles a view by applying passes until nothing changes. */
function settled(view: ClusterView, passes = 6): ClusterView {
  let current = view;
  for (let pass = 0; pass < passes; pass++) {
    const result = reconcile(current);
    if (result.unschedule.length === 0 && result.schedule.length === 0) return current;
    current = apply(current, result);
  }
  return current;
}

describe('properties', () => {
  it('is deterministic: same input in any order gives the same decisions', () => {
    const view = generatedView(7, 300, 12);
    const shuffled: ClusterView = {
      machines: [...view.machines].reverse(),
      units: [...view.units].sort(() => 0).reverse(),
    };
    const first = reconcile(view);
    expect(reconcile(view)).toEqual(first);
    expect(reconcile(shuffled)).toEqual(first);
    expect(first.schedule.length).toBeGreaterThan(100);
  });

  it.each([1, 2, 3, 4, 5])('every placement satisfies every constraint (seed %i)', (seed) => {
    const view = settled(generatedView(seed, 200, 8));
    const result = reconcile(view);
    expect(result.unschedule).toEqual([]);
    expect(result.schedule).toEqual([]);
    const byName = new Map(view.units.map((u) => [u.name, u]));
    const machines = new Map(view.machines.map((m) => [m.id, m]));
    const residents = new Map<string, string[]>();
    for (const u of view.units) {
      if (u.machineId !== undefined)
        residents.set(u.machineId, [...(residents.get(u.machineId) ?? []), u.name]);
    }
    for (const [name, ids] of result.global) {
      for (const id of ids) residents.set(id, [...(residents.get(id) ?? []), name]);
    }
    for (const u of view.units) {
      if (u.machineId === undefined) continue;
      expect(u.desired).not.toBe('inactive');
      const host = machines.get(u.machineId);
      expect(host).toBeDefined();
      if (u.options.machineId !== undefined) expect(u.machineId.startsWith(u.options.machineId)).toBe(true);
      for (const [key, values] of Object.entries(u.options.machineMetadata)) {
        expect(values).toContain(host?.metadata[key]);
      }
      for (const peer of u.options.machineOf) expect(byName.get(peer)?.machineId).toBe(u.machineId);
      for (const other of residents.get(u.machineId) ?? []) {
        if (other === u.name) continue;
        const otherUnit = byName.get(other) as SchedUnit;
        for (const glob of u.options.conflicts) expect(matchGlob(glob, other)).toBe(false);
        for (const glob of otherUnit.options.conflicts) expect(matchGlob(glob, u.name)).toBe(false);
      }
    }
    // and every active non-global unit is either placed or blocked with a reason
    const blocked = new Set(result.blocked.map((entry) => entry.unit));
    for (const u of view.units) {
      if (u.desired === 'inactive' || u.options.global) continue;
      expect(u.machineId !== undefined || blocked.has(u.name)).toBe(true);
    }
  });

  it('gives every blocked unit a ruledOut entry per machine', () => {
    const view = settled(generatedView(11, 200, 6));
    for (const entry of reconcile(view).blocked) {
      expect(entry.reason.ruledOut.map((r) => r.machineId)).toEqual(view.machines.map((m) => m.id).sort());
      expect(entry.reason.message).toMatch(/^(MachineID|MachineMetadata|MachineOf|Conflicts|Replaces)/);
    }
  });
});

describe('checkMove', () => {
  const view: ClusterView = {
    machines: [machine('1', { disk: 'ssd' }), machine('2', { disk: 'ssd' }), machine('3', { disk: 'hdd' })],
    units: [
      unit('db.service', { machineMetadata: { disk: ['ssd'] } }, { on: '1' }),
      unit('web.service', { machineOf: ['db.service'] }, { on: '1' }),
      unit('log.service', { machineOf: ['web.service'] }, { on: '1' }),
      unit('cache.service', { conflicts: ['web.service'] }, { on: '2' }),
      unit('idle.service', {}, { desired: 'inactive' }),
      unit('g.service', { global: true }),
    ],
  };

  it('allows a valid move and names the followers that move along', () => {
    const moved: ClusterView = { ...view, units: view.units.filter((u) => u.name !== 'cache.service') };
    expect(checkMove(moved, 'db.service', '22222222')).toEqual({
      ok: true,
      followers: ['log.service', 'web.service'],
    });
  });

  it('reports constraints the target breaks, for the unit and its followers', () => {
    expect(checkMove(view, 'db.service', M3)).toEqual({
      ok: false,
      constraint: 'MachineMetadata',
      problems: ['MachineMetadata disk=ssd: 33333333 has disk=hdd, needs disk=ssd'],
    });
    expect(checkMove(view, 'db.service', M2)).toEqual({
      ok: false,
      constraint: 'Conflicts',
      problems: [
        'Conflicts: 22222222 runs cache.service, whose Conflicts=web.service matches web.service (web.service follows db.service)',
      ],
    });
  });

  it('names machines by host name when the view has them', () => {
    const named: ClusterView = {
      ...view,
      machines: view.machines.map((m, i) => ({ ...m, name: `core-0${i + 1}` })),
    };
    expect(checkMove(named, 'db.service', M3)).toMatchObject({
      problems: ['MachineMetadata disk=ssd: core-03 has disk=hdd, needs disk=ssd'],
    });
    expect(checkMove(named, 'db.service', M1)).toEqual({
      ok: false,
      constraint: 'State',
      problems: ['db.service is already on core-01'],
    });
  });

  it('refuses to move a follower away from its peer', () => {
    expect(checkMove(view, 'web.service', M2)).toEqual({
      ok: false,
      constraint: 'MachineOf',
      problems: ['MachineOf=db.service: web.service must stay with db.service; move db.service instead'],
    });
  });

  it('refuses unknown units and machines, global and inactive units', () => {
    expect(checkMove(view, 'nope.service', M2)).toEqual({
      ok: false,
      constraint: 'State',
      problems: ['unit nope.service does not exist'],
    });
    expect(checkMove(view, 'db.service', '99')).toEqual({
      ok: false,
      constraint: 'State',
      problems: ['no machine 99 in the cluster'],
    });
    expect(checkMove(view, 'g.service', M2)).toMatchObject({ ok: false, constraint: 'Global' });
    expect(checkMove(view, 'idle.service', M2)).toMatchObject({ ok: false, constraint: 'State' });
  });
});

describe('moveChecker', () => {
  it('judges every machine against one settled view, each target as if it were the only one', () => {
    const view: ClusterView = {
      machines: [machine('1'), machine('2'), machine('3'), machine('4')],
      units: [
        unit('hello@1.service', { conflicts: ['hello@*'] }, { on: '1' }),
        unit('hello@2.service', { conflicts: ['hello@*'] }, { on: '2' }),
        unit('side.service', { machineOf: ['hello@1.service'] }, { on: '1' }),
        unit('other.service', { conflicts: ['side.service'] }, { on: '3' }),
      ],
    };
    const checker = moveChecker(view, 'hello@1.service');
    if ('refused' in checker) throw new Error('hello@1 should be movable');
    expect(checker.current).toBe(M1);
    // Asked twice and in any order: a verdict never depends on the targets judged before it.
    for (const order of [
      ['1', '2', '3', '4'],
      ['4', '3', '2', '1'],
    ]) {
      const verdicts = Object.fromEntries(order.map((d) => [d, checker.check(machineId(d))]));
      expect(verdicts).toEqual({
        '1': { ok: false, constraint: 'State', problems: ['hello@1.service is already on 11111111'] },
        '2': {
          ok: false,
          constraint: 'Conflicts',
          problems: ['Conflicts=hello@*: 22222222 runs hello@2.service, which matches Conflicts=hello@*'],
        },
        '3': {
          ok: false,
          constraint: 'Conflicts',
          problems: [
            'Conflicts: 33333333 runs other.service, whose Conflicts=side.service matches side.service (side.service follows hello@1.service)',
          ],
        },
        '4': { ok: true, followers: ['side.service'] },
      });
    }
  });

  it('refuses a global unit everywhere with constraint Global', () => {
    const checker = moveChecker(
      { machines: [machine('1')], units: [unit('g.service', { global: true })] },
      'g.service',
    );
    expect(checker).toEqual({
      refused: {
        ok: false,
        constraint: 'Global',
        problems: ['g.service is a global unit: it runs on every eligible machine'],
      },
    });
  });
});
