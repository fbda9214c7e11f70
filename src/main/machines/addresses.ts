import { ApiError } from '../../shared/api';

/**
 * IPv4 arithmetic for cluster networks: every cluster gets a /24 of its own under 10.99.0.0/16,
 * gateway .1, machine i (from 1) at .(100+i) as coreos-vagrant gives VM i 172.17.8.(100+i).
 */
export const CLUSTER_SUBNET_POOL = '10.99.0.0/16';
const FIRST_MACHINE_HOST = 100;

export interface Ipv4Net {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  bits: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** `10.99.3.0/24` → its network; undefined for anything else (host bits set, bad prefix). */
export function parseSubnet(text: string): Ipv4Net | undefined {
  const [ip, len, ...rest] = text.split('/');
  if (rest.length || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const bits = Number(len);
  const base = parseIpv4(ip);
  if (base === undefined || bits > 32 || (base & ~maskOf(bits)) >>> 0 !== 0) return undefined;
  return { base, bits };
}

export const formatSubnet = (net: Ipv4Net): string => `${formatIpv4(net.base)}/${net.bits}`;

export function contains(net: Ipv4Net, ip: number): boolean {
  return (ip & maskOf(net.bits)) >>> 0 === net.base;
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const bits = Math.min(a.bits, b.bits);
  return (a.base & maskOf(bits)) >>> 0 === (b.base & maskOf(bits)) >>> 0;
}

/** The gateway of a cluster subnet: its first address. */
export const gatewayOf = (net: Ipv4Net): string => formatIpv4(net.base + 1);

/** Machine `i` (1-based) of a cluster subnet. */
export const machineAddress = (net: Ipv4Net, i: number): string =>
  formatIpv4(net.base + FIRST_MACHINE_HOST + i);

/**
 * The first /24 of the pool (10.99.1.0 … 10.99.255.0) that overlaps none of `taken`; subnets in
 * `taken` that do not parse (IPv6, garbage) are ignored.
 */
export function freeSubnet(taken: string[]): string {
  const used = taken.map(parseSubnet).filter((n): n is Ipv4Net => n !== undefined);
  const pool = parseSubnet(CLUSTER_SUBNET_POOL)!;
  for (let i = 1; i < 256; i++) {
    const net = { base: pool.base + i * 256, bits: 24 };
    if (!used.some((u) => overlaps(u, net))) return formatSubnet(net);
  }
  throw new ApiError('CONFLICT', `Every /24 of ${CLUSTER_SUBNET_POOL} is taken by a Docker network`, {
    hint: 'Remove Docker networks you no longer need (docker network prune) and try again',
  });
}
