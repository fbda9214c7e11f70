// Machines and units for the Machines board's tests.
import type { MachineInfo, RemoteProbe, UnitInfo } from '../../../shared/api';

/** A machine whose id is one repeated hex digit, so its short id reads `11111111`. */
export function machineInfo(name: string, digit: string, overrides: Partial<MachineInfo> = {}): MachineInfo {
  return {
    id: digit.repeat(32),
    name,
    ip: `10.99.3.${parseInt(digit, 16) + 10}`,
    metadata: {},
    version: '1.0.0',
    life: 'up',
    kvMember: false,
    kvRole: 'none',
    health: 'healthy',
    channel: 'stable',
    osVersion: '1068.9.0',
    ...overrides,
  };
}

export interface UnitSpec {
  /** Placed on this machine, reporting `active`/`sub` there. */
  on?: MachineInfo;
  /** A global unit reported by these machines. */
  global?: MachineInfo[];
  blocked?: string;
  desired?: UnitInfo['desiredState'];
  active?: string;
  sub?: string;
  since?: number;
  reason?: string;
}

export function unitInfo(name: string, spec: UnitSpec): UnitInfo {
  const reporters = spec.global ?? (spec.on ? [spec.on] : []);
  return {
    name,
    hash: '0'.repeat(40),
    desiredState: spec.desired ?? 'launched',
    currentState: spec.on ? 'launched' : 'inactive',
    machineId: spec.on?.id,
    global: spec.global !== undefined,
    options: {
      machineOf: [],
      machineMetadata: {},
      conflicts: [],
      global: spec.global !== undefined,
      replaces: [],
    },
    states: reporters.map((m) => ({
      machineId: m.id,
      load: 'loaded',
      active: spec.active ?? 'active',
      sub: spec.sub ?? 'running',
      hash: '0'.repeat(40),
      ...(spec.since !== undefined ? { since: spec.since } : {}),
      ...(spec.reason !== undefined ? { reason: spec.reason } : {}),
    })),
    ...(spec.blocked
      ? { blocked: { constraint: 'MachineMetadata', message: spec.blocked, ruledOut: [] } }
      : {}),
  };
}

export const NEW_KEY = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
export const OLD_KEY = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

/** What machines.probeRemote says about a host: its key's status and, once known, Docker. */
export function remoteProbe(
  status: RemoteProbe['hostKey']['status'],
  docker: RemoteProbe['docker'] = status === 'known'
    ? { ok: true, version: '27.5.1', os: 'linux', arch: 'amd64' }
    : undefined,
): RemoteProbe {
  return {
    hostKey: {
      hostPattern: '[10.0.0.21]:2222',
      keyType: 'ssh-ed25519',
      fingerprint: NEW_KEY,
      status,
      knownHostsFile: '/home/me/.config/flotilla/known_hosts',
      ...(status === 'changed' ? { knownFingerprint: OLD_KEY, knownHostsLine: 7 } : {}),
    },
    ...(docker ? { docker } : {}),
    ...(status === 'known' ? { hostname: 'docker1' } : {}),
  };
}
