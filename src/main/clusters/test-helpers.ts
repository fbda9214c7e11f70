// Helpers for the live-cluster tests (cluster.int.test.ts): what a real Docker engine holds, and
// the removal of what a crashed earlier run of those tests left behind. Nothing here is a mock:
// every answer comes from the engine or the file system.
import type Docker from 'dockerode';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { UNIT_LABELS, unitLabelFilter } from '../fleet/agent/docker-host';
import { LABEL_CLUSTER, LABEL_ROLE, ROLE_MACHINE } from '../machines';

/** Everything the engine holds that a cluster could have made. */
export interface DockerSnapshot {
  containers: Set<string>;
  networks: Set<string>;
  images: Set<string>;
}

export async function dockerSnapshot(docker: Docker): Promise<DockerSnapshot> {
  const [containers, networks, images] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listNetworks(),
    docker.listImages({ all: true }),
  ]);
  return {
    containers: new Set(containers.map((c) => c.Id)),
    networks: new Set(networks.map((n) => n.Id)),
    images: new Set(images.map((i) => i.Id)),
  };
}

export const minus = <T>(a: Set<T>, b: Set<T>): T[] => [...a].filter((x) => !b.has(x));

/** Every file and directory under `dir`, relative, sorted ('d ' / 'f ' prefixed). */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      out.push(`${e.isDirectory() ? 'd' : 'f'} ${relative(dir, p)}`);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Containers and networks of clusters named with `prefix` (any run's), and the temp data dirs
 * named with it: what a crashed run left. Removes them and returns what it removed.
 */
export async function removeLeftovers(docker: Docker, prefix: string): Promise<string[]> {
  const removed: string[] = [];
  const ours = (l: Record<string, string> | undefined) => !!l?.[LABEL_CLUSTER]?.startsWith(prefix);
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL_CLUSTER] } });
  for (const c of containers.filter((c) => ours(c.Labels))) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    removed.push(`container ${c.Names?.[0] ?? c.Id}`);
  }
  const networks = await docker.listNetworks({ filters: { label: [LABEL_CLUSTER] } });
  for (const n of networks.filter((n) => ours(n.Labels))) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
    removed.push(`network ${n.Name}`);
  }
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
    removed.push(`dir ${join(tmpdir(), name)}`);
  }
  return removed;
}

export interface UnitContainer {
  id: string;
  name: string;
  unit: string;
  machineId: string;
  main: boolean;
  state: string;
  image: string;
}

/** The unit containers the agents of `cluster` made (any state), optionally of one unit. */
export async function unitContainers(
  docker: Docker,
  cluster: string,
  unit?: string,
): Promise<UnitContainer[]> {
  const list = await docker.listContainers({
    all: true,
    filters: {
      label: unitLabelFilter(unit ? { cluster, unit } : { cluster }),
    },
  });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    unit: c.Labels[UNIT_LABELS.unit] ?? '',
    machineId: c.Labels[UNIT_LABELS.machine] ?? '',
    main: c.Labels[UNIT_LABELS.main] === 'true',
    state: c.State,
    image: c.Image,
  }));
}

/** The running main-process containers of a unit: one per machine it runs on. */
export async function runningMains(docker: Docker, cluster: string, unit: string): Promise<UnitContainer[]> {
  return (await unitContainers(docker, cluster, unit)).filter((c) => c.main && c.state === 'running');
}

export interface MachineContainer {
  id: string;
  name: string;
  machineId: string;
  running: boolean;
}

/** The machine containers of `cluster`, by machine id. */
export async function machineContainers(
  docker: Docker,
  cluster: string,
): Promise<Map<string, MachineContainer>> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_CLUSTER}=${cluster}`, `${LABEL_ROLE}=${ROLE_MACHINE}`] },
  });
  return new Map(
    list.map((c) => {
      const machineId = c.Labels[UNIT_LABELS.machine] ?? '';
      return [
        machineId,
        {
          id: c.Id,
          name: (c.Names?.[0] ?? '').replace(/^\//, ''),
          machineId,
          running: c.State === 'running',
        },
      ];
    }),
  );
}

/**
 * The machine whose network namespace a unit container shares (`container:<name or id>`), as
 * Docker itself records it: proof of where the process runs, beyond its label.
 */
export async function hostMachineOf(
  docker: Docker,
  containerId: string,
  machines: Map<string, MachineContainer>,
): Promise<string | undefined> {
  const info = await docker.getContainer(containerId).inspect();
  const mode = info.HostConfig.NetworkMode ?? '';
  const target = mode.startsWith('container:') ? mode.slice('container:'.length) : '';
  for (const m of machines.values()) if (target && (target === m.id || target === m.name)) return m.machineId;
  return undefined;
}

/** Polls `probe` until `ok` holds of its answer; on timeout fails with the last answer shown. */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > end)
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}; last seen: ${JSON.stringify(last, null, 1)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
