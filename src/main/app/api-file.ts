import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeDurably } from '../files';
import { API_FILE } from './data-dir';

/** $FLOTILLA_HOME/api.json: how the CLI finds a running app. Holds the token: mode 0600. */
export const ApiFile = z.object({
  port: z.number().int().positive(),
  token: z.string().min(16),
  pid: z.number().int(),
  mode: z.enum(['desktop', 'serve']),
  url: z.string(),
  version: z.string(),
});
export type ApiFile = z.infer<typeof ApiFile>;

export async function writeApiFile(dataDir: string, content: ApiFile): Promise<void> {
  await writeDurably(join(dataDir, API_FILE), JSON.stringify(content, null, 2) + '\n');
}

export async function readApiFile(dataDir: string): Promise<ApiFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, API_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = ApiFile.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** Removes api.json if it still describes this process (another instance may have replaced it). */
export async function removeApiFile(dataDir: string, pid = process.pid): Promise<void> {
  const current = await readApiFile(dataDir).catch(() => undefined);
  if (current?.pid === pid) await rm(join(dataDir, API_FILE), { force: true });
}
