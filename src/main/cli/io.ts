/** Where a command prints: stdout and stderr lines. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}
