import { describe, expect, it } from 'vitest';
import { importVagrant } from '../../../shared/cloudconfig';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from '../../../shared/cloudconfig/test-fixtures';
import {
  EMPTY_DRAFT,
  createCommand,
  createParams,
  defaultMembers,
  draftFromVagrant,
  hostnames,
  namesPreview,
  withMachine,
  type Draft,
} from './draft';
import { addresses } from './testkit';

const draft = (more: Partial<Draft>): Draft => ({ ...EMPTY_DRAFT, name: 'demo', ...more });

describe('names', () => {
  it('numbers machines after the prefix with two digits', () => {
    expect(hostnames('core', 3)).toEqual(['core-01', 'core-02', 'core-03']);
    expect(namesPreview('web', 3)).toBe('web-01, web-02, web-03');
    expect(namesPreview('core', 12)).toBe('core-01, core-02, core-03 … core-12');
  });
  it('defaults the KV members as the backend does: 1 up to two machines, 3 up to five, then 5', () => {
    expect([1, 2, 3, 5, 6, 50].map(defaultMembers)).toEqual([1, 1, 3, 3, 5, 5]);
  });
});

describe('createParams', () => {
  it('sends metadata and ports per host, and only the edited configs of machines that exist', () => {
    let d = draft({ machines: '2', edited: { 'core-02': '#cloud-config\n', 'core-07': 'stale' } });
    d = withMachine(d, 0, (m) => ({
      ...m,
      metadata: { role: 'web' },
      ports: [{ guest: '80', host: '8080' }],
    }));
    const p = createParams(d, addresses(2));
    expect(p).toMatchObject({
      name: 'demo',
      machines: 2,
      members: 1,
      metadata: { 'core-01': { role: 'web' } },
      forwardedPorts: { 'core-01': [{ guest: 80, host: 8080 }] },
      cloudConfigs: { 'core-02': '#cloud-config\n' },
      network: { subnet: '10.99.3.0/24', ips: { 'core-01': '10.99.3.101', 'core-02': '10.99.3.102' } },
    });
  });
  it('leaves cloudConfigs out when nothing was edited', () => {
    expect(createParams(draft({}), addresses(3))).not.toHaveProperty('cloudConfigs');
  });
});

describe('createCommand', () => {
  it('leaves defaults out', () => {
    expect(createCommand(draft({}))).toBe('flotctl cluster create demo --machines 3');
  });
  it('names every setting, and edited configs as <host>.yaml files', () => {
    let d = draft({
      machines: '2',
      prefix: 'web',
      members: '2',
      channel: 'beta',
      rebootStrategy: 'reboot',
      rebootWindow: { start: 'Thu 04:00', length: '1h30m' },
      sshKeys: [
        { key: 'ssh-ed25519 AAAA', file: 'id_ed25519.pub' },
        { key: 'ssh-rsa AAAA', file: 'id_ed25519.pub' },
      ],
      userData: { text: '#cloud-config\n', file: 'user-data' },
      edited: { 'web-02': 'x' },
    });
    d = withMachine(d, 0, () => ({
      metadata: { role: 'web', disk: 'ssd' },
      ports: [{ guest: '80', host: '8080' }],
    }));
    expect(createCommand(d)).toBe(
      'flotctl cluster create demo --machines 2 --prefix web --members 2 --channel beta ' +
        '--metadata web-01:role=web,disk=ssd --reboot-strategy reboot ' +
        "--reboot-window 'Thu 04:00/1h30m' --ssh-key id_ed25519.pub --forward web-01:8080:80 " +
        '--user-data user-data --cloud-config web-02=web-02.yaml',
    );
  });
});

describe('draftFromVagrant', () => {
  it('takes size, channel, prefix, ports for the first machine, metadata for all, keys and the user-data', () => {
    const read = importVagrant({ configRb: VAGRANT_CONFIG_RB, userData: VAGRANT_USER_DATA });
    const d = draftFromVagrant(read, 'user-data');
    expect(d).toMatchObject({ machines: '3', prefix: 'web', channel: 'beta', name: '' });
    expect(d.perMachine.map((m) => m.metadata)).toEqual(Array(3).fill({ role: 'web', disk: 'ssd' }));
    expect(d.perMachine.map((m) => m.ports.length)).toEqual([2, 0, 0]);
    expect(d.perMachine[0]?.ports).toEqual([
      { guest: '80', host: '8080' },
      { guest: '443', host: '8443' },
    ]);
    expect(d.sshKeys.map((k) => k.key)).toEqual([expect.stringMatching(/^ssh-ed25519 AAAA.* alice@laptop$/)]);
    expect(d.userData).toEqual({ text: VAGRANT_USER_DATA, file: 'user-data' });
  });
});
