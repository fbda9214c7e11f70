import { describe, expect, it } from 'vitest';
import { EMPTY_DRAFT, withMachine, type Draft } from './draft';
import {
  accessErrors,
  basicsErrors,
  kvAdvice,
  kvErrors,
  endpointsError,
  machinesErrors,
  metadataEntryError,
  nameError,
  pemError,
  pemFirstLine,
  sshKeyError,
  updatesErrors,
} from './validate';

const draft = (more: Partial<Draft>): Draft => ({ ...EMPTY_DRAFT, name: 'demo', ...more });
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotilla you@host';

describe('basics', () => {
  it('checks the name with the contract’s rule, its length, and against existing clusters', () => {
    expect(nameError('', [])).toBe('Give the cluster a name');
    expect(nameError('Demo', [])).toBe('Must be a cluster name (lower-case letters, digits, dashes)');
    expect(nameError('a'.repeat(32), [])).toBe('At most 31 characters');
    expect(nameError('demo', ['demo'])).toBe('A cluster named demo exists already');
    expect(nameError('demo-2', ['demo'])).toBeUndefined();
  });
  it('wants 1 to 50 machines and a prefix like the contract’s', () => {
    expect(basicsErrors(draft({ machines: '0', prefix: '9x' }), [])).toEqual({
      machines: 'A number from 1 to 50',
      prefix: 'Must be lower-case letters, digits or dashes, starting with a letter',
    });
    expect(basicsErrors(draft({ machines: '2.5' }), []).machines).toBeDefined();
    expect(basicsErrors(draft({ machines: '50' }), [])).toEqual({});
  });
});

describe('machines', () => {
  it('takes metadata as key=value with the contract’s key and value rules', () => {
    expect(metadataEntryError('role', {})).toBe('Write it as key=value, e.g. role=web');
    expect(metadataEntryError('ro le=web', {})).toBe('Must be a metadata key (letters, digits, _ . -)');
    expect(metadataEntryError('role=a,b', {})).toBe('Must be a metadata value without blanks, commas or =');
    expect(metadataEntryError('role=db', { role: 'web' })).toBe('role is set already: remove it first');
    expect(metadataEntryError('role=web', {})).toBeUndefined();
  });
  it('checks port ranges, a guest port twice on a machine and a host port twice anywhere', () => {
    let d = draft({ machines: '2' });
    d = withMachine(d, 0, (m) => ({
      ...m,
      ports: [
        { guest: '80', host: '8080' },
        { guest: '80', host: '70000' },
      ],
    }));
    d = withMachine(d, 1, (m) => ({ ...m, ports: [{ guest: 'x', host: '8080' }] }));
    expect(machinesErrors(d)).toEqual({
      'port-0-0-host': 'Host port 8080 is forwarded twice',
      'port-0-1-guest': 'Port 80 of core-01 is forwarded already',
      'port-0-1-host': 'A port from 1 to 65535',
      'port-1-0-guest': 'A port from 1 to 65535',
      'port-1-0-host': 'Host port 8080 is forwarded twice',
    });
  });
  it('flags bad metadata that came in with an import', () => {
    const d = withMachine(draft({}), 1, (m) => ({ ...m, metadata: { role: 'a b' } }));
    expect(machinesErrors(d)).toEqual({
      'metadata-1': 'role=a b: Must be a metadata value without blanks, commas or =',
    });
  });
});

describe('KV', () => {
  it('keeps members between 1 and the machine count (at most 7)', () => {
    expect(kvErrors(draft({ machines: '2', members: '3' })).members).toBe(
      'Each KV member lives on a machine: at most 2 for 2',
    );
    expect(kvErrors(draft({ machines: '9', members: '8' })).members).toBe('A number from 1 to 7');
    expect(kvErrors(draft({ machines: '3', members: null }))).toEqual({});
  });
  it('warns about even counts and counts below three', () => {
    expect(kvAdvice(1).warnings).toEqual([expect.stringMatching(/^No failure tolerated/)]);
    expect(kvAdvice(2).warnings).toHaveLength(2);
    expect(kvAdvice(4).warnings).toEqual([
      expect.stringMatching(/^An even number of members tolerates no more failures than one fewer/),
    ]);
    expect(kvAdvice(5)).toEqual({
      tolerance: '5 members: a quorum is 3, 2 failures tolerated',
      warnings: [],
    });
  });
});

describe('external etcd', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n';
  const external = (etcd: Partial<Draft['etcd']>, more: Partial<Draft> = {}) =>
    kvErrors(
      draft({ kv: 'external', etcd: { ...EMPTY_DRAFT.etcd, endpoints: 'http://e:2379', ...etcd }, ...more }),
    );

  it('wants http(s)://host:port endpoints, at least one, each once', () => {
    expect(endpointsError('')).toMatch(/^Give at least one endpoint, like https:\/\/10\.0\.0\.5:2379/);
    expect(
      endpointsError('https://10.0.0.5:2379,http://etcd-1.lan:2379\nhttp://[fd00::5]:2379'),
    ).toBeUndefined();
    expect(endpointsError('10.0.0.5:2379')).toMatch(/^10\.0\.0\.5:2379: must be a client URL/);
    expect(endpointsError('https://10.0.0.5')).toMatch(/^https:\/\/10\.0\.0\.5: must be a client URL/);
    expect(endpointsError('https://10.0.0.5:2379/v3')).toMatch(/must be a client URL/);
    expect(endpointsError('http://e:99999')).toBe('http://e:99999: the port must be from 1 to 65535');
    expect(endpointsError('http://e:1 http://e:1')).toBe('http://e:1 is given twice');
    expect(external({ endpoints: 'ftp://e:1' })['etcd-endpoints']).toMatch(/must be a client URL/);
    expect(external({})).toEqual({});
  });

  it('wants a prefix that starts and ends with /, and leaves the members alone', () => {
    expect(external({ prefix: 'flotilla/demo' })['etcd-prefix']).toBe(
      'Must start and end with "/" (like /flotilla/demo/)',
    );
    expect(external({ prefix: '' })['etcd-prefix']).toBe('Give a prefix, e.g. /flotilla/demo/');
    expect(external({ prefix: '/a/b/' }, { members: '9' })).toEqual({});
  });

  it('pairs a client certificate with its key, and a password with a user name', () => {
    expect(external({ cert: { text: CERT, file: 'c.pem' } })).toEqual({
      'etcd-key': 'A client certificate needs its key',
    });
    expect(external({ key: { text: KEY, file: 'k.pem' } })).toEqual({
      'etcd-cert': 'A client key needs its certificate',
    });
    expect(external({ password: 'x' })).toEqual({ 'etcd-password': 'A password goes with a user name' });
    expect(external({ password: 'x', username: 'root' })).toEqual({});
  });

  it('tells certificates, keys and other files apart', () => {
    expect(pemError('caCert', CERT)).toBeUndefined();
    expect(pemError('key', KEY)).toBeUndefined();
    expect(pemError('cert', KEY)).toBe('This is a private key: choose it as the client key');
    expect(pemError('key', CERT)).toMatch(/^Not a private key/);
    expect(pemError('caCert', 'hello')).toMatch(/^Not a PEM file/);
    expect(pemFirstLine('\n  -----BEGIN CERTIFICATE-----\nMIIB')).toBe('-----BEGIN CERTIFICATE-----');
  });
});

describe('updates and access', () => {
  it('checks the reboot window like locksmith writes it', () => {
    expect(updatesErrors(draft({ rebootWindow: { start: 'Thu 04:00', length: '1h30m' } }))).toEqual({});
    expect(updatesErrors(draft({ rebootWindow: { start: 'Thursday', length: '90' } }))).toEqual({
      windowStart: 'Must be a time like 04:00 or Thu 04:00',
      windowLength: 'Must be a duration like 1h30m',
    });
  });
  it('takes SSH public keys and refuses private keys and other text', () => {
    expect(sshKeyError(KEY)).toBeUndefined();
    expect(sshKeyError('ecdsa-sha2-nistp256 AAAAE2VjZHNh')).toBeUndefined();
    expect(sshKeyError('-----BEGIN OPENSSH PRIVATE KEY-----')).toMatch(/private key/);
    expect(sshKeyError('hello')).toMatch(/^Not an SSH public key/);
    expect(accessErrors(draft({ sshKeys: [{ key: 'nope', file: 'a.pub' }] }))).toHaveProperty('key-0');
  });
});
