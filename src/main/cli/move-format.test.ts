import { describe, expect, it } from 'vitest';
import type { MachineInfo, MoveTarget, Plan } from '../../shared/api';
import { findMachine, formatMovePlan, moveRefusal } from './move-format';

const machine = (name: string, id: string): MachineInfo => ({ id, name, ip: '', metadata: {}, version: 't' });
const M1 = machine('core-01', 'ab'.repeat(16));
const M2 = machine('core-02', 'ac'.repeat(16));
const M3 = machine('core-03', 'cd'.repeat(16));
const MACHINES = [M1, M2, M3];

describe('findMachine', () => {
  it('takes a host name, a full id or a unique id prefix', () => {
    expect(findMachine(MACHINES, 'core-02')).toBe(M2);
    expect(findMachine(MACHINES, M3.id)).toBe(M3);
    expect(findMachine(MACHINES, 'abab')).toBe(M1);
  });

  it('names the machines when the reference is unknown or ambiguous', () => {
    expect(findMachine(MACHINES, 'core-09')).toEqual({
      problem: 'the cluster has no machine core-09',
      hint: 'Machines: core-01 (abababab), core-02 (acacacac), core-03 (cdcdcdcd)',
    });
    expect(findMachine(MACHINES, 'a')).toMatchObject({ problem: 'machine id prefix a matches 2 machines' });
  });
});

describe('formatMovePlan', () => {
  it('says what stops where and what starts where, by host name', () => {
    const plan: Plan = {
      valid: true,
      problems: [],
      stops: [{ unit: 'web.service', machineId: M1.id, reason: 'moved to core-02 by request' }],
      starts: [
        {
          unit: 'side.service',
          machineId: M2.id,
          reason: 'follows web.service (MachineOf): moved here by request',
        },
        { unit: 'web.service', machineId: M2.id, reason: 'moved here by request' },
      ],
      blocked: [
        {
          unit: 'x.service',
          reason: {
            constraint: 'MachineOf',
            message: 'MachineOf=y.service: y.service is not scheduled',
            ruledOut: [],
          },
        },
      ],
    };
    expect(formatMovePlan('web.service', M2, plan, MACHINES)).toEqual([
      'Moving web.service to core-02:',
      '  stop   web.service on core-01 (moved to core-02 by request)',
      '  start  side.service on core-02 (follows web.service (MachineOf): moved here by request)',
      '  start  web.service on core-02 (moved here by request)',
      '  blocked x.service: MachineOf=y.service: y.service is not scheduled',
    ]);
  });
});

describe('moveRefusal', () => {
  const refused = (machineId: string, problem: string): MoveTarget => ({
    machineId,
    allowed: false,
    constraint: 'Conflicts',
    problems: [problem],
    followers: [],
  });

  it('gives the problems, and where the unit may go instead', () => {
    const verdict = refused(
      M2.id,
      'Conflicts=hello@*: core-02 runs hello@2.service, which matches Conflicts=hello@*',
    );
    const targets = [
      refused(M1.id, 'hello@1.service is already on core-01'),
      verdict,
      { machineId: M3.id, allowed: true, problems: [], followers: [] },
    ];
    expect(moveRefusal('hello@1.service', M2, verdict, targets, MACHINES)).toEqual({
      message:
        'Cannot move hello@1.service to core-02: Conflicts=hello@*: core-02 runs hello@2.service, which matches Conflicts=hello@*',
      hint: 'hello@1.service may move to: core-03',
    });
    expect(moveRefusal('hello@1.service', M2, verdict, targets.slice(0, 2), MACHINES).hint).toBe(
      'No machine can take hello@1.service now; flotctl status hello@1.service shows where it is',
    );
  });
});
