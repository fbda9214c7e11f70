import { describe, expect, it } from 'vitest';
import {
  contains,
  formatIpv4,
  freeSubnet,
  gatewayOf,
  machineAddress,
  overlaps,
  parseIpv4,
  parseSubnet,
} from './addresses';

describe('cluster addresses', () => {
  it('parses and prints IPv4 addresses and subnets, refusing what is not one', () => {
    expect(formatIpv4(parseIpv4('10.99.3.101')!)).toBe('10.99.3.101');
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['10.99.3', '10.99.3.256', '1.2.3.4.5', ' 1.2.3.4', 'a.b.c.d'])
      expect(parseIpv4(bad)).toBeUndefined();
    expect(parseSubnet('10.99.3.0/24')).toEqual({ base: parseIpv4('10.99.3.0'), bits: 24 });
    // Host bits set, no prefix, a prefix past 32: not a subnet.
    for (const bad of ['10.99.3.1/24', '10.99.3.0', '10.99.3.0/33', '10.99.3.0/24/1'])
      expect(parseSubnet(bad)).toBeUndefined();
  });

  it('gives machine i the address .(100+i) and the gateway .1', () => {
    const net = parseSubnet('10.99.7.0/24')!;
    expect(gatewayOf(net)).toBe('10.99.7.1');
    expect(machineAddress(net, 1)).toBe('10.99.7.101');
    expect(machineAddress(net, 50)).toBe('10.99.7.150');
    expect(contains(net, parseIpv4('10.99.7.150')!)).toBe(true);
    expect(contains(net, parseIpv4('10.99.8.1')!)).toBe(false);
  });

  it('finds overlaps between subnets of any size', () => {
    const a = parseSubnet('10.99.3.0/24')!;
    expect(overlaps(a, parseSubnet('10.0.0.0/8')!)).toBe(true);
    expect(overlaps(parseSubnet('10.99.3.128/25')!, a)).toBe(true);
    expect(overlaps(a, parseSubnet('10.99.4.0/24')!)).toBe(false);
    expect(overlaps(a, parseSubnet('0.0.0.0/0')!)).toBe(true);
  });

  it('picks the first /24 of 10.99.0.0/16 that no taken subnet overlaps', () => {
    expect(freeSubnet([])).toBe('10.99.1.0/24');
    expect(freeSubnet(['172.17.0.0/16', 'fd00::/64', '10.99.1.0/24', '10.99.2.0/23'])).toBe('10.99.4.0/24');
    expect(() => freeSubnet(['10.99.0.0/16'])).toThrow(/Every \/24 of 10.99.0.0\/16 is taken/);
  });
});
