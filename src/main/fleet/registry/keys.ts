/**
 * The fleet registry's key layout in the KV — fleet's own layout (registry/*.go in coreos/fleet),
 * so a user who knows fleet finds their way with `etcdctl get --prefix /_coreos.com/fleet/`.
 * Values are JSON unless noted. README's reference section repeats this table.
 *
 * | key                          | value                                   | written by | lease |
 * |------------------------------|-----------------------------------------|------------|-------|
 * | job/<unit>/object            | {"name","unitHash"}                     | API        |       |
 * | job/<unit>/target-state      | inactive / loaded / launched (text)     | API        |       |
 * | job/<unit>/target            | machine id (text), create-only          | engine     |       |
 * | job/<unit>/blocked           | BlockedReason: why it cannot be placed  | engine     |       |
 * | job/<unit>/job-state         | machine id (text) that runs it          | agent      | agent |
 * | unit/<sha1>                  | {"raw": unit file text}                 | API        |       |
 * | states/<unit>/<machine id>   | {"load","active","sub","hash","since"}  | agent      | agent |
 * | machines/<machine id>/object | {"id","name","ip","metadata","version"} | agent      | agent |
 * | election/engine-leader/<id>  | engine id (etcd3 client election)       | engine     | engine|
 *
 * Machine and state keys live under their agent's lease: when a machine stops heartbeating, its
 * keys vanish and the engine reschedules its units. `target` is only ever created with a
 * create-revision-0 compare, so two engines (one stale) can never place a unit twice.
 */
export const FLEET_PREFIX = '/_coreos.com/fleet/';

export const keys = {
  jobPrefix: `${FLEET_PREFIX}job/`,
  unitPrefix: `${FLEET_PREFIX}unit/`,
  statesPrefix: `${FLEET_PREFIX}states/`,
  machinesPrefix: `${FLEET_PREFIX}machines/`,
  job: (unit: string) => `${FLEET_PREFIX}job/${unit}/`,
  object: (unit: string) => `${FLEET_PREFIX}job/${unit}/object`,
  targetState: (unit: string) => `${FLEET_PREFIX}job/${unit}/target-state`,
  target: (unit: string) => `${FLEET_PREFIX}job/${unit}/target`,
  blocked: (unit: string) => `${FLEET_PREFIX}job/${unit}/blocked`,
  jobState: (unit: string) => `${FLEET_PREFIX}job/${unit}/job-state`,
  unit: (hash: string) => `${FLEET_PREFIX}unit/${hash}`,
  states: (unit: string) => `${FLEET_PREFIX}states/${unit}/`,
  state: (unit: string, machineId: string) => `${FLEET_PREFIX}states/${unit}/${machineId}`,
  machine: (machineId: string) => `${FLEET_PREFIX}machines/${machineId}/object`,
  /** etcd3's Election keys live under `election/<name>/`. */
  engineElection: 'engine-leader',
} as const;

/** What a key under FLEET_PREFIX is about; undefined for keys we do not own. */
export type ParsedKey =
  | { kind: 'object' | 'target-state' | 'target' | 'blocked' | 'job-state'; unit: string }
  | { kind: 'unit'; hash: string }
  | { kind: 'state'; unit: string; machineId: string }
  | { kind: 'machine'; machineId: string };

const JOB_FIELDS = new Set(['object', 'target-state', 'target', 'blocked', 'job-state']);

export function parseKey(key: string): ParsedKey | undefined {
  if (!key.startsWith(FLEET_PREFIX)) return undefined;
  const parts = key.slice(FLEET_PREFIX.length).split('/');
  switch (parts[0]) {
    case 'job':
      if (parts.length === 3 && JOB_FIELDS.has(parts[2]!))
        return { kind: parts[2] as 'object', unit: parts[1]! };
      return undefined;
    case 'unit':
      return parts.length === 2 ? { kind: 'unit', hash: parts[1]! } : undefined;
    case 'states':
      return parts.length === 3 ? { kind: 'state', unit: parts[1]!, machineId: parts[2]! } : undefined;
    case 'machines':
      return parts.length === 3 && parts[2] === 'object'
        ? { kind: 'machine', machineId: parts[1]! }
        : undefined;
    default:
      return undefined;
  }
}
