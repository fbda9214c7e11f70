import type { SystemdState } from '../../../shared/units/types';

/** A unit as the agent hands it to its host: the registry's file, by name and hash. */
export interface HostedUnit {
  name: string;
  /** SHA1 of `content` (40 hex). */
  hash: string;
  content: string;
}

/**
 * What an agent drives on its machine — systemd's part in fleet. The agent decides (from the
 * registry) which units must be loaded or running; the host makes it so and reports systemd's
 * LOAD/ACTIVE/SUB triple. Implementations: DockerUnitHost (units as containers on the machine).
 */
export interface UnitHost {
  /** Makes the unit known with this content (systemd: link + daemon-reload). A different hash
   *  for a loaded name replaces it (stopping it first if it runs). State becomes loaded/inactive/dead. */
  load(unit: HostedUnit): Promise<void>;
  /** Starts a loaded unit (ExecStartPre… ExecStart… ExecStartPost). Resolves once it is active or
   *  has failed; failures show in state(), they do not reject. */
  start(name: string): Promise<void>;
  /** Stops it (ExecStop, then kill what is left, ExecStopPost). Resolves when inactive or failed. */
  stop(name: string): Promise<void>;
  /** Stops it if needed and forgets it. */
  unload(name: string): Promise<void>;
  /** Current systemd state of a loaded unit; undefined when not loaded. */
  state(name: string): SystemdState | undefined;
  /** Why the unit last failed (its last start or main process), while it is failed. */
  lastError(name: string): string | undefined;
  /** Whether the unit is failed for a reason outside it (engine, image, port, missing command):
   *  worth starting again later. False when its own processes failed. */
  retryable(name: string): boolean;
  /** Names of loaded units. */
  loaded(): string[];
  /** Called on every state change of a loaded unit (and with undefined when it is unloaded). */
  onStateChange(cb: (name: string, state: SystemdState | undefined) => void): () => void;
  /** Finds what a previous run of this host left (containers of this machine) and adopts it. */
  recover(): Promise<void>;
  close(): Promise<void>;
}
