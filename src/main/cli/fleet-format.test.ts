import { describe, expect, it } from 'vitest';
import type { MachineInfo, UnitInfo } from '../../shared/api';
import {
  blockedLines,
  formatListMachines,
  formatListUnitFiles,
  formatListUnits,
  formatMetadata,
  formatStatus,
  goList,
  machineFullLegend,
  machineIdLegend,
  parseFields,
  LIST_UNITS_FIELDS,
  LIST_UNIT_FILES_FIELDS,
  hashLegend,
  tabwrite,
  timedOutMessage,
  triggeredMessage,
  unitStateMessage,
  unitStateRows,
} from './fleet-format';

// Golden outputs: every expected string is written out by hand from fleetctl's rules (Go
// text/tabwriter with minwidth 0, tabwidth 8, padding 1, padchar '\t').

const M1 = '0acdd9bf3b6d4d4f8a7c1e2f3a4b5c6d';
const M2 = '113f16a7aa0e4b2c9d8e7f6a5b4c3d2e';
const M3 = '85c0c595c1d2e3f4a5b6c7d8e9f0a1b2';
const machines: MachineInfo[] = [
  { id: M3, name: 'core-03', ip: '172.17.8.103', metadata: { role: 'db' }, version: '1.0.0' },
  {
    id: M1,
    name: 'core-01',
    ip: '172.17.8.101',
    metadata: { region: 'us-west', disk: 'ssd' },
    version: '1.0.0',
  },
  { id: M2, name: 'core-02', ip: '172.17.8.102', metadata: {}, version: '1.0.0' },
];

const h = (prefix: string) => prefix + 'e'.repeat(40 - prefix.length);
const noOptions = { machineOf: [], machineMetadata: {}, conflicts: [], global: false, replaces: [] };
function unit(u: Partial<UnitInfo> & Pick<UnitInfo, 'name' | 'hash'>): UnitInfo {
  return {
    desiredState: 'inactive',
    currentState: 'inactive',
    global: false,
    options: noOptions,
    states: [],
    ...u,
  };
}
const running = (machineId: string, hash: string) => ({
  machineId,
  load: 'loaded',
  active: 'active',
  sub: 'running',
  hash,
});

const hello = unit({
  name: 'hello.service',
  hash: h('4bff33d'),
  description: 'Hello World',
  desiredState: 'launched',
  currentState: 'launched',
  machineId: M1,
  states: [running(M1, h('4bff33d'))],
});
const db = unit({
  name: 'db.service',
  hash: h('a1b2c3d'),
  desiredState: 'loaded',
  currentState: 'loaded',
  machineId: M3,
  states: [{ machineId: M3, load: 'loaded', active: 'inactive', sub: 'dead', hash: h('a1b2c3d') }],
});
const global = unit({
  name: 'global.service',
  hash: h('9f8e7d6'),
  desiredState: 'launched',
  currentState: 'launched',
  global: true,
  options: { ...noOptions, global: true },
  states: [running(M2, h('9f8e7d6')), running(M1, h('9f8e7d6'))],
});
const pending = unit({
  name: 'pending.service',
  hash: h('1234567'),
  desiredState: 'loaded',
  currentState: 'loaded',
  machineId: M2,
});
const submitted = unit({ name: 'submitted.service', hash: h('7654321') });
const blocked = unit({
  name: 'web@1.service',
  hash: h('abcdef0'),
  desiredState: 'launched',
  currentState: 'inactive',
  blocked: {
    constraint: 'Conflicts',
    message: 'Conflicts=web@*.service: every machine runs a conflicting unit',
    ruledOut: [
      { machineId: M1, constraint: 'Conflicts', detail: 'runs web@2.service' },
      { machineId: M2, constraint: 'MachineMetadata', detail: 'role=web not in metadata' },
    ],
  },
});
const units = [submitted, hello, blocked, global, pending, db];

describe('tabwrite (Go text/tabwriter as fleetctl sets it up)', () => {
  it('reproduces fleet’s documented list-unit-files layout', () => {
    // Documentation/examples/example-deployment.md in coreos/fleet.
    expect(
      tabwrite([
        ['UNIT', 'HASH', 'DSTATE', 'STATE', 'TMACHINE'],
        ['subgun-http@.service', '08be408', 'inactive', 'inactive', '-'],
        ['subgun-presence@.service', '5180ed9', 'inactive', 'inactive', '-'],
      ]),
    ).toEqual([
      'UNIT\t\t\t\tHASH\tDSTATE\t\tSTATE\t\tTMACHINE',
      'subgun-http@.service\t\t08be408\tinactive\tinactive\t-',
      'subgun-presence@.service\t5180ed9\tinactive\tinactive\t-',
    ]);
  });

  it('pads a cell that fills a tab stop with a whole tab, leaves the last cell alone', () => {
    expect(
      tabwrite([
        ['12345678', 'x'],
        ['1', 'yyyyyyyyyyyy'],
      ]),
    ).toEqual(['12345678\tx', '1\t\tyyyyyyyyyyyy']);
  });

  it('handles one column, a header alone and no rows', () => {
    expect(tabwrite([['UNIT'], ['hello.service']])).toEqual(['UNIT', 'hello.service']);
    expect(tabwrite([['UNIT', 'MACHINE', 'ACTIVE', 'SUB']])).toEqual(['UNIT\tMACHINE\tACTIVE\tSUB']);
    expect(tabwrite([])).toEqual([]);
  });

  it('counts characters, not bytes', () => {
    expect(
      tabwrite([
        ['ünïcødé', 'a'],
        ['x', 'b'],
      ]),
    ).toEqual(['ünïcødé\ta', 'x\tb']);
  });
});

describe('legends and small formats', () => {
  it('shows machines as fleetctl’s machineFullLegend', () => {
    expect(machineIdLegend(M1)).toBe('0acdd9bf...');
    expect(machineIdLegend(M1, true)).toBe(M1);
    expect(machineFullLegend(M1, machines)).toBe('0acdd9bf.../172.17.8.101');
    expect(machineFullLegend(M1, machines, true)).toBe(`${M1}/172.17.8.101`);
    expect(machineFullLegend('deadbeefcafe', machines)).toBe('deadbeef...');
    expect(machineIdLegend('abc')).toBe('abc...');
  });

  it('formats metadata sorted by key, `-` when empty', () => {
    expect(formatMetadata({ region: 'us-west', disk: 'ssd', Zone: 'a' })).toBe(
      'Zone=a,disk=ssd,region=us-west',
    );
    expect(formatMetadata({})).toBe('-');
  });

  it('shortens hashes to 7 characters unless full', () => {
    expect(hashLegend(h('4bff33d'))).toBe('4bff33d');
    expect(hashLegend(h('4bff33d'), true)).toBe(h('4bff33d'));
    expect(hashLegend('')).toBe('-');
  });

  it('prints Go slices as fleetctl does', () => {
    expect(goList(['a.service', 'b.service'])).toBe('[a.service b.service]');
    expect(goList([])).toBe('[]');
  });
});

describe('--fields', () => {
  it('accepts fleetctl’s keys and rejects others with its message', () => {
    expect(parseFields('unit,hash', LIST_UNITS_FIELDS)).toEqual({ cols: ['unit', 'hash'] });
    expect(parseFields('unit,tmachine', LIST_UNIT_FILES_FIELDS)).toEqual({
      error:
        'Invalid key in output format: "tmachine" (valid fields are "desc,dstate,global,hash,state,target,unit")',
    });
    expect(parseFields('', LIST_UNITS_FIELDS)).toEqual({
      error: 'Must define output format (valid fields are "active,hash,load,machine,sub,unit")',
    });
  });
});

describe('list-units', () => {
  const cols = ['unit', 'machine', 'active', 'sub'];

  it('has one row per reporting machine (global units once per machine), placed units, sorted', () => {
    expect(unitStateRows(units).map((r) => `${r.unit}@${r.machineId?.slice(0, 2)}`)).toEqual([
      'db.service@85',
      'global.service@0a',
      'global.service@11',
      'hello.service@0a',
      'pending.service@11',
    ]);
  });

  it('prints UNIT MACHINE ACTIVE SUB by default', () => {
    expect(formatListUnits(units, machines, { cols })).toEqual([
      'UNIT\t\tMACHINE\t\t\t\tACTIVE\t\tSUB',
      'db.service\t85c0c595.../172.17.8.103\tinactive\tdead',
      'global.service\t0acdd9bf.../172.17.8.101\tactive\t\trunning',
      'global.service\t113f16a7.../172.17.8.102\tactive\t\trunning',
      'hello.service\t0acdd9bf.../172.17.8.101\tactive\t\trunning',
      'pending.service\t113f16a7.../172.17.8.102\t-\t\t-',
    ]);
  });

  it('matches the walkthrough: one unit, then nothing after submit', () => {
    expect(formatListUnits([hello], machines, { cols })).toEqual([
      'UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB',
      'hello.service\t0acdd9bf.../172.17.8.101\tactive\trunning',
    ]);
    expect(formatListUnits([submitted], machines, { cols })).toEqual(['UNIT\tMACHINE\tACTIVE\tSUB']);
  });

  it('takes --fields, --full and --no-legend', () => {
    expect(
      formatListUnits([hello, db], machines, {
        cols: ['unit', 'load', 'hash', 'machine'],
        full: true,
        noLegend: true,
      }),
    ).toEqual([
      `db.service\tloaded\t${h('a1b2c3d')}\t${M3}/172.17.8.103`,
      `hello.service\tloaded\t${h('4bff33d')}\t${M1}/172.17.8.101`,
    ]);
    expect(formatListUnits([hello, pending], machines, { cols: ['unit', 'hash'] })).toEqual([
      'UNIT\t\tHASH',
      'hello.service\t4bff33d',
      'pending.service\t-',
    ]);
  });

  it('shows the bare short id of a machine it does not know', () => {
    const gone = { ...hello, machineId: 'ffeeddccbbaa', states: [running('ffeeddccbbaa', hello.hash)] };
    expect(formatListUnits([gone], machines, { cols: ['unit', 'machine'], noLegend: true })).toEqual([
      'hello.service\tffeeddcc...',
    ]);
  });
});

describe('list-unit-files', () => {
  const cols = ['unit', 'hash', 'dstate', 'state', 'target'];

  it('prints UNIT HASH DSTATE STATE TARGET for every unit, sorted', () => {
    expect(formatListUnitFiles(units, machines, { cols })).toEqual([
      'UNIT\t\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET',
      'db.service\t\ta1b2c3d\tloaded\t\tloaded\t\t85c0c595.../172.17.8.103',
      'global.service\t\t9f8e7d6\tlaunched\t-\t\tglobal',
      'hello.service\t\t4bff33d\tlaunched\tlaunched\t0acdd9bf.../172.17.8.101',
      'pending.service\t\t1234567\tloaded\t\tloaded\t\t113f16a7.../172.17.8.102',
      'submitted.service\t7654321\tinactive\tinactive\t-',
      'web@1.service\t\tabcdef0\tlaunched\tinactive\t-',
    ]);
  });

  it('matches the walkthrough after submit', () => {
    const sub = unit({ name: 'hello.service', hash: h('4bff33d') });
    expect(formatListUnitFiles([sub], machines, { cols })).toEqual([
      'UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET',
      'hello.service\t4bff33d\tinactive\tinactive\t-',
    ]);
  });

  it('has the global and desc fields, full hashes and machine ids with -l', () => {
    expect(
      formatListUnitFiles([hello, submitted], machines, {
        cols: ['unit', 'global', 'desc', 'hash', 'target'],
        full: true,
        noLegend: true,
      }),
    ).toEqual([
      `hello.service\t\tfalse\tHello World\t${h('4bff33d')}\t${M1}/172.17.8.101`,
      `submitted.service\tfalse\t-\t\t${h('7654321')}\t-`,
    ]);
  });
});

describe('list-machines', () => {
  it('prints MACHINE IP METADATA sorted by id', () => {
    expect(formatListMachines(machines, { cols: ['machine', 'ip', 'metadata'] })).toEqual([
      'MACHINE\t\tIP\t\tMETADATA',
      '0acdd9bf...\t172.17.8.101\tdisk=ssd,region=us-west',
      '113f16a7...\t172.17.8.102\t-',
      '85c0c595...\t172.17.8.103\trole=db',
    ]);
  });

  it('prints full ids with -l, no header with --no-legend, `-` for a missing IP', () => {
    const noIp = { ...machines[2]!, ip: '' };
    expect(formatListMachines([noIp], { cols: ['machine', 'ip'], full: true, noLegend: true })).toEqual([
      `${M2}\t-`,
    ]);
  });
});

describe('messages', () => {
  it('says where a unit got to, as fleetctl’s assertUnitState', () => {
    expect(unitStateMessage(hello, machines)).toBe('Unit hello.service launched on 0acdd9bf.../172.17.8.101');
    expect(unitStateMessage({ ...hello, currentState: 'loaded' }, machines)).toBe(
      'Unit hello.service loaded on 0acdd9bf.../172.17.8.101',
    );
    expect(unitStateMessage(submitted, machines)).toBe('Unit submitted.service inactive');
    expect(unitStateMessage({ ...hello, machineId: 'ffeeddcc' }, machines)).toBe(
      'Unit hello.service launched',
    );
  });

  it('triggers and times out with fleetctl’s words', () => {
    expect(triggeredMessage('hello.service', 'start')).toBe('Triggered unit hello.service start');
    expect(triggeredMessage('hello.service', 'load')).toBe('Triggered unit hello.service load');
    expect(triggeredMessage('hello.service', 'stop')).toBe('Triggered unit hello.service stop');
    expect(triggeredMessage('hello.service', 'unload')).toBe('Triggered unit hello.service unload');
    expect(triggeredMessage('global.service', 'start', true)).toBe(
      'Triggered global unit global.service start',
    );
    expect(timedOutMessage('web@1.service', 'launched')).toBe(
      'timed out waiting for unit web@1.service to report state launched',
    );
  });

  it('explains a blocked unit with every machine ruled out', () => {
    expect(blockedLines('web@1.service', blocked.blocked!, machines)).toEqual([
      'Unit web@1.service cannot be placed: Conflicts=web@*.service: every machine runs a conflicting unit',
      '  0acdd9bf.../172.17.8.101: Conflicts: runs web@2.service',
      '  113f16a7.../172.17.8.102: MachineMetadata: role=web not in metadata',
    ]);
  });
});

describe('status', () => {
  it('prints a running unit like systemctl status', () => {
    expect(formatStatus(hello, machines)).toEqual([
      '● hello.service - Hello World',
      '   Loaded: loaded (/run/fleet/units/hello.service; linked-runtime)',
      '   Active: active (running)',
      '  Machine: 0acdd9bf.../172.17.8.101',
      '   Target: launched (fleet state launched)',
      `     Hash: ${h('4bff33d')}`,
    ]);
  });

  it('prints a loaded, stopped unit and a placed unit not reported yet', () => {
    expect(formatStatus(db, machines)).toEqual([
      '● db.service',
      '   Loaded: loaded (/run/fleet/units/db.service; linked-runtime)',
      '   Active: inactive (dead)',
      '  Machine: 85c0c595.../172.17.8.103',
      '   Target: loaded (fleet state loaded)',
      `     Hash: ${h('a1b2c3d')}`,
    ]);
    expect(formatStatus(pending, machines)).toEqual([
      '● pending.service',
      '   Loaded: - (no state reported by its machine yet)',
      '   Active: -',
      '  Machine: 113f16a7.../172.17.8.102',
      '   Target: loaded (fleet state loaded)',
      `     Hash: ${h('1234567')}`,
    ]);
  });

  it('prints why a unit cannot be placed', () => {
    expect(formatStatus(blocked, machines)).toEqual([
      '● web@1.service',
      '   Loaded: not-loaded (not scheduled)',
      '   Active: inactive (dead)',
      '  Machine: -',
      '   Target: launched (fleet state inactive)',
      `     Hash: ${h('abcdef0')}`,
      '  Blocked: Conflicts=web@*.service: every machine runs a conflicting unit',
      '           0acdd9bf.../172.17.8.101: Conflicts: runs web@2.service',
      '           113f16a7.../172.17.8.102: MachineMetadata: role=web not in metadata',
    ]);
  });

  it('prints a global unit once per machine, by machine id', () => {
    expect(formatStatus(global, machines)).toEqual([
      '● global.service',
      '   Loaded: loaded (/run/fleet/units/global.service; linked-runtime)',
      '   Active: active (running)',
      '  Machine: 0acdd9bf.../172.17.8.101',
      '   Target: launched (fleet state launched)',
      `     Hash: ${h('9f8e7d6')}`,
      '',
      '● global.service',
      '   Loaded: loaded (/run/fleet/units/global.service; linked-runtime)',
      '   Active: active (running)',
      '  Machine: 113f16a7.../172.17.8.102',
      '   Target: launched (fleet state launched)',
      `     Hash: ${h('9f8e7d6')}`,
    ]);
  });
});
