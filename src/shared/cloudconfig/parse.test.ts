import { describe, expect, it } from 'vitest';
import { parseCloudConfig, readCloudConfig } from './parse';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from './test-fixtures';
import type { CloudConfigDiagnostic } from './types';

/** A document from lines, so each test can see which line is which: line 1 is the header. */
const doc = (...lines: string[]): string => ['#cloud-config', ...lines].join('\n') + '\n';

/** `severity line:column-endLine:endColumn message`, the way an editor would show it. */
const brief = (d: CloudConfigDiagnostic): string =>
  `${d.severity} ${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.message}`;
const check = (text: string): string[] => parseCloudConfig(text).diagnostics.map(brief);

describe('the coreos-vagrant user-data shape', () => {
  const result = parseCloudConfig(VAGRANT_USER_DATA);

  it('parses with only warnings about what Flotilla provides or does not run', () => {
    expect(result.diagnostics.map(brief)).toEqual([
      'warning 17:3-17:10 coreos.flannel: Flotilla does not run flannel (machines share a Docker network); this section is ignored',
      'warning 25:7-25:15 coreos.units[2].drop-ins: Flotilla provides flanneld.service itself; the drop-ins given here are not applied',
      'warning 34:7-34:14 coreos.units[3].content: Flotilla provides docker-tcp.socket itself; the content given here is not applied',
    ]);
    expect(result.config).toBeDefined();
  });

  it('reads every section', () => {
    const config = result.config!;
    expect(config.sshAuthorizedKeys).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaTestKeyOne0000000000000000000000 alice@laptop',
    ]);
    expect(config.coreos.etcd2).toEqual({
      'advertise-client-urls': 'http://$public_ipv4:2379',
      'initial-advertise-peer-urls': 'http://$private_ipv4:2380',
      'listen-client-urls': 'http://0.0.0.0:2379,http://0.0.0.0:4001',
      'listen-peer-urls': 'http://$private_ipv4:2380,http://$private_ipv4:7001',
    });
    expect(config.coreos.fleet).toEqual({
      metadata: { role: 'web', disk: 'ssd' },
      publicIp: '$public_ipv4',
      other: {},
    });
    expect(config.coreos.units.map((unit) => [unit.name, unit.command])).toEqual([
      ['etcd2.service', 'start'],
      ['fleet.service', 'start'],
      ['flanneld.service', 'start'],
      ['docker-tcp.socket', 'start'],
      ['hello.service', 'start'],
    ]);
    expect(config.coreos.units[2]!.dropIns).toEqual([
      {
        name: '50-network-config.conf',
        content: `[Service]\nExecStartPre=/usr/bin/etcdctl set /coreos.com/network/config '{ "Network": "10.1.0.0/16" }'\n`,
      },
    ]);
    expect(config.coreos.units[3]).toMatchObject({ enable: true });
    expect(config.coreos.units[4]!.content).toContain('ExecStart=/bin/sh -c');
    expect(config.writeFiles).toEqual([
      {
        path: '/etc/motd',
        content: new TextEncoder().encode('Welcome to $public_ipv4\n'),
        permissions: 0o644,
        owner: 'core:core',
      },
    ]);
  });
});

describe('the header', () => {
  it('must be #cloud-config on the first line', () => {
    expect(check('hostname: core-01\n')).toEqual([
      'error 1:1-1:18 the first line must be #cloud-config (without it coreos-cloudinit does not read the document)',
    ]);
    expect(check('')).toEqual([
      'error 1:1-1:2 the first line must be #cloud-config (without it coreos-cloudinit does not read the document)',
    ]);
  });

  it('says scripts are not supported', () => {
    const result = parseCloudConfig('#!/bin/bash\necho hello\n');
    expect(result.diagnostics.map(brief)).toEqual([
      'error 1:1-1:12 this is a script (#!); Flotilla runs no user-data scripts, only #cloud-config documents',
    ]);
    expect(result.config).toBeUndefined();
  });

  it('allows trailing blanks, CRLF line ends and a byte-order mark', () => {
    expect(check('#cloud-config  \nhostname: a\n')).toEqual([]);
    expect(parseCloudConfig('#cloud-config\r\nhostname: core-01\r\n').config?.hostname).toBe('core-01');
    expect(parseCloudConfig('\uFEFF#cloud-config\nhostname: core-01\n').config?.hostname).toBe('core-01');
  });

  it('an empty document is a valid, empty cloud-config', () => {
    const result = parseCloudConfig('#cloud-config\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toMatchObject({ sshAuthorizedKeys: [], users: [], writeFiles: [] });
  });
});

describe('dash and underscore in keys', () => {
  it('are the same key everywhere', () => {
    const dashed = parseCloudConfig(
      doc(
        'ssh-authorized-keys: [ssh-ed25519 AAAAC3Nza key]',
        'manage-etc-hosts: localhost',
        'coreos:',
        '  update: {reboot-strategy: etcd-lock}',
        '  locksmith: {window-start: "Sun 03:00", window-length: 1h}',
        '  fleet: {public-ip: 10.0.0.1, etcd-servers: "http://10.0.0.1:2379"}',
        '  units: [{name: a.service, drop-ins: [{name: 10-a.conf, content: "[Service]"}], content: "[Service]\\nExecStart=/bin/true"}]',
        'users: [{name: elroy, ssh-authorized-keys: [ssh-ed25519 AAAAC3Nza key], primary-group: users}]',
      ),
    );
    const underscored = parseCloudConfig(
      doc(
        'ssh_authorized_keys: [ssh-ed25519 AAAAC3Nza key]',
        'manage_etc_hosts: localhost',
        'coreos:',
        '  update: {reboot_strategy: etcd-lock}',
        '  locksmith: {window_start: "Sun 03:00", window_length: 1h}',
        '  fleet: {public_ip: 10.0.0.1, etcd_servers: "http://10.0.0.1:2379"}',
        '  units: [{name: a.service, drop_ins: [{name: 10-a.conf, content: "[Service]"}], content: "[Service]\\nExecStart=/bin/true"}]',
        'users: [{name: elroy, ssh_authorized_keys: [ssh-ed25519 AAAAC3Nza key], primary_group: users}]',
      ),
    );
    expect(dashed.diagnostics).toEqual([]);
    expect(underscored.diagnostics).toEqual([]);
    expect(dashed.config).toEqual(underscored.config);
    expect(dashed.config!.coreos.update.rebootStrategy).toBe('etcd-lock');
    expect(dashed.config!.coreos.locksmith).toEqual({ windowStart: 'Sun 03:00', windowLength: '1h' });
    expect(dashed.config!.coreos.fleet).toEqual({
      metadata: {},
      publicIp: '10.0.0.1',
      other: { 'etcd-servers': 'http://10.0.0.1:2379' },
    });
    expect(dashed.config!.coreos.units[0]!.dropIns).toEqual([{ name: '10-a.conf', content: '[Service]' }]);
    expect(dashed.config!.users[0]!.sshAuthorizedKeys).toEqual(['ssh-ed25519 AAAAC3Nza key']);
  });

  it('given both ways, the later one counts, with a warning', () => {
    const result = parseCloudConfig(
      doc('coreos:', '  update:', '    reboot-strategy: off', '    reboot_strategy: reboot'),
    );
    expect(result.diagnostics.map(brief)).toEqual([
      'warning 5:5-5:20 coreos.update.reboot_strategy: given twice (coreos.update.reboot-strategy is the same key: dash and underscore are the same); this one is used',
    ]);
    expect(result.config!.coreos.update.rebootStrategy).toBe('reboot');
  });

  it('etcd2 keys come out with dashes, values as written', () => {
    const result = parseCloudConfig(
      doc(
        'coreos:',
        '  etcd2:',
        '    heartbeat_interval: 100',
        '    name: core-01',
        '    data-dir: /var/lib/etcd2',
      ),
    );
    expect(result.config!.coreos.etcd2).toEqual({
      'heartbeat-interval': '100',
      name: 'core-01',
      'data-dir': '/var/lib/etcd2',
    });
  });
});

describe('values are read as cloud-config means them', () => {
  it('unquoted 0644 is octal text and off is the word off (not YAML 1.1 numbers and booleans)', () => {
    const result = parseCloudConfig(
      doc(
        'coreos:',
        '  update:',
        '    reboot-strategy: off',
        'write_files:',
        '  - path: /a',
        '    permissions: 0600',
      ),
    );
    expect(result.config!.coreos.update.rebootStrategy).toBe('off');
    expect(result.config!.writeFiles[0]!.permissions).toBe(0o600);
  });

  it('booleans take YAML 1.1 spellings', () => {
    const result = parseCloudConfig(
      doc(
        'coreos:',
        '  units:',
        '    - {name: a.socket, enable: yes, runtime: off, mask: False, content: "[Socket]\\nListenStream=80"}',
      ),
    );
    expect(result.config!.coreos.units[0]).toMatchObject({ enable: true, runtime: false, mask: false });
  });

  it('empty, ~ and null values mean "not given"', () => {
    const result = parseCloudConfig(doc('hostname:', 'coreos:', '  etcd2: ~', '  units: null'));
    expect(result.diagnostics).toEqual([]);
    expect(result.config!.hostname).toBeUndefined();
  });

  it('aliases are followed, and alias bombs stop with an error', () => {
    const aliased = parseCloudConfig(
      doc('users:', '  - &core {name: core, groups: [docker]}', '  - {name: elroy, groups: [docker]}'),
    );
    expect(aliased.config!.users.map((user) => user.name)).toEqual(['core', 'elroy']);
    const viaAlias = parseCloudConfig(doc('coreos:', '  units: &u [{name: etcd2.service, command: start}]'));
    expect(viaAlias.config!.coreos.units).toHaveLength(1);

    // Each alias is expanded where it is read: 40 units × (1 + 40 drop-ins) passes the limit.
    const dropIns = Array(40).fill('*d').join(', ');
    const units = Array(40).fill('*u').join(', ');
    const bomb = doc(
      'write_files:',
      '  - &d {name: 10-a.conf, content: "[Service]"}',
      '  - &u {name: a.service, content: "[Service]", drop-ins: [' + dropIns + ']}',
      'coreos:',
      `  units: [${units}]`,
    );
    const result = parseCloudConfig(bomb);
    expect(result.config).toBeUndefined();
    expect(result.diagnostics.some((d) => d.message.includes('more than 1000 alias expansions'))).toBe(true);
  });
});

describe('errors and warnings, each at its place', () => {
  it('YAML syntax errors', () => {
    expect(check(doc('coreos:', '  units:', '  - name: a.service', '   command: start'))).toEqual([
      'error 5:1-5:2 YAML: Sequence item without - indicator',
    ]);
    expect(check(doc('hostname: a', 'hostname: b'))).toEqual(['error 3:1-3:2 YAML: Map keys must be unique']);
    // The parser notices the missing quote where the text ends.
    expect(check(doc('hostname: "core-01'))).toEqual(['error 3:1-3:2 YAML: Missing closing "quote']);
  });

  it('a document that is not a mapping', () => {
    expect(check(doc('- a', '- b'))).toEqual([
      'error 2:1-2:4 the document must be a mapping of cloud-config keys (coreos:, hostname: …)',
    ]);
  });

  it('type errors name the path and what is expected', () => {
    expect(
      check(doc('coreos: 5', 'users: {name: a}', 'hostname: [a, b]', 'ssh_authorized_keys: key')),
    ).toEqual([
      "error 2:9-2:10 coreos: must be the coreos section (key: value lines), not '5'",
      'error 3:8-3:17 users: must be a list of users (lines starting with -), not a mapping',
      'error 4:11-4:17 hostname: must be a string, not a list',
      "error 5:22-5:25 ssh_authorized_keys: must be a list of strings (lines starting with -), not 'key'",
    ]);
    expect(check(doc('coreos:', '  etcd2:', '    heartbeat-interval: often', '    debug: maybe'))).toEqual([
      "error 4:25-4:30 coreos.etcd2.heartbeat-interval: 'often' is not a whole number",
      "error 5:12-5:17 coreos.etcd2.debug: 'maybe' is not a boolean; write true or false (unquoted)",
    ]);
  });

  it('a unit without a name', () => {
    expect(check(doc('coreos:', '  units:', '    - command: start', '      content: "[Service]"'))).toEqual([
      'error 4:7-4:21 coreos.units[0]: name is required (e.g. name: hello.service)',
    ]);
  });

  it('unknown keys are warnings, with a suggestion or where they belong', () => {
    expect(
      check(
        doc(
          'hostnme: core-01',
          'runcmd: [ls]',
          'units: []',
          'coreos:',
          '  fleet:',
          '    public-ipp: 1.2.3.4',
        ),
      ),
    ).toEqual([
      'warning 2:1-2:8 hostnme: unknown key, ignored (coreos-cloudinit does not read it); did you mean hostname?',
      'warning 3:1-3:7 runcmd: unknown key, ignored (coreos-cloudinit does not read it); a cloud-config takes coreos, ssh_authorized_keys, hostname, users, write_files, manage_etc_hosts',
      'warning 4:1-4:6 units: unknown key, ignored (coreos-cloudinit does not read it); it belongs under coreos:',
      'warning 7:5-7:15 coreos.fleet.public-ipp: unknown key, ignored (coreos-cloudinit does not read it); did you mean public-ip?',
    ]);
    const result = parseCloudConfig(doc('coreos:', '  ssh_authorized_keys: [a]'));
    expect(result.diagnostics.map(brief)).toEqual([
      'warning 3:3-3:22 coreos.ssh_authorized_keys: unknown key, ignored (coreos-cloudinit does not read it); keys for the core user go in a top-level ssh_authorized_keys:',
    ]);
    expect(result.config).toBeDefined();
  });

  it('an invalid host name', () => {
    expect(check(doc('hostname: web_01'))).toEqual([
      "error 2:11-2:17 hostname: 'web_01' is not a valid host name: use letters, digits and dashes, not starting or ending with a dash",
    ]);
    expect(check(doc('hostname: core-01.example.com'))).toEqual([
      "error 2:11-2:30 hostname: 'core-01.example.com' has dots; give only the host's own label (foo of foo.example.com)",
    ]);
  });

  it('fleet metadata that is not k=v pairs, marked at the pair', () => {
    const result = parseCloudConfig(doc('coreos:', '  fleet:', '    metadata: role=web,zone,=x'));
    expect(result.diagnostics.map(brief)).toEqual([
      "error 4:24-4:28 coreos.fleet.metadata: 'zone' is not a key=value pair; write metadata like role=web,zone=a",
      "error 4:29-4:31 coreos.fleet.metadata: '=x' is not a key=value pair; write metadata like role=web,zone=a",
    ]);
    expect(check(doc('coreos:', '  fleet:', '    metadata: "role=web, zone=a b"'))).toEqual([
      "error 4:25-4:34 coreos.fleet.metadata: value 'a b' of zone may not contain blanks or =",
    ]);
    expect(
      parseCloudConfig(doc('coreos:', '  fleet:', '    metadata: " role = web , zone=a"')).config!.coreos
        .fleet.metadata,
    ).toEqual({
      role: 'web',
      zone: 'a',
    });
  });

  it('update: strategy and group', () => {
    expect(
      check(
        doc(
          'coreos:',
          '  update:',
          '    reboot-strategy: sometimes',
          '    group: master',
          '    server: https://updates.example.com',
        ),
      ),
    ).toEqual([
      "error 4:22-4:31 coreos.update.reboot-strategy: 'sometimes' is not one of reboot, etcd-lock, best-effort, off",
      "warning 5:12-5:18 coreos.update.group: 'master' is not one of Flotilla's channels (stable, beta, alpha); CoreOS allows custom groups, but Flotilla has releases only for these",
      "warning 6:13-6:40 coreos.update.server: Flotilla serves its channels' releases itself; this update server is not contacted",
    ]);
    const bestEffort = parseCloudConfig(
      doc('coreos:', '  update:', '    reboot-strategy: best-effort', '    group: beta'),
    );
    expect(bestEffort.config!.coreos.update).toEqual({ rebootStrategy: 'best-effort', group: 'beta' });
    expect(bestEffort.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('locksmith: the reboot window', () => {
    expect(
      check(doc('coreos:', '  locksmith:', '    window-start: Thu 25:00', '    window-length: soon')),
    ).toEqual([
      "error 4:19-4:28 coreos.locksmith.window-start: 'Thu 25:00' is not a reboot window start; write a time like 04:00 or Thu 04:00",
      "error 5:20-5:24 coreos.locksmith.window-length: 'soon' is not a duration; write one like 1h30m or 45m",
    ]);
    expect(check(doc('coreos:', '  locksmith:', '    window-start: 04:00'))).toEqual([
      'warning 4:5-4:17 coreos.locksmith.window-start: locksmith uses a reboot window only when both window-start and window-length are given',
    ]);
  });

  it('units: names, commands, flags', () => {
    expect(
      check(
        doc(
          'coreos:',
          '  units:',
          '    - name: hello',
          '      command: begin',
          '      enable: maybe',
          '    - name: static.network',
          '      content: "[Match]"',
          '    - name: missing.service',
          '      command: start',
        ),
      ),
    ).toEqual([
      'error 4:13-4:18 coreos.units[0].name: Unit name "hello" has no type suffix such as .service. A unit name looks like name.service, name.socket or name.timer.',
      "error 5:16-5:21 coreos.units[0].command: 'begin' is not one of start, stop, restart, reload, try-restart, reload-or-restart, reload-or-try-restart",
      "error 6:15-6:20 coreos.units[0].enable: 'maybe' is not a boolean; write true or false (unquoted)",
      'warning 7:13-7:27 coreos.units[1].name: Flotilla machines get their network from Docker; systemd-networkd files are not applied',
      'warning 9:13-9:28 coreos.units[2].name: missing.service has no content and is not a unit Flotilla provides, so there is nothing to start; add content: | with the unit file',
    ]);
  });

  it('a unit listed twice', () => {
    expect(
      check(
        doc(
          'coreos:',
          '  units:',
          '    - name: etcd2.service',
          '      command: start',
          '    - name: etcd2.service',
          '      command: stop',
        ),
      ),
    ).toEqual([
      'warning 6:7-6:26 coreos.units[1]: etcd2.service is also coreos.units[0]; coreos-cloudinit applies both in turn — merge them into one entry',
    ]);
  });

  it('unit content is linted, each problem on its own line of the YAML', () => {
    const text = doc(
      'coreos:', //        2
      '  units:', //       3
      '    - name: hello.service', // 4
      '      command: start', //      5
      '      content: |', //          6: the block header
      '        [Unit]', //            7: unit line 1
      '        Description=Hello', // 8
      '', //                          9
      '        [Service]', //        10
      '        Type=bogus', //       11: unit line 5
      '        ExecStart=/bin/true', // 12
      '        Wat=1', //            13
      '      drop-ins:', //         14
      '        - name: 10-limits.conf', // 15
      '          content: |', //    16
      '            [Service', //    17
    );
    expect(check(text)).toEqual([
      'error 11:14-11:19 coreos.units[0].content: Failed to parse service type "bogus". One of: simple, exec, oneshot, forking, notify, notify-reload, dbus, idle.',
      "warning 13:9-13:12 coreos.units[0].content: Unknown key name 'Wat' in section 'Service', ignoring.",
      "error 17:13-17:21 coreos.units[0].drop-ins[0].content: Invalid section header '[Service'. A section header looks like [Unit], [Service], [Install] or [X-Fleet].",
    ]);
  });

  it('unit content in a quoted string is linted too, marked at the string', () => {
    expect(
      check(doc('coreos:', '  units:', '    - name: a.service', '      content: "[Service]\\nType=bogus"')),
    ).toEqual([
      'error 5:16-5:39 coreos.units[0].content: line 1 of the unit: Service has no ExecStart= setting. Add ExecStart=/absolute/path/to/command to [Service] of a.service.',
      'error 5:16-5:39 coreos.units[0].content: line 2 of the unit: Failed to parse service type "bogus". One of: simple, exec, oneshot, forking, notify, notify-reload, dbus, idle.',
    ]);
  });

  it('write_files: path, permissions, owner, encoding, content', () => {
    expect(
      check(
        doc(
          'write_files:',
          '  - path: etc/motd', //      3
          '    permissions: 999', //    4
          '    owner: "a b"', //        5
          '    encoding: rot13', //     6
          '  - path: /x', //            7
          '    encoding: b64', //       8
          '    content: "!!!"', //      9
          '  - path: /y', //            10
          '    encoding: gzip+base64', // 11
          '    content: aGVsbG8=', //   12
          '  - content: hello', //      13
        ),
      ),
    ).toEqual([
      "error 3:11-3:19 write_files[0].path: 'etc/motd' is not an absolute path; start it with /",
      "error 4:18-4:21 write_files[0].permissions: '999' is not octal permissions; write them like '0644'",
      "error 5:12-5:17 write_files[0].owner: 'a b' is not an owner; write user or user:group",
      "error 6:15-6:20 write_files[0].encoding: 'rot13' is not one of b64, base64, gz, gzip, gz+b64, gz+base64, gzip+b64, gzip+base64",
      'error 9:14-9:19 write_files[1].content: is not valid base64 (encoding: b64)',
      'error 12:14-12:22 write_files[2].content: cannot be decoded as gzip+base64: not gzip data (too short)',
      'error 13:5-13:19 write_files[3]: path is required (where to write the file, e.g. path: /etc/motd)',
    ]);
  });

  it('write_files content is decoded: base64 and gzip+base64', async () => {
    const stream = new Blob(['compressed motd\n']).stream().pipeThrough(new CompressionStream('gzip'));
    const gzipped = new Uint8Array(await new Response(stream).arrayBuffer());
    const base64 = btoa(String.fromCharCode(...gzipped));
    const result = parseCloudConfig(
      doc(
        'write_files:',
        '  - path: /etc/plain',
        '    encoding: b64',
        `    content: ${btoa('plain\n')}`,
        '  - path: /etc/motd',
        '    encoding: gz+b64',
        '    permissions: "0600"',
        `    content: ${base64}`,
      ),
    );
    expect(result.diagnostics).toEqual([]);
    expect(
      result.config!.writeFiles.map((file) => [
        file.path,
        new TextDecoder().decode(file.content),
        file.permissions,
      ]),
    ).toEqual([
      ['/etc/plain', 'plain\n', 0o644],
      ['/etc/motd', 'compressed motd\n', 0o600],
    ]);
  });

  it('users: name required and a valid login name; keys and groups read', () => {
    expect(
      check(
        doc(
          'users:',
          '  - groups: [sudo]',
          '  - name: Elroy',
          '  - name: elroy',
          '    coreos-ssh-import-github: elroy',
        ),
      ),
    ).toEqual([
      'error 3:5-3:19 users[0]: name is required (the login name, e.g. name: elroy)',
      "error 4:11-4:16 users[1].name: 'Elroy' is not a login name: use lower-case letters, digits, _ and -, starting with a letter or _ (at most 32)",
      'warning 6:5-6:29 users[2].coreos-ssh-import-github: Flotilla does not fetch keys from the network; list them under ssh-authorized-keys',
    ]);
    const result = parseCloudConfig(
      doc(
        'users:',
        '  - name: elroy',
        '    groups: [sudo, docker]',
        '    shell: /bin/bash',
        '    homedir: /home/e',
        '    ssh-authorized-keys:',
        '      - ssh-rsa AAAAB3NzaC1yc2E elroy',
      ),
    );
    expect(result.config!.users).toEqual([
      {
        name: 'elroy',
        groups: ['sudo', 'docker'],
        shell: '/bin/bash',
        homedir: '/home/e',
        sshAuthorizedKeys: ['ssh-rsa AAAAB3NzaC1yc2E elroy'],
      },
    ]);
  });

  it('manage_etc_hosts takes only localhost; SSH keys that do not look like keys are warned about', () => {
    expect(check(doc('manage_etc_hosts: remote', 'ssh_authorized_keys:', '  - not a key'))).toEqual([
      "error 2:19-2:25 manage_etc_hosts: 'remote' is not supported; the only value is localhost",
      'warning 4:5-4:14 ssh_authorized_keys[0]: does not look like an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa AAAA…)',
    ]);
  });

  it('etcd: the discovery URL is not needed; etcd2 wins over etcd', () => {
    const result = parseCloudConfig(
      doc(
        'coreos:',
        '  etcd:',
        '    addr: $public_ipv4:4001',
        '  etcd2:',
        '    discovery: https://discovery.etcd.io/abc',
      ),
    );
    expect(result.diagnostics.map(brief)).toEqual([
      'warning 3:3-3:7 coreos.etcd: both etcd and etcd2 are given; etcd2 is used and etcd ignored',
      'warning 6:16-6:45 coreos.etcd2.discovery: not needed: Flotilla forms the KV cluster itself, so the discovery URL is not used',
    ]);
    expect(result.config!.coreos.etcd2).toEqual({ discovery: 'https://discovery.etcd.io/abc' });
    const etcdOnly = parseCloudConfig(doc('coreos:', '  etcd:', '    peer-addr: $private_ipv4:7001'));
    expect(etcdOnly.config!.coreos.etcd2).toEqual({ 'peer-addr': '$private_ipv4:7001' });
  });

  it('config is present iff there are no errors; warnings keep it', () => {
    expect(parseCloudConfig(doc('hostnme: a')).config).toBeDefined();
    expect(parseCloudConfig(doc('hostname: -a')).config).toBeUndefined();
    // readCloudConfig hands back what it could read even then.
    expect(
      readCloudConfig(doc('hostname: -a', 'coreos:', '  fleet: {metadata: "a=1"}')).config.coreos.fleet
        .metadata,
    ).toEqual({ a: '1' });
  });
});

describe('never throws', () => {
  /** A deterministic random source (mulberry32) so failures repeat. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('on a few hundred truncations and splices of the fixtures', () => {
    const next = random(42);
    const sources = [
      VAGRANT_USER_DATA,
      VAGRANT_CONFIG_RB,
      doc('coreos:', '  units: [{name: a.service, content: "[Service]"}]'),
    ];
    for (let round = 0; round < 400; round++) {
      const source = sources[round % sources.length]!;
      const cut = Math.floor(next() * source.length);
      const other = Math.floor(next() * source.length);
      const variants = [source.slice(0, cut), source.slice(cut), source.slice(0, cut) + source.slice(other)];
      for (const text of variants) {
        const result = parseCloudConfig(text);
        expect(Array.isArray(result.diagnostics)).toBe(true);
        for (const d of result.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.endLine * 1e6 + d.endColumn).toBeGreaterThan(d.line * 1e6 + d.column);
        }
        expect(result.config === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
      }
    }
  });

  it('on random bytes and on values of the wrong type', () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const text =
        '#cloud-config\n' +
        Array.from({ length: 80 }, () => String.fromCharCode(Math.floor(next() * 128))).join('');
      expect(() => parseCloudConfig(text)).not.toThrow();
    }
    expect(parseCloudConfig(undefined as unknown as string).diagnostics[0]!.severity).toBe('error');
    expect(parseCloudConfig(42 as unknown as string).config).toBeUndefined();
  });
});
