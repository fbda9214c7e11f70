import { describe, expect, it } from 'vitest';
import { importVagrant } from '../../../shared/cloudconfig';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from '../../../shared/cloudconfig/test-fixtures';
import {
  EMPTY_DRAFT,
  createCommand,
  createParams,
  defaultMembers,
  draftFromVagrant,
  endpointList,
  externalEtcd,
  hostnames,
  namesPreview,
  withMachine,
  type Draft,
} from './draft';
import { addresses } from './testkit';

const draft = (more: Partial<Draft>): Draft => ({ ...EMPTY_DRAFT, name: 'demo', ...more });
const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcl\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n';
/** A draft for an existing etcd with every setting given. */
const external = (more: Partial<Draft['etcd']> = {}): Draft =>
  draft({
    kv: 'external',
    members: '5',
    etcd: {
      endpoints: 'https://10.0.0.5:2379, https://10.0.0.6:2379\nhttps://10.0.0.7:2379\n',
      prefix: '/shared/demo/',
      caCert: { text: CA, file: 'ca.pem' },
      cert: { text: CERT, file: 'client.pem' },
      key: { text: KEY, file: 'client-key.pem' },
      username: 'alice',
      password: 's3cret pass',
      ...more,
    },
  });

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
  it('sends tls for embedded members secured with TLS, and nothing about TLS otherwise', () => {
    expect(createParams(draft({ tls: true }), addresses(3))).toMatchObject({ members: 3, tls: true });
    const plain = createParams(draft({}), addresses(3));
    expect(plain).not.toHaveProperty('tls');
    expect(plain).not.toHaveProperty('etcd');
  });
  it('sends an external etcd instead of members: endpoints, prefix, the PEM texts, user and password', () => {
    const p = createParams(external(), addresses(3));
    expect(p).not.toHaveProperty('members');
    expect(p).not.toHaveProperty('tls');
    expect(p.etcd).toEqual({
      endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379', 'https://10.0.0.7:2379'],
      prefix: '/shared/demo/',
      caCert: CA,
      cert: CERT,
      key: KEY,
      username: 'alice',
      password: 's3cret pass',
    });
  });
  it('defaults the prefix to /flotilla/<name>/ and leaves out what was not given', () => {
    const d = external({ prefix: null, caCert: null, cert: null, key: null, username: '', password: 'x' });
    expect(externalEtcd(d)).toEqual({
      endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379', 'https://10.0.0.7:2379'],
      prefix: '/flotilla/demo/',
    });
  });
  it('reads endpoints one per line or comma separated', () => {
    expect(endpointList(' http://a:1,http://b:2\n\nhttp://c:3 , ')).toEqual([
      'http://a:1',
      'http://b:2',
      'http://c:3',
    ]);
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

describe('createCommand for the KV', () => {
  it('says --tls for embedded members with TLS', () => {
    expect(createCommand(draft({ tls: true }))).toBe('flotctl cluster create demo --machines 3 --tls');
  });
  it('names the external etcd, its prefix, files and user, and a password file instead of the password', () => {
    const line = createCommand(external());
    expect(line).toBe(
      'flotctl cluster create demo --machines 3 ' +
        '--etcd https://10.0.0.5:2379,https://10.0.0.6:2379,https://10.0.0.7:2379 ' +
        '--etcd-prefix /shared/demo/ --etcd-cacert ca.pem --etcd-cert client.pem --etcd-key client-key.pem ' +
        '--etcd-user alice --etcd-password-file PASSWORD_FILE',
    );
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain('--members');
  });
  it('leaves the default prefix and what was not given out', () => {
    expect(
      createCommand(
        external({ prefix: null, caCert: null, cert: null, key: null, username: '', password: '' }),
      ),
    ).toBe(
      'flotctl cluster create demo --machines 3 --etcd https://10.0.0.5:2379,https://10.0.0.6:2379,https://10.0.0.7:2379',
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
