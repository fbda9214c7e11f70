// "Copy as flotctl command": every GUI action can be replayed from a terminal. These build the
// command lines; arguments are quoted for a POSIX shell so a pasted line means what it says.

/** Quotes one argument for sh/bash/zsh, only when needed. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `flotctl` with its arguments, each quoted. */
export function flotctl(...args: (string | number | false | undefined | null)[]): string {
  return [
    'flotctl',
    ...args.filter((a): a is string | number => a !== false && a !== undefined && a !== null),
  ]
    .map((a) => shellQuote(String(a)))
    .join(' ');
}

/** `--cluster NAME` when the command is not about the active cluster. */
export function clusterFlag(cluster: string | undefined, active: boolean): string[] {
  return cluster && !active ? ['--cluster', cluster] : [];
}
