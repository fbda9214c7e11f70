import { describe, expect, it } from 'vitest';
import {
  closestName,
  dashedKey,
  formatFleetMetadata,
  hostnameProblem,
  isBuiltinUnit,
  isNetworkdUnit,
  looksLikeSshPublicKey,
  normalizeKey,
  OCTAL_PERMISSIONS,
  parseFleetMetadata,
  WINDOW_LENGTH,
  WINDOW_START,
} from './schema';

describe('schema helpers', () => {
  it('dash and underscore spellings', () => {
    expect(normalizeKey('reboot-strategy')).toBe('reboot_strategy');
    expect(dashedKey('initial_advertise_peer_urls')).toBe('initial-advertise-peer-urls');
  });

  it('built-in units are the ones Flotilla provides', () => {
    for (const name of [
      'etcd.service',
      'etcd2.service',
      'fleet.service',
      'docker.service',
      'flanneld.service',
      'docker-tcp.socket',
      'locksmithd.service',
      'update-engine.service',
      'early-docker.service',
    ])
      expect(isBuiltinUnit(name), name).toBe(true);
    for (const name of ['hello.service', 'etcd2', 'fleet.socket.bak', ''])
      expect(isBuiltinUnit(name), name).toBe(false);
    expect(isNetworkdUnit('static.network')).toBe(true);
    expect(isNetworkdUnit('static.service')).toBe(false);
  });

  it('host names are one RFC 1123 label', () => {
    expect(hostnameProblem('core-01')).toBeUndefined();
    expect(hostnameProblem('A1')).toBeUndefined();
    expect(hostnameProblem('')).toMatch(/empty/);
    expect(hostnameProblem('-a')).toMatch(/not a valid host name/);
    expect(hostnameProblem('a-')).toMatch(/not a valid host name/);
    expect(hostnameProblem('a.b')).toMatch(/has dots/);
    expect(hostnameProblem('x'.repeat(64))).toMatch(/at most 63/);
  });

  it('fleet metadata: pairs with offsets, problems with offsets, stable formatting', () => {
    expect(parseFleetMetadata('role=web, zone = a')).toEqual({
      pairs: [
        { key: 'role', value: 'web', offset: 0, length: 8 },
        { key: 'zone', value: 'a', offset: 9, length: 9 },
      ],
      problems: [],
    });
    expect(parseFleetMetadata('').pairs).toEqual([]);
    expect(parseFleetMetadata('a=1,b,c=').problems.map((p) => [p.offset, p.length])).toEqual([
      [4, 1],
      [6, 2],
    ]);
    expect(parseFleetMetadata('k!=v').problems[0]!.message).toMatch(/only letters, digits/);
    expect(formatFleetMetadata({ zone: 'a', role: 'web' })).toBe('role=web,zone=a');
  });

  it('locksmith windows and file permissions', () => {
    for (const start of ['04:00', 'Thu 04:00', 'sun 23:59', '4:5'])
      expect(WINDOW_START.test(start), start).toBe(true);
    for (const start of ['24:00', 'Thursday 04:00', '04:60', ''])
      expect(WINDOW_START.test(start), start).toBe(false);
    for (const length of ['1h', '1h30m', '45m', '90s', '1.5h'])
      expect(WINDOW_LENGTH.test(length), length).toBe(true);
    for (const length of ['1', 'h', 'soon', '']) expect(WINDOW_LENGTH.test(length), length).toBe(false);
    for (const mode of ['0644', '644', '1777', '0600']) expect(OCTAL_PERMISSIONS.test(mode), mode).toBe(true);
    for (const mode of ['999', '64', '12345', 'rw']) expect(OCTAL_PERMISSIONS.test(mode), mode).toBe(false);
  });

  it('SSH public keys, with or without options and comment', () => {
    expect(looksLikeSshPublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI me@host')).toBe(true);
    expect(looksLikeSshPublicKey('no-pty ssh-rsa AAAAB3NzaC1yc2E=')).toBe(true);
    expect(looksLikeSshPublicKey('ecdsa-sha2-nistp256 AAAAE2VjZHNh')).toBe(true);
    expect(looksLikeSshPublicKey('hunter2')).toBe(false);
    expect(looksLikeSshPublicKey('ssh-rsa')).toBe(false);
  });

  it('suggests the closest known name for a typo', () => {
    expect(closestName('hostnme', ['coreos', 'hostname'])).toBe('hostname');
    expect(closestName('reboot_stratgy', ['reboot_strategy', 'group'])).toBe('reboot_strategy');
    expect(closestName('runcmd', ['coreos', 'hostname'])).toBeUndefined();
  });
});
