import { describe, expect, it } from 'vitest';
import { previewPlan } from './plan';
import type { ClusterView } from './schedule';
import { machine, machineId, unit } from './testkit';

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
