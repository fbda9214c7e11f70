import { describe, expect, it } from 'vitest';
import type { MachineInfo } from '../../../shared/api';
import {
  journalCommand,
  normalizeUnit,
  pickSelection,
  resolveMachine,
  selectionFromParams,
  selectionToParams,
  streamQueries,
} from './selection';

const machine = (name: string, id: string) => ({ name, id }) as MachineInfo;

describe('journal selection', () => {
  it('reads units and machines from the URL, adding .service where no type is given', () => {
    expect(selectionFromParams(new URLSearchParams('units=a.service,b&machine=core-01'))).toEqual({
      units: ['a.service', 'b.service'],
      machines: ['core-01'],
    });
    expect(selectionFromParams(new URLSearchParams('unit=web@1.service'))).toEqual({
      units: ['web@1.service'],
      machines: [],
    });
    expect(selectionFromParams(new URLSearchParams('machine=core-01,core-02'))).toEqual({
      units: [],
      machines: ['core-01', 'core-02'],
    });
    expect(selectionFromParams(new URLSearchParams(''))).toBeUndefined();
    expect(normalizeUnit(' db.socket ')).toBe('db.socket');
  });

  it('writes a selection back as the same URL, leaving out "all"', () => {
    expect(selectionToParams({ units: ['a.service', 'b.service'], machines: ['core-01'] })).toEqual({
      units: 'a.service,b.service',
      machine: 'core-01',
    });
    expect(selectionToParams({ units: [], machines: [] })).toEqual({});
  });

  it('prefers the URL, then what was followed last, then everything', () => {
    const url = { units: ['a.service'], machines: [] };
    const remembered = { units: ['b.service'], machines: ['core-02'] };
    expect(pickSelection(url, remembered)).toBe(url);
    expect(pickSelection(undefined, remembered)).toEqual(remembered);
    expect(pickSelection(undefined, undefined)).toEqual({ units: [], machines: [] });
  });

  it('finds machines by host name, id or unique id prefix', () => {
    const ms = [machine('core-01', 'abc111'), machine('core-02', 'abd222')];
    expect(resolveMachine('core-02', ms)?.id).toBe('abd222');
    expect(resolveMachine('abc', ms)?.name).toBe('core-01');
    expect(resolveMachine('ab', ms)).toBeUndefined();
    expect(resolveMachine('core-09', ms)).toBeUndefined();
  });

  it('follows all machines in one stream, or each chosen machine in its own', () => {
    expect(streamQueries({ units: [], machines: [] }, 'dev', 100)).toEqual([{ cluster: 'dev', lines: 100 }]);
    expect(streamQueries({ units: ['a.service'], machines: ['core-01', 'core-02'] }, 'dev', 10)).toEqual([
      { cluster: 'dev', lines: 10, units: ['a.service'], machine: 'core-01' },
      { cluster: 'dev', lines: 10, units: ['a.service'], machine: 'core-02' },
    ]);
  });

  it('says the same as a flotctl command', () => {
    const active = { cluster: 'dev', active: true, lines: 10 };
    expect(journalCommand({ units: ['hello.service'], machines: [] }, active)).toBe(
      'flotctl journal -f hello.service',
    );
    expect(
      journalCommand(
        { units: ['a.service', 'b.service'], machines: ['core-01'] },
        { ...active, lines: 1000 },
      ),
    ).toBe('flotctl journal -f -n 1000 --machine core-01 a.service b.service');
    expect(journalCommand({ units: [], machines: [] }, { cluster: 'lab', active: false, lines: 10 })).toBe(
      'flotctl journal -f --cluster lab',
    );
    expect(journalCommand({ units: ['a.service'], machines: ['core-01', 'core-02'] }, active)).toBe(
      'flotctl journal -f --machine core-01 a.service & flotctl journal -f --machine core-02 a.service & wait',
    );
  });
});
