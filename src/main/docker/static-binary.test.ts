import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStaticElf } from './static-binary';

describe('isStaticElf', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says a dynamically linked program is not static', async () => {
    // node itself is dynamically linked on every Linux distribution we run on.
    expect(await isStaticElf(process.execPath)).toBe(false);
  });

  it('says a non-ELF file is not static', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-elf-'));
    const f = join(dir, 'script.sh');
    await writeFile(f, '#!/bin/sh\necho hi\n'.padEnd(80, ' '));
    expect(await isStaticElf(f)).toBe(false);
  });

  it('recognises a static executable built by hand (ELF64 header with no PT_INTERP)', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'flotilla-elf-'));
    const buf = Buffer.alloc(64 + 56);
    buf.writeUInt32BE(0x7f454c46, 0);
    buf[4] = 2; // 64-bit
    buf[5] = 1; // little endian
    buf.writeBigUInt64LE(64n, 32); // phoff
    buf.writeUInt16LE(56, 54); // phentsize
    buf.writeUInt16LE(1, 56); // phnum
    buf.writeUInt32LE(1, 64); // PT_LOAD
    const f = join(dir, 'static');
    await writeFile(f, buf);
    expect(await isStaticElf(f)).toBe(true);
    buf.writeUInt32LE(3, 64); // PT_INTERP
    await writeFile(f, buf);
    expect(await isStaticElf(f)).toBe(false);
  });
});
