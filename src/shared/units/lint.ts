// Everything a unit file is checked for before fleet takes it: syntax, [X-Fleet], and the
// [Unit]/[Service]/[Install] keys the agent acts on. Also the typed ServiceSpec the agent runs.

import { extractWord, isValidEnvName, parseExecLine } from './exec';
import { fleetOptions, parseBoolean, splitValueTokens } from './fleet';
import { applySpecifiers, findUnknownSpecifiers, parseUnitName, validateUnitName } from './names';
import { effectiveListEntries, entries, parseUnitFile, value, valuePosition } from './parse';
import type {
  Diagnostic,
  ExecCommand,
  FleetOptions,
  RestartPolicy,
  ServiceSpec,
  ServiceType,
  UnitEntry,
  UnitFile,
} from './types';

// ---------------------------------------------------------------------------------------------
// Time spans (systemd.time(7))

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  usec: 0.001,
  us: 0.001,
  µs: 0.001,
  μs: 0.001,
  msec: 1,
  ms: 1,
  seconds: 1000,
  second: 1000,
  sec: 1000,
  s: 1000,
  minutes: 60_000,
  minute: 60_000,
  min: 60_000,
  m: 60_000,
  hours: 3_600_000,
  hour: 3_600_000,
  hr: 3_600_000,
  h: 3_600_000,
  days: 86_400_000,
  day: 86_400_000,
  d: 86_400_000,
  weeks: 604_800_000,
  week: 604_800_000,
  w: 604_800_000,
  // systemd's month and year are 30.44 and 365.25 days.
  months: 2_629_800_000,
  month: 2_629_800_000,
  M: 2_629_800_000,
  years: 31_557_600_000,
  year: 31_557_600_000,
  y: 31_557_600_000,
};

/**
 * A systemd time span in milliseconds: `5` (seconds), `5s`, `1min 30s`, `1min30s`, `500ms`,
 * `1.5h`; `infinity` → Infinity. Undefined when it does not parse.
 */
export function parseTimespan(text: string): number | undefined {
  const input = String(text).trim();
  if (input === '') return undefined;
  if (input === 'infinity') return Infinity;
  let total = 0;
  let index = 0;
  while (index < input.length) {
    const numberMatch = /^(\d+(?:\.\d*)?|\.\d+)/.exec(input.slice(index));
    if (!numberMatch) return undefined;
    const amount = Number(numberMatch[1]);
    index += numberMatch[0].length;
    while (input[index] === ' ' || input[index] === '\t') index++;
    const unitMatch = /^[A-Za-zµμ]+/.exec(input.slice(index));
    let factor = 1000;
    if (unitMatch) {
      const unitFactor = MS_PER_UNIT[unitMatch[0]];
      if (unitFactor === undefined) return undefined;
      factor = unitFactor;
      index += unitMatch[0].length;
    }
    total += amount * factor;
    while (input[index] === ' ' || input[index] === '\t') index++;
  }
  return Number.isFinite(total) ? total : undefined;
}

// ---------------------------------------------------------------------------------------------
// Environment= (systemd: words with quoting and C escapes, each NAME=value)

export interface EnvironmentParseResult {
  /** In order; a later assignment of the same name wins. `column` is 1-based in the value. */
  assignments: { name: string; value: string; column: number }[];
  errors: { message: string; column: number }[];
}

/** `Environment="A=1 B=2" C=3` → A=1 B=2, C=3. */
export function parseEnvironment(text: string): EnvironmentParseResult {
  const result: EnvironmentParseResult = { assignments: [], errors: [] };
  let pos = 0;
  for (;;) {
    const word = extractWord(String(text), pos);
    if (word === undefined) return result;
    if ('error' in word) {
      result.errors.push({ message: word.error, column: word.offset + 1 });
      return result;
    }
    pos = word.next;
    const equals = word.word.indexOf('=');
    const name = equals < 0 ? '' : word.word.slice(0, equals);
    if (equals < 0 || !isValidEnvName(name)) {
      result.errors.push({
        message: `Invalid environment assignment, ignoring: ${word.word}`,
        column: word.start + 1,
      });
      continue;
    }
    result.assignments.push({ name, value: word.word.slice(equals + 1), column: word.start + 1 });
  }
}

// ---------------------------------------------------------------------------------------------
// Keys systemd knows (so we do not warn about them) and the ones we act on

export const SERVICE_TYPES: readonly ServiceType[] = [
  'simple',
  'exec',
  'oneshot',
  'forking',
  'notify',
  'notify-reload',
  'dbus',
  'idle',
];
export const RESTART_POLICIES: readonly RestartPolicy[] = [
  'no',
  'on-success',
  'on-failure',
  'on-abnormal',
  'on-watchdog',
  'on-abort',
  'always',
];
export const EXEC_KEYS = [
  'ExecStartPre',
  'ExecStart',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'ExecReload',
] as const;

const UNIT_DEPENDENCY_KEYS = [
  'Requires',
  'Requisite',
  'Wants',
  'BindsTo',
  'PartOf',
  'Upholds',
  'Conflicts',
  'Before',
  'After',
  'OnFailure',
  'OnSuccess',
  'PropagatesReloadTo',
  'ReloadPropagatedFrom',
  'PropagatesStopTo',
  'StopPropagatedFrom',
  'JoinsNamespaceOf',
];
const UNIT_KEYS = new Set([
  'Description',
  'Documentation',
  ...UNIT_DEPENDENCY_KEYS,
  'RequiresMountsFor',
  'WantsMountsFor',
  'OnFailureJobMode',
  'OnFailureIsolate',
  'IgnoreOnIsolate',
  'StopWhenUnneeded',
  'RefuseManualStart',
  'RefuseManualStop',
  'AllowIsolate',
  'DefaultDependencies',
  'SurviveFinalKillSignal',
  'CollectMode',
  'FailureAction',
  'SuccessAction',
  'FailureActionExitStatus',
  'SuccessActionExitStatus',
  'JobTimeoutSec',
  'JobRunningTimeoutSec',
  'JobTimeoutAction',
  'JobTimeoutRebootArgument',
  'StartLimitIntervalSec',
  'StartLimitInterval',
  'StartLimitBurst',
  'StartLimitAction',
  'RebootArgument',
  'SourcePath',
]);
const INSTALL_KEYS = new Set(['Alias', 'WantedBy', 'RequiredBy', 'UpheldBy', 'Also', 'DefaultInstance']);
const SERVICE_KEYS = new Set([
  'Type',
  'ExitType',
  'RemainAfterExit',
  'GuessMainPID',
  'PIDFile',
  'BusName',
  ...EXEC_KEYS,
  'ExecCondition',
  'RestartSec',
  'RestartSteps',
  'RestartMaxDelaySec',
  'TimeoutSec',
  'TimeoutStartSec',
  'TimeoutStopSec',
  'TimeoutAbortSec',
  'TimeoutStartFailureMode',
  'TimeoutStopFailureMode',
  'RuntimeMaxSec',
  'RuntimeRandomizedExtraSec',
  'WatchdogSec',
  'Restart',
  'RestartMode',
  'SuccessExitStatus',
  'RestartPreventExitStatus',
  'RestartForceExitStatus',
  'RootDirectoryStartOnly',
  'PermissionsStartOnly',
  'NonBlocking',
  'NotifyAccess',
  'Sockets',
  'FileDescriptorStoreMax',
  'FileDescriptorStorePreserve',
  'OOMPolicy',
  'OpenFile',
  'ReloadSignal',
  'StartLimitInterval',
  'StartLimitBurst',
  'StartLimitAction',
  'FailureAction',
  'RebootArgument',
  // Execution environment (systemd.exec(5)).
  'WorkingDirectory',
  'RootDirectory',
  'RootImage',
  'User',
  'Group',
  'DynamicUser',
  'SupplementaryGroups',
  'PAMName',
  'Environment',
  'EnvironmentFile',
  'PassEnvironment',
  'UnsetEnvironment',
  'StandardInput',
  'StandardOutput',
  'StandardError',
  'StandardInputText',
  'StandardInputData',
  'SyslogIdentifier',
  'SyslogFacility',
  'SyslogLevel',
  'SyslogLevelPrefix',
  'LogLevelMax',
  'LogExtraFields',
  'LogRateLimitIntervalSec',
  'LogRateLimitBurst',
  'Nice',
  'CPUSchedulingPolicy',
  'CPUSchedulingPriority',
  'CPUSchedulingResetOnFork',
  'CPUAffinity',
  'NUMAPolicy',
  'NUMAMask',
  'UMask',
  'CoredumpFilter',
  'OOMScoreAdjust',
  'IOSchedulingClass',
  'IOSchedulingPriority',
  'TimerSlackNSec',
  'Personality',
  'IgnoreSIGPIPE',
  'TTYPath',
  'TTYReset',
  'TTYVHangup',
  'TTYVTDisallocate',
  'UtmpIdentifier',
  'UtmpMode',
  'KeyringMode',
  'SecureBits',
  'CapabilityBoundingSet',
  'AmbientCapabilities',
  'NoNewPrivileges',
  'ProtectSystem',
  'ProtectHome',
  'ProtectKernelTunables',
  'ProtectKernelModules',
  'ProtectKernelLogs',
  'ProtectControlGroups',
  'ProtectClock',
  'ProtectHostname',
  'ProtectProc',
  'ProcSubset',
  'PrivateTmp',
  'PrivateDevices',
  'PrivateNetwork',
  'PrivateUsers',
  'PrivateIPC',
  'PrivateMounts',
  'ReadWritePaths',
  'ReadOnlyPaths',
  'InaccessiblePaths',
  'ExecPaths',
  'NoExecPaths',
  'ReadWriteDirectories',
  'ReadOnlyDirectories',
  'InaccessibleDirectories',
  'BindPaths',
  'BindReadOnlyPaths',
  'TemporaryFileSystem',
  'MountFlags',
  'RuntimeDirectory',
  'StateDirectory',
  'CacheDirectory',
  'LogsDirectory',
  'ConfigurationDirectory',
  'RuntimeDirectoryMode',
  'StateDirectoryMode',
  'CacheDirectoryMode',
  'LogsDirectoryMode',
  'ConfigurationDirectoryMode',
  'RuntimeDirectoryPreserve',
  'SystemCallFilter',
  'SystemCallErrorNumber',
  'SystemCallArchitectures',
  'SystemCallLog',
  'RestrictAddressFamilies',
  'RestrictNamespaces',
  'RestrictRealtime',
  'RestrictSUIDSGID',
  'RestrictFileSystems',
  'LockPersonality',
  'MemoryDenyWriteExecute',
  'RemoveIPC',
  'LoadCredential',
  'LoadCredentialEncrypted',
  'SetCredential',
  'SetCredentialEncrypted',
  'ImportCredential',
  'LimitCPU',
  'LimitFSIZE',
  'LimitDATA',
  'LimitSTACK',
  'LimitCORE',
  'LimitRSS',
  'LimitNOFILE',
  'LimitAS',
  'LimitNPROC',
  'LimitMEMLOCK',
  'LimitLOCKS',
  'LimitSIGPENDING',
  'LimitMSGQUEUE',
  'LimitNICE',
  'LimitRTPRIO',
  'LimitRTTIME',
  // Kill and resource control (systemd.kill(5), systemd.resource-control(5)).
  'KillMode',
  'KillSignal',
  'RestartKillSignal',
  'FinalKillSignal',
  'SendSIGKILL',
  'SendSIGHUP',
  'WatchdogSignal',
  'Slice',
  'Delegate',
  'CPUAccounting',
  'CPUQuota',
  'CPUQuotaPeriodSec',
  'CPUShares',
  'CPUWeight',
  'StartupCPUWeight',
  'AllowedCPUs',
  'MemoryAccounting',
  'MemoryLimit',
  'MemoryMin',
  'MemoryLow',
  'MemoryHigh',
  'MemoryMax',
  'MemorySwapMax',
  'TasksAccounting',
  'TasksMax',
  'IOAccounting',
  'IOWeight',
  'BlockIOAccounting',
  'BlockIOWeight',
  'DeviceAllow',
  'DevicePolicy',
  'IPAccounting',
  'IPAddressAllow',
  'IPAddressDeny',
  'ManagedOOMSwap',
  'ManagedOOMMemoryPressure',
]);

/** The keys lint knows per section, for editors (completion) and the docs catalog (keys-doc.ts). */
export const SECTION_KEYS: Readonly<Record<'Unit' | 'Service' | 'Install', ReadonlySet<string>>> = {
  Unit: UNIT_KEYS,
  Service: SERVICE_KEYS,
  Install: INSTALL_KEYS,
};

/** The section each unit type has besides [Unit] and [Install]. */
const TYPE_SECTIONS: Readonly<Record<string, string>> = {
  service: 'Service',
  socket: 'Socket',
  timer: 'Timer',
  path: 'Path',
  mount: 'Mount',
  automount: 'Automount',
  swap: 'Swap',
  slice: 'Slice',
  scope: 'Scope',
};

/** The type suffix of a name, leniently (so lint still works on a name that fails validation). */
function unitTypeOf(unitName: string): string {
  const parsed = parseUnitName(unitName);
  if (parsed) return parsed.type;
  const dot = unitName.lastIndexOf('.');
  return dot < 0 ? 'service' : unitName.slice(dot + 1);
}

// ---------------------------------------------------------------------------------------------
// lintUnit

export interface LintResult {
  unit: UnitFile;
  options?: FleetOptions;
  diagnostics: Diagnostic[];
  description?: string;
}

class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  atKey(severity: Diagnostic['severity'], entry: UnitEntry, message: string, hint?: string): void {
    this.push({
      severity,
      message,
      line: entry.line,
      column: entry.column,
      endColumn: entry.column + entry.key.length,
      section: entry.section,
      key: entry.key,
      hint,
    });
  }

  /** At a 0-based offset range inside the entry's value. */
  inValue(
    severity: Diagnostic['severity'],
    entry: UnitEntry,
    offset: number,
    length: number,
    message: string,
    hint?: string,
  ): void {
    const start = valuePosition(entry, offset);
    const end = valuePosition(entry, offset + Math.max(length, 1));
    this.push({
      severity,
      message,
      ...start,
      endColumn: end.line === start.line ? end.column : undefined,
      section: entry.section,
      key: entry.key,
      hint,
    });
  }

  push(diagnostic: Diagnostic): void {
    // Drop undefined optional fields so results compare and serialize cleanly.
    const clean = Object.fromEntries(Object.entries(diagnostic).filter(([, v]) => v !== undefined));
    this.items.push(clean as unknown as Diagnostic);
  }
}

function checkUnknownSpecifiers(sink: DiagnosticSink, entry: UnitEntry): void {
  for (const unknown of findUnknownSpecifiers(entry.value)) {
    sink.inValue(
      'warning',
      entry,
      unknown.offset,
      unknown.specifier.length,
      `Specifier "${unknown.specifier}" is not resolved by Flotilla and stays as written.`,
      'Flotilla resolves %n, %N, %p, %i and %% (use %% for a literal %).',
    );
  }
}

function checkUnitNameList(sink: DiagnosticSink, entry: UnitEntry, unitName: string): void {
  for (const token of splitValueTokens(entry.value)) {
    const name = applySpecifiers(token.text, unitName);
    const problem = validateUnitName(name);
    if (problem)
      sink.inValue('warning', entry, token.offset, token.end - token.offset, `${problem} Ignoring it.`);
  }
}

function checkTimespan(sink: DiagnosticSink, entry: UnitEntry): void {
  if (entry.value === '') return;
  if (parseTimespan(entry.value) === undefined) {
    sink.inValue(
      'error',
      entry,
      0,
      entry.value.length,
      `Invalid time span "${entry.value}".`,
      'Examples: 5 (seconds), 5s, 1min 30s, 500ms, infinity.',
    );
  }
}

function checkServiceSection(sink: DiagnosticSink, unit: UnitFile, unitName: string): void {
  const serviceEntries = entries(unit, 'Service');
  for (const entry of serviceEntries) {
    if (!SERVICE_KEYS.has(entry.key)) {
      sink.atKey('warning', entry, `Unknown key name '${entry.key}' in section 'Service', ignoring.`);
      continue;
    }
    switch (entry.key) {
      case 'Type':
        if (entry.value === '') break;
        if (!(SERVICE_TYPES as readonly string[]).includes(entry.value)) {
          sink.inValue(
            'error',
            entry,
            0,
            entry.value.length,
            `Failed to parse service type "${entry.value}".`,
            `One of: ${SERVICE_TYPES.join(', ')}.`,
          );
        } else if (entry.value !== 'simple' && entry.value !== 'oneshot') {
          sink.inValue(
            'warning',
            entry,
            0,
            entry.value.length,
            `Type=${entry.value} is run like Type=simple by Flotilla.`,
            'Flotilla acts on simple and oneshot.',
          );
        }
        break;
      case 'Restart':
        if (entry.value !== '' && !(RESTART_POLICIES as readonly string[]).includes(entry.value)) {
          sink.inValue(
            'error',
            entry,
            0,
            entry.value.length,
            `Failed to parse service restart specifier "${entry.value}".`,
            `One of: ${RESTART_POLICIES.join(', ')}.`,
          );
        }
        break;
      case 'RestartSec':
      case 'TimeoutSec':
      case 'TimeoutStartSec':
      case 'TimeoutStopSec':
        checkTimespan(sink, entry);
        break;
      case 'RemainAfterExit':
        if (entry.value !== '' && parseBoolean(entry.value) === undefined) {
          sink.inValue(
            'error',
            entry,
            0,
            entry.value.length,
            `Failed to parse boolean value "${entry.value}".`,
            'Use yes or no.',
          );
        }
        break;
      case 'Environment': {
        checkUnknownSpecifiers(sink, entry);
        const parsed = parseEnvironment(entry.value);
        for (const problem of parsed.errors) {
          const severity = problem.message.startsWith('Invalid environment assignment') ? 'warning' : 'error';
          sink.inValue(
            severity,
            entry,
            problem.column - 1,
            1,
            problem.message,
            'Write NAME=value; quote assignments that contain spaces: "A=1 2".',
          );
        }
        break;
      }
      case 'EnvironmentFile': {
        checkUnknownSpecifiers(sink, entry);
        if (entry.value === '') break;
        const path = entry.value.startsWith('-') ? entry.value.slice(1) : entry.value;
        if (!path.startsWith('/')) {
          sink.inValue(
            'error',
            entry,
            0,
            entry.value.length,
            `EnvironmentFile= path is not absolute: ${path}`,
            'Optional files take a leading -, e.g. -/etc/default/app.',
          );
        }
        break;
      }
      case 'WorkingDirectory': {
        checkUnknownSpecifiers(sink, entry);
        if (entry.value === '') break;
        const path = entry.value.startsWith('-') ? entry.value.slice(1) : entry.value;
        if (path !== '~' && !path.startsWith('/')) {
          sink.inValue(
            'error',
            entry,
            0,
            entry.value.length,
            `WorkingDirectory= path is not absolute: ${path}`,
            'Use an absolute path or ~.',
          );
        }
        break;
      }
      case 'User':
        checkUnknownSpecifiers(sink, entry);
        if (entry.value !== '' && !/^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/.test(entry.value)) {
          sink.inValue('error', entry, 0, entry.value.length, `Invalid user name or ID "${entry.value}".`);
        }
        break;
      default:
        if ((EXEC_KEYS as readonly string[]).includes(entry.key)) {
          checkUnknownSpecifiers(sink, entry);
          const parsed = parseExecLine(entry.value);
          if (!parsed.ok) sink.inValue('error', entry, parsed.column - 1, 1, parsed.error);
        }
    }
  }

  const type = value(unit, 'Service', 'Type') || 'simple';
  const startLines = effectiveListEntries(unit, 'Service', 'ExecStart');
  const stopLines = effectiveListEntries(unit, 'Service', 'ExecStop');
  const sectionLine = unit.sections.find((s) => s.name === 'Service')?.line ?? 1;
  if (type !== 'oneshot' && startLines.length === 0) {
    sink.push({
      severity: 'error',
      message: 'Service has no ExecStart= setting',
      line: sectionLine,
      column: 1,
      section: 'Service',
      hint: `Add ExecStart=/absolute/path/to/command to [Service] of ${unitName}.`,
    });
  } else if (type === 'oneshot' && startLines.length === 0 && stopLines.length === 0) {
    sink.push({
      severity: 'error',
      message: 'Service has no ExecStart= or ExecStop= setting',
      line: sectionLine,
      column: 1,
      section: 'Service',
    });
  }
  if (type !== 'oneshot') {
    const commandCount = startLines
      .map((entry) => parseExecLine(entry.value))
      .reduce((sum, parsed) => sum + (parsed.ok ? parsed.command.length : 1), 0);
    const second = startLines[1] ?? startLines[0];
    if (commandCount > 1 && second) {
      sink.atKey(
        'error',
        second,
        'Service has more than one ExecStart= command, which is only allowed for Type=oneshot services.',
        'Use ExecStartPre=/ExecStartPost= for the other commands, or Type=oneshot.',
      );
    }
  }
}

/** Parses and checks a unit file as fleet and systemd would, for `unitName`. */
export function lintUnit(content: string, unitName: string): LintResult {
  const parsed = parseUnitFile(content);
  const unit = parsed.unit;
  const sink = new DiagnosticSink();
  for (const diagnostic of parsed.diagnostics) sink.push(diagnostic);

  const nameProblem = validateUnitName(unitName);
  if (nameProblem) sink.push({ severity: 'error', message: nameProblem, line: 1, column: 1 });

  const type = unitTypeOf(unitName);
  const typeSection = TYPE_SECTIONS[type];
  const knownSections = new Set(['Unit', 'Install', 'X-Fleet', ...(typeSection ? [typeSection] : [])]);
  for (const section of unit.sections) {
    if (!knownSections.has(section.name) && !section.name.startsWith('X-')) {
      sink.push({
        severity: 'warning',
        message: `Unknown section '${section.name}'. Ignoring.`,
        line: section.line,
        column: 1,
        section: section.name,
        hint: typeSection ? `A .${type} unit uses [Unit], [${typeSection}] and [Install].` : undefined,
      });
    }
  }

  for (const entry of entries(unit, 'Unit')) {
    const known = UNIT_KEYS.has(entry.key) || /^(Condition|Assert)[A-Z]/.test(entry.key);
    if (!known) {
      sink.atKey('warning', entry, `Unknown key name '${entry.key}' in section 'Unit', ignoring.`);
      continue;
    }
    if (entry.key === 'Description') checkUnknownSpecifiers(sink, entry);
    if (UNIT_DEPENDENCY_KEYS.includes(entry.key)) checkUnitNameList(sink, entry, unitName);
  }

  for (const entry of entries(unit, 'Install')) {
    if (!INSTALL_KEYS.has(entry.key)) {
      sink.atKey('warning', entry, `Unknown key name '${entry.key}' in section 'Install', ignoring.`);
      continue;
    }
    if (entry.key !== 'DefaultInstance') checkUnitNameList(sink, entry, unitName);
    if (entry.key === 'Alias') {
      for (const token of splitValueTokens(entry.value)) {
        const alias = parseUnitName(applySpecifiers(token.text, unitName));
        if (alias && alias.type !== type) {
          sink.inValue(
            'warning',
            entry,
            token.offset,
            token.end - token.offset,
            `Alias "${token.text}" must have the same type suffix (.${type}) as the unit.`,
          );
        }
      }
    }
  }

  if (type === 'service') checkServiceSection(sink, unit, unitName);

  const fleet = fleetOptions(unit, unitName);
  for (const diagnostic of fleet.diagnostics) sink.push(diagnostic);

  const diagnostics = [...sink.items].sort((a, b) => a.line - b.line || a.column - b.column);
  const description = value(unit, 'Unit', 'Description');
  const result: LintResult = { unit, options: fleet.options, diagnostics };
  if (description) result.description = applySpecifiers(description, unitName);
  return result;
}

// ---------------------------------------------------------------------------------------------
// serviceSpec

const DEFAULT_RESTART_SEC_MS = 100;
const DEFAULT_TIMEOUT_MS = 90_000;

/** systemd treats a zero timeout as "no timeout". */
const timeoutOrInfinity = (ms: number): number => (ms === 0 ? Infinity : ms);

function execLines(unit: UnitFile, key: string, unitName: string): ExecCommand[][] {
  const lines: ExecCommand[][] = [];
  for (const entry of effectiveListEntries(unit, 'Service', key)) {
    const parsed = parseExecLine(applySpecifiers(entry.value, unitName));
    if (parsed.ok && parsed.command.length > 0) lines.push(parsed.command);
  }
  return lines;
}

/** The service as the agent runs it: systemd defaults filled in, specifiers resolved. */
export function serviceSpec(unit: UnitFile, unitName: string): ServiceSpec {
  const typeValue = value(unit, 'Service', 'Type') ?? '';
  const type: ServiceType = (SERVICE_TYPES as readonly string[]).includes(typeValue)
    ? (typeValue as ServiceType)
    : 'simple';
  const restartValue = value(unit, 'Service', 'Restart') ?? '';
  const restart: RestartPolicy = (RESTART_POLICIES as readonly string[]).includes(restartValue)
    ? (restartValue as RestartPolicy)
    : 'no';

  // Oneshot services have no start timeout by default (systemd.service(5)).
  let timeoutStartMs = type === 'oneshot' ? Infinity : DEFAULT_TIMEOUT_MS;
  let timeoutStopMs = DEFAULT_TIMEOUT_MS;
  let restartSecMs = DEFAULT_RESTART_SEC_MS;
  let remainAfterExit = false;
  const environment: Record<string, string> = {};
  let environmentFiles: { path: string; optional: boolean }[] = [];
  let workingDirectory: string | undefined;
  let workingDirectoryOptional = false;
  let user: string | undefined;

  // In file order, because TimeoutSec= and the specific timeouts override each other by position.
  for (const entry of entries(unit, 'Service')) {
    const text = applySpecifiers(entry.value, unitName);
    switch (entry.key) {
      case 'TimeoutSec':
      case 'TimeoutStartSec':
      case 'TimeoutStopSec': {
        const ms = text === '' ? DEFAULT_TIMEOUT_MS : parseTimespan(text);
        if (ms === undefined) break;
        if (entry.key !== 'TimeoutStopSec') timeoutStartMs = timeoutOrInfinity(ms);
        if (entry.key !== 'TimeoutStartSec') timeoutStopMs = timeoutOrInfinity(ms);
        break;
      }
      case 'RestartSec': {
        const ms = text === '' ? DEFAULT_RESTART_SEC_MS : parseTimespan(text);
        if (ms !== undefined) restartSecMs = ms;
        break;
      }
      case 'RemainAfterExit':
        remainAfterExit = parseBoolean(text) ?? remainAfterExit;
        break;
      case 'Environment':
        if (text === '') {
          for (const name of Object.keys(environment)) delete environment[name];
          break;
        }
        for (const assignment of parseEnvironment(text).assignments)
          environment[assignment.name] = assignment.value;
        break;
      case 'EnvironmentFile':
        if (text === '') environmentFiles = [];
        else if (text.startsWith('-')) environmentFiles.push({ path: text.slice(1), optional: true });
        else environmentFiles.push({ path: text, optional: false });
        break;
      case 'WorkingDirectory':
        workingDirectoryOptional = text.startsWith('-');
        workingDirectory = text === '' ? undefined : workingDirectoryOptional ? text.slice(1) : text;
        break;
      case 'User':
        user = text === '' ? undefined : text;
        break;
    }
  }

  const description = value(unit, 'Unit', 'Description');
  const spec: ServiceSpec = {
    type,
    execStartPre: execLines(unit, 'ExecStartPre', unitName),
    execStart: execLines(unit, 'ExecStart', unitName),
    execStartPost: execLines(unit, 'ExecStartPost', unitName),
    execStop: execLines(unit, 'ExecStop', unitName),
    execStopPost: execLines(unit, 'ExecStopPost', unitName),
    execReload: execLines(unit, 'ExecReload', unitName),
    environment,
    environmentFiles,
    restart,
    restartSecMs,
    timeoutStartMs,
    timeoutStopMs,
    remainAfterExit,
  };
  if (description) spec.description = applySpecifiers(description, unitName);
  if (workingDirectory !== undefined) {
    spec.workingDirectory = workingDirectory;
    spec.workingDirectoryOptional = workingDirectoryOptional;
  }
  if (user !== undefined) spec.user = user;
  return spec;
}
