// SSH carries no argv: an exec request holds one command string, which sshd hands to the user's
// login shell as `$SHELL -c "<string>"`. Arguments joined with spaces would be split again at
// blanks and have $, `, ;, |, * and quotes interpreted there — a file name with a space breaks,
// and a crafted one runs commands. Each argument is therefore quoted for a POSIX shell: inside
// single quotes nothing is special, and a single quote itself is written as '\'' (close the
// quotes, an escaped quote, open them again).

/** One argument, quoted so that a POSIX shell reads it back as exactly these bytes. */
export function shellQuote(arg: string): string {
  // Words made only of these need no quotes; leaving them bare keeps commands readable in logs.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as the one command string an SSH exec request carries. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
