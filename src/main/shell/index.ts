// Shell sessions in machine and unit containers (flotctl ssh, the GUI terminal), over docker exec.
export type { ContainerShellTarget, ShellRequest, ShellTarget, SshShellTarget } from './types';
export { MAX_SHELL_SESSIONS, ShellSessions } from './sessions';
