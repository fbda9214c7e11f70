import { describe, expect, it } from 'vitest';
import { machineInfo } from './fixtures';
import {
  CHECKING,
  HERE,
  acceptsDrop,
  hostNames,
  hostOf,
  verdictText,
  verdictsFrom,
  withHostNames,
} from './verdicts';

const names = hostNames([machineInfo('core-01', '1'), machineInfo('core-02', '2')]);

describe('host names', () => {
  it('replaces the short and full machine ids the scheduler writes', () => {
    expect(withHostNames('Conflicts=hello@*: 22222222 runs hello@1.service', names)).toBe(
      'Conflicts=hello@*: core-02 runs hello@1.service',
    );
    expect(withHostNames(`on ${'1'.repeat(32)}`, names)).toBe('on core-01');
    expect(withHostNames('33333333 is unknown, deadbeefcafe too', names)).toBe(
      '33333333 is unknown, deadbeefcafe too',
    );
    expect(hostOf(names, '3'.repeat(32))).toBe('33333333');
  });
});

describe('verdicts', () => {
  const verdicts = verdictsFrom(
    [
      { machineId: '1'.repeat(32), allowed: true, problems: [], followers: ['web.service'] },
      {
        machineId: '2'.repeat(32),
        allowed: false,
        constraint: 'Conflicts',
        problems: ['Conflicts=hello@*: 22222222 runs hello@1.service'],
        followers: [],
      },
      { machineId: '3'.repeat(32), allowed: false, constraint: 'State', problems: [], followers: [] },
    ],
    names,
  );

  it('says in words whether a drop is allowed and what forbids it', () => {
    expect(verdictText(verdicts.get('1'.repeat(32))!)).toBe('Drop to move here (web.service moves along)');
    expect(verdictText(verdicts.get('2'.repeat(32))!)).toBe(
      "Can't move here: Conflicts=hello@*: core-02 runs hello@1.service",
    );
    expect(verdictText(verdicts.get('3'.repeat(32))!)).toBe("Can't move here: State forbids it");
    expect(verdictText(HERE)).toBe('Already here');
    expect(verdictText({ kind: 'allowed', followers: [] })).toBe('Drop to move here');
    expect(verdictText({ kind: 'allowed', followers: ['a.service', 'b.service'] })).toBe(
      'Drop to move here (a.service, b.service move along)',
    );
  });

  it('asks for a plan on drop unless the machine refused or already has the unit', () => {
    expect(acceptsDrop(verdicts.get('1'.repeat(32))!)).toBe(true);
    expect(acceptsDrop(CHECKING)).toBe(true);
    expect(acceptsDrop({ kind: 'unchecked', reason: 'offline' })).toBe(true);
    expect(acceptsDrop(verdicts.get('2'.repeat(32))!)).toBe(false);
    expect(acceptsDrop(HERE)).toBe(false);
  });
});
