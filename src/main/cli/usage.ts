import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how flotctl was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure to do what was asked: printed, exit code 1. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** node:util parseArgs in strict mode, its errors turned into UsageErrors naming the command. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${msg}`);
  }
}

/** A non-negative integer flag value, or a UsageError naming the flag. */
export function intFlag(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535 * 1000) {
    throw new UsageError(`${command}: --${name} must be a whole number, got '${value}'`);
  }
  return Number(value);
}
