import { describe, expect, it } from 'vitest';
import { machineInfo, NEW_KEY } from '../pages/machines/fixtures';
import {
  EMPTY_REMOTE,
  addMachineCommand,
  addRemoteParams,
  hostKeyFile,
  nextMachineName,
  parseJump,
  parseMetadata,
  remoteErrors,
  sshEndpoint,
  type RemoteForm,
} from './remote-form';

const form = (more: Partial<RemoteForm>): RemoteForm => ({
  ...EMPTY_REMOTE,
  host: '10.0.0.21',
  user: 'core',
  ...more,
});

describe('remote host form', () => {
  it('wants a host and a user, and checks them with the contract’s rules', () => {
    expect(remoteErrors(EMPTY_REMOTE, [])).toEqual({
      host: 'Give the host name or address',
      user: 'Give the user to log in as',
    });
    expect(remoteErrors(form({ host: 'bad host', user: '1x', port: '70000' }), [])).toEqual({
      host: 'Must be a host name or an IP address',
      user: 'Must be a user name (letters, digits, . _ -)',
      port: 'A port from 1 to 65535',
    });
    expect(remoteErrors(form({}), [])).toEqual({});
    expect(remoteErrors(form({ host: '[fd00::21]' }), [])).toEqual({});
  });

  it('checks the socket, the name (free in the cluster) and the metadata', () => {
    expect(remoteErrors(form({ dockerSocket: 'docker.sock', name: 'Core_4', metadata: 'role' }), [])).toEqual(
      {
        dockerSocket: 'Must be an absolute path to a socket',
        name: 'Must be a host name: lower-case letters, digits, dashes',
        metadata: 'role: write it as key=value, e.g. role=web',
      },
    );
    expect(remoteErrors(form({ name: 'core-02' }), ['core-01', 'core-02']).name).toBe(
      'core-02 is in the cluster already',
    );
  });

  it('reads a jump host as user@host:port, the user and port defaulting', () => {
    expect(parseJump('admin@bastion:2200', 'core')).toEqual({
      jump: { host: 'bastion', port: 2200, user: 'admin' },
    });
    expect(parseJump('bastion', 'core')).toEqual({ jump: { host: 'bastion', port: 22, user: 'core' } });
    expect(parseJump('admin@[fd00::1]:22', 'core')).toEqual({
      jump: { host: '[fd00::1]', port: 22, user: 'admin' },
    });
    expect(parseJump('a@b@c', 'core')).toEqual({
      error: 'Write it as user@host:port, e.g. admin@bastion.example.com:22',
    });
    expect(parseJump('admin@bastion:0', 'core')).toEqual({ error: 'The port must be from 1 to 65535' });
    expect(remoteErrors(form({ jump: 'x@y z' }), []).jump).toMatch(/^Write it as user@host:port/);
  });

  it('reads metadata as comma separated key=value pairs', () => {
    expect(parseMetadata(' role=db, disk=ssd ,')).toEqual({ metadata: { role: 'db', disk: 'ssd' } });
    expect(parseMetadata('role=db,role=web')).toEqual({ error: 'role is given twice' });
    expect(parseMetadata('role=a b')).toEqual({
      error: 'role=a b: Must be a metadata value without blanks, commas or =',
    });
    expect(parseMetadata('')).toEqual({ metadata: {} });
  });

  it('makes the SSH endpoint and the addRemote call', () => {
    const f = form({
      port: '2222',
      identityFile: ' /home/me/.ssh/id_ed25519 ',
      jump: 'admin@bastion',
      name: 'db-01',
      metadata: 'role=db',
    });
    expect(sshEndpoint(f)).toEqual({
      host: '10.0.0.21',
      port: 2222,
      user: 'core',
      identityFile: '/home/me/.ssh/id_ed25519',
      jump: { host: 'bastion', port: 22, user: 'admin' },
      dockerSocket: '/var/run/docker.sock',
    });
    expect(addRemoteParams(f, 'dev', NEW_KEY)).toEqual({
      cluster: 'dev',
      ssh: sshEndpoint(f),
      acceptFingerprint: NEW_KEY,
      hostname: 'db-01',
      metadata: { role: 'db' },
    });
    expect(addRemoteParams(form({}), undefined, undefined)).toEqual({
      ssh: { host: '10.0.0.21', port: 22, user: 'core', dockerSocket: '/var/run/docker.sock' },
      metadata: {},
    });
  });

  it('names the next machine after the cluster’s own', () => {
    const names = ['core-01', 'core-03', 'core-02', 'db-01'].map((n, i) => machineInfo(n, String(i + 1)));
    expect(nextMachineName(names)).toBe('core-04');
    expect(nextMachineName([])).toBe('core-01');
  });

  it('writes the flotctl line, port, identity, jump, metadata, name and fingerprint when given', () => {
    expect(addMachineCommand(form({}), [], undefined)).toBe('flotctl machine add --ssh core@10.0.0.21');
    expect(
      addMachineCommand(
        form({
          port: '2222',
          identityFile: '/home/me/.ssh/id_ed25519',
          jump: 'admin@bastion:2200',
          metadata: 'role=db, disk=ssd',
          name: 'db-01',
          dockerSocket: '/run/user/1000/docker.sock',
        }),
        ['--cluster', 'lab'],
        NEW_KEY,
      ),
    ).toBe(
      'flotctl machine add --cluster lab --ssh core@10.0.0.21:2222 --identity /home/me/.ssh/id_ed25519 ' +
        '--jump admin@bastion:2200 --docker-socket /run/user/1000/docker.sock --metadata role=db,disk=ssd ' +
        `--name db-01 --accept-fingerprint ${NEW_KEY}`,
    );
    expect(addMachineCommand(form({ host: 'fd00::21', port: '2222' }), [], undefined)).toBe(
      "flotctl machine add --ssh 'core@[fd00::21]:2222'",
    );
  });

  it('names the host key file ssh-keygen reads for each key type', () => {
    expect(hostKeyFile('ssh-ed25519')).toBe('/etc/ssh/ssh_host_ed25519_key.pub');
    expect(hostKeyFile('ecdsa-sha2-nistp256')).toBe('/etc/ssh/ssh_host_ecdsa_key.pub');
    expect(hostKeyFile('rsa-sha2-512')).toBe('/etc/ssh/ssh_host_rsa_key.pub');
  });
});
