import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Per file, the tail of the writes queued in this process. */
const queues = new Map<string, Promise<void>>();

/**
 * Replaces `file` with `text` all or nothing, even across a crash: write a temp file, fsync it,
 * rename it over, fsync the directory so the rename itself is on disk. Writes of one file run in
 * the order they were asked for: concurrent callers would otherwise share the temp file, and an
 * older text could land last.
 */
export function writeDurably(file: string, text: string, mode = 0o600): Promise<void> {
  const run = (queues.get(file) ?? Promise.resolve()).then(() => replace(file, text, mode));
  const tail = run.catch(() => undefined);
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return run;
}

async function replace(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
