import { describe, expect, it } from 'vitest';
import { decodeMetadata, encodeMetadata } from './boot';
import {
  decodePeer,
  decodeRequest,
  decodeSnapshotData,
  encodePeer,
  encodeRequest,
  encodeSnapshotData,
  EntryKind,
} from './envelope';
import { clusterIdOf, idHex, memberIdOf } from './ids';
import { PendingRequests } from './pending';

describe('ids', () => {
  it('are deterministic, 64-bit, non-zero and depend on name and token', () => {
    const a = memberIdOf('core-01', 'tok');
    expect(memberIdOf('core-01', 'tok')).toBe(a);
    expect(memberIdOf('core-02', 'tok')).not.toBe(a);
    expect(memberIdOf('core-01', 'tok2')).not.toBe(a);
    expect(memberIdOf('core-0', '1tok')).not.toBe(a);
    expect(a > 0n && a < 1n << 64n).toBe(true);
    expect(clusterIdOf('tok')).not.toBe(a);
    expect(idHex(255n)).toBe('00000000000000ff');
  });
});

describe('envelopes', () => {
  it('round-trip requests, peers, snapshot data and metadata', () => {
    const req = {
      kind: EntryKind.Command,
      proposer: 0xfedcba9876543210n,
      seq: 1_700_000_000_000_000,
      payload: new Uint8Array([1, 2, 3]),
    };
    expect(decodeRequest(encodeRequest(req))).toEqual(req);
    const peer = { id: 42n, name: 'core-04', addr: { host: '127.0.0.1', port: 2380 } };
    expect(decodePeer(encodePeer(peer, 7, 9n))).toEqual({ peer, seq: 7, proposer: 9n });
    const snap = { peers: [peer, { ...peer, id: 43n, name: 'ü' }], store: new Uint8Array(1000).fill(1) };
    expect(decodeSnapshotData(encodeSnapshotData(snap))).toEqual(snap);
    const meta = { name: 'core-01', id: 0xffffffffffffffffn, clusterId: 1n, joinPeers: [peer] };
    expect(decodeMetadata(encodeMetadata(meta))).toEqual(meta);
  });
});

describe('PendingRequests', () => {
  it('resolves by sequence, rejects on timeout and on rejectAll', async () => {
    const p = new PendingRequests<string>(30);
    const a = p.register();
    const b = p.register();
    expect(b.seq).toBe(a.seq + 1);
    p.resolve(a.seq, 'ok');
    await expect(a.done).resolves.toBe('ok');
    await expect(b.done).rejects.toThrow('etcdserver: request timed out');
    const c = p.register();
    p.rejectAll(new (await import('./errors')).MemberError('etcdserver: server stopped', 'Unavailable'));
    await expect(c.done).rejects.toThrow('stopped');
    expect(p.size).toBe(0);
  });
});
