import { randomBytes } from 'node:crypto';
import { ApiError } from '../../shared/api';
import { parseIpv4 } from './addresses';

/** Docker labels and resource names of machines (DESIGN.md "Names": everything starts with flotilla). */
export const LABEL_CLUSTER = 'flotilla.cluster';
export const LABEL_MACHINE = 'flotilla.machine';
export const LABEL_ROLE = 'flotilla.role';
export const LABEL_HOSTNAME = 'flotilla.hostname';
export const LABEL_OS_VERSION = 'flotilla.os-version';
export const LABEL_MACHINE_IMAGE = 'flotilla.machine-image';
export const ROLE_MACHINE = 'machine';
export const MACHINE_IMAGE_REPO = 'flotilla-machine';

export const CLUSTER_NAME_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;
/** One DNS label (RFC 1123), lower case: core-01 … */
export const HOSTNAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const MACHINE_ID_RE = /^[0-9a-f]{32}$/;
/** Goes into an image tag and /etc/os-release: digits and dots as Container Linux has them (4459.2.1). */
export const OS_VERSION_RE = /^[0-9]+(?:\.[0-9]+){0,3}$/;
export const CHANNELS = ['stable', 'beta', 'alpha'] as const;
export type Channel = (typeof CHANNELS)[number];
/** Metadata keys as fleet writes them (`region=us-east`); values are free text on one line. */
export const METADATA_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

function bad(field: string, message: string): ApiError {
  return new ApiError('BAD_REQUEST', message, { details: { field } });
}

export function assertClusterName(cluster: unknown): asserts cluster is string {
  if (typeof cluster !== 'string' || !CLUSTER_NAME_RE.test(cluster)) {
    throw bad(
      'cluster',
      `Invalid cluster name ${JSON.stringify(cluster)}: use 1 to 31 lower-case letters, digits or dashes, starting with a letter or digit.`,
    );
  }
}

export function assertHostname(hostname: unknown): asserts hostname is string {
  if (typeof hostname !== 'string' || !HOSTNAME_RE.test(hostname)) {
    throw bad(
      'hostname',
      `Invalid hostname ${JSON.stringify(hostname)}: use 1 to 63 lower-case letters, digits or dashes, not starting or ending with a dash (like core-01).`,
    );
  }
}

export function assertMachineId(machineId: unknown): asserts machineId is string {
  if (typeof machineId !== 'string' || !MACHINE_ID_RE.test(machineId)) {
    throw bad(
      'machineId',
      `Invalid machine id ${JSON.stringify(machineId)}: it must be 32 lower-case hexadecimal digits, like /etc/machine-id.`,
    );
  }
}

export function assertOsVersion(osVersion: unknown): asserts osVersion is string {
  if (typeof osVersion !== 'string' || !OS_VERSION_RE.test(osVersion) || osVersion.length > 64) {
    throw bad(
      'osVersion',
      `Invalid OS version ${JSON.stringify(osVersion)}: use numbers separated by dots, like 4459.2.1.`,
    );
  }
}

export function assertChannel(channel: unknown): asserts channel is Channel {
  if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel)) {
    throw bad('channel', `Invalid channel ${JSON.stringify(channel)}: use one of ${CHANNELS.join(', ')}.`);
  }
}

export function assertMetadata(metadata: unknown): asserts metadata is Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw bad('metadata', 'Metadata must be an object of key → value strings.');
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (!METADATA_KEY_RE.test(k)) {
      throw bad(
        'metadata',
        `Invalid metadata key ${JSON.stringify(k)}: use letters, digits, '_', '.' or '-' (at most 63).`,
      );
    }
    if (typeof v !== 'string' || /[\r\n\0]/.test(v) || v.length > 1024) {
      throw bad(
        'metadata',
        `Invalid metadata value for ${k}: it must be text on one line (at most 1024 characters).`,
      );
    }
  }
}

export function assertIpv4(ip: unknown): asserts ip is string {
  if (typeof ip !== 'string' || parseIpv4(ip) === undefined) {
    throw bad('ip', `Invalid IPv4 address ${JSON.stringify(ip)}: use four numbers 0-255 separated by dots.`);
  }
}

export function assertForwardedPorts(ports: unknown): asserts ports is { guest: number; host: number }[] {
  const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
  if (
    !Array.isArray(ports) ||
    !ports.every((p: { guest?: unknown; host?: unknown }) => isPort(p?.guest) && isPort(p?.host))
  ) {
    throw bad('forwardedPorts', 'Forwarded ports must be a list of {guest, host} port numbers 1-65535.');
  }
}

/** Paths of files put into a machine: relative, no empty, `.` or `..` segment (nothing escapes `/`). */
export function assertBootFiles(files: { name: string }[]): void {
  for (const f of files) {
    const segments = f.name.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..') || f.name.includes('\0')) {
      throw bad(
        'bootFiles',
        `Invalid path ${JSON.stringify(f.name)} for a file in a machine: give a plain path like etc/motd.`,
      );
    }
  }
}

export const networkName = (cluster: string): string => `flotilla-${cluster}`;
export const containerName = (cluster: string, hostname: string): string => `flotilla-${cluster}-${hostname}`;
export const machineImageTag = (osVersion: string): string => `${MACHINE_IMAGE_REPO}:${osVersion}`;

/** A fresh machine id: 128 random bits as 32 lower-case hex digits, like systemd's /etc/machine-id. */
export function newMachineId(): string {
  return randomBytes(16).toString('hex');
}
