import { describe, expect, it } from 'vitest';
import { machineInfo, unitInfo } from '../machines/fixtures';
import { hostNames } from '../machines/verdicts';
import {
  actionCommand,
  actionSummary,
  actionTargets,
  filterRows,
  nameMatcher,
  sortRows,
  unitRow,
} from './units-model';

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const names = hostNames([core01, core02]);
const rows = [
  unitRow(unitInfo('web@2.service', { on: core02 }), names),
  unitRow(unitInfo('web@10.service', { on: core01, active: 'failed', sub: 'failed' }), names),
  unitRow(unitInfo('db.service', { desired: 'inactive' }), names),
  unitRow(unitInfo('mon.service', { global: [core01, core02] }), names),
  unitRow(unitInfo('pinned.service', { blocked: 'MachineID=abc: no such machine' }), names),
];
const rowNames = (list: { name: string }[]) => list.map((r) => r.name);

describe('unit rows', () => {
  it('say where and how a unit runs, in host names', () => {
    const [web2, web10, db, mon, pinned] = rows;
    expect(web2).toMatchObject({ stateText: 'active/running', tone: 'running', machineText: 'core-02' });
    expect(web2?.shortHash).toHaveLength(7);
    expect(web10).toMatchObject({ stateText: 'failed/failed', tone: 'failed' });
    expect(db).toMatchObject({ stateText: 'inactive', tone: 'inactive', machineText: '—' });
    expect(mon).toMatchObject({ stateText: 'active/running ×2', machineText: 'global: core-01, core-02' });
    expect(pinned?.machineText).toBe('not placed: MachineID=abc: no such machine');
  });
});

describe('the filter', () => {
  it('matches a substring, any case', () => {
    expect(rowNames(filterRows(rows, 'WEB', 'all'))).toEqual(['web@2.service', 'web@10.service']);
  });
  it('matches globs against the whole name, as fleet does', () => {
    expect(rowNames(filterRows(rows, 'web@1*', 'all'))).toEqual(['web@10.service']);
    expect(rowNames(filterRows(rows, '*.service', 'all'))).toHaveLength(5);
    expect(rowNames(filterRows(rows, 'web', 'all'))).toHaveLength(2);
    expect(rowNames(filterRows(rows, 'web*', 'all'))).toHaveLength(2);
    expect(rowNames(filterRows(rows, 'eb*', 'all'))).toHaveLength(0);
  });
  it('says when a glob is malformed, and then matches nothing', () => {
    expect(nameMatcher('web[').problem).toMatch(/Not a valid glob/);
    expect(filterRows(rows, 'web[', 'all')).toEqual([]);
  });
  it('filters by state', () => {
    expect(rowNames(filterRows(rows, '', 'failed'))).toEqual(['web@10.service']);
    expect(rowNames(filterRows(rows, '', 'blocked'))).toEqual(['pinned.service']);
    expect(rowNames(filterRows(rows, '', 'running'))).toEqual(['web@2.service', 'mon.service']);
    expect(rowNames(filterRows(rows, '', 'inactive'))).toEqual(['db.service']);
  });
});

describe('sorting', () => {
  it('sorts names naturally, either way', () => {
    expect(rowNames(sortRows(rows, { column: 'name', direction: 'asc' }))).toEqual([
      'db.service',
      'mon.service',
      'pinned.service',
      'web@2.service',
      'web@10.service',
    ]);
    expect(rowNames(sortRows(rows, { column: 'name', direction: 'desc' }))[0]).toBe('web@10.service');
  });
  it('sorts by state with failures first, then by name', () => {
    expect(rowNames(sortRows(rows, { column: 'state', direction: 'asc' })).slice(0, 3)).toEqual([
      'web@10.service',
      'web@2.service',
      'mon.service',
    ]);
  });
  it('sorts by machine and desired state', () => {
    expect(rowNames(sortRows(rows, { column: 'machine', direction: 'asc' }))[1]).toBe('web@10.service');
    expect(rowNames(sortRows(rows, { column: 'desired', direction: 'desc' }))[0]).toBe('db.service');
  });
});

describe('bulk actions', () => {
  const units = rows.map((r) => r.unit);
  it('act as fleet: start what is not launched, stop only what is, unload what is not inactive', () => {
    expect(actionTargets('start', units)).toEqual({
      apply: ['db.service'],
      skip: ['web@2.service', 'web@10.service', 'mon.service', 'pinned.service'],
    });
    expect(actionTargets('stop', units).skip).toEqual(['db.service']);
    expect(actionTargets('unload', units).apply).toHaveLength(4);
    expect(actionTargets('destroy', units).apply).toHaveLength(5);
  });
  it('say what they did and give the flotctl line', () => {
    expect(actionSummary('start', ['a.service'], [])).toBe('Started a.service');
    expect(actionSummary('stop', ['a.service', 'b.service'], ['c.service'])).toBe(
      'Stopped 2 units (1 not started)',
    );
    expect(actionCommand('destroy', ['a.service', 'b@1.service'], ['--cluster', 'dev'])).toBe(
      'flotctl destroy --cluster dev a.service b@1.service',
    );
  });
});
