import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type Message, type NodeId } from '../raft';
import { Clock } from './clock';
import { FrameDecoder, frame } from './framing';
import { Transport } from './transport';

function msg(from: NodeId, to: NodeId, index: number, over: Partial<Message> = {}): Message {
  return {
    type: MessageType.App,
    from,
    to,
    term: 1,
    logTerm: 1,
    index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
    ...over,
  };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const open: Transport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.kill()));
});

async function node(
  id: bigint,
  clusterId = 7n,
  extra: Partial<ConstructorParameters<typeof Transport>[0]> = {},
) {
  const got: Message[] = [];
  const unreachable: NodeId[] = [];
  const t = new Transport({
    id,
    clusterId,
    onMessage: (m) => got.push(m),
    onUnreachable: (p) => unreachable.push(p),
    ...extra,
  });
  await t.start();
  open.push(t);
  return { t, got, unreachable };
}

describe('FrameDecoder', () => {
  it('reassembles frames split at any byte', () => {
    const a = frame(new Uint8Array([1, 2, 3]));
    const b = frame(new Uint8Array(1000).fill(9));
    const all = Buffer.concat([a, b, frame(new Uint8Array())]);
    for (let cut = 0; cut <= all.length; cut += 7) {
      const d = new FrameDecoder();
      const out = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(out.map((f) => f.length)).toEqual([3, 1000, 0]);
    }
  });
});

describe('Transport', () => {
  it('delivers in order both ways over loopback, with OS-chosen ports', async () => {
    const a = await node(1n);
    const b = await node(2n);
    expect(a.t.address.port).toBeGreaterThan(0);
    a.t.addPeer(2n, b.t.address);
    b.t.addPeer(1n, a.t.address);
    a.t.send(Array.from({ length: 500 }, (_, i) => msg(1n, 2n, i)));
    b.t.send([msg(2n, 1n, 42, { type: MessageType.AppResp })]);
    await until(() => b.got.length === 500 && a.got.length === 1);
    expect(b.got.map((m) => m.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(a.got[0]!.index).toBe(42);
    expect(b.t.lastContact(1n)).toBeGreaterThan(0);
  });

  it('rejects a peer from another cluster at the handshake', async () => {
    const a = await node(1n, 7n);
    const b = await node(2n, 8n);
    a.t.addPeer(2n, b.t.address);
    a.t.send([msg(1n, 2n, 1)]);
    await new Promise((r) => setTimeout(r, 150));
    expect(b.got).toHaveLength(0);
    expect(a.unreachable).toContain(2n);
  });

  it('reconnects with backoff when the peer comes back on the same port', async () => {
    const a = await node(1n, 7n, { backoffMinMs: 10, backoffMaxMs: 50 });
    const b = await node(2n);
    const port = b.t.address.port;
    a.t.addPeer(2n, b.t.address);
    a.t.send([msg(1n, 2n, 1)]);
    await until(() => b.got.length === 1);
    await b.t.kill();
    await until(() => a.unreachable.includes(2n));
    const b2 = await node(2n, 7n, { port });
    await new Promise((r) => setTimeout(r, 100));
    a.t.send([msg(1n, 2n, 2)]);
    await until(() => b2.got.length === 1);
    expect(b2.got[0]!.index).toBe(2);
  });

  it('drops and reports unreachable when the queue is full', async () => {
    // A listener that accepts but never reads keeps the queue from draining.
    const held: net.Socket[] = [];
    const sink = net.createServer((s) => void held.push(s));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = (sink.address() as net.AddressInfo).port;
    const a = await node(1n, 7n, { maxQueue: 10, highWaterBytes: 1 });
    a.t.addPeer(2n, { host: '127.0.0.1', port: 1 }); // refused: never connects
    a.t.send(Array.from({ length: 15 }, (_, i) => msg(1n, 2n, i)));
    expect(a.unreachable.filter((p) => p === 2n).length).toBeGreaterThanOrEqual(5);
    a.t.removePeer(2n);
    a.t.addPeer(3n, { host: '127.0.0.1', port });
    await new Promise((r) => setTimeout(r, 50));
    a.t.send([msg(1n, 3n, 0, { entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(1 << 20) }] })]);
    a.t.send(Array.from({ length: 50 }, (_, i) => msg(1n, 3n, i)));
    expect(a.unreachable).toContain(3n);
    for (const s of held) s.destroy();
    await new Promise<void>((r) => sink.close(() => r()));
  });

  it('cutOff drops traffic in both directions until heal', async () => {
    const a = await node(1n);
    const b = await node(2n);
    const c = await node(3n);
    for (const [x, y] of [
      [a, b],
      [a, c],
      [b, a],
      [b, c],
      [c, a],
      [c, b],
    ] as const)
      x.t.addPeer(y.t.id, y.t.address);
    a.t.cutOff([2n]);
    a.t.send([msg(1n, 2n, 1), msg(1n, 3n, 1)]);
    b.t.send([msg(2n, 1n, 1), msg(2n, 3n, 1)]);
    await until(() => c.got.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.got).toHaveLength(0);
    expect(a.got).toHaveLength(0);
    a.t.heal();
    a.t.send([msg(1n, 2n, 2)]);
    b.t.send([msg(2n, 1n, 2)]);
    await until(() => a.got.length === 1 && b.got.length === 1);
  });

  it('reports a snapshot as sent once written, and as failed when cut off', async () => {
    const status: [NodeId, boolean][] = [];
    const a = await node(1n, 7n, { onSnapshotStatus: (p, ok) => status.push([p, ok]) });
    const b = await node(2n);
    a.t.addPeer(2n, b.t.address);
    const snap = {
      metadata: { index: 5, term: 1, conf: { voters: [1n, 2n], learners: [] } },
      data: new Uint8Array(2 << 20).fill(3),
    };
    a.t.send([msg(1n, 2n, 0, { type: MessageType.Snap, snapshot: snap })]);
    await until(() => b.got.length === 1);
    expect(b.got[0]!.snapshot!.data.length).toBe(2 << 20);
    await until(() => status.length === 1);
    expect(status[0]).toEqual([2n, true]);
    a.t.cutOff([2n]);
    a.t.send([msg(1n, 2n, 0, { type: MessageType.Snap, snapshot: snap })]);
    expect(status[1]).toEqual([2n, false]);
  });
});

describe('Clock', () => {
  it('ticks at the configured interval and stops', async () => {
    let n = 0;
    const c = new Clock(() => n++, 10);
    c.start();
    await new Promise((r) => setTimeout(r, 105));
    c.stop();
    const seen = n;
    expect(seen).toBeGreaterThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 40));
    expect(n).toBe(seen);
  });
});
