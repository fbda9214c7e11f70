import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import type { CloudConfig } from '../../shared/cloudconfig';
import type { TarFile } from '../machines';
import { bootFiles, bootSettings, parseMachineConfig, planBootUnits, updateConf } from './boot';

const ID1 = 'a'.repeat(32);
const ID2 = 'b'.repeat(32);

const parse = (text: string): CloudConfig => parseMachineConfig('node-01', text, 'fix it');

const FULL = `#cloud-config
hostname: web
manage_etc_hosts: localhost
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB one@example
users:
  - name: core
    ssh-authorized-keys: ["ssh-rsa AAAAB3NzaC1yc2E two@example"]
  - name: alice
    ssh-authorized-keys: ["ssh-rsa AAAAB3NzaC1yc2E alice@example"]
  - name: bob
    homedir: /srv/bob
    ssh-authorized-keys: ["ssh-rsa AAAAB3NzaC1yc2E bob@example"]
  - name: carol
write_files:
  - path: /etc/motd
    permissions: "0600"
    content: hello 10.99.1.101
  - path: /opt/bin/blob
    encoding: b64
    content: AAEC
coreos:
  update:
    group: beta
    reboot-strategy: reboot
    server: https://updates.example/v1/update/
  locksmith:
    window-start: Thu 04:00
    window-length: 1h30m
  fleet:
    metadata: role=web,disk=ssd
`;

const file = (files: TarFile[], name: string) => files.find((f) => f.name === name);
const text = (f: TarFile | undefined) => (f?.content === undefined ? undefined : f.content.toString());

describe('parseMachineConfig', () => {
  it('fails with BAD_REQUEST naming the machine, line, column and message', () => {
    const bad = '#cloud-config\nhostname: a\ncoreos:\n  units: [\n  - x: :\n';
    let err: unknown;
    try {
      parseMachineConfig('node-02', bad, 'Fix it; nothing was created.');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/^Cloud-config of node-02, line 5, column 3: YAML: .+ \(and \d+ more\)$/);
    expect(e.hint).toBe('Fix it; nothing was created.');
    expect(e.details).toMatchObject({ machine: 'node-02', line: 5, column: 3 });
  });
});

describe('bootSettings', () => {
  it('takes hostname, update group, fleet metadata and manage_etc_hosts from the config', () => {
    expect(bootSettings('node-01', parse(FULL), { channel: 'stable' })).toEqual({
      hostname: 'web',
      channel: 'beta',
      metadata: { role: 'web', disk: 'ssd' },
      hostnameIsLocalhost: true,
    });
  });

  it('falls back to the machine name and the cluster channel where the config is silent', () => {
    expect(bootSettings('node-01', parse('#cloud-config\n'), { channel: 'alpha' })).toEqual({
      hostname: 'node-01',
      channel: 'alpha',
      metadata: {},
      hostnameIsLocalhost: false,
    });
  });

  it('refuses a host name a machine cannot carry and a group that is no channel', () => {
    expect(() =>
      bootSettings('node-01', parse('#cloud-config\nhostname: Web\n'), { channel: 'stable' }),
    ).toThrow(/^Cloud-config of node-01: hostname "Web" is not a host name$/);
    expect(() =>
      bootSettings('node-01', parse('#cloud-config\ncoreos:\n  update:\n    group: master\n'), {
        channel: 'stable',
      }),
    ).toThrow(/coreos.update.group "master" is not a channel Flotilla serves/);
  });
});

describe('updateConf', () => {
  it('writes group, server, reboot strategy and the locksmith window as CoreOS does', () => {
    expect(updateConf(parse(FULL), 'beta')).toBe(
      [
        'GROUP=beta',
        'SERVER=https://updates.example/v1/update/',
        'REBOOT_STRATEGY=reboot',
        'LOCKSMITHD_REBOOT_WINDOW_START=Thu 04:00',
        'LOCKSMITHD_REBOOT_WINDOW_LENGTH=1h30m',
        '',
      ].join('\n'),
    );
  });

  it('writes only the group when nothing else is given', () => {
    expect(updateConf(parse('#cloud-config\n'), 'stable')).toBe('GROUP=stable\n');
  });
});

describe('bootFiles', () => {
  const files = bootFiles('node-01', parse(FULL), 'beta', FULL);

  it('puts update.conf and the whole text as user_data in the machine', () => {
    expect(text(file(files, 'etc/coreos/update.conf'))).toBe(updateConf(parse(FULL), 'beta'));
    expect(file(files, 'var/lib/coreos-install/user_data')).toMatchObject({ content: FULL, mode: 0o600 });
  });

  it('writes authorized_keys, mode 0600 in a 0700 .ssh, for core (both lists) and each user', () => {
    expect(file(files, 'home/core/.ssh')).toMatchObject({ type: 'directory', mode: 0o700 });
    expect(file(files, 'home/core/.ssh/authorized_keys')).toMatchObject({
      content: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB one@example\nssh-rsa AAAAB3NzaC1yc2E two@example\n',
      mode: 0o600,
    });
    expect(text(file(files, 'home/alice/.ssh/authorized_keys'))).toBe(
      'ssh-rsa AAAAB3NzaC1yc2E alice@example\n',
    );
    expect(text(file(files, 'srv/bob/.ssh/authorized_keys'))).toBe('ssh-rsa AAAAB3NzaC1yc2E bob@example\n');
    // A user without keys gets no file.
    expect(files.some((f) => f.name.startsWith('home/carol'))).toBe(false);
  });

  it('writes write_files with their permissions and decoded bytes, after the generated files', () => {
    expect(file(files, 'etc/motd')).toMatchObject({ mode: 0o600 });
    expect(text(file(files, 'etc/motd'))).toBe('hello 10.99.1.101');
    expect(file(files, 'opt/bin/blob')?.content).toEqual(Buffer.from([0, 1, 2]));
    expect(files.at(-1)?.name).toBe('opt/bin/blob');
  });

  it('refuses a path that would leave the file system root', () => {
    const config = parse('#cloud-config\n');
    config.writeFiles.push({ path: '/etc/../../x', content: new Uint8Array(), permissions: 0o644 });
    expect(() => bootFiles('node-01', config, 'stable', '')).toThrow(
      /^Cloud-config of node-01: write_files: "\/etc\/..\/..\/x" is not an absolute path to a file$/,
    );
  });
});

const unitsConfig = (units: string) => parse(`#cloud-config\ncoreos:\n  units:\n${units}`);
const HELLO = `    - name: hello.service
      command: start
      content: |
        [Service]
        ExecStart=/bin/sh -c 'while true; do echo hi; sleep 1; done'
        [X-Fleet]
        Conflicts=other.service
      drop-ins:
        - name: 10-env.conf
          content: |
            [Service]
            Environment=GREETING=hi
`;

describe('planBootUnits', () => {
  it('pins a unit one machine names to it, keeping its own [X-Fleet] and drop-ins; skips built-ins and empty units', () => {
    const plan = planBootUnits([
      {
        hostname: 'node-01',
        machineId: ID1,
        config: unitsConfig(
          `${HELLO}    - name: etcd2.service\n      command: start\n    - name: my-tool.socket\n      command: start\n    - name: 50-eth.network\n      content: |\n        [Match]\n        Name=eth0\n`,
        ),
      },
      {
        hostname: 'node-02',
        machineId: ID2,
        config: unitsConfig('    - name: fleet.service\n      command: start\n'),
      },
    ]);
    expect(plan.units).toEqual([
      {
        name: 'hello.service',
        launch: true,
        machines: ['node-01'],
        content: [
          '[Service]',
          "ExecStart=/bin/sh -c 'while true; do echo hi; sleep 1; done'",
          '[X-Fleet]',
          'Conflicts=other.service',
          '[Service]',
          'Environment=GREETING=hi',
          '',
          '[X-Fleet]',
          `MachineID=${ID1}`,
          '',
        ].join('\n'),
      },
    ]);
    expect(plan.skipped).toEqual([
      'node-01: my-tool.socket has no content and is not one Flotilla provides',
      'node-01: 50-eth.network is not a unit fleet runs (Unit name "50-eth.network" has an unknown type suffix ".network".)',
    ]);
    expect(plan.builtin).toEqual(['etcd2.service', 'fleet.service']);
  });

  it('makes a unit every machine names alike a global unit, not started without command: start', () => {
    const unit = '    - name: w.service\n      content: |\n        [Service]\n        ExecStart=/bin/true\n';
    const plan = planBootUnits([
      { hostname: 'node-01', machineId: ID1, config: unitsConfig(unit) },
      { hostname: 'node-02', machineId: ID2, config: unitsConfig(unit) },
    ]);
    expect(plan.units).toEqual([
      {
        name: 'w.service',
        launch: false,
        machines: ['node-01', 'node-02'],
        content: '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nGlobal=true\n',
      },
    ]);
  });

  it('refuses one unit name in some machines only, or with different content', () => {
    const unit = (cmd: string) =>
      unitsConfig(`    - name: w.service\n      content: |\n        [Service]\n        ExecStart=${cmd}\n`);
    const empty = unitsConfig('    - name: etcd2.service\n');
    expect(() =>
      planBootUnits([
        { hostname: 'node-01', machineId: ID1, config: unit('/bin/true') },
        { hostname: 'node-02', machineId: ID2, config: unit('/bin/true') },
        { hostname: 'node-03', machineId: 'c'.repeat(32), config: empty },
      ]),
    ).toThrow(/^Cloud-config of node-02: unit w.service is also in the cloud-config of node-01$/);
    expect(() =>
      planBootUnits([
        { hostname: 'node-01', machineId: ID1, config: unit('/bin/true') },
        { hostname: 'node-02', machineId: ID2, config: unit('/bin/false') },
      ]),
    ).toThrow(/unit w.service is also in the cloud-config of node-01 with other content/);
  });

  it('lints the unit it would submit: a global unit cannot follow another one', () => {
    const unit = unitsConfig(
      '    - name: w.service\n      content: |\n        [Service]\n        ExecStart=/bin/true\n        [X-Fleet]\n        MachineOf=db.service\n',
    );
    expect(() =>
      planBootUnits([
        { hostname: 'node-01', machineId: ID1, config: unit },
        { hostname: 'node-02', machineId: ID2, config: unit },
      ]),
    ).toThrow(
      /^Cloud-config of node-01: unit w.service, line \d+: Global=true cannot be combined with MachineOf/,
    );
  });
});
