// The member's Ready loop must take one Ready at a time. A Ready without entries is handled with no
// await (applied, reads answered, 'applied' emitted), and what that triggers synchronously — a
// released read starting the next ReadIndex round, an 'applied' listener proposing — used to start
// a second loop beside the first: it took a second Ready before the first was advanced, applied
// later committed entries first, and the first Ready's entries were then skipped as already
// applied. That member lost committed writes and shifted all its later revisions.
import { describe, expect, it } from 'vitest';
import type { Member } from '../member';
import type { ClusterRunner } from './runner';
import { converge, dec, enc, useClusters } from './test-helpers';

const start = useClusters();

function errorsOf(members: Member[]): Error[] {
  const errors: Error[] = [];
  for (const m of members) m.events.on('error', (e: Error) => errors.push(e));
  return errors;
}

/** Every key under rl/ with its value and mod revision, as this member's store has them. */
function contents(m: Member): string[] {
  return m.store
    .range({ key: enc('rl/'), rangeEnd: enc('rl0') })
    .kvs.map((kv) => `${dec(kv.key)}=${dec(kv.value)}@${kv.modRevision}`);
}

async function expectIdentical(c: ClusterRunner, members: Member[], errors: Error[]): Promise<void> {
  await converge(c);
  expect(errors).toEqual([]);
  expect(members.every((m) => m.running)).toBe(true);
  const revs = members.map((m) => m.store.currentRevision);
  expect(new Set(revs).size, `revisions ${revs.join(', ')}`).toBe(1);
  for (const m of members.slice(1)) expect(contents(m)).toEqual(contents(members[0]!));
}

describe('the Ready loop', () => {
  it('stays single when an applied listener proposes (a follower loses no committed entry)', async () => {
    const c = await start(3);
    const l = await c.waitForLeader();
    const members = c.running().map(({ member }) => member);
    const errors = errorsOf(members);
    const f = members.find((m) => m !== l)!;
    // An embedder reacting to every apply with a write of its own, synchronously.
    let echoes = 0;
    f.events.on('applied', () => {
      if (echoes < 40)
        void f.put({ key: enc(`rl/echo`), value: enc(String(echoes++)) }).catch(() => undefined);
    });
    for (let i = 0; i < 40; i++) await l.put({ key: enc(`rl/k${i % 4}`), value: enc(`v${i}`) });
    await expectIdentical(c, members, errors);
    expect(echoes).toBe(40);
  });

  it('stays single while linearizable reads and writes race on every member', async () => {
    const c = await start(3);
    await c.waitForLeader();
    const members = c.running().map(({ member }) => member);
    const errors = errorsOf(members);
    let halt = false;
    const loops = members.flatMap((m) =>
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; !halt; i++) {
          try {
            await m.put({ key: enc(`rl/k${w}`), value: enc(`${m.name}-${i}`) });
            await m.range({ key: enc(`rl/k${w}`) });
          } catch {
            await new Promise((r) => setTimeout(r, 10)); // no leader, or the member died
          }
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    halt = true;
    await Promise.all(loops);
    await expectIdentical(c, members, errors);
  });
});
