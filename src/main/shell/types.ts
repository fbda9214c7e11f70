import type Docker from 'dockerode';
import type { Client } from 'ssh2';

/** Where a shell runs: a container on some Docker engine, or a remote machine's host over SSH. */
export type ShellTarget = ContainerShellTarget | SshShellTarget;

export interface ContainerShellTarget {
  kind: 'container';
  docker: Docker;
  container: string;
  /** For the user: "machine core-02 (flotilla-demo-core-02)". */
  description: string;
}

export interface SshShellTarget {
  kind: 'ssh';
  /** The machine's SSH connection (a session opens a channel on it). */
  client: Client;
  /** For the user: "core@10.0.0.5 (machine core-04)". */
  description: string;
}

export interface ShellRequest {
  command?: string[] | undefined;
  tty: boolean;
  cols: number;
  rows: number;
}
