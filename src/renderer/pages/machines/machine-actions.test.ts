import { describe, expect, it } from 'vitest';
import { machineInfo } from './fixtures';
import { actionAvailable, machineCommand } from './machine-actions';

describe('machine actions', () => {
  it('offers start for a machine that is down and the rest for one that runs', () => {
    const up = machineInfo('core-01', '1');
    const down = machineInfo('core-02', '2', { health: 'down', life: 'dead' });
    expect(['stop', 'restart', 'kill', 'start'].map((a) => actionAvailable(up, a as never))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(actionAvailable(down, 'start')).toBe(true);
    expect(actionAvailable(down, 'kill')).toBe(false);
  });

  it('writes the flotctl command line', () => {
    expect(machineCommand('kill', 'core-02', [])).toBe('flotctl machine kill core-02');
    expect(machineCommand('stop', 'core-02', ['--cluster', 'dev'])).toBe(
      'flotctl machine stop --cluster dev core-02',
    );
  });

  it('offers removal only for machines without a KV member, whether up or down', () => {
    expect(actionAvailable(machineInfo('core-04', '4', { kvMember: false }), 'remove')).toBe(true);
    expect(
      actionAvailable(
        machineInfo('core-04', '4', { kvMember: false, health: 'down', life: 'dead' }),
        'remove',
      ),
    ).toBe(true);
    expect(actionAvailable(machineInfo('core-01', '1', { kvMember: true }), 'remove')).toBe(false);
    expect(machineCommand('remove', 'core-04', [])).toBe('flotctl machine remove core-04');
  });
});
