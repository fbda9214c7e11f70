// Import of a coreos-vagrant project: its config.rb settings (machines, channel, names, ports) and
// its user-data, with every setting Flotilla does not carry over reported where it is written.

import { readCloudConfig } from './parse';
import { readRubyConfig } from './ruby-config';
import type { RubyAssignment, RubyLiteral } from './ruby-config';
import { CHANNELS, isBuiltinUnit } from './schema';
import { TextPositions } from './text-positions';
import type { Channel, CloudConfigDiagnostic } from './types';

export interface VagrantImport {
  /** $num_instances (default 1). */
  numInstances: number;
  /** $update_channel (default 'alpha', as coreos-vagrant). */
  channel: Channel;
  /** $instance_name_prefix (default 'core'). */
  prefix: string;
  /** $forwarded_ports { guest => host }. */
  forwardedPorts: { guest: number; host: number }[];
  /** $expose_docker_tcp: the host port of the first machine's Docker API. */
  exposeDockerTcp?: number;
  /** $vm_memory / $vm_cpus (or the older $vb_*): informational. */
  vm: { memory?: number; cpus?: number };
  /** From user-data coreos.fleet.metadata. */
  metadata: Record<string, string>;
  /** From user-data ssh_authorized_keys. */
  sshAuthorizedKeys: string[];
  /** Unit names in user-data coreos.units, without the ones Flotilla provides. */
  units: string[];
  /** The user-data text as given (to pass on as clusters.create userData). */
  userData?: string;
  /** Things not carried over and problems; `file` is 'config.rb' or 'user-data'. */
  diagnostics: (CloudConfigDiagnostic & { file: 'config.rb' | 'user-data' })[];
}

/** The limits clusters.create puts on what an import feeds it. */
const MAX_INSTANCES = 50;
const PREFIX = /^[a-z][a-z0-9-]{0,20}$/;

const DISCOVERY_NOT_NEEDED = 'discovery URL fetching is not needed: Flotilla forms the KV itself';

/** Settings coreos-vagrant's Vagrantfile reads that have no counterpart in Flotilla, and why. */
const NOT_CARRIED_OVER: Readonly<Record<string, { when: 'set' | 'truthy'; why: string }>> = {
  new_discovery_url: { when: 'set', why: DISCOVERY_NOT_NEEDED },
  discovery_url: { when: 'set', why: DISCOVERY_NOT_NEEDED },
  enable_discovery_service: { when: 'truthy', why: DISCOVERY_NOT_NEEDED },
  vm_gui: {
    when: 'truthy',
    why: 'the VirtualBox GUI is not carried over: Flotilla machines are containers (open a shell from Machines)',
  },
  vb_gui: {
    when: 'truthy',
    why: 'the VirtualBox GUI is not carried over: Flotilla machines are containers (open a shell from Machines)',
  },
  vb_cpuexecutioncap: { when: 'set', why: 'the VirtualBox CPU cap is not carried over' },
  vm_cpuexecutioncap: { when: 'set', why: 'the VirtualBox CPU cap is not carried over' },
  shared_folders: {
    when: 'truthy',
    why: 'shared folders (NFS) are not carried over: copy files in with write_files in user-data',
  },
  share_home: { when: 'truthy', why: 'sharing your home directory over NFS is not carried over' },
  enable_serial_logging: {
    when: 'truthy',
    why: "serial console logging is not carried over: each machine's journal is in Flotilla",
  },
  image_version: {
    when: 'set',
    why: "a pinned box version is not carried over: machines run their channel's current release",
  },
  ip_cnet: {
    when: 'set',
    why: "machine addresses are not carried over: they come from the cluster's network",
  },
  ip_base: {
    when: 'set',
    why: "machine addresses are not carried over: they come from the cluster's network",
  },
  private_ip: {
    when: 'set',
    why: "machine addresses are not carried over: they come from the cluster's network",
  },
  public_ip: {
    when: 'set',
    why: "machine addresses are not carried over: they come from the cluster's network",
  },
};

type Diagnostics = VagrantImport['diagnostics'];

/** Reads a coreos-vagrant config.rb and/or user-data. Never throws. */
export function importVagrant(files: { configRb?: string; userData?: string }): VagrantImport {
  const result: VagrantImport = {
    numInstances: 1,
    channel: 'alpha',
    prefix: 'core',
    forwardedPorts: [],
    vm: {},
    metadata: {},
    sshAuthorizedKeys: [],
    units: [],
    diagnostics: [],
  };
  try {
    if (typeof files.configRb === 'string') new ConfigRbImport(files.configRb, result).run();
  } catch (error) {
    // Every input should be handled; this keeps the promise never to throw if one is not.
    result.diagnostics.push({
      ...wholeFile('error', `could not read config.rb (${String(error)}); please report this`),
      file: 'config.rb',
    });
  }
  if (typeof files.userData === 'string') {
    result.userData = files.userData;
    const { config, diagnostics } = readCloudConfig(files.userData);
    result.metadata = { ...config.coreos.fleet.metadata };
    result.sshAuthorizedKeys = [...config.sshAuthorizedKeys];
    result.units = config.coreos.units.map((unit) => unit.name).filter((name) => !isBuiltinUnit(name));
    for (const diagnostic of diagnostics) result.diagnostics.push({ ...diagnostic, file: 'user-data' });
  }
  return result;
}

function wholeFile(severity: 'error' | 'warning', message: string): CloudConfigDiagnostic {
  return { line: 1, column: 1, endLine: 1, endColumn: 1, severity, message, path: '' };
}

class ConfigRbImport {
  private readonly positions: TextPositions;
  private readonly diagnostics: Diagnostics;
  private vmMemory?: number;
  private vbMemory?: number;
  private vmCpus?: number;
  private vbCpus?: number;

  constructor(
    private readonly text: string,
    private readonly result: VagrantImport,
  ) {
    this.diagnostics = result.diagnostics;
    this.positions = new TextPositions(text);
  }

  private report(
    severity: 'error' | 'warning',
    path: string,
    message: string,
    start: number,
    end: number,
  ): void {
    this.diagnostics.push({
      severity,
      path,
      message: path === '' ? message : `${path}: ${message}`,
      ...this.positions.range(start, end),
      file: 'config.rb',
    });
  }

  run(): void {
    const reading = readRubyConfig(this.text);
    for (const error of reading.errors) this.report('error', '', error.message, error.start, error.end);
    for (const skipped of reading.skipped) {
      const firstLine = skipped.text.split('\n', 1)[0]!.trim();
      if (
        skipped.kind === 'block' &&
        /File\.exists?\?/.test(skipped.text) &&
        /user-data|discovery/.test(skipped.text)
      ) {
        this.report(
          'warning',
          '',
          `${DISCOVERY_NOT_NEEDED}; this block is not run`,
          skipped.start,
          skipped.end,
        );
      } else {
        this.report(
          'warning',
          '',
          `'${firstLine}' is Ruby code Flotilla does not run; only $setting = value lines are read, so it is ignored`,
          skipped.start,
          skipped.end,
        );
      }
    }
    for (const assignment of reading.assignments) this.apply(assignment);
    this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    // coreos-vagrant prefers the older $vb_* settings when they are set.
    const memory = this.vbMemory ?? this.vmMemory;
    const cpus = this.vbCpus ?? this.vmCpus;
    if (memory !== undefined) this.result.vm.memory = memory;
    if (cpus !== undefined) this.result.vm.cpus = cpus;
  }

  private source(assignment: RubyAssignment): string {
    return this.text.slice(assignment.valueStart, assignment.valueEnd);
  }

  /** An error at the assignment's value: the value as written, then `what` is wrong with it. */
  private bad(assignment: RubyAssignment, what: string): void {
    this.report(
      'error',
      `$${assignment.name}`,
      `${this.source(assignment)} ${what}`,
      assignment.valueStart,
      assignment.valueEnd,
    );
  }

  private apply(assignment: RubyAssignment): void {
    const path = `$${assignment.name}`;
    const value = assignment.value;
    const notCarried = NOT_CARRIED_OVER[assignment.name];
    const known =
      notCarried !== undefined ||
      [
        'num_instances',
        'update_channel',
        'instance_name_prefix',
        'forwarded_ports',
        'expose_docker_tcp',
      ].includes(assignment.name) ||
      /^(vm|vb)_(memory|cpus)$/.test(assignment.name);
    if (!known) {
      this.report(
        'warning',
        path,
        "unknown setting: coreos-vagrant's Vagrantfile does not read it, so it is ignored",
        assignment.nameStart,
        assignment.nameEnd,
      );
      return;
    }
    if (!value) {
      this.report(
        'warning',
        path,
        `'${this.source(assignment)}' is Ruby code, not a literal value; it is ignored and the default used`,
        assignment.valueStart,
        assignment.valueEnd,
      );
      return;
    }
    if (notCarried) {
      const truthy =
        value.kind === 'bool'
          ? value.value
          : value.kind === 'hash'
            ? value.entries.length > 0
            : value.kind !== 'nil';
      if (notCarried.when === 'set' ? value.kind !== 'nil' : truthy)
        this.report('warning', path, notCarried.why, assignment.nameStart, assignment.valueEnd);
      return;
    }
    switch (assignment.name) {
      case 'num_instances':
        if (value.kind === 'int' && value.value >= 1 && value.value <= MAX_INSTANCES)
          this.result.numInstances = value.value;
        else
          this.bad(
            assignment,
            `is not a number of machines; write a whole number from 1 to ${MAX_INSTANCES}, e.g. $num_instances = 3`,
          );
        return;
      case 'update_channel':
        if (value.kind === 'string' && (CHANNELS as readonly string[]).includes(value.value))
          this.result.channel = value.value as Channel;
        else this.bad(assignment, `is not an update channel; write 'stable', 'beta' or 'alpha'`);
        return;
      case 'instance_name_prefix':
        if (value.kind === 'string' && PREFIX.test(value.value)) this.result.prefix = value.value;
        else
          this.bad(
            assignment,
            'is not a usable name prefix; write lower-case letters, digits or dashes, starting with a letter (at most 21), e.g. "core"',
          );
        return;
      case 'forwarded_ports':
        this.forwardedPorts(assignment, value);
        return;
      case 'expose_docker_tcp':
        if (isPort(value)) this.result.exposeDockerTcp = value.value;
        else if (!(value.kind === 'nil' || (value.kind === 'bool' && !value.value)))
          this.bad(assignment, 'is not a port; write the host port for the Docker API, e.g. 2375');
        return;
      default: {
        // $vm_memory, $vm_cpus, $vb_memory, $vb_cpus
        if (value.kind === 'nil') return;
        if (value.kind !== 'int' || value.value < 1) {
          this.bad(
            assignment,
            `is not a ${assignment.name.endsWith('memory') ? 'memory size in MiB' : 'CPU count'}; write a whole number`,
          );
          return;
        }
        if (assignment.name === 'vm_memory') this.vmMemory = value.value;
        else if (assignment.name === 'vb_memory') this.vbMemory = value.value;
        else if (assignment.name === 'vm_cpus') this.vmCpus = value.value;
        else this.vbCpus = value.value;
      }
    }
  }

  private forwardedPorts(assignment: RubyAssignment, value: RubyLiteral): void {
    if (value.kind !== 'hash') {
      this.bad(assignment, 'is not a hash of ports; write { guest => host }, e.g. { 80 => 8080 }');
      return;
    }
    const ports: { guest: number; host: number }[] = [];
    for (const entry of value.entries) {
      if (isPort(entry.key) && isPort(entry.value))
        ports.push({ guest: entry.key.value, host: entry.value.value });
      else
        this.report(
          'error',
          `$${assignment.name}`,
          `${this.text.slice(entry.key.start, entry.value.end)} is not guest => host with ports from 1 to 65535`,
          entry.key.start,
          entry.value.end,
        );
    }
    this.result.forwardedPorts = ports;
  }
}

function isPort(value: RubyLiteral): value is RubyLiteral & { kind: 'int'; value: number } {
  return value.kind === 'int' && Number.isInteger(value.value) && value.value >= 1 && value.value <= 65535;
}
