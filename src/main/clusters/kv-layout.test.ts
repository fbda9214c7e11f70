import { describe, expect, it } from 'vitest';
import { assignKvSlots, kvPortsOf, kvSlotOf, kvSlots, newMemberName, nextKvSlot } from './kv-layout';
import type { ClusterSpec } from './store';

function spec(
  machines: Partial<ClusterSpec['machines'][number]>[],
  kvRetired: ClusterSpec['kvRetired'] = [],
): ClusterSpec {
  return {
    name: 'c',
    createdAt: '',
    channel: 'stable',
    osVersion: '1',
    machineTtlSec: 2,
    updateCheckSec: 60,
    clusterToken: 't',
    kvPorts: { basePeerPort: 20000, baseClientPort: 21000 },
    machines: machines.map((m, i) => ({
      hostname: `core-0${i + 1}`,
      machineId: String(i).repeat(32),
      metadata: {},
      kvMember: false,
      up: true,
      ...m,
    })),
    kvRetired,
    kv: { kind: 'embedded', tls: false },
    running: true,
  };
}

describe('the KV layout', () => {
  it('clusters made before slots were kept: members in machine order, named by host', () => {
    const s = spec([{ kvMember: true }, { kvMember: false }, { kvMember: true }]);
    expect(kvSlots(s).map((x) => [x.slot, x.name, x.retired])).toEqual([
      [0, 'core-01', false],
      [1, 'core-03', false],
    ]);
    expect(kvSlotOf(s, s.machines[2]!)).toBe(1);
    expect(kvSlotOf(s, s.machines[1]!)).toBeUndefined();
    expect(kvPortsOf(s)).toEqual([20000, 21000, 20001, 21001]);
    assignKvSlots(s);
    expect(s.machines.map((m) => [m.kvSlot, m.kvName])).toEqual([
      [0, 'core-01'],
      [undefined, undefined],
      [1, 'core-03'],
    ]);
  });

  it('a removed member keeps its slot and ports; the next member takes a new slot and a new name', () => {
    // core-02 had slot 1 and was removed; core-03 kept slot 2.
    const s = spec(
      [{ kvMember: true, kvSlot: 0 }, { kvMember: false }, { kvMember: true, kvSlot: 2 }],
      [{ name: 'core-02', slot: 1 }],
    );
    expect(kvSlots(s).map((x) => [x.slot, x.name, x.retired])).toEqual([
      [0, 'core-01', false],
      [1, 'core-02', true],
      [2, 'core-03', false],
    ]);
    expect(kvSlotOf(s, s.machines[2]!)).toBe(2);
    expect(nextKvSlot(s)).toBe(3);
    expect(kvPortsOf(s)).toHaveLength(6);
    // core-02 joining again gets a fresh member id through a fresh name.
    expect(newMemberName(s, 'core-02')).toBe('core-02-2');
    expect(newMemberName(s, 'core-04')).toBe('core-04');
  });
});
