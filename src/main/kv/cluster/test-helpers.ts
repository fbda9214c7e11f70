// Shared helpers for the cluster tests.
import { afterEach } from 'vitest';
import type { Member } from '../member';
import { ClusterRunner } from './runner';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fast clocks: elections in 100–200 ms so the suite stays quick. */
export const FAST = { tickMs: 10, electionTicks: 10, requestTimeoutMs: 2_000 } as const;

/** A starter of fast-ticking clusters, each closed (data dirs removed) after its test. */
export function useClusters(): (size: number, member?: Record<string, number>) => Promise<ClusterRunner> {
  let cluster: ClusterRunner | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  return async (size, member = {}) => {
    cluster = await ClusterRunner.start({ size, member: { ...FAST, ...member } });
    return cluster;
  };
}

export function localValue(m: Member, key: string): string | undefined {
  const r = m.store.range({ key: enc(key) });
  const kv = r.kvs[0];
  return kv ? dec(kv.value) : undefined;
}

/** Waits until every running member has applied what the leader has committed. */
export async function converge(c: ClusterRunner, ms = 10_000): Promise<void> {
  const l = await c.waitForLeader(ms);
  // A write through the leader pins a commit index every member must reach.
  await l.put({ key: enc('__converge'), value: enc(String(Date.now())) });
  const target = l.status().commit;
  // Past the target and level with each other: a write a client gave up on may still commit after
  // the target (under load, CI saw one member a revision ahead when the hashes were taken).
  await until(
    () => {
      const applied = c.running().map(({ member }) => member.appliedIndex);
      return applied.every((a) => a >= target && a === applied[0]);
    },
    ms,
    'convergence',
  );
}

export interface Writers {
  acked: Map<string, string>;
  stop(): Promise<void>;
}

/** Concurrent writers that put unique keys through any running member, recording what was acked. */
export function startWriters(c: ClusterRunner, n: number, prefix: string): Writers {
  const acked = new Map<string, string>();
  let halt = false;
  const loops = Array.from({ length: n }, async (_, w) => {
    for (let i = 0; !halt; i++) {
      const key = `${prefix}/${w}/${i}`;
      const value = `v-${w}-${i}`;
      const running = c.running();
      const target = c.leader() ?? running[i % Math.max(1, running.length)]?.member;
      if (!target) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      try {
        await target.put({ key: enc(key), value: enc(value) });
        acked.set(key, value);
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  return {
    acked,
    stop: async () => {
      halt = true;
      await Promise.all(loops);
    },
  };
}

export function missingOn(m: Member, acked: Map<string, string>): string[] {
  const bad: string[] = [];
  for (const [k, v] of acked) if (localValue(m, k) !== v) bad.push(k);
  return bad;
}
