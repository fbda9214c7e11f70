import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from './codec';
import type { Command } from './command';
import { randomCommands } from './random-commands';
import { b, prng } from './test-helpers';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from './types';

const roundTrip = (cmd: Command): Command => decodeCommand(encodeCommand(cmd));

describe('command codec', () => {
  it('round-trips every command type', () => {
    const cmds: Command[] = [
      {
        type: 'put',
        requestId: 2n ** 64n - 1n,
        request: { key: b('k'), value: b('v'), lease: -5n, prevKv: true },
      },
      { type: 'put', requestId: 1n, request: { key: b('k'), value: new Uint8Array(0), ignoreValue: true } },
      {
        type: 'deleteRange',
        requestId: 3n,
        request: { key: b('a'), rangeEnd: new Uint8Array([0]), prevKv: true },
      },
      {
        type: 'txn',
        requestId: 4n,
        request: {
          compare: [
            { key: b('a'), target: CompareTarget.VALUE, result: CompareResult.NOT_EQUAL, value: b('x') },
            {
              key: b('a'),
              rangeEnd: b('b'),
              target: CompareTarget.MOD,
              result: CompareResult.LESS,
              modRevision: 2 ** 40,
            },
            { key: b('a'), target: CompareTarget.LEASE, result: CompareResult.EQUAL, lease: 2n ** 62n },
            { key: b('a'), target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 3 },
            { key: b('a'), target: CompareTarget.CREATE, result: CompareResult.EQUAL, createRevision: 9 },
          ],
          success: [
            {
              requestRange: {
                key: b('a'),
                rangeEnd: b('z'),
                limit: 10,
                revision: -1,
                sortOrder: SortOrder.DESCEND,
                sortTarget: SortTarget.VALUE,
                keysOnly: true,
                countOnly: true,
                serializable: true,
                minModRevision: 1,
                maxModRevision: 2,
                minCreateRevision: 3,
                maxCreateRevision: 4,
              },
            },
            { requestTxn: { compare: [], success: [{ requestDeleteRange: { key: b('q') } }], failure: [] } },
          ],
          failure: [{ requestPut: { key: b('f'), value: b('') } }],
        },
      },
      { type: 'compaction', requestId: 5n, request: { revision: 2 ** 50, physical: true } },
      { type: 'leaseGrant', requestId: 6n, request: { ttl: 60, id: 0n } },
      { type: 'leaseRevoke', requestId: 7n, request: { id: 2n ** 63n - 1n } },
      { type: 'leaseCheckpoint', requestId: 8n, request: { checkpoints: [{ id: 1n, remainingTtl: 5 }] } },
    ];
    for (const cmd of cmds) expect(roundTrip(cmd)).toEqual(cmd);
  });

  it('round-trips random streams', () => {
    for (const cmd of randomCommands(prng(3), 500)) {
      const back = roundTrip(cmd);
      expect(encodeCommand(back)).toEqual(encodeCommand(cmd));
    }
  });

  it('is compact for the common put', () => {
    const bytes = encodeCommand({
      type: 'put',
      requestId: 1n,
      request: { key: b('/registry/a'), value: new Uint8Array(256) },
    });
    expect(bytes.length).toBeLessThanOrEqual(2 + 8 + 1 + 12 + 258);
  });

  it('rejects unknown versions, types and truncated input', () => {
    const good = encodeCommand({ type: 'leaseRevoke', requestId: 1n, request: { id: 1n } });
    expect(() => decodeCommand(new Uint8Array([9, ...good.subarray(1)]))).toThrow(/version/);
    expect(() => decodeCommand(new Uint8Array([1, 99, ...good.subarray(2)]))).toThrow(/type/);
    expect(() => decodeCommand(good.subarray(0, good.length - 1))).toThrow(/truncated/);
  });
});
