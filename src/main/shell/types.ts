import type Docker from 'dockerode';

/** Where a shell runs: a container on some Docker engine. */
export interface ShellTarget {
  docker: Docker;
  container: string;
  /** For the user: "machine core-02 (flotilla-demo-core-02)". */
  description: string;
}

export interface ShellRequest {
  command?: string[] | undefined;
  tty: boolean;
  cols: number;
  rows: number;
}
