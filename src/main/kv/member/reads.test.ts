import { describe, expect, it } from 'vitest';
import { ReadBatcher, type ReadIndexHost } from './reads';

function host(): ReadIndexHost & { sent: Uint8Array[]; applied: number; fail: boolean } {
  const h = {
    sent: [] as Uint8Array[],
    applied: 0,
    fail: false,
    requestReadIndex(ctx: Uint8Array) {
      if (h.fail) throw new Error('no leader');
      h.sent.push(ctx);
    },
    appliedIndex: () => h.applied,
  };
  return h;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadBatcher', () => {
  it('batches concurrent callers into one ReadIndex round and waits for applied', async () => {
    const h = host();
    const b = new ReadBatcher(h, 1n, 1000, 500);
    let done = 0;
    const ps = Array.from({ length: 10 }, () => b.read().then(() => done++));
    await tick();
    expect(h.sent).toHaveLength(1);
    b.onReadState(5, h.sent[0]!);
    await tick();
    expect(done).toBe(0); // applied 0 < 5
    h.applied = 5;
    b.onApplied();
    await Promise.all(ps);
    expect(done).toBe(10);
  });

  it('callers arriving during a round join the next one', async () => {
    const h = host();
    const b = new ReadBatcher(h, 1n, 1000, 500);
    h.applied = 100;
    const first = b.read();
    const second = b.read(); // same turn: same round
    await tick();
    expect(h.sent).toHaveLength(1);
    const late = b.read(); // round in flight: waits for the next one
    await tick();
    expect(h.sent).toHaveLength(1);
    b.onReadState(10, h.sent[0]!);
    await Promise.all([first, second]);
    expect(h.sent).toHaveLength(2); // the late caller's round started at once
    b.onReadState(11, h.sent[1]!);
    await late;
  });

  it('ignores answers with a foreign context, retries a silent round, and times out', async () => {
    const h = host();
    const b = new ReadBatcher(h, 1n, 60, 20);
    const p = b.read();
    await tick();
    b.onReadState(1, new Uint8Array(16));
    await new Promise((r) => setTimeout(r, 25));
    b.onTick();
    expect(h.sent).toHaveLength(2); // retried with a fresh context
    expect(Buffer.from(h.sent[1]!).equals(Buffer.from(h.sent[0]!))).toBe(false);
    await new Promise((r) => setTimeout(r, 40));
    b.onTick();
    await expect(p).rejects.toThrow('etcdserver: request timed out');
  });

  it('fails the callers when the request cannot be issued', async () => {
    const h = host();
    h.fail = true;
    const b = new ReadBatcher(h, 1n, 1000, 500);
    await expect(b.read()).rejects.toThrow('no leader');
  });
});
