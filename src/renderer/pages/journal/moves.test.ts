import { describe, expect, it } from 'vitest';
import type { UnitInfo } from '../../../shared/api';
import { MoveTracker, moveText } from './moves';

const unit = (name: string, machineId: string | undefined) => ({ name, machineId }) as UnitInfo;

describe('MoveTracker', () => {
  it('reports a unit whose machine changed, not its first placement', () => {
    const t = new MoveTracker();
    expect(t.update([unit('a.service', 'm1'), unit('b.service', undefined)], () => true)).toEqual([]);
    expect(t.update([unit('a.service', 'm2'), unit('b.service', 'm1')], () => true)).toEqual([
      { unit: 'a.service', from: 'm1', to: 'm2' },
    ]);
    expect(t.update([unit('a.service', 'm2')], () => true)).toEqual([]);
  });

  it('remembers the last machine while a unit is not placed', () => {
    const t = new MoveTracker();
    t.update([unit('a.service', 'm1')], () => true);
    expect(t.update([unit('a.service', undefined)], () => true)).toEqual([]);
    expect(t.update([unit('a.service', 'm3')], () => true)).toEqual([
      { unit: 'a.service', from: 'm1', to: 'm3' },
    ]);
  });

  it('tells only of units that are followed, but keeps track of all', () => {
    const t = new MoveTracker();
    t.update([unit('a.service', 'm1'), unit('b.service', 'm1')], () => true);
    expect(t.update([unit('a.service', 'm2'), unit('b.service', 'm2')], (u) => u === 'b.service')).toEqual([
      { unit: 'b.service', from: 'm1', to: 'm2' },
    ]);
    expect(t.update([unit('a.service', 'm2')], () => true)).toEqual([]);
  });

  it('says it with host names', () => {
    const hosts = new Map([
      ['m1', 'core-01'],
      ['m2', 'core-02'],
    ]);
    expect(moveText({ unit: 'hello.service', from: 'm1', to: 'm2' }, (id) => hosts.get(id) ?? id)).toBe(
      'hello.service moved from core-01 to core-02',
    );
  });
});
