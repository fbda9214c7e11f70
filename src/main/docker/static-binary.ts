import { open } from 'node:fs/promises';

/**
 * True when the file is an ELF executable without a program interpreter (PT_INTERP), i.e.
 * statically linked and runnable in an image built FROM scratch. Written by hand: reading two
 * header fields does not justify an ELF library.
 */
export async function isStaticElf(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await fh.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64
      ? Number(le ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32))
      : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const PT_INTERP = 3;
      if (u32(table, i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await fh.close();
  }
}
