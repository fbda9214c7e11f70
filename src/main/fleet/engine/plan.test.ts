import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { MachineInfo, MoveTarget } from '../../../shared/api';
import { moveTargets, previewPlan } from './plan';
import type { ClusterView } from './schedule';
import { reconcile } from './schedule';
import { apply, machine, machineId, unit } from './testkit';

const M1 = machineId('1');
const M2 = machineId('2');
const M3 = machineId('3');

/** db with two followers on machine 1, an api on machine 2, a global agent everywhere. */
function cluster(): ClusterView {
  return {
    machines: [machine('1', { disk: 'ssd' }), machine('2', { disk: 'ssd' }), machine('3', { disk: 'hdd' })],
    units: [
      unit('db.service', { machineMetadata: { disk: ['ssd'] } }, { on: '1' }),
      unit('web.service', { machineOf: ['db.service'] }, { on: '1' }),
      unit('log.service', { machineOf: ['web.service'] }, { on: '1' }),
      unit('api.service', {}, { on: '2' }),
      unit('spare.service', {}, { on: '3' }),
      unit('agent.service', { global: true, conflicts: ['cache*.service'] }),
    ],
  };
}

describe('previewPlan', () => {
  it('start: a new unit lands on the least-loaded machine', () => {
    const plan = previewPlan(cluster(), { kind: 'start', unit: unit('new.service') });
    expect(plan).toEqual({
      valid: true,
      problems: [],
      stops: [],
      starts: [{ unit: 'new.service', machineId: M2, reason: expect.stringContaining('least-loaded') }],
      blocked: [],
    });
  });

  it('start: a unit a global unit conflicts with is blocked, the global unit keeps running', () => {
    const plan = previewPlan(cluster(), { kind: 'start', unit: unit('cache.service') });
    expect(plan.starts).toEqual([]);
    expect(plan.stops).toEqual([]);
    expect(plan.blocked).toHaveLength(1);
    expect(plan.blocked[0]?.reason.constraint).toBe('Conflicts');
    expect(plan.blocked[0]?.reason.ruledOut[0]?.detail).toBe(
      'runs agent.service, whose Conflicts=cache*.service matches cache.service',
    );
  });

  it('start: a unit that cannot be placed is reported blocked, nothing else changes', () => {
    const plan = previewPlan(cluster(), {
      kind: 'start',
      unit: unit('gpu.service', { machineMetadata: { gpu: ['yes'] } }),
    });
    expect(plan.valid).toBe(true);
    expect(plan.stops).toEqual([]);
    expect(plan.starts).toEqual([]);
    expect(plan.blocked).toEqual([
      {
        unit: 'gpu.service',
        reason: expect.objectContaining({
          constraint: 'MachineMetadata',
          message: 'MachineMetadata gpu=yes: no machine has gpu=yes',
        }),
      },
    ]);
  });

  it('start: a global unit starts on every eligible machine', () => {
    const plan = previewPlan(cluster(), {
      kind: 'start',
      unit: unit('ssd-agent.service', { global: true, machineMetadata: { disk: ['ssd'] } }),
    });
    expect(plan.starts.map((step) => [step.unit, step.machineId])).toEqual([
      ['ssd-agent.service', M1],
      ['ssd-agent.service', M2],
    ]);
  });

  it('stop: the unit and its MachineOf followers stop; the followers are then blocked', () => {
    const plan = previewPlan(cluster(), { kind: 'stop', unit: 'db.service' });
    expect(plan.stops).toEqual([
      { unit: 'db.service', machineId: M1, reason: 'stopped by request' },
      { unit: 'log.service', machineId: M1, reason: 'MachineOf=web.service: web.service is not scheduled' },
      { unit: 'web.service', machineId: M1, reason: 'MachineOf=db.service: db.service is not started' },
    ]);
    expect(plan.starts).toEqual([]);
    expect(plan.blocked.map((entry) => entry.unit)).toEqual(['log.service', 'web.service']);
  });

  it('stop: a global unit stops on every machine', () => {
    const plan = previewPlan(cluster(), { kind: 'stop', unit: 'agent.service' });
    expect(plan.stops.map((step) => [step.machineId, step.reason])).toEqual([
      [M1, 'stopped by request'],
      [M2, 'stopped by request'],
      [M3, 'stopped by request'],
    ]);
  });

  it('move: the unit and its followers leave and land together', () => {
    const plan = previewPlan(cluster(), { kind: 'move', unit: 'db.service', machineId: '22222222' });
    expect(plan.valid).toBe(true);
    expect(plan.stops.map((step) => [step.unit, step.machineId])).toEqual([
      ['db.service', M1],
      ['log.service', M1],
      ['web.service', M1],
    ]);
    expect(plan.starts.map((step) => [step.unit, step.machineId])).toEqual([
      ['db.service', M2],
      ['log.service', M2],
      ['web.service', M2],
    ]);
    expect(plan.stops[0]?.reason).toBe('moved to 22222222 by request');
    expect(plan.starts[2]?.reason).toBe('follows db.service (MachineOf): moved here by request');
  });

  it('move: a move that breaks a constraint is invalid and computes nothing else', () => {
    expect(previewPlan(cluster(), { kind: 'move', unit: 'db.service', machineId: M3 })).toEqual({
      valid: false,
      problems: ['MachineMetadata disk=ssd: 33333333 has disk=hdd, needs disk=ssd'],
      stops: [],
      starts: [],
      blocked: [],
    });
  });

  it('move: unknown unit or machine is invalid', () => {
    expect(previewPlan(cluster(), { kind: 'move', unit: 'x.service', machineId: M2 }).problems).toEqual([
      'unit x.service does not exist',
    ]);
    expect(previewPlan(cluster(), { kind: 'move', unit: 'db.service', machineId: 'ffff' }).problems).toEqual([
      'no machine ffff in the cluster',
    ]);
  });

  it('move: units the moved unit replaces are pushed elsewhere', () => {
    const view = cluster();
    view.units.push(unit('api-v2.service', { replaces: ['api.service'] }, { on: '3' }));
    const plan = previewPlan(view, { kind: 'move', unit: 'api-v2.service', machineId: M2 });
    expect(plan.valid).toBe(true);
    expect(plan.stops).toEqual([
      { unit: 'api-v2.service', machineId: M3, reason: 'moved to 22222222 by request' },
      {
        unit: 'api.service',
        machineId: M2,
        reason: 'Replaces: this machine runs api-v2.service, which replaces api.service',
      },
    ]);
    expect(plan.starts.map((step) => [step.unit, step.machineId])).toEqual([
      ['api-v2.service', M2],
      ['api.service', M3],
    ]);
  });

  it('edit: new options that the current machine fails move the unit', () => {
    const plan = previewPlan(cluster(), {
      kind: 'edit',
      unit: unit('spare.service', { machineMetadata: { disk: ['ssd'] } }),
    });
    expect(plan.stops).toEqual([
      {
        unit: 'spare.service',
        machineId: M3,
        reason: 'MachineMetadata disk=ssd: this machine has disk=hdd, needs disk=ssd',
      },
    ]);
    expect(plan.starts).toEqual([expect.objectContaining({ unit: 'spare.service', machineId: M2 })]);
  });

  it('edit: a global unit whose new Conflicts match a placed unit stops on that machine', () => {
    const plan = previewPlan(cluster(), {
      kind: 'edit',
      unit: unit('agent.service', { global: true, conflicts: ['api.service'] }),
    });
    expect(plan.stops).toEqual([
      {
        unit: 'agent.service',
        machineId: M2,
        reason: 'Conflicts=api.service: this machine runs api.service, which matches Conflicts=api.service',
      },
    ]);
    expect(plan.starts).toEqual([]);
  });

  it('edit: an unknown unit is invalid', () => {
    const plan = previewPlan(cluster(), { kind: 'edit', unit: unit('x.service') });
    expect(plan).toMatchObject({ valid: false, problems: ['unit x.service does not exist'] });
  });

  it('removeMachine: its units move, its global units stop there', () => {
    const plan = previewPlan(cluster(), { kind: 'removeMachine', machineId: '11111111' });
    expect(plan.stops).toEqual([
      { unit: 'agent.service', machineId: M1, reason: 'machine removed' },
      { unit: 'db.service', machineId: M1, reason: 'machine gone: 11111111 is no longer in the cluster' },
      expect.objectContaining({ unit: 'log.service', machineId: M1 }),
      expect.objectContaining({ unit: 'web.service', machineId: M1 }),
    ]);
    // db needs an ssd machine: 2 is the only one left; its followers come along
    expect(plan.starts.map((step) => [step.unit, step.machineId])).toEqual([
      ['db.service', M2],
      ['log.service', M2],
      ['web.service', M2],
    ]);
    expect(plan.blocked).toEqual([]);
  });

  it('removeMachine: units that can go nowhere else are blocked', () => {
    const plan = previewPlan(cluster(), { kind: 'removeMachine', machineId: M3 });
    expect(plan.starts).toEqual([expect.objectContaining({ unit: 'spare.service' })]);
    const pinned: ClusterView = {
      machines: [machine('1'), machine('2')],
      units: [unit('pinned.service', { machineId: '22' }, { on: '2' })],
    };
    const after = previewPlan(pinned, { kind: 'removeMachine', machineId: M2 });
    expect(after.stops).toEqual([expect.objectContaining({ unit: 'pinned.service', machineId: M2 })]);
    expect(after.blocked).toEqual([
      { unit: 'pinned.service', reason: expect.objectContaining({ constraint: 'MachineID' }) },
    ]);
  });

  it('removeMachine: an unknown machine is invalid', () => {
    expect(previewPlan(cluster(), { kind: 'removeMachine', machineId: '99' })).toMatchObject({
      valid: false,
      problems: ['no machine 99 in the cluster'],
    });
  });

  it('compares against the settled cluster, so pending placements are not blamed on the change', () => {
    const view = cluster();
    view.units.push(unit('pending.service'));
    const plan = previewPlan(view, { kind: 'start', unit: unit('new.service') });
    expect(plan.starts.map((step) => step.unit)).toEqual(['new.service']);
  });

  it('does not modify the view it is given', () => {
    const view = cluster();
    const snapshot = JSON.stringify(view);
    previewPlan(view, { kind: 'move', unit: 'db.service', machineId: M2 });
    previewPlan(view, { kind: 'stop', unit: 'db.service' });
    previewPlan(view, { kind: 'removeMachine', machineId: M1 });
    expect(JSON.stringify(view)).toBe(snapshot);
  });
});

/** The cluster host's list: every machine, up or not (the view holds only registered ones). */
function board(view: ClusterView, down: { digit: string; life: MachineInfo['life'] }[] = []): MachineInfo[] {
  const info = (id: string, name: string, life: MachineInfo['life']): MachineInfo => ({
    id,
    name,
    ip: '',
    metadata: {},
    version: 't',
    life,
  });
  return [
    ...view.machines.map((m) => info(m.id, m.name ?? m.id, 'up')),
    ...down.map((d) => info(machineId(d.digit), `core-0${d.digit}`, d.life)),
  ];
}

describe('moveTargets', () => {
  const named = (): ClusterView => {
    const view = cluster();
    view.machines = view.machines.map((m, i) => ({ ...m, name: `core-0${i + 1}` }));
    return view;
  };

  it('gives every machine of the cluster a verdict, in host-name order, naming machines by host name', () => {
    const view = named();
    const machines = board(view, [
      { digit: '5', life: 'up' },
      { digit: '4', life: 'dead' },
    ]).reverse();
    expect(moveTargets(view, 'db.service', machines)).toEqual<MoveTarget[]>([
      {
        machineId: M1,
        allowed: false,
        constraint: 'State',
        problems: ['db.service is already on core-01'],
        followers: [],
      },
      { machineId: M2, allowed: true, problems: [], followers: ['log.service', 'web.service'] },
      {
        machineId: M3,
        allowed: false,
        constraint: 'MachineMetadata',
        problems: ['MachineMetadata disk=ssd: core-03 has disk=hdd, needs disk=ssd'],
        followers: [],
      },
      {
        machineId: machineId('4'),
        allowed: false,
        constraint: 'State',
        problems: ['core-04 is down'],
        followers: [],
      },
      {
        machineId: machineId('5'),
        allowed: false,
        constraint: 'State',
        problems: ['core-05 is up but not registered: its agent is not heartbeating'],
        followers: [],
      },
    ]);
  });

  it('names the deciding constraint: Conflicts, MachineOf, Global, State', () => {
    const view = named();
    view.units.push(unit('hello@1.service', { conflicts: ['hello@*'] }, { on: '2' }));
    view.units.push(unit('hello@2.service', { conflicts: ['hello@*'] }, { on: '3' }));
    const hello = moveTargets(view, 'hello@1.service', board(view));
    expect(hello.map((t) => [t.allowed, t.constraint])).toEqual([
      [true, undefined],
      [false, 'State'],
      [false, 'Conflicts'],
    ]);
    expect(hello[2]?.problems).toEqual([
      'Conflicts=hello@*: core-03 runs hello@2.service, which matches Conflicts=hello@*',
    ]);
    expect(moveTargets(view, 'web.service', board(view))[1]).toMatchObject({
      constraint: 'MachineOf',
      problems: ['MachineOf=db.service: web.service must stay with db.service; move db.service instead'],
    });
    for (const t of moveTargets(view, 'agent.service', board(view)))
      expect(t).toMatchObject({ allowed: false, constraint: 'Global' });
    view.units.push(unit('idle.service', {}, { desired: 'inactive' }));
    for (const t of moveTargets(view, 'idle.service', board(view)))
      expect(t).toMatchObject({
        allowed: false,
        constraint: 'State',
        problems: ['idle.service is not started: start it before moving it'],
      });
  });

  it('answers for 100 machines × 2000 units at once, each verdict right', () => {
    const zones = ['a', 'b', 'c'];
    const host = (i: number) => `core-${String(i + 1).padStart(3, '0')}`;
    const machines = Array.from({ length: 100 }, (_, i) => ({
      id: (i + 1).toString(16).padStart(32, '0'),
      name: host(i),
      metadata: { zone: zones[i % 3] as string },
    }));
    const units = [];
    for (let i = 0; i < 80; i++) {
      units.push(unit(`web@${i}.service`, { conflicts: ['web@*.service'] }));
      units.push(unit(`side@${i}.service`, { machineOf: [`web@${i}.service`] }));
    }
    for (let i = 0; i < 300; i++) units.push(unit(`db@${i}.service`, { machineMetadata: { zone: ['a'] } }));
    while (units.length < 2000) units.push(unit(`job-${units.length}.service`));
    let view: ClusterView = { machines, units };
    for (let pass = 0; pass < 3; pass++) view = apply(view, reconcile(view));
    const where = new Map(view.units.map((u) => [u.name, u.machineId]));
    const webHosts = new Set(view.units.filter((u) => u.name.startsWith('web@')).map((u) => u.machineId));
    expect(webHosts.size).toBe(80);

    const list = board(view);
    const times: number[] = [];
    let targets: MoveTarget[] = [];
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      targets = moveTargets(view, 'web@3.service', list);
      times.push(performance.now() - t0);
    }
    const median = [...times].sort((a, b) => a - b)[2] as number;
    console.log(
      `moveTargets, 100 machines × 2000 units: first ${times[0]!.toFixed(1)} ms, median of 5 ${median.toFixed(1)} ms`,
    );

    expect(targets.map((t) => t.machineId)).toEqual(machines.map((m) => m.id));
    const allowed: string[] = [];
    for (const t of targets) {
      const name = machines.find((m) => m.id === t.machineId)!.name;
      if (t.machineId === where.get('web@3.service')) {
        expect(t).toMatchObject({
          allowed: false,
          constraint: 'State',
          problems: [`web@3.service is already on ${name}`],
        });
      } else if (webHosts.has(t.machineId)) {
        expect(t.allowed).toBe(false);
        expect(t.constraint).toBe('Conflicts');
        expect(t.problems[0]).toMatch(
          new RegExp(`^Conflicts=web@\\*\\.service: ${name} runs web@\\d+\\.service, which matches`),
        );
      } else {
        expect(t).toEqual({
          machineId: t.machineId,
          allowed: true,
          problems: [],
          followers: ['side@3.service'],
        });
        allowed.push(t.machineId);
      }
    }
    expect(allowed).toHaveLength(20);
    // The engine agrees: after an allowed move nothing has to move again.
    for (const to of allowed.slice(0, 3)) {
      const moved: ClusterView = {
        machines,
        units: view.units.map((u) =>
          u.name === 'web@3.service' || u.name === 'side@3.service' ? { ...u, machineId: to } : u,
        ),
      };
      const after = reconcile(moved);
      expect(after.unschedule).toEqual([]);
      expect(after.schedule).toEqual([]);
    }

    const db = moveTargets(view, 'db@0.service', list);
    for (const [i, t] of db.entries()) {
      if (i % 3 !== 0) expect(t.constraint).toBe('MachineMetadata');
      else expect(t.constraint === undefined || t.constraint === 'State').toBe(true);
    }
  });
});
