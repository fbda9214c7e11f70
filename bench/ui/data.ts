// Synthetic board data for bench:ui: 100 machines with metadata and 2,000 units with X-Fleet
// constraints, placed by the real scheduler (reconcile), with made-up unit states and times.
// No containers, no KV: the same data every run (seeded), so runs compare.
import type { MachineInfo, UnitInfo } from '../../src/shared/api';
import type { FleetOptions } from '../../src/shared/units/types';
import { reconcile, type ClusterView, type SchedUnit } from '../../src/main/fleet/engine/schedule';
import { prng } from '../../src/main/fleet/engine/testkit';

export const MACHINES = 100;
export const UNITS = 2000;

const ROLES = ['web', 'db', 'worker'] as const;
const REGIONS = ['eu', 'us', 'ap'] as const;

export interface BenchCluster {
  view: ClusterView;
  machines: MachineInfo[];
  /** Unit name → machines it runs on (one, several for a global unit, none when blocked). */
  placements: Map<string, string[]>;
  blocked: Map<string, string>;
}

function options(overrides: Partial<FleetOptions>): FleetOptions {
  return { machineOf: [], machineMetadata: {}, conflicts: [], global: false, replaces: [], ...overrides };
}

/** The units: a few globals, Conflicts and MachineOf pairs, metadata needs, some that cannot be placed. */
function units(): SchedUnit[] {
  const list: SchedUnit[] = [];
  const add = (name: string, o: Partial<FleetOptions> = {}) =>
    list.push({ name, desired: 'launched', options: options(o) });
  add('logger.service', { global: true });
  add('node-exporter.service', { global: true });
  add('sshd-keys.service', { global: true, machineMetadata: { role: ['web'] } });
  for (let i = 1; i <= 30; i++)
    add(`lb@${i}.service`, { conflicts: ['lb@*.service'], machineMetadata: { role: ['web'] } });
  for (let i = 1; i <= 300; i++) add(`web@${i}.service`, { machineMetadata: { role: ['web'] } });
  for (let i = 1; i <= 25; i++)
    add(`db@${i}.service`, { conflicts: ['db@*.service'], machineMetadata: { role: ['db'] } });
  for (let i = 1; i <= 25; i++) add(`db-backup@${i}.service`, { machineOf: [`db@${i}.service`] });
  for (let i = 1; i <= 100; i++) add(`cache@${i}.service`, { machineMetadata: { disk: ['ssd'] } });
  for (let i = 1; i <= 5; i++) add(`gpu@${i}.service`, { machineMetadata: { gpu: ['true'] } });
  for (let i = 1; list.length < UNITS; i++)
    add(`app-${i}.service`, i % 4 === 0 ? { machineMetadata: { region: ['eu'] } } : {});
  return list;
}

/** Machines and units placed by the scheduler, as the engine would leave them after one pass. */
export function generateCluster(): BenchCluster {
  const random = prng(42);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const machines: MachineInfo[] = Array.from({ length: MACHINES }, (_, i) => {
    const n = i + 1;
    return {
      id: hex(32),
      name: `core-${String(n).padStart(2, '0')}`,
      ip: `10.99.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      metadata: {
        role: ROLES[n <= 40 ? 0 : n <= 70 ? 1 : 2],
        region: REGIONS[n % 3]!,
        disk: n % 2 ? 'hdd' : 'ssd',
      },
      version: '0.1.0',
      life: 'up',
      kvMember: n <= 5,
      kvRole: n === 1 ? 'leader' : n <= 5 ? 'follower' : 'none',
      health: n % 37 === 0 ? 'unhealthy' : 'healthy',
      channel: n % 10 === 0 ? 'beta' : 'stable',
      osVersion: n % 10 === 0 ? '1122.2.0' : '1068.9.0',
    };
  });
  const view: ClusterView = {
    units: units(),
    machines: machines.map((m) => ({ id: m.id, name: m.name, metadata: m.metadata })),
  };
  const pass = reconcile(view);
  const placed = new Map(pass.schedule.map((s) => [s.unit, s.machineId]));
  view.units = view.units.map((u) => ({ ...u, machineId: placed.get(u.name) }));
  const placements = new Map<string, string[]>();
  for (const u of view.units)
    placements.set(
      u.name,
      u.options.global ? (pass.global.get(u.name) ?? []) : u.machineId ? [u.machineId] : [],
    );
  return {
    view,
    machines,
    placements,
    blocked: new Map(pass.blocked.map((b) => [b.unit, b.reason.message])),
  };
}

const FAILURE = 'Main process exited, code=exited, status=1/FAILURE';

/** The API's view of the units, with states as agents would report them; times relative to `now`. */
export function unitInfos(cluster: BenchCluster, now: number): UnitInfo[] {
  const random = prng(7);
  const state = (machineId: string) => {
    const r = random();
    const [active, sub] =
      r < 0.85
        ? ['active', 'running']
        : r < 0.9
          ? ['activating', 'start']
          : r < 0.93
            ? ['deactivating', 'stop-sigterm']
            : r < 0.97
              ? ['failed', 'failed']
              : ['inactive', 'dead'];
    // Most states are old; a few changed within the minute, so their times tick every second.
    const since = now - (random() < 0.05 ? random() * 60_000 : random() * 3 * 86_400_000);
    return {
      machineId,
      load: 'loaded',
      active,
      sub,
      hash: '0'.repeat(40),
      since,
      ...(active === 'failed' ? { reason: FAILURE } : {}),
    };
  };
  return cluster.view.units.map((u) => {
    const on = cluster.placements.get(u.name) ?? [];
    const blocked = cluster.blocked.get(u.name);
    return {
      name: u.name,
      hash: '0'.repeat(40),
      desiredState: u.desired,
      currentState: on.length > 0 ? 'launched' : 'inactive',
      ...(u.machineId ? { machineId: u.machineId } : {}),
      global: u.options.global,
      options: u.options,
      states: on.map(state),
      ...(blocked ? { blocked: { constraint: 'MachineMetadata', message: blocked, ruledOut: [] } } : {}),
    };
  });
}
