// Types of the unit-file model, shared by the parser (this folder), the scheduler (src/main/fleet)
// and the renderer's editor. Positions are 1-based, as editors and compilers print them.

/** A problem found in a unit file: what, where (line, column), and how bad. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** 1-based line of the problem. */
  line: number;
  /** 1-based column where the problem starts. */
  column: number;
  /** 1-based column just past the problem on the same line, when it spans a range. */
  endColumn?: number;
  /** The section and key the problem belongs to, when it belongs to one. */
  section?: string;
  key?: string;
  /** What to do about it. */
  hint?: string;
}

/** One `Key=Value` assignment as written (continuations joined, value trimmed). */
export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  /** Position of the key. */
  line: number;
  column: number;
  /** Position of the first character of the value (after `=` and blanks). */
  valueLine: number;
  valueColumn: number;
  /**
   * Where each physical-line piece of the value starts, in order (one piece unless the value was
   * continued with a trailing backslash). Lets diagnostics inside a value point at the right line.
   */
  valueSegments?: ValueSegment[];
}

export interface UnitSection {
  name: string;
  line: number;
  entries: UnitEntry[];
}

/** A parsed unit file: sections in file order, entries in file order (repeats kept). */
export interface UnitFile {
  sections: UnitSection[];
}

/** fleet's desired ("target") states; units move one step at a time through them. */
export type TargetState = 'inactive' | 'loaded' | 'launched';
export const TARGET_STATES: readonly TargetState[] = ['inactive', 'loaded', 'launched'];

/**
 * The [X-Fleet] options with fleet's semantics, specifiers already applied (they refer to the
 * unit's own name, so they are resolved per unit, not per template).
 */
export interface FleetOptions {
  /** MachineID: full or short (prefix) machine id; only the first value counts, as in fleet. */
  machineId?: string;
  /** MachineOf: units that must share the host. Missing unit → unschedulable. */
  machineOf: string[];
  /** MachineMetadata: AND across keys, OR within a key's values. */
  machineMetadata: Record<string, string[]>;
  /** Conflicts: globs (Go path.Match), checked in both directions. */
  conflicts: string[];
  /** Global=true: one copy on every machine that passes Metadata and Conflicts. */
  global: boolean;
  /** Replaces: units this one pushes off its machine. */
  replaces: string[];
}

/** systemd's state triple as `systemctl` prints it (LOAD/ACTIVE/SUB). */
export interface SystemdState {
  load: string;
  active: string;
  sub: string;
}

/** A unit name taken apart: `prefix@instance.type` or `prefix.type`. */
export interface UnitName {
  /** Full name, e.g. `hello@1.service`. */
  name: string;
  /** Part before `@` (or before the suffix when there is no `@`), e.g. `hello`. */
  prefix: string;
  /** `1` in `hello@1.service`, '' in the template `hello@.service`, undefined without `@`. */
  instance?: string;
  /** Suffix without the dot, e.g. `service`. */
  type: string;
  /** True for `name@.type`. */
  isTemplate: boolean;
  /** `hello@.service` for `hello@1.service`; undefined when the name has no `@`. */
  template?: string;
}

/** Where a piece of a (possibly continued) value starts in the file, for mapping value offsets back. */
export interface ValueSegment {
  /** Offset into `UnitEntry.value` where this piece starts. */
  offset: number;
  line: number;
  column: number;
}

/** One command of an Exec*= line, as systemd would run it. */
export interface ExecCommand {
  /** The executable: an absolute path, or a bare name to look up in PATH (see `bareName`). */
  path: string;
  /** The full argv handed to the process, argv[0] included. */
  argv: string[];
  /** `-` prefix: a non-zero exit is not a failure. */
  ignoreFailure: boolean;
  /** `+` prefix: runs with full privileges (User= etc. not applied). */
  privileged: boolean;
  /** `@` prefix: the second word was given as argv[0]. */
  argv0?: string;
  /** `!` prefix: User=/Group= applied but no setuid credentials. */
  noSetuid: boolean;
  /** `!!` prefix: like `!`, only on systems without ambient capabilities. */
  ambientFallback: boolean;
  /** `:` prefix: no `$VAR` expansion. */
  noEnvExpansion: boolean;
  /** The executable was given as a bare name (newer systemd searches PATH), not an absolute path. */
  bareName: boolean;
}

export type ServiceType =
  'simple' | 'exec' | 'oneshot' | 'forking' | 'notify' | 'notify-reload' | 'dbus' | 'idle';
export type RestartPolicy =
  'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-watchdog' | 'on-abort' | 'always';

/** What the agent runs for a service unit, systemd defaults filled in, specifiers applied. */
export interface ServiceSpec {
  type: ServiceType;
  description?: string;
  /** Each Exec*= line is one array of commands (`;` separates several on one line). */
  execStartPre: ExecCommand[][];
  execStart: ExecCommand[][];
  execStartPost: ExecCommand[][];
  execStop: ExecCommand[][];
  execStopPost: ExecCommand[][];
  execReload: ExecCommand[][];
  environment: Record<string, string>;
  environmentFiles: { path: string; optional: boolean }[];
  workingDirectory?: string;
  /** WorkingDirectory had the `-` prefix: a missing directory is not an error. */
  workingDirectoryOptional?: boolean;
  user?: string;
  restart: RestartPolicy;
  restartSecMs: number;
  /** Infinity = no timeout (systemd: `infinity` or `0`). */
  timeoutStartMs: number;
  timeoutStopMs: number;
  remainAfterExit: boolean;
}
