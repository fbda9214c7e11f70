// Reads a cloud-config the way coreos-cloudinit does (YAML, dash = underscore in keys, unknown keys
// warned about and ignored) and checks what Flotilla acts on, mapping every problem to a line and
// column range of the text for the wizard's editor. Pure and total: never throws.

import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import { lintUnit, parseUnitFile, validateUnitName } from '../units';
import type { Diagnostic as UnitDiagnostic } from '../units';
import { gunzip, GzipError } from './gunzip';
import {
  CHANNELS,
  closestName,
  COREOS_KEYS,
  dashedKey,
  DEFAULT_FILE_PERMISSIONS,
  DROP_IN_KEYS,
  ETCD2_KEYS,
  ETCD_KEYS,
  FILE_ENCODINGS,
  FILE_OWNER,
  FLANNEL_KEYS,
  FLEET_KEYS,
  hostnameProblem,
  isBuiltinUnit,
  isNetworkdUnit,
  LOCKSMITH_KEYS,
  looksLikeSshPublicKey,
  normalizeKey,
  OCTAL_PERMISSIONS,
  OEM_KEYS,
  parseFleetMetadata,
  REBOOT_STRATEGIES,
  TOP_LEVEL_KEYS,
  UNIT_COMMANDS,
  UNIT_KEYS,
  UPDATE_KEYS,
  USER_KEYS,
  USER_LIST_KEYS,
  WINDOW_LENGTH,
  WINDOW_START,
  WRITE_FILE_KEYS,
} from './schema';
import type { FileEncoding, ValueKind } from './schema';
import { TextPositions } from './text-positions';
import type {
  CloudConfig,
  CloudConfigDiagnostic,
  CloudUnit,
  CloudUser,
  CloudWriteFile,
  RebootStrategy,
  UnitCommand,
} from './types';

export const CLOUD_CONFIG_HEADER = '#cloud-config';

/** Aliases are expanded while checking; this bounds the work a "billion laughs" document can cause. */
const MAX_ALIAS_EXPANSIONS = 1000;
/** A decoded write_files entry may not be larger than this (a gzip bomb stops here). */
const MAX_DECODED_FILE_BYTES = 16 * 1024 * 1024;

/** Keys people put in the wrong place, with where they belong. */
const MISPLACED: Readonly<Record<string, string>> = {
  etcd: 'it belongs under coreos:',
  etcd2: 'it belongs under coreos:',
  fleet: 'it belongs under coreos:',
  flannel: 'it belongs under coreos:',
  locksmith: 'it belongs under coreos:',
  update: 'it belongs under coreos:',
  units: 'it belongs under coreos:',
  'coreos.ssh_authorized_keys': 'keys for the core user go in a top-level ssh_authorized_keys:',
  'coreos.hostname': 'hostname goes at the top level',
};

export interface CloudConfigReading {
  /** What could be read; complete only when `diagnostics` has no errors. */
  config: CloudConfig;
  diagnostics: CloudConfigDiagnostic[];
}

function emptyConfig(): CloudConfig {
  return {
    sshAuthorizedKeys: [],
    users: [],
    writeFiles: [],
    coreos: {
      etcd2: {},
      fleet: { metadata: {}, other: {} },
      update: {},
      locksmith: {},
      units: [],
    },
  };
}

/** Parses and validates; `config` is present iff there are no errors. Never throws on any input. */
export function parseCloudConfig(text: string): {
  config?: CloudConfig;
  diagnostics: CloudConfigDiagnostic[];
} {
  const { config, diagnostics } = readCloudConfig(text);
  return diagnostics.some((d) => d.severity === 'error') ? { diagnostics } : { config, diagnostics };
}

/** Like parseCloudConfig, but also hands back what was readable from a document with errors. */
export function readCloudConfig(text: string): CloudConfigReading {
  const source = typeof text === 'string' ? text : '';
  const reader = new Reader(source);
  try {
    reader.read();
  } catch (error) {
    // Every input should be handled above; this keeps the promise never to throw if one is not.
    reader.report(
      'error',
      '',
      `could not read the cloud-config (${String(error)}); please report this`,
      0,
      0,
    );
  }
  return { config: reader.config, diagnostics: reader.sortedDiagnostics() };
}

/** One `key: value` of a mapping, with the key as written and in underscore form. */
interface Field {
  /** The key in underscore form (how it is looked up). */
  name: string;
  /** The path of the value, with the key as written. */
  path: string;
  keyNode: YamlNode;
  value: YamlNode | undefined;
}

/** A setting of a section such as etcd2 or fleet, with its value as text. */
interface Setting extends Field {
  text: string;
}

const kindNoun = (node: YamlNode): string =>
  isMap(node) ? 'a mapping' : isSeq(node) ? 'a list' : isScalar(node) ? `'${String(node.value)}'` : 'this';

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

class Reader {
  readonly config = emptyConfig();
  private readonly diagnostics: CloudConfigDiagnostic[] = [];
  private readonly positions: TextPositions;
  private readonly lines: string[];
  private doc: Document.Parsed | undefined;
  private aliasExpansions = 0;

  constructor(private readonly text: string) {
    this.positions = new TextPositions(text);
    this.lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  sortedDiagnostics(): CloudConfigDiagnostic[] {
    return [...this.diagnostics].sort(
      (a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reporting

  /** A problem at the text range [start, end) (offsets); an empty range marks one character. */
  report(severity: 'error' | 'warning', path: string, message: string, start: number, end: number): void {
    this.push({ severity, path, message, ...this.positions.range(start, end) });
  }

  /** Adds a diagnostic, its message prefixed with its path. */
  private push(diagnostic: CloudConfigDiagnostic): void {
    const message = diagnostic.path === '' ? diagnostic.message : `${diagnostic.path}: ${diagnostic.message}`;
    this.diagnostics.push({ ...diagnostic, message });
  }

  /**
   * A problem with `node`. Scalars are marked whole; collections only on their first line, so a
   * missing field does not paint a whole unit file.
   */
  at(node: YamlNode | undefined, severity: 'error' | 'warning', path: string, message: string): void {
    const range = node?.range;
    if (!range) {
      this.report(severity, path, message, 0, 0);
      return;
    }
    let end = range[1];
    while (end > range[0] + 1 && /\s/.test(this.text[end - 1] ?? '')) end--;
    if (!isScalar(node)) {
      const lineEnd = this.text.indexOf('\n', range[0]);
      if (lineEnd >= 0) end = Math.min(end, lineEnd);
    }
    this.report(severity, path, message, range[0], end);
  }

  /** A problem with part of a one-line scalar (offset/length into its value); else the whole scalar. */
  private within(
    node: YamlNode,
    offset: number,
    length: number,
    severity: 'error' | 'warning',
    path: string,
    message: string,
  ): void {
    if (
      isScalar(node) &&
      node.range &&
      (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE')
    ) {
      const raw = this.text.slice(node.range[0], node.range[1]);
      const quoted = node.type !== 'PLAIN';
      const inner = quoted ? raw.slice(1, -1) : raw;
      // Only where the value is exactly the source text (one line, no escapes) do offsets carry over.
      if (!raw.includes('\n') && inner === String(node.value)) {
        const start = node.range[0] + (quoted ? 1 : 0) + offset;
        this.report(severity, path, message, start, start + Math.max(length, 1));
        return;
      }
    }
    this.at(node, severity, path, message);
  }

  // -------------------------------------------------------------------------------------------
  // YAML access

  private resolve(node: YamlNode | null | undefined, path: string): YamlNode | undefined {
    if (node === null || node === undefined) return undefined;
    if (!isAlias(node)) return node;
    if (++this.aliasExpansions > MAX_ALIAS_EXPANSIONS) {
      if (this.aliasExpansions === MAX_ALIAS_EXPANSIONS + 1)
        this.at(
          node,
          'error',
          path,
          `more than ${MAX_ALIAS_EXPANSIONS} alias expansions; write the values out`,
        );
      return undefined;
    }
    const target = this.doc ? node.resolve(this.doc) : undefined;
    if (!target) this.at(node, 'error', path, `alias *${node.source} names no anchor`);
    return target;
  }

  /** Empty, `~` and `null` mean "not given", as for coreos-cloudinit's YAML reader. */
  private isNull(node: YamlNode | undefined): boolean {
    if (node === undefined) return true;
    if (!isScalar(node) || node.type !== 'PLAIN') return false;
    return node.value === null || ['', '~', 'null', 'Null', 'NULL'].includes(String(node.value));
  }

  /**
   * The fields of a mapping that are among `known` (underscore form). Unknown keys are warned about,
   * a key given twice (e.g. `reboot-strategy` and `reboot_strategy`) too; the last one counts.
   */
  private fields(
    node: YamlNode | undefined,
    path: string,
    known: readonly string[],
    what: string,
  ): Map<string, Field> {
    const result = new Map<string, Field>();
    if (this.isNull(node)) return result;
    if (!isMap(node)) {
      this.at(node, 'error', path, `must be ${what} (key: value lines), not ${kindNoun(node!)}`);
      return result;
    }
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (!isScalar(keyNode)) {
        this.at(keyNode ?? node, 'error', path, 'keys must be plain words');
        continue;
      }
      const key = String(keyNode.value);
      const name = normalizeKey(key);
      const fieldPath = join(path, key);
      if (!known.includes(name)) {
        const misplaced = MISPLACED[join(path, name)];
        // Suggestions use the document's own spelling style (dashes or underscores).
        const spell = (candidate: string): string => (key.includes('-') ? dashedKey(candidate) : candidate);
        const suggestion = closestName(name, known);
        const advice = misplaced
          ? `; ${misplaced}`
          : suggestion
            ? `; did you mean ${spell(suggestion)}?`
            : `; ${what} takes ${known.map(spell).join(', ')}`;
        this.at(
          keyNode,
          'warning',
          fieldPath,
          `unknown key, ignored (coreos-cloudinit does not read it)${advice}`,
        );
        continue;
      }
      const earlier = result.get(name);
      if (earlier) {
        this.at(
          keyNode,
          'warning',
          fieldPath,
          `given twice (${earlier.path} is the same key: dash and underscore are the same); this one is used`,
        );
        result.delete(name);
      }
      result.set(name, {
        name,
        path: fieldPath,
        keyNode,
        value: this.resolve(pair.value as YamlNode | null, fieldPath),
      });
    }
    return result;
  }

  /**
   * A scalar's text, checked against `kind`. The text, not a YAML type: a YAML 1.1 reader would
   * turn `0644` or `off` into a number or a boolean, where cloud-config means the text.
   */
  private scalar(node: YamlNode | undefined, path: string, kind: ValueKind = 'string'): string | undefined {
    if (this.isNull(node)) return undefined;
    if (!isScalar(node)) {
      this.at(
        node,
        'error',
        path,
        `must be ${kind === 'string' ? 'a string' : `a ${kind}`}, not ${kindNoun(node!)}`,
      );
      return undefined;
    }
    const text = String(node.value);
    if (kind === 'int' && !/^[-+]?\d+$/.test(text)) {
      this.at(node, 'error', path, `'${text}' is not a whole number`);
      return undefined;
    }
    if (kind === 'float' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
      this.at(node, 'error', path, `'${text}' is not a number`);
      return undefined;
    }
    if (kind === 'bool' && this.booleanOf(node) === undefined) {
      this.at(node, 'error', path, `'${text}' is not a boolean; write true or false (unquoted)`);
      return undefined;
    }
    return text;
  }

  /** YAML 1.1 booleans, which is what coreos-cloudinit's reader takes. */
  private booleanOf(node: Scalar): boolean | undefined {
    if (node.type !== 'PLAIN') return undefined;
    const text = String(node.value).toLowerCase();
    if (['true', 'yes', 'on', 'y'].includes(text)) return true;
    if (['false', 'no', 'off', 'n'].includes(text)) return false;
    return undefined;
  }

  private boolean(node: YamlNode | undefined, path: string): boolean | undefined {
    const text = this.scalar(node, path, 'bool');
    return text === undefined || !isScalar(node) ? undefined : this.booleanOf(node);
  }

  private items(
    node: YamlNode | undefined,
    path: string,
    what: string,
  ): { node: YamlNode | undefined; path: string }[] {
    if (this.isNull(node)) return [];
    if (!isSeq(node)) {
      this.at(
        node,
        'error',
        path,
        `must be a list of ${what} (lines starting with -), not ${kindNoun(node!)}`,
      );
      return [];
    }
    return node.items.map((item, index) => {
      const itemPath = `${path}[${index}]`;
      return { node: this.resolve(item as YamlNode | null, itemPath), path: itemPath };
    });
  }

  private strings(node: YamlNode | undefined, path: string): string[] {
    const result: string[] = [];
    for (const item of this.items(node, path, 'strings')) {
      const text = this.scalar(item.node, item.path);
      if (text !== undefined) result.push(text);
    }
    return result;
  }

  private oneOf<T extends string>(field: Field | undefined, allowed: readonly T[]): T | undefined {
    if (!field) return undefined;
    const text = this.scalar(field.value, field.path);
    if (text === undefined) return undefined;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.at(field.value, 'error', field.path, `'${text}' is not one of ${allowed.join(', ')}`);
    return undefined;
  }

  /** A section of NAME=value settings (etcd2, fleet …): values as text, checked against their kind. */
  private settings(
    field: Field | undefined,
    table: Readonly<Record<string, ValueKind>>,
    what: string,
  ): Setting[] {
    if (!field) return [];
    const result: Setting[] = [];
    for (const setting of this.fields(field.value, field.path, Object.keys(table), what).values()) {
      const kind = table[setting.name];
      const text = this.scalar(setting.value, setting.path, kind);
      if (text === undefined) continue;
      // Booleans become the true/false the service's environment variable takes.
      const value = kind === 'bool' && isScalar(setting.value) ? String(this.booleanOf(setting.value)) : text;
      result.push({ ...setting, text: value });
    }
    return result;
  }

  private stringOf(field: Field | undefined): string | undefined {
    return field ? this.scalar(field.value, field.path) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // The document

  read(): void {
    const firstLine = (this.lines[0] ?? '').replace(/^\uFEFF/, '').trimEnd();
    if (firstLine.startsWith('#!')) {
      this.report(
        'error',
        '',
        'this is a script (#!); Flotilla runs no user-data scripts, only #cloud-config documents',
        0,
        (this.lines[0] ?? '').length,
      );
      return;
    }
    if (firstLine !== CLOUD_CONFIG_HEADER) {
      this.report(
        'error',
        '',
        `the first line must be ${CLOUD_CONFIG_HEADER} (without it coreos-cloudinit does not read the document)`,
        0,
        (this.lines[0] ?? '').length,
      );
    }

    const doc = parseDocument(this.text, {
      // Every scalar stays text; checks below read it as coreos-cloudinit would (see scalar()).
      schema: 'failsafe',
      prettyErrors: false,
      uniqueKeys: true,
    });
    this.doc = doc;
    for (const error of doc.errors)
      this.report('error', '', `YAML: ${error.message}`, error.pos[0], error.pos[1]);
    for (const warning of doc.warnings)
      this.report('warning', '', `YAML: ${warning.message}`, warning.pos[0], warning.pos[1]);
    // Checking a half-read document would mostly repeat the syntax error in other words.
    if (doc.errors.length > 0) return;

    const root = doc.contents ?? undefined;
    if (!this.isNull(root) && !isMap(root)) {
      this.at(
        root,
        'error',
        '',
        'the document must be a mapping of cloud-config keys (coreos:, hostname: …)',
      );
      return;
    }
    const top = this.fields(root, '', TOP_LEVEL_KEYS, 'a cloud-config');
    this.readHostname(top.get('hostname'));
    this.config.sshAuthorizedKeys = this.sshKeys(top.get('ssh_authorized_keys'));
    this.readCoreos(top.get('coreos'));
    for (const item of this.items(top.get('users')?.value, top.get('users')?.path ?? '', 'users')) {
      const user = this.readUser(item.node, item.path);
      if (user) this.config.users.push(user);
    }
    const writeFiles = top.get('write_files');
    for (const item of this.items(writeFiles?.value, writeFiles?.path ?? '', 'files')) {
      const file = this.readWriteFile(item.node, item.path);
      if (file) this.config.writeFiles.push(file);
    }
    const manageEtcHosts = top.get('manage_etc_hosts');
    const hostsMode = this.stringOf(manageEtcHosts);
    if (hostsMode === 'localhost') this.config.manageEtcHosts = 'localhost';
    else if (hostsMode !== undefined)
      this.at(
        manageEtcHosts?.value,
        'error',
        manageEtcHosts!.path,
        `'${hostsMode}' is not supported; the only value is localhost`,
      );
  }

  private readHostname(field: Field | undefined): void {
    const hostname = this.stringOf(field);
    if (hostname === undefined || !field) return;
    const problem = hostnameProblem(hostname);
    if (problem) this.at(field.value, 'error', field.path, problem);
    else this.config.hostname = hostname;
  }

  private sshKeys(field: Field | undefined): string[] {
    if (!field) return [];
    const keys = this.strings(field.value, field.path);
    if (isSeq(field.value)) {
      field.value.items.forEach((item, index) => {
        if (isScalar(item) && !this.isNull(item) && !looksLikeSshPublicKey(String(item.value)))
          this.at(
            item,
            'warning',
            `${field.path}[${index}]`,
            'does not look like an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa AAAA…)',
          );
      });
    }
    return keys;
  }

  // -------------------------------------------------------------------------------------------
  // coreos

  private readCoreos(coreosField: Field | undefined): void {
    if (!coreosField) return;
    const coreos = this.fields(coreosField.value, coreosField.path, COREOS_KEYS, 'the coreos section');
    this.readKv(coreos);
    this.readFleet(coreos.get('fleet'));
    this.readUpdate(coreos.get('update'));
    this.readLocksmith(coreos.get('locksmith'));
    const flannel = coreos.get('flannel');
    this.settings(flannel, FLANNEL_KEYS, 'the flannel section');
    if (flannel)
      this.at(
        flannel.keyNode,
        'warning',
        flannel.path,
        'Flotilla does not run flannel (machines share a Docker network); this section is ignored',
      );
    this.settings(coreos.get('oem'), OEM_KEYS, 'the oem section');
    this.readUnits(coreos.get('units'));
  }

  /** etcd2 (or etcd 0.4's section when there is no etcd2): the KV member's flags. */
  private readKv(coreos: Map<string, Field>): void {
    const etcd2 = this.settings(coreos.get('etcd2'), ETCD2_KEYS, 'the etcd2 section');
    const etcd = this.settings(coreos.get('etcd'), ETCD_KEYS, 'the etcd section');
    const etcdField = coreos.get('etcd');
    if (etcdField && coreos.has('etcd2'))
      this.at(
        etcdField.keyNode,
        'warning',
        etcdField.path,
        'both etcd and etcd2 are given; etcd2 is used and etcd ignored',
      );
    for (const setting of coreos.has('etcd2') ? etcd2 : etcd) {
      this.config.coreos.etcd2[dashedKey(setting.name)] = setting.text;
      if (setting.name === 'discovery')
        this.at(
          setting.value,
          'warning',
          setting.path,
          'not needed: Flotilla forms the KV cluster itself, so the discovery URL is not used',
        );
      if (setting.name === 'proxy' && !['on', 'off', 'readonly'].includes(setting.text))
        this.at(setting.value, 'error', setting.path, `'${setting.text}' is not one of on, off, readonly`);
    }
  }

  private readFleet(field: Field | undefined): void {
    const fleet = this.config.coreos.fleet;
    for (const setting of this.settings(field, FLEET_KEYS, 'the fleet section')) {
      if (setting.name === 'metadata') this.readMetadata(setting);
      else if (setting.name === 'public_ip') fleet.publicIp = setting.text;
      else fleet.other[dashedKey(setting.name)] = setting.text;
    }
  }

  private readUpdate(field: Field | undefined): void {
    const update = this.config.coreos.update;
    for (const setting of this.settings(field, UPDATE_KEYS, 'the update section')) {
      if (setting.name === 'reboot_strategy') {
        const strategy = this.oneOf<RebootStrategy>(setting, REBOOT_STRATEGIES);
        if (strategy) update.rebootStrategy = strategy;
        if (strategy === 'best-effort')
          this.at(
            setting.value,
            'warning',
            setting.path,
            'best-effort is deprecated (locksmith dropped it); on Flotilla it acts as etcd-lock, since the KV always runs — write etcd-lock',
          );
      } else if (setting.name === 'group') {
        update.group = setting.text;
        if (!(CHANNELS as readonly string[]).includes(setting.text))
          this.at(
            setting.value,
            'warning',
            setting.path,
            `'${setting.text}' is not one of Flotilla's channels (${CHANNELS.join(', ')}); CoreOS allows custom groups, but Flotilla has releases only for these`,
          );
      } else {
        update.server = setting.text;
        this.at(
          setting.value,
          'warning',
          setting.path,
          "Flotilla serves its channels' releases itself; this update server is not contacted",
        );
      }
    }
  }

  private readLocksmith(field: Field | undefined): void {
    const locksmith = this.config.coreos.locksmith;
    const settings = new Map(
      this.settings(field, LOCKSMITH_KEYS, 'the locksmith section').map((s) => [s.name, s]),
    );
    const start = settings.get('window_start');
    const length = settings.get('window_length');
    if (start && WINDOW_START.test(start.text)) locksmith.windowStart = start.text;
    else if (start)
      this.at(
        start.value,
        'error',
        start.path,
        `'${start.text}' is not a reboot window start; write a time like 04:00 or Thu 04:00`,
      );
    if (length && WINDOW_LENGTH.test(length.text)) locksmith.windowLength = length.text;
    else if (length)
      this.at(
        length.value,
        'error',
        length.path,
        `'${length.text}' is not a duration; write one like 1h30m or 45m`,
      );
    if ((start === undefined) !== (length === undefined)) {
      const given = (start ?? length)!;
      this.at(
        given.keyNode,
        'warning',
        given.path,
        'locksmith uses a reboot window only when both window-start and window-length are given',
      );
    }
    const group = settings.get('group');
    if (group) locksmith.group = group.text;
    const endpoint = settings.get('endpoint');
    if (endpoint) locksmith.endpoint = endpoint.text;
  }

  private readUnits(field: Field | undefined): void {
    const seen = new Map<string, string>();
    for (const item of this.items(field?.value, field?.path ?? '', 'units')) {
      const unit = this.readUnit(item.node, item.path);
      if (!unit) continue;
      const first = seen.get(unit.name);
      if (first !== undefined)
        this.at(
          item.node,
          'warning',
          item.path,
          `${unit.name} is also ${first}; coreos-cloudinit applies both in turn — merge them into one entry`,
        );
      else seen.set(unit.name, item.path);
      this.config.coreos.units.push(unit);
    }
  }

  private readMetadata(setting: Setting): void {
    const parsed = parseFleetMetadata(setting.text);
    for (const problem of parsed.problems)
      this.within(setting.value!, problem.offset, problem.length, 'error', setting.path, problem.message);
    for (const pair of parsed.pairs) {
      if (pair.key in this.config.coreos.fleet.metadata)
        this.within(
          setting.value!,
          pair.offset,
          pair.length,
          'warning',
          setting.path,
          `key '${pair.key}' is given twice; the last value is used`,
        );
      this.config.coreos.fleet.metadata[pair.key] = pair.value;
    }
  }

  private readUnit(node: YamlNode | undefined, path: string): CloudUnit | undefined {
    if (this.isNull(node)) {
      this.at(node, 'error', path, 'an empty unit; give at least name:');
      return undefined;
    }
    const fields = this.fields(node, path, UNIT_KEYS, 'a unit');
    if (!isMap(node)) return undefined;
    const nameField = fields.get('name');
    const name = this.stringOf(nameField);
    if (name === undefined) {
      if (!nameField) this.at(node, 'error', path, 'name is required (e.g. name: hello.service)');
      return undefined;
    }
    const unit: CloudUnit = { name, dropIns: [] };
    let lintable = true;
    if (isNetworkdUnit(name)) {
      lintable = false;
      this.at(
        nameField!.value,
        'warning',
        nameField!.path,
        'Flotilla machines get their network from Docker; systemd-networkd files are not applied',
      );
    } else {
      const problem = validateUnitName(name);
      if (problem) {
        lintable = false;
        this.at(
          nameField!.value,
          'error',
          nameField!.path,
          `${problem} A unit name looks like name.service, name.socket or name.timer.`,
        );
      }
    }

    const command = this.oneOf<UnitCommand>(fields.get('command'), UNIT_COMMANDS);
    if (command) unit.command = command;
    for (const flag of ['enable', 'runtime', 'mask'] as const) {
      const field = fields.get(flag);
      const value = field ? this.boolean(field.value, field.path) : undefined;
      if (value !== undefined) unit[flag] = value;
    }
    const contentField = fields.get('content');
    const content = this.stringOf(contentField);
    if (content !== undefined) unit.content = content;

    const dropInsField = fields.get('drop_ins');
    for (const item of this.items(dropInsField?.value, dropInsField?.path ?? '', 'drop-ins')) {
      const dropIn = this.readDropIn(item.node, item.path, lintable && !isBuiltinUnit(name));
      if (dropIn) unit.dropIns.push(dropIn);
    }

    if (isBuiltinUnit(name)) {
      const given = contentField ?? (unit.dropIns.length > 0 ? dropInsField : undefined);
      if (given)
        this.at(
          given.keyNode,
          'warning',
          given.path,
          `Flotilla provides ${name} itself; the ${contentField ? 'content' : 'drop-ins'} given here ${contentField ? 'is' : 'are'} not applied`,
        );
    } else if (lintable && content !== undefined && contentField?.value) {
      this.lintContent(lintUnit(content, name).diagnostics, contentField.value, contentField.path);
    } else if (lintable && content === undefined && unit.dropIns.length === 0 && !unit.mask) {
      this.at(
        nameField!.value,
        'warning',
        nameField!.path,
        `${name} has no content and is not a unit Flotilla provides, so there is nothing to ${command ?? 'run'}; add content: | with the unit file`,
      );
    }
    return unit;
  }

  private readDropIn(
    node: YamlNode | undefined,
    path: string,
    lint: boolean,
  ): { name: string; content: string } | undefined {
    const fields = this.fields(node, path, DROP_IN_KEYS, 'a drop-in');
    if (!isMap(node)) {
      if (this.isNull(node)) this.at(node, 'error', path, 'an empty drop-in; give name: and content:');
      return undefined;
    }
    const nameField = fields.get('name');
    const name = this.stringOf(nameField);
    if (name === undefined) {
      if (!nameField) this.at(node, 'error', path, 'name is required (e.g. name: 50-settings.conf)');
      return undefined;
    }
    if (!name.endsWith('.conf') || name.includes('/'))
      this.at(
        nameField!.value,
        'warning',
        nameField!.path,
        `systemd reads only drop-ins named like 50-settings.conf; '${name}' would be ignored`,
      );
    const contentField = fields.get('content');
    const content = this.stringOf(contentField) ?? '';
    // A drop-in is part of a unit, so it gets the syntax check only (no "ExecStart= missing").
    if (lint && contentField?.value)
      this.lintContent(parseUnitFile(content).diagnostics, contentField.value, contentField.path);
    return { name, content };
  }

  /** Maps unit-file diagnostics (lines of `content`) onto the YAML text. */
  private lintContent(found: UnitDiagnostic[], contentNode: YamlNode, path: string): void {
    for (const diagnostic of found) {
      const stop = /[.!?]$/.test(diagnostic.message) ? '' : '.';
      const message = diagnostic.hint
        ? `${diagnostic.message}${stop} ${diagnostic.hint}`
        : diagnostic.message;
      const place = this.contentPlace(contentNode, diagnostic);
      if (place) this.push({ severity: diagnostic.severity, path, message, ...place });
      else this.at(contentNode, diagnostic.severity, path, `line ${diagnostic.line} of the unit: ${message}`);
    }
  }

  /** Where a unit-file line is in the YAML: only a literal block (`content: |`) keeps lines apart. */
  private contentPlace(
    node: YamlNode,
    diagnostic: UnitDiagnostic,
  ): { line: number; column: number; endLine: number; endColumn: number } | undefined {
    if (!isScalar(node) || node.type !== 'BLOCK_LITERAL' || !node.range) return undefined;
    const headerLine = this.positions.at(node.range[0]).line;
    const lastLine = this.positions.at(Math.max(node.range[0], node.range[1] - 1)).line;
    const line = headerLine + diagnostic.line;
    if (line > lastLine) return undefined;
    let indent = 0;
    for (let index = headerLine; index < lastLine; index++) {
      const text = this.lines[index] ?? '';
      if (text.trim() !== '') {
        indent = text.length - text.trimStart().length;
        break;
      }
    }
    const column = indent + diagnostic.column;
    const lineLength = (this.lines[line - 1] ?? '').length;
    const endColumn =
      diagnostic.endColumn !== undefined
        ? indent + diagnostic.endColumn
        : Math.max(column + 1, lineLength + 1);
    return { line, column, endLine: line, endColumn };
  }

  // -------------------------------------------------------------------------------------------
  // users and write_files

  private readUser(node: YamlNode | undefined, path: string): CloudUser | undefined {
    const fields = this.fields(node, path, Object.keys(USER_KEYS), 'a user');
    if (!isMap(node)) {
      if (this.isNull(node)) this.at(node, 'error', path, 'an empty user; give at least name:');
      return undefined;
    }
    const user: CloudUser = { name: '', sshAuthorizedKeys: [], groups: [] };
    for (const field of fields.values()) {
      if (field.name === 'ssh_authorized_keys') user.sshAuthorizedKeys = this.sshKeys(field);
      else if (field.name === 'groups') user.groups = this.strings(field.value, field.path);
      else if (USER_LIST_KEYS.has(field.name)) this.strings(field.value, field.path);
      else {
        const text = this.scalar(field.value, field.path, USER_KEYS[field.name]);
        if (text === undefined) continue;
        if (field.name === 'name') user.name = text;
        if (field.name === 'homedir') user.homedir = text;
        if (field.name === 'shell') user.shell = text;
      }
      if (field.name.startsWith('coreos_ssh_import'))
        this.at(
          field.keyNode,
          'warning',
          field.path,
          'Flotilla does not fetch keys from the network; list them under ssh-authorized-keys',
        );
    }
    const nameField = fields.get('name');
    if (!nameField) {
      this.at(node, 'error', path, 'name is required (the login name, e.g. name: elroy)');
      return undefined;
    }
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user.name)) {
      // An empty name here means the value was null or not a string, which is reported already.
      if (user.name !== '' || this.isNull(nameField.value))
        this.at(
          nameField.value ?? nameField.keyNode,
          'error',
          nameField.path,
          `'${user.name}' is not a login name: use lower-case letters, digits, _ and -, starting with a letter or _ (at most 32)`,
        );
      return undefined;
    }
    return user;
  }

  private readWriteFile(node: YamlNode | undefined, path: string): CloudWriteFile | undefined {
    const fields = this.fields(node, path, WRITE_FILE_KEYS, 'a file');
    if (!isMap(node)) {
      if (this.isNull(node)) this.at(node, 'error', path, 'an empty file; give at least path:');
      return undefined;
    }
    let valid = true;
    const pathField = fields.get('path');
    const filePath = this.stringOf(pathField);
    if (filePath === undefined) {
      if (!pathField)
        this.at(node, 'error', path, 'path is required (where to write the file, e.g. path: /etc/motd)');
      valid = false;
    } else if (!filePath.startsWith('/') || filePath.includes('\0')) {
      this.at(
        pathField!.value,
        'error',
        pathField!.path,
        `'${filePath}' is not an absolute path; start it with /`,
      );
      valid = false;
    }

    let permissions = DEFAULT_FILE_PERMISSIONS;
    const permissionsField = fields.get('permissions');
    const permissionsText = this.stringOf(permissionsField);
    if (permissionsText !== undefined) {
      if (OCTAL_PERMISSIONS.test(permissionsText)) permissions = parseInt(permissionsText, 8);
      else {
        this.at(
          permissionsField!.value,
          'error',
          permissionsField!.path,
          `'${permissionsText}' is not octal permissions; write them like '0644'`,
        );
        valid = false;
      }
    }

    const ownerField = fields.get('owner');
    const owner = this.stringOf(ownerField);
    if (owner !== undefined && !FILE_OWNER.test(owner)) {
      this.at(
        ownerField!.value,
        'error',
        ownerField!.path,
        `'${owner}' is not an owner; write user or user:group`,
      );
      valid = false;
    }

    const encoding = this.oneOf<FileEncoding>(fields.get('encoding'), FILE_ENCODINGS);
    if (fields.has('encoding') && encoding === undefined) valid = false;
    const contentField = fields.get('content');
    // Decoding problems are marked at the content, or at the encoding when there is no content.
    const decodeField = contentField ?? fields.get('encoding');
    const content = decodeField
      ? this.decode(this.stringOf(contentField) ?? '', encoding, decodeField)
      : new Uint8Array();
    if (!valid || content === undefined) return undefined;
    const file: CloudWriteFile = { path: filePath!, content, permissions };
    if (owner !== undefined) file.owner = owner;
    return file;
  }

  private decode(text: string, encoding: FileEncoding | undefined, field: Field): Uint8Array | undefined {
    if (encoding === undefined) return new TextEncoder().encode(text);
    let bytes: Uint8Array;
    if (encoding === 'gz' || encoding === 'gzip') {
      bytes = new TextEncoder().encode(text);
    } else {
      const decoded = decodeBase64(text);
      if (!decoded) {
        this.at(field.value, 'error', field.path, `is not valid base64 (encoding: ${encoding})`);
        return undefined;
      }
      bytes = decoded;
    }
    if (!encoding.startsWith('gz')) return bytes;
    try {
      return gunzip(bytes, MAX_DECODED_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof GzipError)) throw error;
      this.at(field.value, 'error', field.path, `cannot be decoded as ${encoding}: ${error.message}`);
      return undefined;
    }
  }
}

function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  let binary: string;
  try {
    binary = atob(compact);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
