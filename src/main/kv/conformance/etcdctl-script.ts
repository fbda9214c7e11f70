// The etcdctl conformance script: one list of etcdctl invocations, run in order against a fresh
// cluster, each result normalized (normalize.ts). The same script runs against real etcd and
// against Flotilla; etcdctl.int.test.ts compares the two step by step.
//
// Arguments may hold placeholders filled in per cluster: {R+n} = the script's first revision + n
// (a fresh cluster starts at revision 1), {NOW+n} = the current revision + n, {lease1} / {lease1hex} etc. = ids captured by earlier
// steps, {freeport} = a free loopback port (for member add).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { ETCDCTL_BIN, etcdctlSync, freePorts } from './clusters';
import type { NormContext } from './normalize';
import { newContext, normStdout, normText, normWatchJson, parseJsonExact, registerId } from './normalize';

export interface StepResult {
  code: number | string;
  stdout: unknown;
  stderr: string;
}

export interface RawResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

export interface StepOutcome {
  norm: StepResult;
  raw: RawResult;
}

export interface Step {
  name: string;
  args: string[];
  input?: string;
  /** Run as a bounded watch: spawn, run `during` after `settleMs`, stop after `lines` lines or `ms`. */
  watch?: { ms: number; lines?: number; during?: string[][] };
  /** Sanity of the script itself, checked on real etcd's raw result (and so on ours by equality). */
  expect?: { code?: number; stdout?: RegExp; stderr?: RegExp };
  /**
   * Not before this long after the script started: etcd refuses MemberAdd ("unhealthy cluster")
   * until its peers have been connected for 5 s (strict reconfig check, HealthInterval).
   */
  minElapsedMs?: number;
  /** Talk to the first endpoint only (`snapshot save` refuses several). */
  singleEndpoint?: boolean;
  /** Compare stdout's lines as a set (their order follows random ids). */
  sortLines?: boolean;
  /** Called with the raw stdout; returns variables for later steps. */
  capture?: (stdout: string, ctx: NormContext) => Record<string, string>;
}

const J = ['-w', 'json'];

function txnOps(n: number): string {
  return `\n${Array.from({ length: n }, (_, i) => `put many/${i} x`).join('\n')}\n\n\n`;
}

function leaseCapture(name: string) {
  return (stdout: string, ctx: NormContext): Record<string, string> => {
    const o = parseJsonExact(stdout) as { ID: string | number };
    const id = BigInt(o.ID);
    registerId(ctx, id, `<${name}>`);
    return { [name]: id.toString(), [`${name}hex`]: id.toString(16) };
  };
}

export const STEPS: Step[] = [
  // --- put / get -------------------------------------------------------------------------
  {
    name: 'first revision of a fresh cluster',
    args: ['get', 'nothing', ...J],
    expect: { code: 0, stdout: /"revision":1,/ },
  },
  { name: 'put a/1', args: ['put', 'a/1', 'v1', ...J], expect: { code: 0 } },
  { name: 'put a/2', args: ['put', 'a/2', 'v2', ...J] },
  { name: 'put a/3', args: ['put', 'a/3', 'v3', ...J] },
  { name: 'put b/1', args: ['put', 'b/1', 'w1', ...J] },
  { name: 'put a/1 again', args: ['put', 'a/1', 'v1b', ...J] },
  { name: 'put simple output', args: ['put', 'b/2', 'w2'], expect: { stdout: /^OK/ } },
  { name: 'get prefix', args: ['get', 'a/', '--prefix', ...J], expect: { stdout: /"count":3/ } },
  {
    name: 'get prefix limit',
    args: ['get', 'a/', '--prefix', '--limit=2', ...J],
    expect: { stdout: /"more":true/ },
  },
  {
    name: 'get sort by value descend',
    args: ['get', 'a/', '--prefix', '--sort-by=VALUE', '--order=DESCEND', ...J],
  },
  {
    name: 'get sort by modify ascend',
    args: ['get', 'a/', '--prefix', '--sort-by=MODIFY', '--order=ASCEND', ...J],
  },
  {
    name: 'get sort by create descend limit',
    args: ['get', 'a/', '--prefix', '--sort-by=CREATE', '--order=DESCEND', '--limit=2', ...J],
  },
  { name: 'get sort by version', args: ['get', 'a/', '--prefix', '--sort-by=VERSION', ...J] },
  {
    name: 'get sort by key descend',
    args: ['get', '', '--from-key', '--sort-by=KEY', '--order=DESCEND', ...J],
  },
  { name: 'get from-key', args: ['get', 'a/2', '--from-key', ...J] },
  { name: 'get range [a/1, a/3)', args: ['get', 'a/1', 'a/3', ...J] },
  { name: 'get --rev', args: ['get', 'a/1', '--rev={R+1}', ...J], expect: { stdout: /"value":"djE="/ } },
  { name: 'get prefix --rev', args: ['get', 'a/', '--prefix', '--rev={R+2}', ...J] },
  { name: 'get keys-only', args: ['get', 'a/', '--prefix', '--keys-only', ...J] },
  { name: 'get keys-only text', args: ['get', 'a/', '--prefix', '--keys-only'] },
  { name: 'get print-value-only', args: ['get', 'a/', '--prefix', '--print-value-only'] },
  { name: 'get text', args: ['get', 'a/', '--prefix'] },
  { name: 'get count-only', args: ['get', 'a/', '--prefix', '--count-only', ...J] },
  { name: 'get count-only keys-only', args: ['get', '', '--from-key', '--count-only', '--keys-only', ...J] },
  { name: 'get from-key limit', args: ['get', 'a/2', '--from-key', '--limit=2', '--keys-only', ...J] },
  { name: 'get all keys from ""', args: ['get', '', '--from-key', '--keys-only'] },
  { name: 'get missing', args: ['get', 'zzz', ...J] },
  { name: 'get --rev=-1 (current)', args: ['get', 'a/1', '--rev=-1', ...J] },
  { name: 'get --consistency=s', args: ['get', 'b/', '--prefix', '--consistency=s', '--keys-only'] },
  { name: 'get inverted range (end < key)', args: ['get', 'b', 'a', ...J] },
  { name: 'get --rev and --limit', args: ['get', 'a/', '--prefix', '--rev={R+4}', '--limit=1', ...J] },
  { name: 'get missing text', args: ['get', 'zzz'], expect: { code: 0, stdout: /^$/ } },
  { name: 'put --prev-kv', args: ['put', 'a/1', 'v1c', '--prev-kv', ...J], expect: { stdout: /prev_kv/ } },
  { name: 'put --prev-kv text', args: ['put', 'a/1', 'v1d', '--prev-kv'] },
  { name: 'put --prev-kv new key', args: ['put', 'a/4', 'v4', '--prev-kv', ...J] },
  // --- leases with put -------------------------------------------------------------------
  { name: 'lease grant', args: ['lease', 'grant', '100', ...J], capture: leaseCapture('lease1') },
  { name: 'put --lease', args: ['put', 'l/1', 'x', '--lease={lease1hex}', ...J] },
  { name: 'put --ignore-lease', args: ['put', 'l/1', 'y', '--ignore-lease', ...J] },
  { name: 'get after ignore-lease (lease kept)', args: ['get', 'l/1', ...J], expect: { stdout: /"lease":/ } },
  { name: 'put --ignore-value (lease dropped: none given)', args: ['put', 'l/1', '--ignore-value', ...J] },
  { name: 'get after ignore-value (value kept)', args: ['get', 'l/1', ...J], expect: { stdout: /eQ==/ } },
  {
    name: 'put --ignore-value --lease',
    args: ['put', 'l/1', '--ignore-value', '--lease={lease1hex}', '--prev-kv', ...J],
  },
  { name: 'put a second key on the lease', args: ['put', 'l/2', 'z', '--lease={lease1hex}', ...J] },
  {
    name: 'put --ignore-value on a missing key',
    args: ['put', 'nokey', '--ignore-value'],
    expect: { code: 1, stderr: /etcdserver: key not found/ },
  },
  {
    name: 'put --ignore-value with a value (client-side usage error)',
    args: ['put', 'nokey', 'v', '--ignore-value'],
    expect: { code: 128 },
  },
  {
    name: 'put --lease unknown',
    args: ['put', 'z', 'z', '--lease=1234'],
    expect: { code: 1, stderr: /requested lease not found/ },
  },
  {
    name: 'put --ignore-lease without a lease on the key',
    args: ['put', 'b/1', 'w1b', '--ignore-lease'],
  },
  { name: 'put empty key', args: ['put', '', 'v'], expect: { code: 1, stderr: /key is not provided/ } },
  {
    name: 'put too large (1.6 MiB via stdin)',
    args: ['put', 'big'],
    input: 'x'.repeat(1_600_000),
    expect: { code: 1, stderr: /request is too large/ },
  },
  // --- leases ---------------------------------------------------------------------------
  { name: 'lease timetolive --keys', args: ['lease', 'timetolive', '{lease1hex}', '--keys', ...J] },
  { name: 'lease timetolive --keys text', args: ['lease', 'timetolive', '{lease1hex}', '--keys'] },
  { name: 'lease timetolive', args: ['lease', 'timetolive', '{lease1hex}', ...J] },
  { name: 'lease list', args: ['lease', 'list', ...J] },
  { name: 'lease list text', args: ['lease', 'list'] },
  { name: 'lease keep-alive --once', args: ['lease', 'keep-alive', '--once', '{lease1hex}'] },
  { name: 'lease keep-alive --once json', args: ['lease', 'keep-alive', '--once', '{lease1hex}', ...J] },
  { name: 'lease grant 2', args: ['lease', 'grant', '100', ...J], capture: leaseCapture('lease2') },
  { name: 'put on lease 2', args: ['put', 'l/3', 'q', '--lease={lease2hex}', ...J] },
  { name: 'lease revoke', args: ['lease', 'revoke', '{lease2hex}'], expect: { code: 0, stdout: /revoked/ } },
  { name: 'revoke deleted its keys', args: ['get', 'l/', '--prefix', ...J] },
  { name: 'lease timetolive revoked', args: ['lease', 'timetolive', '{lease2hex}', ...J] },
  { name: 'lease timetolive revoked text', args: ['lease', 'timetolive', '{lease2hex}'] },
  { name: 'lease list after revoke', args: ['lease', 'list'] },
  { name: 'lease revoke unknown', args: ['lease', 'revoke', '1234'], expect: { code: 1 } },
  {
    name: 'lease keep-alive --once unknown',
    args: ['lease', 'keep-alive', '--once', '1234'],
    expect: { code: 2 },
  },
  { name: 'lease timetolive unknown', args: ['lease', 'timetolive', '1234', ...J] },
  {
    name: 'lease grant 0 (below minimum TTL)',
    args: ['lease', 'grant', '1', ...J],
    capture: leaseCapture('lease3'),
  },
  // --- txn ------------------------------------------------------------------------------
  {
    name: 'txn compares succeed (value/version/create/mod)',
    args: ['txn', ...J],
    input:
      'value("a/1") = "v1d"\nversion("a/2") = "1"\ncreate("a/3") > "0"\nmod("b/1") < "1000"\n\n' +
      'put t/1 yes\nget a/1\ndel a/4\n\nput t/1 no\n\n',
    expect: { code: 0, stdout: /"succeeded":true/ },
  },
  {
    name: 'txn compares fail → else',
    args: ['txn', ...J],
    input: 'value("a/1") = "nope"\nversion("t/1") > "5"\n\nput t/2 yes\n\nput t/2 no\nget t/1\n\n',
    // etcdctl's JSON omits `succeeded` when false.
    expect: { code: 0, stdout: /^(?![\s\S]*succeeded)[\s\S]*ResponseRange/ },
  },
  {
    name: 'txn interactive (-i) text',
    args: ['txn', '-i'],
    input: 'mod("t/1") > "0"\n\nput t/3 three\nget t/ --prefix\n\nput t/3 none\n\n',
  },
  {
    name: 'txn compare on a missing key (create = 0)',
    args: ['txn', ...J],
    input: 'create("never") = "0"\n\nput never once\n\n\n',
  },
  {
    name: 'txn too many ops (129)',
    args: ['txn'],
    input: txnOps(129),
    expect: { code: 1, stderr: /too many operations in txn request/ },
  },
  {
    name: 'txn duplicate keys',
    args: ['txn'],
    input: '\nput dup 1\nput dup 2\n\n\n',
    expect: { code: 1, stderr: /duplicate key given in txn request/ },
  },
  {
    name: 'txn value compare on a missing key',
    args: ['txn', ...J],
    input: 'value("nokey") = ""\n\nput t/4 then\n\nput t/4 else\n\n',
  },
  { name: 'txn read-only does not bump revision', args: ['txn', ...J], input: '\nget a/1\n\n\n' },
  { name: 'revision after read-only txn', args: ['get', 'a/1', ...J] },
  // --- del ------------------------------------------------------------------------------
  { name: 'del --prev-kv', args: ['del', 'a/2', '--prev-kv', ...J], expect: { stdout: /"deleted":1/ } },
  { name: 'del missing (no revision bump)', args: ['del', 'a/2', ...J] },
  { name: 'del missing text', args: ['del', 'a/2'], expect: { stdout: /^0/ } },
  { name: 'del range [a/1, a/3)', args: ['del', 'a/1', 'a/3', '--prev-kv', ...J] },
  { name: 'del empty key', args: ['del', ''], expect: { code: 1, stderr: /key is not provided/ } },
  { name: 'del --prefix', args: ['del', 'a/', '--prefix', ...J] },
  { name: 'put c/*', args: ['txn'], input: '\nput c/1 1\nput c/2 2\nput c/3 3\n\n\n' },
  { name: 'del --from-key --prev-kv', args: ['del', 'c/2', '--from-key', '--prev-kv', ...J] },
  { name: 'what is left', args: ['get', '', '--from-key', ...J] },
  // --- watch ----------------------------------------------------------------------------
  {
    name: 'watch prefix from a past revision',
    args: ['watch', 'a/', '--prefix', '--rev={R+1}', ...J],
    watch: { ms: 1_500, lines: 1 },
  },
  {
    name: 'watch key --prev-kv from a past revision',
    args: ['watch', 'a/1', '--prev-kv', '--rev={R+1}', ...J],
    watch: { ms: 1_500, lines: 1 },
  },
  {
    name: 'watch text from a past revision',
    args: ['watch', 'b/', '--prefix', '--rev={R+1}'],
    watch: { ms: 1_500, lines: 9 },
  },
  {
    name: 'watch live prefix with prev-kv',
    args: ['watch', 'w/', '--prefix', '--prev-kv', ...J],
    watch: {
      ms: 4_000,
      lines: 4,
      during: [
        ['put', 'w/1', '1'],
        ['put', 'w/2', '2'],
        ['put', 'w/1', '1b'],
        ['del', 'w/', '--prefix'],
      ],
    },
  },
  {
    name: 'watch from a future revision, then writes reach it',
    args: ['watch', 'fu', '--rev={NOW+3}', ...J],
    watch: {
      ms: 4_000,
      lines: 1,
      during: [
        ['put', 'fu', '1'],
        ['put', 'fu', '2'],
        ['put', 'fu', '3'],
        ['put', 'fu', '4'],
        ['put', 'fu', '5'],
      ],
    },
  },
  // --- compaction -----------------------------------------------------------------------
  { name: 'compaction', args: ['compaction', '{R+5}'], expect: { code: 0, stdout: /compacted revision/ } },
  {
    name: 'get below the compacted revision',
    args: ['get', 'a/1', '--rev={R+2}'],
    expect: { code: 1, stderr: /required revision has been compacted/ },
  },
  { name: 'get at the compacted revision', args: ['get', 'a/', '--prefix', '--rev={R+5}', ...J] },
  { name: 'compaction 0', args: ['compaction', '0'] },
  { name: 'compaction again, lower', args: ['compaction', '{R+3}'], expect: { code: 1 } },
  { name: 'compaction same', args: ['compaction', '{R+5}'], expect: { code: 1 } },
  {
    name: 'compaction of a future revision',
    args: ['compaction', '{R+1000}'],
    expect: { code: 1, stderr: /future revision/ },
  },
  {
    name: 'get a future revision',
    args: ['get', 'a/1', '--rev={R+1000}'],
    expect: { code: 1, stderr: /future revision/ },
  },
  {
    name: 'watch across the compaction',
    args: ['watch', 'a/', '--prefix', '--rev={R+1}', ...J],
    watch: { ms: 3_000 },
    expect: { code: 5, stderr: /required revision has been compacted/ },
  },
  {
    name: 'watch across the compaction text',
    args: ['watch', 'a/1', '--rev={R+2}'],
    watch: { ms: 3_000 },
    expect: { code: 5 },
  },
  {
    name: 'watch at the compacted revision',
    args: ['watch', 'a/', '--prefix', '--rev={R+5}', ...J],
    watch: { ms: 1_500, lines: 1 },
  },
  { name: 'compaction --physical', args: ['compaction', '{R+6}', '--physical'], expect: { code: 0 } },
  // --- members --------------------------------------------------------------------------
  { name: 'member list', args: ['member', 'list', ...J], expect: { stdout: /"members"/ } },
  {
    name: 'member add',
    args: ['member', 'add', 'm3', '--peer-urls=http://127.0.0.1:{freeport}', ...J],
    minElapsedMs: 7_000,
    expect: { code: 0 },
    capture: (stdout, ctx) => {
      const id = BigInt((parseJsonExact(stdout) as { member: { ID: string | number } }).member.ID);
      registerId(ctx, id, '<new-member>');
      return { newmember: id.toString(16) };
    },
  },
  { name: 'member list with the added member', args: ['member', 'list', ...J] },
  {
    name: 'member remove',
    args: ['member', 'remove', '{newmember}'],
    expect: { code: 0, stdout: /removed/ },
  },
  { name: 'member list after remove', args: ['member', 'list', ...J] },
  {
    name: 'member add --learner',
    args: ['member', 'add', 'm4', '--learner', '--peer-urls=http://127.0.0.1:{freeport2}', ...J],
    capture: (stdout, ctx) => {
      const id = BigInt((parseJsonExact(stdout) as { member: { ID: string | number } }).member.ID);
      registerId(ctx, id, '<learner>');
      return { learner: id.toString(16) };
    },
  },
  { name: 'member list with a learner', args: ['member', 'list', ...J] },
  // Text lines come in member-id order, and ids are random: compared as a sorted set of lines.
  { name: 'member list with a learner text', args: ['member', 'list'], sortLines: true },
  {
    name: 'member promote a learner not in sync',
    args: ['member', 'promote', '{learner}'],
    expect: { code: 1 },
  },
  { name: 'member promote a voter', args: ['member', 'promote', '{lastvoter}'], expect: { code: 1 } },
  { name: 'member remove the learner', args: ['member', 'remove', '{learner}'], expect: { code: 0 } },
  { name: 'member remove unknown', args: ['member', 'remove', '1234'], expect: { code: 1 } },
  {
    name: 'member add with a bad URL',
    args: ['member', 'add', 'bad', '--peer-urls=not-a-url'],
    expect: { code: 1 },
  },
  // --- endpoint -------------------------------------------------------------------------
  { name: 'endpoint status', args: ['endpoint', 'status', ...J] },
  { name: 'endpoint status --cluster', args: ['endpoint', 'status', '--cluster', ...J] },
  { name: 'endpoint health', args: ['endpoint', 'health', ...J] },
  { name: 'endpoint health --cluster', args: ['endpoint', 'health', '--cluster', ...J] },
  { name: 'endpoint health text', args: ['endpoint', 'health'] },
  {
    name: 'elect (campaign, bounded)',
    args: ['elect', 'el', 'p1'],
    watch: { ms: 3_000, lines: 2 },
  },
  {
    name: 'lock runs a command under the lock',
    args: ['lock', 'lk', 'echo', 'locked'],
    expect: { stdout: /locked/ },
  },
  {
    name: 'snapshot save (stream works; file format is inherent)',
    args: ['snapshot', 'save', `/tmp/flotilla-conformance-snapshot-${process.pid}.db`],
    singleEndpoint: true,
    expect: { code: 0, stdout: /Snapshot saved at/ },
  },
  { name: 'alarm list', args: ['alarm', 'list'], expect: { code: 0 } },
  { name: 'defrag', args: ['defrag'], expect: { code: 0 } },
  { name: 'endpoint hashkv (shape only)', args: ['endpoint', 'hashkv', '--cluster', ...J] },
];

interface Run {
  ctx: NormContext;
  vars: Record<string, string>;
  endpoints: string[];
}

function currentRevision(run: Run): number {
  const r = etcdctlSync(run.endpoints, ['get', 'x', '-w', 'json']);
  const m = /"revision":(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : NaN;
}

function fill(run: Run, a: string): string {
  return a
    .replace(/\{NOW\+(\d+)\}/g, (_, n: string) => String(currentRevision(run) + Number(n)))
    .replace(/\{R\+(\d+)\}/g, (_, n: string) => String(run.ctx.base + Number(n)))
    .replace(/\{(\w+)\}/g, (m, k: string) => run.vars[k] ?? m);
}

function runWatch(run: Run, args: string[], w: NonNullable<Step['watch']>): Promise<RawResult> {
  return new Promise((resolve) => {
    const child = spawn(ETCDCTL_BIN, [`--endpoints=${run.endpoints.join(',')}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killedByUs = false;
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killedByUs = true;
        child.kill('SIGTERM');
      }
    };
    const timer = setTimeout(stop, w.ms);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (w.lines !== undefined && stdout.split('\n').length - 1 >= w.lines) {
        // A little longer to catch anything unexpected after the expected lines.
        setTimeout(stop, 300);
      }
    });
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Stopped by the bounded read: the watch was still open, which is the expected outcome.
      resolve({ code: killedByUs ? 'open (stopped by the test)' : (code ?? String(signal)), stdout, stderr });
    });
    if (w.during) {
      setTimeout(() => {
        for (const a of w.during!) etcdctlSync(run.endpoints, a);
      }, 700);
    }
  });
}

/** Runs the whole script against a cluster; one normalized result per step. */
export async function runScript(endpoints: string[]): Promise<StepOutcome[]> {
  const run: Run = { ctx: newContext(), vars: {}, endpoints };
  const [port, port2] = await freePorts(2);
  run.vars.freeport = String(port);
  run.vars.freeport2 = String(port2);
  // Member ids are random per cluster: register them so they print as placeholders.
  const ml = etcdctlSync(endpoints, ['member', 'list', '-w', 'json']);
  if (ml.code === 0) {
    const m = parseJsonExact(ml.stdout) as { members?: { ID: string | number; name?: string }[] };
    for (const x of m.members ?? []) {
      registerId(run.ctx, x.ID, '<member>');
      if (x.name) run.ctx.names.add(x.name);
      run.vars.lastvoter = BigInt(x.ID).toString(16);
    }
  }
  const results: StepOutcome[] = [];
  const t0 = Date.now();
  for (const [i, step] of STEPS.entries()) {
    const wait = (step.minElapsedMs ?? 0) - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const args = step.args.map((a) => fill(run, a));
    const raw = step.watch
      ? await runWatch(run, args, step.watch)
      : etcdctlSync(
          step.singleEndpoint ? endpoints.slice(0, 1) : endpoints,
          args,
          step.input !== undefined ? { input: step.input } : {},
        );
    if (i === 0) {
      const m = /"revision":(\d+)/.exec(raw.stdout);
      if (m) run.ctx.base = Number(m[1]);
    }
    if (step.capture && raw.code === 0) {
      try {
        Object.assign(run.vars, step.capture(raw.stdout, run.ctx));
      } catch {
        /* the comparison shows the odd output */
      }
    }
    const isJsonWatch = step.watch !== undefined && args.includes('json');
    results.push({
      raw,
      norm: {
        code: raw.code,
        stdout: isJsonWatch
          ? normWatchJson(run.ctx, raw.stdout)
          : normStdout(run.ctx, raw.stdout, step.sortLines),
        stderr: normText(run.ctx, raw.stderr),
      },
    });
  }
  rmSync(`/tmp/flotilla-conformance-snapshot-${process.pid}.db`, { force: true });
  return results;
}
