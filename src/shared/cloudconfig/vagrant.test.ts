import { describe, expect, it } from 'vitest';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from './test-fixtures';
import { importVagrant } from './vagrant';
import type { VagrantImport } from './vagrant';

const brief = (d: VagrantImport['diagnostics'][number]): string =>
  `${d.file} ${d.severity} ${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.message}`;
const configRb = (...lines: string[]): VagrantImport => importVagrant({ configRb: lines.join('\n') + '\n' });

describe('importVagrant of a coreos-vagrant project', () => {
  const result = importVagrant({ configRb: VAGRANT_CONFIG_RB, userData: VAGRANT_USER_DATA });

  it('takes config.rb’s settings', () => {
    expect(result).toMatchObject({
      numInstances: 3,
      channel: 'beta',
      prefix: 'web',
      forwardedPorts: [
        { guest: 80, host: 8080 },
        { guest: 443, host: 8443 },
      ],
      exposeDockerTcp: 2375,
      vm: { memory: 2048, cpus: 2 },
    });
  });

  it('takes user-data’s metadata, keys and own units, and passes the text on', () => {
    expect(result.metadata).toEqual({ role: 'web', disk: 'ssd' });
    expect(result.sshAuthorizedKeys).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaTestKeyOne0000000000000000000000 alice@laptop',
    ]);
    expect(result.units).toEqual(['hello.service']);
    expect(result.userData).toBe(VAGRANT_USER_DATA);
  });

  it('reports what is not carried over, in each file at its lines', () => {
    expect(result.diagnostics.map(brief)).toEqual([
      'config.rb warning 8:1-8:74 $new_discovery_url: discovery URL fetching is not needed: Flotilla forms the KV itself',
      'config.rb warning 12:1-26:4 discovery URL fetching is not needed: Flotilla forms the KV itself; this block is not run',
      'user-data warning 17:3-17:10 coreos.flannel: Flotilla does not run flannel (machines share a Docker network); this section is ignored',
      'user-data warning 25:7-25:15 coreos.units[2].drop-ins: Flotilla provides flanneld.service itself; the drop-ins given here are not applied',
      'user-data warning 34:7-34:14 coreos.units[3].content: Flotilla provides docker-tcp.socket itself; the content given here is not applied',
    ]);
  });
});

describe('importVagrant defaults', () => {
  it('are coreos-vagrant’s when there are no files', () => {
    expect(importVagrant({})).toEqual({
      numInstances: 1,
      channel: 'alpha',
      prefix: 'core',
      forwardedPorts: [],
      vm: {},
      metadata: {},
      sshAuthorizedKeys: [],
      units: [],
      diagnostics: [],
    });
  });

  it('hold for settings that are commented out', () => {
    const result = configRb(
      '#$num_instances=5',
      "#$update_channel='stable'",
      '# $forwarded_ports = { 1 => 2 }',
    );
    expect(result).toMatchObject({ numInstances: 1, channel: 'alpha', forwardedPorts: [], diagnostics: [] });
  });

  it('user-data alone', () => {
    const result = importVagrant({ userData: '#cloud-config\ncoreos:\n  fleet:\n    metadata: zone=a\n' });
    expect(result).toMatchObject({ numInstances: 1, metadata: { zone: 'a' }, diagnostics: [] });
  });
});

describe('importVagrant problems', () => {
  it('bad values are errors at the value', () => {
    const result = configRb(
      '$num_instances = "three"',
      '$update_channel = "nightly"',
      '$instance_name_prefix = "Core_"',
      '$forwarded_ports = { 80 => 8080, "x" => 70000 }',
      '$expose_docker_tcp = "yes"',
      '$vm_memory = "lots"',
    );
    expect(result.diagnostics.map(brief)).toEqual([
      'config.rb error 1:18-1:25 $num_instances: "three" is not a number of machines; write a whole number from 1 to 50, e.g. $num_instances = 3',
      "config.rb error 2:19-2:28 $update_channel: \"nightly\" is not an update channel; write 'stable', 'beta' or 'alpha'",
      'config.rb error 3:25-3:32 $instance_name_prefix: "Core_" is not a usable name prefix; write lower-case letters, digits or dashes, starting with a letter (at most 21), e.g. "core"',
      'config.rb error 4:34-4:46 $forwarded_ports: "x" => 70000 is not guest => host with ports from 1 to 65535',
      'config.rb error 5:22-5:27 $expose_docker_tcp: "yes" is not a port; write the host port for the Docker API, e.g. 2375',
      'config.rb error 6:14-6:20 $vm_memory: "lots" is not a memory size in MiB; write a whole number',
    ]);
    // Bad values leave the defaults; good entries of a hash are kept.
    expect(result).toMatchObject({
      numInstances: 1,
      channel: 'alpha',
      prefix: 'core',
      forwardedPorts: [{ guest: 80, host: 8080 }],
    });
    expect(configRb('$num_instances = 0').diagnostics[0]!.severity).toBe('error');
    expect(configRb('$num_instances = 51').diagnostics[0]!.severity).toBe('error');
  });

  it('unknown variables, code and other statements are warnings', () => {
    const result = configRb(
      '$colour = "blue"',
      '$num_instances = ENV["N"].to_i',
      'Vagrant.require_version ">= 1.6.0"',
      '$num_instances = 2',
    );
    expect(result.diagnostics.map(brief)).toEqual([
      "config.rb warning 1:1-1:8 $colour: unknown setting: coreos-vagrant's Vagrantfile does not read it, so it is ignored",
      'config.rb warning 2:18-2:31 $num_instances: \'ENV["N"].to_i\' is Ruby code, not a literal value; it is ignored and the default used',
      'config.rb warning 3:1-3:35 \'Vagrant.require_version ">= 1.6.0"\' is Ruby code Flotilla does not run; only $setting = value lines are read, so it is ignored',
    ]);
    expect(result.numInstances).toBe(2);
  });

  it('settings Flotilla does not carry over are warnings, only when switched on', () => {
    const on = configRb(
      "$shared_folders = {'/home/me/app' => '/app'}",
      '$share_home = true',
      '$vm_gui = true',
      '$enable_serial_logging = true',
      '$vb_cpuexecutioncap = 50',
      '$image_version = "1185.3.0"',
    );
    expect(on.diagnostics.map((d) => `${d.line} ${d.severity} ${d.path}`)).toEqual([
      '1 warning $shared_folders',
      '2 warning $share_home',
      '3 warning $vm_gui',
      '4 warning $enable_serial_logging',
      '5 warning $vb_cpuexecutioncap',
      '6 warning $image_version',
    ]);
    expect(on.diagnostics[0]!.message).toBe(
      '$shared_folders: shared folders (NFS) are not carried over: copy files in with write_files in user-data',
    );
    const off = configRb(
      '$shared_folders = {}',
      '$share_home = false',
      '$vm_gui = false',
      '$enable_serial_logging = false',
    );
    expect(off.diagnostics).toEqual([]);
  });

  it('the older $vb_* settings win over $vm_*, as in coreos-vagrant', () => {
    expect(configRb('$vm_memory = 1024', '$vb_memory = 4096', '$vm_cpus = 1').vm).toEqual({
      memory: 4096,
      cpus: 1,
    });
    expect(configRb('$vm_memory = 1024', '$vb_memory = nil').vm).toEqual({ memory: 1024 });
  });

  it('$expose_docker_tcp may be switched off', () => {
    expect(configRb('$expose_docker_tcp = false').exposeDockerTcp).toBeUndefined();
    expect(configRb('$expose_docker_tcp = nil').diagnostics).toEqual([]);
  });

  it('an unterminated string is an error', () => {
    expect(configRb("$update_channel = 'beta").diagnostics.map(brief)).toContain(
      "config.rb error 1:19-1:20 unterminated string: the ' here is never closed",
    );
  });

  it('user-data problems come with file user-data', () => {
    const result = importVagrant({
      userData: '#cloud-config\ncoreos:\n  update:\n    reboot-strategy: sometimes\n',
    });
    expect(result.diagnostics.map(brief)).toEqual([
      "user-data error 4:22-4:31 coreos.update.reboot-strategy: 'sometimes' is not one of reboot, etcd-lock, best-effort, off",
    ]);
  });

  it('never throws on truncated, spliced or odd input', () => {
    let state = 99;
    const next = (): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state / 0x7fffffff;
    };
    for (let round = 0; round < 300; round++) {
      const cut = Math.floor(next() * VAGRANT_CONFIG_RB.length);
      const other = Math.floor(next() * VAGRANT_USER_DATA.length);
      const files = [
        { configRb: VAGRANT_CONFIG_RB.slice(0, cut), userData: VAGRANT_USER_DATA.slice(0, other) },
        { configRb: VAGRANT_CONFIG_RB.slice(cut), userData: VAGRANT_USER_DATA.slice(other) },
        {
          configRb:
            VAGRANT_CONFIG_RB.slice(0, cut) + VAGRANT_CONFIG_RB.slice(other % VAGRANT_CONFIG_RB.length),
        },
      ];
      for (const input of files) {
        const result = importVagrant(input);
        expect(result.numInstances).toBeGreaterThanOrEqual(1);
        for (const d of result.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
      }
    }
    expect(() =>
      importVagrant({ configRb: 42 as unknown as string, userData: null as unknown as string }),
    ).not.toThrow();
  });
});
