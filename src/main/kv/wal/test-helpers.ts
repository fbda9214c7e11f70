// Shared helpers for the WAL tests (not part of the public face).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType } from '../raft/types';
import type { Entry, HardState, Snapshot } from '../raft/types';
import type { WalLogger } from './wal';

const enc = new TextEncoder();

export function ent(index: number, term: number, text = `entry-${index}-${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: enc.encode(text) };
}

export function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term));
  return out;
}

export function hs(term: number, commit: number, vote = 0xfedc_ba98_7654_3210n): HardState {
  return { term, vote, commit };
}

export function snap(index: number, term: number, text = `state@${index}`): Snapshot {
  return {
    metadata: { index, term, conf: { voters: [1n, 2n, 0xffff_ffff_ffff_ffffn], learners: [7n] } },
    data: enc.encode(text),
  };
}

/** Normalises entries for deep equality (Buffer vs Uint8Array). */
export function plain(
  entries: readonly Entry[],
): { index: number; term: number; type: number; data: string }[] {
  return entries.map((e) => ({
    index: e.index,
    term: e.term,
    type: e.type,
    data: Buffer.from(e.data).toString(),
  }));
}

export interface Captured extends WalLogger {
  messages: { message: string; fields: Record<string, unknown> }[];
}

export function captureLogger(): Captured {
  const messages: Captured['messages'] = [];
  return { messages, warn: (message, fields) => messages.push({ message, fields: fields ?? {} }) };
}

/** A fresh temp dir per test; call the returned cleanup in afterEach. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'flotilla-wal-'));
  return { dir: join(base, 'member'), cleanup: () => rm(base, { recursive: true, force: true }) };
}
