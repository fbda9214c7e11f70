// Seeded random command streams for the determinism and snapshot tests.

import type { Command } from './command';
import type { Compare, RequestOp } from './types';

const enc = new TextEncoder();

export function randomCommands(rand: () => number, count: number): Command[] {
  const cmds: Command[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const key = (): Uint8Array => enc.encode(`k/${Math.floor(rand() * 40)}`);
  const value = (): Uint8Array => enc.encode(String(Math.floor(rand() * 1000)));
  const leaseIds = [0n, 0n, 0n, 1n, 2n, 3n];
  let rev = 1; // upper bound guess for compaction targets; wrong guesses just fail the same way
  const putOp = (): RequestOp => ({
    requestPut: { key: key(), value: value(), lease: pick(leaseIds), prevKv: rand() < 0.3 },
  });
  const compare = (): Compare => ({
    key: key(),
    target: Math.floor(rand() * 5),
    result: Math.floor(rand() * 4),
    version: Math.floor(rand() * 3),
    createRevision: Math.floor(rand() * rev),
    modRevision: Math.floor(rand() * rev),
    value: value(),
    lease: pick(leaseIds),
  });
  for (let i = 0; i < count; i++) {
    const requestId = BigInt(i + 1);
    const r = rand();
    if (r < 0.45) {
      cmds.push({ type: 'put', requestId, request: { key: key(), value: value(), lease: pick(leaseIds) } });
      rev++;
    } else if (r < 0.6) {
      const from = key();
      cmds.push({
        type: 'deleteRange',
        requestId,
        request:
          rand() < 0.5
            ? { key: from, prevKv: true }
            : { key: from, rangeEnd: enc.encode(`k/${Math.floor(rand() * 40)}`) },
      });
    } else if (r < 0.8) {
      cmds.push({
        type: 'txn',
        requestId,
        request: {
          compare: [compare()],
          success: [putOp(), { requestRange: { key: enc.encode('k/'), rangeEnd: enc.encode('k0') } }],
          failure: [{ requestDeleteRange: { key: key() } }, putOp()],
        },
      });
      rev++;
    } else if (r < 0.85) {
      cmds.push({
        type: 'compaction',
        requestId,
        request: { revision: Math.max(1, Math.floor(rev * (0.5 + rand() / 2))) },
      });
    } else if (r < 0.92) {
      cmds.push({
        type: 'leaseGrant',
        requestId,
        request: { id: rand() < 0.5 ? 0n : pick(leaseIds), ttl: Math.floor(rand() * 20) },
      });
    } else if (r < 0.97) {
      cmds.push({ type: 'leaseRevoke', requestId, request: { id: pick(leaseIds) } });
    } else {
      cmds.push({
        type: 'leaseCheckpoint',
        requestId,
        request: { checkpoints: [{ id: pick(leaseIds), remainingTtl: 3 }] },
      });
    }
  }
  return cmds;
}
