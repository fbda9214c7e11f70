// One catalog of what sections, keys and specifiers of a unit file mean, in a sentence or two: the
// editor shows it on hover and beside completions. Which keys exist is not decided here — lint.ts
// (SECTION_KEYS) and fleet.ts (FLEET_KEYS) own that; this file only describes them, and its test
// checks that every key it describes is one lint knows.

import { DEPRECATED_FLEET_KEYS, FLEET_KEYS, FLEET_SECTION } from './fleet';
import { RESTART_POLICIES, SECTION_KEYS, SERVICE_TYPES } from './lint';
import type { KNOWN_SPECIFIERS } from './names';

/** The sections an editor offers, in the order a unit file usually has them. */
export const UNIT_SECTIONS = ['Unit', 'Service', FLEET_SECTION, 'Install'] as const;

export const SECTION_DOCS: Readonly<Record<string, string>> = {
  Unit: 'Generic information about the unit: its description and how it orders and depends on other units.',
  Service: 'How the service runs: the commands to start and stop it, its environment, restarts and timeouts.',
  [FLEET_SECTION]:
    'fleet’s scheduling options: which machines may run the unit (MachineID, MachineOf, MachineMetadata, Conflicts, Global, Replaces).',
  Install:
    'How the unit is enabled (WantedBy, RequiredBy, Alias); fleet enables units that have this section.',
};

const BOOLEAN_DOC = 'A boolean: true/false, yes/no, on/off, 1/0.';

export const KEY_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Unit: {
    Description:
      'A short human-readable title of the unit, shown by list-units and status. %n, %p, %i work here.',
    Documentation: 'Space-separated URIs of documentation for the unit (http://, https://, man:, file:).',
    Requires:
      'Units this one needs: they are started along with it, and if one fails to start this one is not started.',
    Wants: 'Units started along with this one; a failure of theirs does not stop this unit.',
    After: 'Start this unit after these units have started (ordering only, no dependency).',
    Before: 'Start this unit before these units (ordering only, no dependency).',
    BindsTo: 'Like Requires=, and this unit also stops when one of those units stops.',
    PartOf: 'Stopping or restarting one of these units stops or restarts this one too.',
    Conflicts:
      'systemd units that cannot run at the same time on the same machine as this one. For cluster-wide conflicts use Conflicts= in [X-Fleet].',
  },
  Service: {
    Type: `How systemd decides the service has started: ${SERVICE_TYPES.join(', ')}. Flotilla acts on simple (the default) and oneshot.`,
    ExecStartPre:
      'A command run before ExecStart=; repeatable. A leading - means its failure is ignored, e.g. ExecStartPre=-/usr/bin/docker rm %n.',
    ExecStart:
      'The command that is the service, with an absolute path, e.g. /usr/bin/docker run --rm --name %n busybox … Exactly one, except for Type=oneshot.',
    ExecStartPost: 'A command run after ExecStart= has started; repeatable.',
    ExecStop:
      'A command that stops the service, e.g. /usr/bin/docker stop %n. Without one, the main process is killed.',
    ExecStopPost: 'A command run after the service has stopped; repeatable.',
    ExecReload: 'A command that makes the service reload its configuration.',
    Restart: `When to restart the service after its process exits: ${RESTART_POLICIES.join(', ')}.`,
    RestartSec:
      'How long to wait before a restart: a time span like 5, 5s, 1min 30s or 500ms. Default 100ms.',
    TimeoutStartSec:
      'How long starting may take before it counts as failed: a time span, or 0/infinity for no limit (useful while an image is pulled).',
    TimeoutStopSec: 'How long stopping may take before the processes are killed: a time span, or 0/infinity.',
    TimeoutSec: 'Sets TimeoutStartSec= and TimeoutStopSec= at once.',
    RemainAfterExit: `Whether the service counts as active after its processes exited (for Type=oneshot). ${BOOLEAN_DOC}`,
    Environment:
      'Environment variables for the commands: NAME=value, several separated by spaces; quote "A=1 2" for spaces.',
    EnvironmentFile:
      'A file of NAME=value lines read into the environment; an absolute path, a leading - makes it optional.',
    WorkingDirectory: 'The directory the commands run in: an absolute path or ~.',
    User: 'The user the commands run as.',
    KillMode: 'Which processes are killed when the service stops: control-group, mixed, process or none.',
  },
  [FLEET_SECTION]: {
    MachineID:
      'Run only on the machine with this ID, as list-machines shows it; a unique prefix also matches. Only the first MachineID counts. Not with Global=true.',
    MachineOf:
      'Run on the same machine as this unit. If that unit is not scheduled, this one cannot be placed either; cycles are not allowed. Not with Global=true.',
    MachineMetadata:
      'Run only on machines whose metadata matches key=value. Different keys must all match; several values of one key are alternatives, even across lines. A machine without the key never matches.',
    Conflicts:
      'Never share a machine with units matching these globs (Go path.Match: * ? [a-z]), checked in both directions; whitespace-separated and repeatable. %n, %p, %i work here.',
    Global: `Run one copy on every machine that passes MachineMetadata and Conflicts, which are the only options it combines with. ${BOOLEAN_DOC}`,
    Replaces: 'Take the machine of this unit, which is moved elsewhere. Not with Global or Conflicts.',
  },
  Install: {
    WantedBy: 'Targets that pull this unit in when it is enabled, e.g. multi-user.target.',
    RequiredBy: 'Units that require this unit when it is enabled.',
    Alias: 'Other names for the unit, with the same type suffix.',
    Also: 'Units enabled and disabled together with this one.',
    DefaultInstance: 'For a template unit: the instance enabled when none is named.',
  },
};

/** The specifiers Flotilla resolves (names.ts KNOWN_SPECIFIERS), for `hello@1.service`. */
export const SPECIFIER_DOCS: Readonly<Record<(typeof KNOWN_SPECIFIERS)[number], string>> = {
  n: 'The full unit name, e.g. hello@1.service.',
  N: 'The unit name without its type suffix, e.g. hello@1.',
  p: 'The prefix: the name before @ (or before the suffix), e.g. hello.',
  i: 'The instance: the part between @ and the suffix, e.g. 1; empty for units that are not instances.',
  '%': 'A literal %.',
};

/** The keys lint knows in a section (for [X-Fleet], fleet's current options), documented ones first. */
export function sectionKeyNames(section: string): readonly string[] {
  const known: Iterable<string> | undefined =
    section === FLEET_SECTION ? FLEET_KEYS : SECTION_KEYS[section as keyof typeof SECTION_KEYS];
  if (!known) return [];
  const documented = Object.keys(KEY_DOCS[section] ?? {});
  return [...documented, ...[...known].filter((key) => !documented.includes(key))];
}

/** What a key means, when the catalog says; deprecated [X-Fleet] spellings point at their successor. */
export function keyDoc(section: string, key: string): string | undefined {
  const doc = KEY_DOCS[section]?.[key];
  if (doc !== undefined) return doc;
  if (section === FLEET_SECTION) {
    const current = DEPRECATED_FLEET_KEYS[key];
    if (current)
      return `Deprecated spelling of ${current}=. ${KEY_DOCS[FLEET_SECTION]?.[current] ?? ''}`.trim();
  }
  return undefined;
}

const BOOLEAN_VALUES = ['true', 'false'] as const;

/** The values a key takes when they are a fixed few (for completion), else undefined. */
export function keyValues(section: string, key: string): readonly string[] | undefined {
  if (section === 'Service' && key === 'Type') return SERVICE_TYPES;
  if (section === 'Service' && key === 'Restart') return RESTART_POLICIES;
  if (section === 'Service' && key === 'KillMode') return ['control-group', 'mixed', 'process', 'none'];
  if (section === 'Service' && key === 'RemainAfterExit') return ['yes', 'no'];
  if (section === FLEET_SECTION && key === 'Global') return BOOLEAN_VALUES;
  return undefined;
}
