import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeDurably } from './write-durably';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeDurably', () => {
  it('many concurrent writes of one file all succeed, in the order asked, leaving no temp file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-durable-'));
    const file = join(dir, 'cluster.json');
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeDurably(file, `version ${i}\n`)));
    expect(await readFile(file, 'utf8')).toBe('version 39\n');
    expect(await readdir(dir)).toEqual(['cluster.json']);
  });

  it('a failed write does not block the next one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-durable-'));
    const bad = writeDurably(join(dir, 'missing-dir', 'x.json'), 'x');
    const good = writeDurably(join(dir, 'x.json'), 'y');
    await expect(bad).rejects.toThrow(/ENOENT/);
    await good;
    expect(await readFile(join(dir, 'x.json'), 'utf8')).toBe('y');
  });
});
