// Deliverable 5 of issue 4: linearizable under real faults. A 3-member cluster of `flotctl kv serve
// --member` processes (one member per process), peer traffic routed through TCP proxies (real
// socket-level partitions), concurrent etcd3 clients recording put / linearizable get / delete / txn
// CAS histories, two watch streams, and a seeded nemesis that SIGKILLs and restarts members and cuts
// members (the leader too) off from their peers. Checked with the linearizability checker and the
// watch validators.
//
// Part of `npm run test:integration` (about 30–50 s: a 20 s workload, then the checks). Each run
// picks a random seed and prints it. Replay a seed: FAULT_SEED=<seed>. Only one kind of fault:
// FAULT_NEMESIS=kill|partition (default both). FAULT_RUN_MS: length of the workload (default 20 s).
// FAULT_DUMP=<file.json> writes the history, the watch streams and each member's own log of changes
// (a watch from revision 1 on that member alone).
//
// It found a member losing committed entries (its later revisions shifted, so it acknowledged writes
// with revisions naming other writes): the member's Ready loop could run twice at once and apply a
// later Ready's committed entries before an earlier one's. See Member.kick() and
// src/main/kv/cluster/ready-loop.test.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExponentialBackoff, noop, type IBackoff } from 'cockatiel';
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import { afterAll, expect, it } from 'vitest';
import {
  checkOperations,
  committedFromHistory,
  etcdKvModel,
  formatCheckResult,
  mergeCommitted,
  patchUnknownWrites,
  prng,
  validateResumable,
  validateWatch,
  type Change,
  type KvInput,
  type KvOperation,
  type KvOutput,
  type KvValue,
  type WatchResponse,
  type WatchStream,
} from '../linearizability';
import { memberIdOf } from '../member';
import { LinkProxies } from './link-proxy';

const ROOT = join(__dirname, '..', '..', '..', '..');
const FLOTCTL = join(ROOT, 'bin', 'flotctl');
if (!existsSync(join(ROOT, 'dist', 'main', 'flotctl.cjs')))
  throw new Error('flotctl is not built: run `npm run build` first');

const SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUN_MS = Number(process.env.FAULT_RUN_MS ?? 20_000);
const CLIENTS = 6;
const KEYS = Array.from({ length: 12 }, (_, i) => `lz/k${String(i).padStart(2, '0')}`);
const PREFIX = 'lz/';
const REQUEST_MS = 1_500;

interface Layout {
  clusterToken: string;
  host: string;
  members: { name: string; clientPort: number; peerPort: number }[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();

let dir = '';
let layout: Layout;
let proxies: LinkProxies | undefined;
const procs: (ChildProcess | undefined)[] = [];
const logs: string[][] = [];
const clients: Etcd3[] = [];

function killAll(): void {
  for (const p of procs) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}
process.once('exit', killAll);

afterAll(async () => {
  killAll();
  await Promise.all(
    procs.map((p) => (p && p.exitCode === null && p.signalCode === null ? exited(p) : undefined)),
  );
  for (const c of clients) c.close();
  await proxies?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once('exit', () => r()));
}

function newClient(hosts: string[], watch = false): Etcd3 {
  const c = new Etcd3({
    hosts: hosts.map((h) => `http://${h}`),
    dialTimeout: 1_000,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + REQUEST_MS }),
    // No retries: each call is one request whose outcome we record (a retried put could apply twice).
    faultHandling: {
      host: () => noop,
      global: noop,
      ...(watch
        ? {
            // etcd3 calls .next() on it first: a factory, whatever its type says.
            watchBackoff: new ExponentialBackoff({
              initialDelay: 50,
              maxDelay: 500,
            }) as unknown as IBackoff<unknown>,
          }
        : {}),
    },
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500 },
  });
  clients.push(c);
  return c;
}

/** Starts member i (`kv serve --member`), dialing its peers through the proxies; resolves on its endpoint. */
function startMember(i: number): Promise<string> {
  const me = layout.members[i]!;
  const peers = layout.members.flatMap((m, j) =>
    j === i ? [] : ['--peer', `${m.name}=127.0.0.1:${proxies!.port(i, j)}`],
  );
  const child = spawn(
    process.execPath,
    [FLOTCTL, 'kv', 'serve', '--data-dir', dir, '--member', me.name, ...peers],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  procs[i] = child;
  const log = (logs[i] ??= []);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`member ${me.name} not up in 15 s`)), 15_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.stderr!.on('data', (c: Buffer) => {
      log.push(c.toString());
      if (log.length > 50) log.shift();
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`member ${me.name} exited ${code ?? sig}: ${log.join('')}`));
    });
  });
}

async function sigkill(i: number): Promise<void> {
  const p = procs[i];
  if (!p) return;
  const done = exited(p);
  p.kill('SIGKILL');
  await done;
  procs[i] = undefined;
}

async function waitWritable(c: Etcd3, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await c.put('ready/probe').value(String(Date.now()));
      return;
    } catch (err) {
      if (Date.now() > end)
        throw new Error(`cluster not writable within ${ms} ms: ${(err as Error).message}`, { cause: err });
      await sleep(100);
    }
  }
}

const str = (b: Buffer | string | undefined): string => (b === undefined ? '' : b.toString());
const kvOf = (kv: IKeyValue | undefined): KvValue | null =>
  kv
    ? {
        value: str(kv.value),
        version: Number(kv.version),
        modRevision: Number(kv.mod_revision),
        createRevision: Number(kv.create_revision),
      }
    : null;

function recordStream(w: Watcher, s: WatchStream): void {
  w.on('data', (res: IWatchResponse) => {
    if (res.created && res.events.length === 0) return; // creation ack: not a progress notification
    const r: WatchResponse = {
      headerRevision: Number(res.header.revision),
      events: res.events.map((e) => ({
        type: e.type === 'Delete' ? 'delete' : 'put',
        key: str(e.kv.key),
        revision: Number(e.kv.mod_revision),
        ...(e.type === 'Delete' ? {} : { value: str(e.kv.value) }),
      })),
      ...(res.canceled ? { canceled: true } : {}),
      ...(Number(res.compact_revision) > 0 ? { compactRevision: Number(res.compact_revision) } : {}),
    };
    s.responses.push(r);
  });
  w.on('error', () => undefined);
}

const lastRevision = (s: WatchStream): number =>
  Math.max(0, ...s.responses.flatMap((r) => r.events.map((e) => e.revision)));

it(`stays linearizable while members are SIGKILLed and partitioned (seed ${SEED})`, async () => {
  console.log(`fault test seed: ${SEED} (replay with FAULT_SEED=${SEED})`);
  const rand = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  dir = await mkdtemp(join(tmpdir(), 'flotilla-faults-'));
  const init = spawnSync(
    process.execPath,
    [FLOTCTL, 'kv', 'init', '--members', '3', '--data-dir', dir, '--base-port', '0'],
    {
      encoding: 'utf8',
    },
  );
  expect(init.status, init.stderr).toBe(0);
  const endpoints = init.stdout.trim().split(',');
  layout = JSON.parse(readFileSync(join(dir, 'kv-cluster.json'), 'utf8')) as Layout;
  expect(endpoints).toEqual(layout.members.map((m) => `${layout.host}:${m.clientPort}`));
  proxies = await LinkProxies.start(layout.members.map((m) => m.peerPort));
  expect(await Promise.all(layout.members.map((_, i) => startMember(i)))).toEqual(endpoints);

  const admin = newClient(endpoints);
  await waitWritable(admin, 15_000);
  const statusClients = endpoints.map((e) => newClient([e]));
  const ids = layout.members.map((m) => memberIdOf(m.name, layout.clusterToken));
  const leaderIndex = async (): Promise<number> => {
    for (const [i, c] of statusClients.entries()) {
      if (!procs[i]) continue;
      try {
        const st = await c.maintenance.status();
        const at = ids.indexOf(BigInt(st.leader));
        if (at >= 0) return at;
      } catch {
        /* down or cut */
      }
    }
    return -1;
  };

  // Watchers: one from revision 1 for the whole run, one resumed mid-run.
  const stream1: WatchStream = {
    id: 'from-1',
    range: { key: PREFIX, rangeEnd: 'lz0' },
    startRevision: 1,
    responses: [],
  };
  const w1 = await newClient(endpoints, true).watch().prefix(PREFIX).startRevision('1').create();
  recordStream(w1, stream1);
  let stream2: WatchStream | undefined;
  let stream1Prefix: WatchStream | undefined;

  // Clients.
  const history: KvOperation[] = [];
  let seq = 0;
  const deadline = Date.now() + RUN_MS;
  const runClient = async (clientId: number): Promise<void> => {
    const c = newClient(endpoints);
    const lastSeen = new Map<string, string>();
    while (Date.now() < deadline) {
      const key = pick(KEYS);
      const r = rand();
      let input: KvInput;
      let exec: () => Promise<KvOutput>;
      if (r < 0.35) {
        const value = `c${clientId}-${seq++}`;
        input = { type: 'put', key, value };
        exec = async () => {
          const res = await c.put(key).value(value).exec();
          return { type: 'put', revision: Number(res.header.revision) };
        };
      } else if (r < 0.7) {
        input = { type: 'get', key };
        exec = async () => {
          const res = await c.get(key).exec();
          const kv = kvOf(res.kvs[0]);
          if (kv) lastSeen.set(key, kv.value);
          else lastSeen.delete(key);
          return { type: 'get', kv, revision: Number(res.header.revision) };
        };
      } else if (r < 0.8) {
        input = { type: 'delete', key };
        exec = async () => {
          const res = await c.delete().key(key).exec();
          return { type: 'delete', deleted: Number(res.deleted), revision: Number(res.header.revision) };
        };
      } else {
        const value = `c${clientId}-${seq++}`;
        const expected = lastSeen.get(key);
        input = {
          type: 'txn',
          key,
          compare:
            expected === undefined
              ? [{ target: 'version', op: '=', value: 0 }]
              : [{ target: 'value', op: '=', value: expected }],
          success: [{ type: 'put', value }],
          failure: [],
        };
        exec = async () => {
          const b =
            expected === undefined ? c.if(key, 'Version', '==', 0) : c.if(key, 'Value', '==', expected);
          const res = await b.then(c.put(key).value(value)).commit();
          return { type: 'txn', succeeded: res.succeeded, revision: Number(res.header.revision) };
        };
      }
      const call = now();
      let output: KvOutput;
      let ret: number;
      try {
        output = await exec();
        ret = now();
      } catch {
        output = { type: 'unknown' };
        ret = Infinity;
        await sleep(20);
      }
      history.push({ clientId, input, call, output, return: ret });
    }
  };

  // Nemesis: one fault at a time, never more than one member down.
  const faults = { kills: 0, partitions: 0, leaderPartitions: 0, log: [] as string[] };
  const t0 = Date.now();
  const nemesis = async (): Promise<void> => {
    await sleep(1_000);
    while (Date.now() < deadline - 2_500) {
      await sleep(1_200 + rand() * 1_300);
      const draw = rand();
      const mode = process.env.FAULT_NEMESIS ?? 'all';
      let r = mode === 'kill' ? 0 : mode === 'partition' ? 0.4 + draw * 0.6 : draw;
      // A mixed run has both kinds (the not-vacuous checks at the end want one of each).
      if (mode === 'all' && faults.kills === 0 && faults.partitions >= 2) r = 0;
      if (mode === 'all' && faults.partitions === 0 && faults.kills >= 2) r = 0.4 + draw * 0.6;
      const stamp = `${((Date.now() - t0) / 1000).toFixed(1)}s`;
      if (r < 0.4) {
        const i = Math.floor(rand() * 3);
        await sigkill(i);
        faults.kills++;
        const down = 500 + rand() * 1_500;
        faults.log.push(`${stamp} SIGKILL ${layout.members[i]!.name}, restart after ${down.toFixed(0)} ms`);
        await sleep(down);
        await startMember(i);
      } else {
        let i: number;
        let what: string;
        if (r < 0.7) {
          i = Math.floor(rand() * 3);
          what = 'isolate';
        } else {
          i = await leaderIndex();
          if (i < 0) i = Math.floor(rand() * 3);
          else faults.leaderPartitions++;
          what = 'isolate leader';
        }
        const span = 1_000 + rand() * 2_000;
        proxies!.isolate(i);
        faults.partitions++;
        faults.log.push(`${stamp} ${what} ${layout.members[i]!.name} for ${span.toFixed(0)} ms`);
        await sleep(span);
        proxies!.heal();
      }
      if (!stream2 && Date.now() - t0 > RUN_MS / 2) {
        // A second watch resumed where the first one is now.
        stream1Prefix = { ...stream1, id: 'from-1 (prefix)', responses: [...stream1.responses] };
        const from = lastRevision(stream1Prefix) + 1;
        stream2 = { id: `resumed-${from}`, range: stream1.range, startRevision: from, responses: [] };
        const w2 = await newClient(endpoints, true)
          .watch()
          .prefix(PREFIX)
          .startRevision(String(from))
          .create();
        recordStream(w2, stream2);
      }
    }
  };

  await Promise.all([nemesis(), ...Array.from({ length: CLIENTS }, (_, i) => runClient(i))]);

  // Heal, restart everything, converge; then a final linearizable read of every key.
  proxies.heal();
  for (let i = 0; i < 3; i++) if (!procs[i]) await startMember(i);
  await waitWritable(admin, 15_000);
  const finalReader = newClient(endpoints);
  const finalReads = new Map<string, { kv: KvValue | null; revision: number }>();
  for (const key of KEYS) {
    for (let attempt = 0; ; attempt++) {
      const call = now();
      try {
        const res = await finalReader.get(key).exec();
        const kv = kvOf(res.kvs[0]);
        const revision = Number(res.header.revision);
        history.push({
          clientId: 100,
          input: { type: 'get', key },
          call,
          output: { type: 'get', kv, revision },
          return: now(),
        });
        finalReads.set(key, { kv, revision });
        break;
      } catch (err) {
        if (attempt > 20) throw err;
        await sleep(100);
      }
    }
  }
  const finalRev = Math.max(...[...finalReads.values()].map((r) => r.revision));
  // The watch streams catch up with the final revision (progress: any later event of the prefix).
  for (const s of [stream1, stream2]) {
    if (!s) continue;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const keysDone = [...finalReads.entries()].every(([key, fr]) => {
        const last = s.responses
          .flatMap((r) => r.events)
          .filter((e) => e.key === key)
          .pop();
        return fr.kv === null ? !last || last.type === 'delete' : last?.revision === fr.kv.modRevision;
      });
      if (keysDone) break;
      await sleep(100);
    }
  }

  const ok = history.filter((o) => o.output.type !== 'unknown');
  const unknown = history.length - ok.length;
  console.log(
    `seed ${SEED}: ${history.length} ops (${ok.length} ok, ${unknown} unknown), ${faults.kills} kills, ` +
      `${faults.partitions} partitions (${faults.leaderPartitions} of the leader), final revision ${finalRev}, ` +
      `watch: ${stream1.responses.length} + ${stream2?.responses.length ?? 0} responses\n  ${faults.log.join('\n  ')}`,
  );
  const streams = [stream1, ...(stream2 ? [stream2] : [])];
  const committed: Change[] = mergeCommitted(streams, committedFromHistory(history));
  const fail = (what: string): string => `${what} (seed ${SEED}; replay with FAULT_SEED=${SEED})`;

  // No acknowledged write lost: every acknowledged write is in the watch from revision 1, and the final
  // state of each key is the last committed change of it.
  const delivered = new Set(
    stream1.responses.flatMap((r) => r.events.map((e) => `${e.revision}\u0000${e.key}`)),
  );
  const lost = committedFromHistory(history).filter((c) => !delivered.has(`${c.revision}\u0000${c.key}`));
  // Each member's own log of changes (a watch on that member alone, from revision 1): on a lost
  // write, where the members' histories part ways says which member diverged and at which revision.
  const perMember: string[][] = [];
  if (lost.length > 0 || process.env.FAULT_DUMP) {
    for (const e of endpoints) {
      const evs: string[] = [];
      const w = await newClient([e], true).watch().prefix(PREFIX).startRevision('1').create();
      w.on('data', (res: IWatchResponse) => {
        for (const x of res.events)
          evs.push(`${x.kv.mod_revision} ${x.type} ${str(x.kv.key)} ${str(x.kv.value)}`);
      });
      await sleep(1_500);
      await w.cancel();
      perMember.push(evs);
    }
  }
  if (process.env.FAULT_DUMP)
    writeFileSync(
      process.env.FAULT_DUMP,
      JSON.stringify({ history, streams, faults, perMember }, (_k, v: unknown) =>
        v === Infinity ? 'Infinity' : v,
      ),
    );
  if (lost.length > 0) {
    const revs = lost.map((c) => c.revision);
    console.log(
      `lost: ${lost.length} acknowledged writes missing from ${stream1.id}, revisions ${Math.min(...revs)}..${Math.max(...revs)}; ` +
        `first lost ${JSON.stringify(lost.slice(0, 5))}`,
    );
    const n = Math.max(...perMember.map((l) => l.length));
    for (let i = 0; i < n; i++) {
      if (perMember.every((l) => l[i] === perMember[0]![i])) continue;
      console.log(
        `members' own change logs part ways at position ${i}:\n` +
          layout.members
            .map((m, j) => `  ${m.name}: ${perMember[j]!.slice(Math.max(0, i - 1), i + 4).join(' | ')}`)
            .join('\n'),
      );
      break;
    }
  }
  expect(
    lost.slice(0, 10),
    fail(`${lost.length} acknowledged writes missing from the watch from revision 1`),
  ).toEqual([]);
  for (const [key, fr] of finalReads) {
    const last = committed.filter((c) => c.key === key && c.revision <= fr.revision).pop();
    const expected = last && last.type === 'put' ? last.value : null;
    expect(fr.kv?.value ?? null, fail(`final value of ${key}`)).toBe(expected);
    if (fr.kv && last) expect(fr.kv.modRevision, fail(`final mod revision of ${key}`)).toBe(last.revision);
  }

  // Watches: ordered, unique, atomic, complete, consistent; the second one resumes the first exactly.
  const violations = validateWatch(streams, committed);
  if (stream1Prefix && stream2) violations.push(...validateResumable(stream1Prefix, stream2, committed));
  expect(
    violations.map((v) => `${v.property} ${v.streamId}: ${v.message}`),
    fail('watch violations'),
  ).toEqual([]);

  // Linearizability (unknown writes resolved against the committed log).
  const patched = patchUnknownWrites(history, committed);
  const result = checkOperations(etcdKvModel(), patched, { timeoutMs: 20_000 });
  if (result.result !== 'ok') console.log(formatCheckResult(result));
  expect(result.result, fail(formatCheckResult(result))).toBe('ok');

  // Not vacuous.
  const mode = process.env.FAULT_NEMESIS ?? 'all';
  if (mode !== 'partition') expect(faults.kills, fail('kills')).toBeGreaterThanOrEqual(1);
  if (mode !== 'kill') expect(faults.partitions, fail('partitions')).toBeGreaterThanOrEqual(1);
  expect(faults.kills + faults.partitions, fail('faults')).toBeGreaterThanOrEqual(4);
  expect(ok.length, fail('successful ops')).toBeGreaterThanOrEqual(500);
  expect(stream2, fail('resumed watch')).toBeDefined();
}, 90_000);
