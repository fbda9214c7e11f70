// The create wizard's remote hosts: their names, the clusters.create call, the flotctl lines, checks.
import { describe, expect, it } from 'vitest';
import { EMPTY_REMOTE, type PlannedRemote } from '../../remote/remote-form';
import { EMPTY_DRAFT, createParams, remoteCommands, remoteNames, type Draft } from './draft';
import { remoteSummary } from './review';
import { addresses } from './testkit';
import { machinesErrors } from './validate';

const KEY = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
const planned = (host: string, more: Partial<PlannedRemote['form']> = {}, accept = true): PlannedRemote => ({
  form: { ...EMPTY_REMOTE, host, user: 'core', identityFile: '/home/me/.ssh/id_ed25519', ...more },
  fingerprint: KEY,
  accept,
  docker: 'Docker 27.5.1 on linux/amd64',
});
const draft = (remotes: PlannedRemote[], more: Partial<Draft> = {}): Draft => ({
  ...EMPTY_DRAFT,
  name: 'demo',
  machines: '2',
  remotes,
  ...more,
});

describe('remote hosts in the create wizard', () => {
  it('names them after the local machines unless a name was typed', () => {
    const d = draft([planned('10.0.0.21'), planned('10.0.0.22', { name: 'edge-01' }), planned('10.0.0.23')]);
    expect(remoteNames(d)).toEqual(['core-03', 'edge-01', 'core-04']);
    // The names follow the machine count.
    expect(remoteNames({ ...d, machines: '3' })).toEqual(['core-04', 'edge-01', 'core-05']);
  });

  it('sends them with clusters.create: endpoint, the fingerprint trusted here, name and metadata', () => {
    const d = draft([
      planned('10.0.0.21', { metadata: 'role=db', port: '2222', passphrase: 'secret' }),
      planned('10.0.0.22', {}, false),
    ]);
    expect(createParams(d, addresses(2)).remotes).toEqual([
      {
        ssh: {
          host: '10.0.0.21',
          port: 2222,
          user: 'core',
          identityFile: '/home/me/.ssh/id_ed25519',
          passphrase: 'secret',
          dockerSocket: '/var/run/docker.sock',
        },
        acceptFingerprint: KEY,
        hostname: 'core-03',
        metadata: { role: 'db' },
      },
      {
        // Known already: nothing to accept.
        ssh: {
          host: '10.0.0.22',
          port: 22,
          user: 'core',
          identityFile: '/home/me/.ssh/id_ed25519',
          dockerSocket: '/var/run/docker.sock',
        },
        hostname: 'core-04',
        metadata: {},
      },
    ]);
    expect(createParams(draft([]), addresses(2))).not.toHaveProperty('remotes');
  });

  it('gives the terminal a machine add per host, never the passphrase', () => {
    const d = draft([planned('10.0.0.21', { metadata: 'role=db', passphrase: 'secret' })]);
    expect(remoteCommands(d)).toEqual([
      `flotctl machine add --cluster demo --ssh core@10.0.0.21 --identity /home/me/.ssh/id_ed25519 --metadata role=db --name core-03 --accept-fingerprint ${KEY}`,
    ]);
    expect(remoteCommands(d).join(' ')).not.toContain('secret');
  });

  it('summarises them for the review', () => {
    expect(remoteSummary(draft([planned('10.0.0.21', { port: '2222' })]))).toBe(
      'core-03 (core@10.0.0.21:2222); it joins over SSH once the local machines are up.',
    );
  });

  it('flags a typed name that a local machine took after the count changed', () => {
    const d = draft([planned('10.0.0.21', { name: 'core-03' })]);
    expect(machinesErrors(d)).toEqual({});
    expect(machinesErrors({ ...d, machines: '3' })).toEqual({
      'remote-0': "core-03 is a local machine's name: remove this host and add it again with another name",
    });
  });
});
