import { describe, expect, it } from 'vitest';
import { FleetControl } from './control';
import { FleetEngine } from './engine/engine';
import { until, useKv } from './test-helpers';

// The API's side of a fleet against a real embedded KV: moves and plans on live placements.

const kv = useKv();
const mid = (n: number) => n.toString(16).repeat(32);
const unit = (xfleet = '') =>
  `[Service]\nExecStart=/bin/sleep 1000\n${xfleet ? `[X-Fleet]\n${xfleet}\n` : ''}`;

describe('FleetControl on a real KV', () => {
  it('moves a placed unit with its MachineOf follower, and refuses a move that breaks a constraint', async () => {
    const { registry } = await kv();
    const reg = registry();
    const lease = await reg.etcd.lease(30).grant();
    for (const n of [1, 2])
      await reg.registerMachine(
        { id: mid(n), name: `core-0${n}`, ip: `10.0.0.${n}`, metadata: {}, version: 't' },
        lease,
      );
    const control = new FleetControl(reg, () => [engine]);
    const engine = new FleetEngine(registry(), {
      id: 'e',
      reconcileIntervalMs: 200,
      leaseTtlSec: 2,
      debounceMs: 5,
    });
    await control.start();
    engine.start();
    try {
      await control.submit(
        [
          { name: 'app.service', content: unit(`MachineID=${mid(1).slice(0, 8)}`) },
          { name: 'web.service', content: unit() },
          { name: 'side.service', content: unit('MachineOf=web.service') },
        ],
        false,
      );
      await control.setState(['app.service', 'web.service', 'side.service'], 'launched');
      await until(() => control.listUnits().every((u) => u.machineId), 10_000, 'placements');
      const where = () => Object.fromEntries(control.listUnits().map((u) => [u.name, u.machineId]));
      const from = where()['web.service']!;
      const to = from === mid(1) ? mid(2) : mid(1);

      const plan = await control.move('web.service', to.slice(0, 8));
      expect(plan.valid).toBe(true);
      expect(plan.starts.map((s) => [s.unit, s.machineId]).sort()).toEqual([
        ['side.service', to],
        ['web.service', to],
      ]);
      await until(() => where()['web.service'] === to && where()['side.service'] === to, 10_000, 'the move');

      const refused = control.move('app.service', mid(2).slice(0, 8));
      await expect(refused).rejects.toMatchObject({ apiCode: 'CONFLICT' });
      await expect(refused).rejects.toThrow(/MachineID/);
      expect(where()['app.service']).toBe(mid(1));
    } finally {
      await engine.stop();
      await control.stop();
    }
  });
});
