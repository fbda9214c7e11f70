import { describe, expect, it } from 'vitest';
import { mergeTimeline } from './timeline';

describe('mergeTimeline', () => {
  it('puts people and the scheduler in one list, newest first, in host names', () => {
    const items = mergeTimeline(
      [
        {
          id: '1',
          at: 1000,
          actor: 'desktop',
          action: 'units.move',
          summary: 'Moved a to core-02',
          outcome: 'ok',
        },
        {
          id: '2',
          at: 3000,
          actor: 'flotctl',
          action: 'units.destroy',
          summary: 'Destroyed b',
          outcome: 'failed',
          error: 'nope',
        },
      ],
      [
        { at: 2000, unit: 'a', action: 'schedule', machineId: 'ffee', reason: 'moved by a user' },
        { at: 4000, unit: 'c', action: 'blocked', reason: 'Conflicts=c*' },
      ],
      (id) => (id === 'ffee' ? 'core-02' : id),
    );
    expect(items.map((i) => [i.who, i.text, i.failed])).toEqual([
      ['scheduler', 'Could not place c', true],
      ['flotctl', 'Destroyed b', true],
      ['scheduler', 'Placed a on core-02', false],
      ['desktop', 'Moved a to core-02', false],
    ]);
    expect(items[1]!.detail).toBe('nope');
  });

  it('keeps the newest `limit` items', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      id: String(i),
      at: i,
      actor: 'browser' as const,
      action: 'units.setState',
      summary: `s${i}`,
      outcome: 'ok' as const,
    }));
    expect(mergeTimeline(many, [], (x) => x, 3).map((i) => i.text)).toEqual(['s49', 's48', 's47']);
  });
});
