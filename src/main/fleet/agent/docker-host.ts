// DockerUnitHost: systemd's part in fleet, played with containers on one machine (DESIGN.md
// decision 3). Every process a unit runs is a container on the local (or remote) engine, labelled
// with the cluster, the machine and the unit; `docker …` Exec lines become Docker API calls on
// names scoped to the machine; other command lines run in a container of the machine's image that
// shares the machine's network namespace. Exits are seen on Docker's event stream, not by polling.
//
// Every unit container also joins the machine container's PID namespace (PidMode container:<machine>):
// when the machine's PID 1 dies the kernel kills every process in that namespace, so a machine that
// goes down takes its units with it, as a real machine would. Their stdout and stderr go to the
// machine's journal line by line, beside systemd's lifecycle lines (Starting…, Started…, Failed…).

import type Dockerode from 'dockerode';
import { StringDecoder } from 'node:string_decoder';
import { Writable, type Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { JournalSink } from '../../journal';
import { type ExecCommand, expandEnv, type ServiceSpec, type SystemdState } from '../../../shared/units';
import {
  type DockerAction,
  type DockerRunAction,
  type EnvEntry,
  isDockerPath,
  parseDockerCommand,
  parseEnvFile,
  sharedNetnsConflict,
  toCreateOptions,
} from '../../docker/run-args';
import { loadServiceSpec } from './service-spec';
import type { HostedUnit, UnitHost } from './unit-host';

export const UNIT_LABELS = {
  cluster: 'flotilla.cluster',
  machine: 'flotilla.machine',
  unit: 'flotilla.unit',
  role: 'flotilla.role',
  /** SHA1 of the unit content the container was made for. */
  hash: 'flotilla.unit-hash',
  /** 'true' on the container that is the unit's main process. */
  main: 'flotilla.main',
} as const;

/**
 * The label filter for unit containers of a cluster (role=unit: a machine's own container carries
 * the cluster and machine labels too), narrowed to a machine, a unit, or main processes.
 */
export function unitLabelFilter(of: {
  cluster: string;
  machineId?: string;
  unit?: string;
  main?: boolean;
}): string[] {
  const l = [`${UNIT_LABELS.cluster}=${of.cluster}`, `${UNIT_LABELS.role}=unit`];
  if (of.machineId !== undefined) l.push(`${UNIT_LABELS.machine}=${of.machineId}`);
  if (of.unit !== undefined) l.push(`${UNIT_LABELS.unit}=${of.unit}`);
  if (of.main) l.push(`${UNIT_LABELS.main}=true`);
  return l;
}

/**
 * Removes every unit container of a machine, running ones killed (the fence of a machine that
 * comes back: whatever it ran before it died was placed elsewhere). Returns how many there were.
 */
export async function removeMachineUnits(
  docker: Dockerode,
  cluster: string,
  machineId: string,
): Promise<number> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: unitLabelFilter({ cluster, machineId }) },
  });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err: unknown) => {
          const code = statusOf(err);
          if (code !== 404 && code !== 409) throw err;
        }),
    ),
  );
  return list.length;
}

export interface DockerUnitHostOptions {
  docker: Dockerode;
  cluster: string;
  machineId: string;
  hostname: string;
  /** The machine's container: unit containers join its network namespace (`container:<name>`). */
  machineContainer: string;
  /** Image for command lines that are not `docker …`. */
  image: string;
  /** How long a `docker pull` (or the implicit pull of `docker run`) may take. Default 60 s. */
  pullTimeoutMs?: number;
  /** systemd's StartLimitBurst / StartLimitIntervalSec. Default 5 starts in 10 s. */
  startLimit?: { burst: number; intervalMs: number };
  /** The machine's journal: every unit container's stdout/stderr and systemd's lifecycle lines. */
  journal?: JournalSink;
}

const INACTIVE: SystemdState = { load: 'loaded', active: 'inactive', sub: 'dead' };

interface MainProcess {
  id: string;
  name: string;
  /** Exit status once it died (128+n for a signal, as Docker reports it). */
  exitCode?: number;
  exited: Promise<number>;
}

interface ExecResult {
  /** Exit status; 'timeout' when we killed it for taking too long. */
  code: number | 'timeout';
  error?: string;
  /** The command never ran for a reason outside the unit (engine, image, port, missing command). */
  outside?: boolean;
  /** Set when the command was launched as the main process (not waited for). */
  main?: MainProcess;
  /** A `docker run -d` container (the guessed main process of Type=forking). */
  detached?: { id: string; name: string };
}

interface Unit {
  hosted: HostedUnit;
  spec?: ServiceSpec;
  loadError?: string;
  state: SystemdState;
  error?: string;
  main?: MainProcess;
  seq: number;
  queue: Promise<void>;
  /** Bumped by explicit stop/unload/replace: pending restarts and exit handling of older runs lapse. */
  gen: number;
  stopping: boolean;
  restartTimer?: ReturnType<typeof setTimeout>;
  starts: number[];
  /** systemd's restart counter: automatic restarts since the last explicit start. */
  restarts: number;
  /** The last failure came from outside the unit (see UnitHost.retryable). */
  outside: boolean;
}

type FailureKind = 'exit-code' | 'signal' | 'timeout' | 'resources' | 'start-limit-hit';
type Outcome = { ok: true } | { ok: false; reason: string; kind: FailureKind; outside?: boolean };

/** Why a stop sequence runs: it decides systemd's lines around it. */
type StopWhy = 'stop' | 'exit' | 'start-failed' | 'done';

interface DockerEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

const SIGNALS: Record<number, string> = {
  1: 'HUP',
  2: 'INT',
  3: 'QUIT',
  4: 'ILL',
  5: 'TRAP',
  6: 'ABRT',
  7: 'BUS',
  8: 'FPE',
  9: 'KILL',
  10: 'USR1',
  11: 'SEGV',
  12: 'USR2',
  13: 'PIPE',
  14: 'ALRM',
  15: 'TERM',
};

/** systemd's names of exit statuses (the LSB ones); others show as `n/a`, as systemd does. */
const EXIT_NAMES: Record<number, string> = {
  0: 'SUCCESS',
  1: 'FAILURE',
  2: 'INVALIDARGUMENT',
  3: 'NOTIMPLEMENTED',
  4: 'NOPERMISSION',
  5: 'NOTINSTALLED',
  6: 'NOTCONFIGURED',
  7: 'NOTRUNNING',
};

function errorText(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string; statusCode?: number };
  const msg = e?.json?.message ?? (err instanceof Error ? err.message : String(err));
  return msg.replace(/^\(HTTP code \d+\) [^-]+- /, '').trim();
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number })?.statusCode;

/** Docker name characters only ([a-zA-Z0-9][a-zA-Z0-9_.-]*). */
function sanitize(part: string): string {
  return part.replace(/[^a-zA-Z0-9_.-]/g, '_');
}

/** Splits Docker's multiplexed log stream (no TTY) into text. */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i];
    if (kind !== 0 && kind !== 1 && kind !== 2) return buf.toString('utf8');
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString('utf8');
}

/** systemd's words for how a process ended: `code=exited, status=1/FAILURE`, `code=killed, status=9/KILL`. */
function describeExit(code: number): { text: string; signal: boolean } {
  if (code > 128 && code - 128 < 32) {
    const n = code - 128;
    return { text: `code=killed, status=${n}/${SIGNALS[n] ?? `SIG${n}`}`, signal: true };
  }
  return { text: `code=exited, status=${code}/${EXIT_NAMES[code] ?? 'n/a'}`, signal: false };
}

/** A journal time (RFC 3339, UTC) as Docker's `since`: Unix seconds with a fraction. */
function unixSince(time: string): string {
  const sec = Math.floor(Date.parse(`${time.slice(0, 19)}Z`) / 1000);
  const frac = /^\.(\d+)/.exec(time.slice(19))?.[1] ?? '0';
  return `${sec}.${frac.padEnd(9, '0').slice(0, 9)}`;
}

/** Docker's RFC3339Nano timestamp (trailing zeros dropped) with a fixed number of fraction
 *  digits, so that such strings compare as the times do: 6 is the journal's µs, 9 Docker's ns. */
function fixedFraction(ts: string, digits: 6 | 9): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(digits, '0').slice(0, digits)}Z` : ts;
}

/** Calls `each` with the payload of every frame of Docker's multiplexed stream format. */
function eachFrame(buf: Buffer, each: (stream: 'stdout' | 'stderr', payload: Buffer) => void): void {
  let i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i];
    const size = buf.readUInt32BE(i + 4);
    each(kind === 2 ? 'stderr' : 'stdout', buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
}

/**
 * Splits one output stream into lines for the journal. `docker logs --timestamps` puts Docker's
 * receive time before every line; a last line without a newline is written when the stream ends.
 */
class LineWriter extends Writable {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (ts: string, text: string) => void) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.take(this.decoder.write(chunk));
    done();
  }

  /** The last partial line, at the end of the stream. */
  flushRest(): void {
    this.take(this.decoder.end());
    if (this.rest) this.line(this.rest);
    this.rest = '';
  }

  private take(text: string): void {
    const s = this.rest + text;
    let pos = 0;
    let nl = s.indexOf('\n');
    while (nl >= 0) {
      this.line(s.slice(pos, nl));
      pos = nl + 1;
      nl = s.indexOf('\n', pos);
    }
    this.rest = s.slice(pos);
  }

  private line(raw: string): void {
    const sp = raw.indexOf(' ');
    const text = raw.slice(sp + 1);
    this.onLine(sp > 0 ? raw.slice(0, sp) : '', text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}

export class DockerUnitHost implements UnitHost {
  private readonly docker: Dockerode;
  private readonly o: DockerUnitHostOptions;
  private readonly units = new Map<string, Unit>();
  private readonly listeners = new Set<(name: string, state: SystemdState | undefined) => void>();
  private readonly exitWaiters = new Map<string, Array<(code: number) => void>>();
  private events?: Readable;
  private eventsReady?: Promise<void>;
  private lastEventNano?: number;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private reconnectDelayMs = 500;
  private closed = false;
  /** Container id → its output capture, done when the container's output has all been read. */
  private readonly captures = new Map<string, Promise<void>>();
  private readonly captureStreams = new Set<Readable>();
  private machineNet: Promise<{ network: string } | { error: string }> | undefined;

  constructor(options: DockerUnitHostOptions) {
    this.docker = options.docker;
    this.o = options;
  }

  // ---------------------------------------------------------------------------------- UnitHost

  async load(unit: HostedUnit): Promise<void> {
    const existing = this.units.get(unit.name);
    if (existing) {
      if (existing.hosted.hash === unit.hash) return;
      await this.enqueue(existing, async () => {
        existing.gen++;
        this.clearRestart(existing);
        if (this.isActiveish(existing) || existing.main) {
          await this.stopSequence(existing, { runExecStop: true, allowRestart: false, why: 'stop' });
        }
        this.applyContent(existing, unit);
        this.setState(existing, { ...INACTIVE, load: existing.spec ? 'loaded' : 'error' });
      });
      return;
    }
    const u: Unit = {
      hosted: unit,
      // Not a state anyone saw: loading is the first change listeners hear about.
      state: { load: '', active: '', sub: '' },
      seq: 0,
      queue: Promise.resolve(),
      gen: 0,
      stopping: false,
      starts: [],
      restarts: 0,
      outside: false,
    };
    this.applyContent(u, unit);
    this.units.set(unit.name, u);
    this.setState(u, { ...INACTIVE, load: u.spec ? 'loaded' : 'error' });
  }

  async start(name: string): Promise<void> {
    const u = this.mustGet(name);
    await this.enqueue(u, () => this.doStart(u, false));
  }

  async stop(name: string): Promise<void> {
    const u = this.mustGet(name);
    await this.enqueue(u, async () => {
      u.gen++;
      if (this.clearRestart(u) && u.state.sub === 'auto-restart') {
        await this.removeUnitContainers(u);
        this.sys(u, `Stopped ${this.description(u)}.`);
        this.setState(u, INACTIVE);
        return;
      }
      if (this.isActiveish(u) || u.main) {
        await this.stopSequence(u, { runExecStop: true, allowRestart: false, why: 'stop' });
      } else {
        await this.removeUnitContainers(u);
      }
    });
  }

  async unload(name: string): Promise<void> {
    const u = this.units.get(name);
    if (!u) return;
    await this.enqueue(u, async () => {
      u.gen++;
      this.clearRestart(u);
      if (this.isActiveish(u) || u.main) {
        await this.stopSequence(u, { runExecStop: true, allowRestart: false, why: 'stop' });
      } else {
        await this.removeUnitContainers(u);
      }
      if (this.units.get(name) === u) {
        this.units.delete(name);
        this.emit(name, undefined);
      }
    });
  }

  state(name: string): SystemdState | undefined {
    const s = this.units.get(name)?.state;
    return s ? { ...s } : undefined;
  }

  loaded(): string[] {
    return [...this.units.keys()];
  }

  /** Why the unit last failed (or could not load), as systemd's status would tell. */
  lastError(name: string): string | undefined {
    const u = this.units.get(name);
    return u?.error ?? u?.loadError;
  }

  /** Failed because Docker could not run something (engine, image, port, missing command). */
  retryable(name: string): boolean {
    const u = this.units.get(name);
    return !!u && u.state.active === 'failed' && u.outside;
  }

  onStateChange(cb: (name: string, state: SystemdState | undefined) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async recover(): Promise<void> {
    await this.ensureEvents();
    const list = await this.docker.listContainers({
      all: true,
      filters: {
        label: unitLabelFilter({ cluster: this.o.cluster, machineId: this.o.machineId }),
      },
    });
    const adopted = new Set<string>();
    const keep = new Set<string>();
    // First the main processes of loaded units that are still running.
    for (const c of list) {
      const labels = c.Labels ?? {};
      const u = this.units.get(labels[UNIT_LABELS.unit] ?? '');
      if (!u || labels[UNIT_LABELS.hash] !== u.hosted.hash) continue;
      if (labels[UNIT_LABELS.main] !== 'true' || c.State !== 'running') continue;
      if (adopted.has(u.hosted.name) || u.main || u.state.active !== 'inactive') continue;
      adopted.add(u.hosted.name);
      keep.add(c.Id);
      const name = (c.Names?.[0] ?? c.Id).replace(/^\//, '');
      u.main = this.trackMain(c.Id, name);
      u.error = undefined;
      this.capture(u, c.Id, { resume: true });
      this.setState(u, { load: 'loaded', active: 'active', sub: 'running' });
      this.watchMain(u, u.main, u.gen);
    }
    // Helpers still running beside an adopted main stay; everything else of ours goes.
    for (const c of list) {
      if (keep.has(c.Id)) continue;
      const labels = c.Labels ?? {};
      const unitName = labels[UNIT_LABELS.unit] ?? '';
      const u = this.units.get(unitName);
      const sameContent = u && labels[UNIT_LABELS.hash] === u.hosted.hash;
      if (sameContent && u && adopted.has(unitName) && c.State === 'running') {
        this.capture(u, c.Id, { resume: true });
        continue;
      }
      if (sameContent && u && (u.main || this.isActiveish(u)) && !adopted.has(unitName)) continue;
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const u of this.units.values()) this.clearRestart(u);
    // The containers stay (an app restart adopts them); their output is read again from there.
    for (const s of this.captureStreams) s.destroy();
    this.captureStreams.clear();
    this.events?.destroy();
    this.events = undefined;
    this.eventsReady = undefined;
  }

  // ---------------------------------------------------------------------------------- plumbing

  private mustGet(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw new Error(`Unit ${name} not loaded.`);
    return u;
  }

  private applyContent(u: Unit, unit: HostedUnit): void {
    u.hosted = unit;
    u.error = undefined;
    u.spec = undefined;
    u.loadError = undefined;
    if (!unit.name.endsWith('.service')) {
      u.loadError = `${unit.name}: only .service units can run on this host`;
      return;
    }
    const r = loadServiceSpec(unit.content, unit.name);
    if (r.ok) u.spec = r.spec;
    else u.loadError = r.error;
  }

  /** Runs unit operations one at a time; a failing one never breaks the chain or escapes. */
  private enqueue(u: Unit, op: () => Promise<void>): Promise<void> {
    const next = u.queue.then(op).catch((err: unknown) => {
      u.error = `internal error: ${errorText(err)}`;
      this.sys(u, `${u.hosted.name}: ${u.error}`);
      if (this.units.get(u.hosted.name) === u) {
        this.setState(u, { load: u.state.load, active: 'failed', sub: 'failed' });
      }
    });
    u.queue = next;
    return next;
  }

  private setState(u: Unit, s: SystemdState): void {
    const prev = u.state;
    u.state = s;
    if (prev.load === s.load && prev.active === s.active && prev.sub === s.sub) return;
    if (this.units.get(u.hosted.name) !== u) return;
    this.emit(u.hosted.name, { ...s });
  }

  private emit(name: string, s: SystemdState | undefined): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(name, s);
      } catch {
        // A listener's problem is not the unit's.
      }
    }
  }

  private isActiveish(u: Unit): boolean {
    return (
      u.state.active === 'active' || u.state.active === 'activating' || u.state.active === 'deactivating'
    );
  }

  private clearRestart(u: Unit): boolean {
    if (!u.restartTimer) return false;
    clearTimeout(u.restartTimer);
    u.restartTimer = undefined;
    return true;
  }

  private scoped(name: string): string {
    return `flotilla-${sanitize(this.o.cluster)}-${sanitize(this.o.hostname)}-${name}`;
  }

  private labels(u: Unit, main: boolean): Record<string, string> {
    const l: Record<string, string> = {
      [UNIT_LABELS.cluster]: this.o.cluster,
      [UNIT_LABELS.machine]: this.o.machineId,
      [UNIT_LABELS.unit]: u.hosted.name,
      [UNIT_LABELS.role]: 'unit',
      [UNIT_LABELS.hash]: u.hosted.hash,
    };
    if (main) l[UNIT_LABELS.main] = 'true';
    return l;
  }

  private get networkMode(): string {
    return `container:${this.o.machineContainer}`;
  }

  /** Every unit process lives in the machine's PID namespace and so dies with the machine. */
  private get pidMode(): string {
    return `container:${this.o.machineContainer}`;
  }

  private description(u: Unit): string {
    return u.spec?.description ?? u.hosted.name;
  }

  /** One of systemd's lines about the unit, into the machine's journal. */
  private sys(u: Unit, text: string): void {
    this.o.journal?.write({ unit: u.hosted.name, stream: 'system', text });
  }

  /**
   * The network a container that publishes ports joins: the machine container's own (the
   * cluster's network). Read from Docker once; an error says why ports cannot be published.
   */
  private machineNetwork(): Promise<{ network: string } | { error: string }> {
    this.machineNet ??= this.docker
      .getContainer(this.o.machineContainer)
      .inspect()
      .then((info): { network: string } | { error: string } => {
        const mode = info.HostConfig.NetworkMode ?? '';
        const named = Object.keys(info.NetworkSettings?.Networks ?? {});
        const network = mode && mode !== 'default' ? mode : named[0];
        if (!network || network === 'none' || network.startsWith('container:')) {
          return {
            error: `-p/--publish needs a network, and the machine ${this.o.hostname} has none (${mode || 'none'})`,
          };
        }
        return { network };
      })
      .catch((err: unknown) => {
        this.machineNet = undefined;
        return { error: `cannot read the machine's network: ${errorText(err)}` };
      });
    return this.machineNet;
  }

  // ---------------------------------------------------------------------------------- start

  private async doStart(u: Unit, auto: boolean): Promise<void> {
    if (!u.spec) {
      u.error = u.loadError;
      return;
    }
    if (u.state.active === 'active' || u.state.active === 'activating' || u.state.active === 'deactivating') {
      if (!(u.state.sub === 'auto-restart' && (auto || this.clearRestart(u)))) return;
    }
    this.clearRestart(u);
    const spec = u.spec;
    const now = Date.now();
    const limit = this.o.startLimit ?? { burst: 5, intervalMs: 10_000 };
    u.starts = u.starts.filter((t) => now - t < limit.intervalMs);
    if (u.starts.length >= limit.burst) {
      u.error = `Start request repeated too quickly (${limit.burst} starts within ${limit.intervalMs / 1000} s).${u.error ? ` Last failure: ${u.error}` : ''}`;
      u.outside = false;
      this.sys(u, `${u.hosted.name}: Start request repeated too quickly.`);
      this.sys(u, `${u.hosted.name}: Failed with result 'start-limit-hit'.`);
      this.sys(u, `Failed to start ${this.description(u)}.`);
      this.setState(u, { load: 'loaded', active: 'failed', sub: 'failed' });
      return;
    }
    u.starts.push(now);
    // An automatic restart keeps the failure that caused it visible.
    if (!auto) {
      u.error = undefined;
      u.restarts = 0;
    }
    u.outside = false;
    u.main = undefined;
    const gen = u.gen;
    this.sys(u, `Starting ${this.description(u)}...`);

    this.setState(u, { load: 'loaded', active: 'activating', sub: 'start-pre' });
    const env = await this.unitEnv(spec);
    if (typeof env === 'string') {
      return this.failStart(u, { ok: false, reason: env, kind: 'resources' }, false);
    }
    try {
      await this.ensureEvents();
    } catch (err) {
      return this.failStart(
        u,
        { ok: false, reason: `Docker engine: ${errorText(err)}`, kind: 'resources' },
        false,
      );
    }

    for (const line of spec.execStartPre) {
      const o = await this.runLine(u, 'ExecStartPre', line, env, spec.timeoutStartMs);
      if (!o.ok) return this.failStart(u, o, false);
    }

    this.setState(u, { load: 'loaded', active: 'activating', sub: 'start' });
    let immediateExit: number | undefined;
    let immediateDetail: string | undefined;
    if (spec.type === 'oneshot' || spec.type === 'forking') {
      for (const line of spec.execStart) {
        const forking = spec.type === 'forking';
        const o = await this.runLine(u, 'ExecStart', line, env, spec.timeoutStartMs, forking, (r) => {
          if (forking && r.detached) u.main = this.trackMain(r.detached.id, r.detached.name);
        });
        if (!o.ok) return this.failStart(u, o, false);
      }
    } else {
      const cmd = spec.execStart[0]?.[0];
      if (!cmd) return this.failStart(u, { ok: false, reason: 'no ExecStart=', kind: 'resources' }, false);
      const r = await this.runCommand(u, cmd, env, spec.timeoutStartMs, 'launch', true);
      if (r.main) u.main = r.main;
      else if (r.error && typeof r.code === 'number' && r.code >= 125) {
        const o: Outcome = {
          ok: false,
          reason: `ExecStart: ${r.error}`,
          kind: 'resources',
          outside: r.outside ?? false,
        };
        return this.failStart(u, o, false);
      } else {
        immediateExit = r.code === 'timeout' ? 1 : r.code;
        immediateDetail = r.error;
      }
    }
    if (u.main) this.watchMain(u, u.main, gen);

    if (spec.execStartPost.length) {
      this.setState(u, { load: 'loaded', active: 'activating', sub: 'start-post' });
      for (const line of spec.execStartPost) {
        const o = await this.runLine(u, 'ExecStartPost', line, env, spec.timeoutStartMs);
        if (!o.ok) return this.failStart(u, o, true);
      }
    }

    if (spec.type === 'oneshot') {
      if (spec.remainAfterExit) {
        this.sys(u, `Started ${this.description(u)}.`);
        this.setState(u, { load: 'loaded', active: 'active', sub: 'exited' });
      } else await this.stopSequence(u, { runExecStop: true, allowRestart: true, why: 'done' });
      return;
    }
    this.sys(u, `Started ${this.description(u)}.`);
    this.setState(u, { load: 'loaded', active: 'active', sub: 'running' });
    if (immediateExit !== undefined) {
      // The "main process" was a command that ends at once (e.g. `docker run -d`): it exited.
      const code = immediateExit;
      void this.enqueue(u, () => this.handleMainExit(u, undefined, code, gen, immediateDetail));
    }
  }

  private async failStart(u: Unit, o: Outcome, runExecStop: boolean): Promise<void> {
    if (!o.ok) {
      u.error = o.reason;
      u.outside = o.outside ?? o.kind === 'resources';
      // The reason line: what Docker said (image missing, port taken, no such command …).
      this.sys(u, `${u.hosted.name}: ${o.reason}`);
    }
    await this.stopSequence(u, { runExecStop, allowRestart: true, failure: o, why: 'start-failed' });
  }

  /** Environment= then EnvironmentFile= (files on the machine; `-` ones may be missing). */
  private async unitEnv(spec: ServiceSpec): Promise<Record<string, string> | string> {
    const env: Record<string, string> = { ...spec.environment };
    for (const f of spec.environmentFiles) {
      const text = await this.readMachineFile(f.path);
      if (typeof text !== 'string') {
        if (f.optional) continue;
        return `Failed to load environment files: ${f.path}: ${text.error}`;
      }
      for (const e of parseSystemdEnvFile(text)) env[e.key] = e.value;
    }
    return env;
  }

  /** Reads a file from the machine's container (its filesystem is the machine's). */
  private async readMachineFile(path: string): Promise<string | { error: string }> {
    try {
      const stream = (await this.docker
        .getContainer(this.o.machineContainer)
        .getArchive({ path })) as unknown as Readable;
      const ex = extract();
      const chunks: Buffer[] = [];
      let found = false;
      await new Promise<void>((resolve, reject) => {
        ex.on('entry', (header, body, next) => {
          if (!found && header.type === 'file') {
            found = true;
            body.on('data', (c: unknown) => {
              chunks.push(c as Buffer);
            });
          } else body.resume();
          body.on('end', next);
        });
        ex.on('finish', resolve);
        ex.on('error', reject);
        stream.on('error', reject);
        stream.pipe(ex);
      });
      if (!found) return { error: 'not a regular file' };
      return Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      return { error: statusOf(err) === 404 ? 'No such file or directory' : errorText(err) };
    }
  }

  /** Runs the commands of one Exec line in order; the first failure (not `-`) ends it. */
  private async runLine(
    u: Unit,
    what: string,
    line: ExecCommand[],
    env: Record<string, string>,
    timeoutMs: number,
    asMain = false,
    each?: (r: ExecResult) => void,
  ): Promise<Outcome> {
    for (const cmd of line) {
      const r = await this.runCommand(u, cmd, env, timeoutMs, 'wait', asMain);
      each?.(r);
      if (r.code === 0 || cmd.ignoreFailure) continue;
      const shown = cmd.argv.join(' ');
      if (r.code === 'timeout') {
        return { ok: false, kind: 'timeout', reason: `${what} timed out: ${shown}` };
      }
      const exit = describeExit(r.code);
      return {
        ok: false,
        kind: exit.signal ? 'signal' : 'exit-code',
        reason: `${what} failed (${exit.text}): ${shown}${r.error ? ` — ${r.error}` : ''}`,
        outside: r.outside ?? false,
      };
    }
    return { ok: true };
  }

  // ---------------------------------------------------------------------------------- commands

  private async runCommand(
    u: Unit,
    cmd: ExecCommand,
    env: Record<string, string>,
    timeoutMs: number,
    mode: 'wait' | 'launch',
    asMain = false,
  ): Promise<ExecResult> {
    const argv = cmd.noEnvExpansion ? cmd.argv : expandEnv(cmd.argv, env);
    try {
      if (isDockerPath(cmd.path)) {
        const parsed = parseDockerCommand(['docker', ...argv.slice(1)]);
        if (!parsed.ok) return { code: 125, error: parsed.error };
        return await this.runDocker(u, parsed.action, env, timeoutMs, mode, asMain);
      }
      return await this.runInImage(u, cmd, argv, env, timeoutMs, mode);
    } catch (err) {
      return { code: 125, error: errorText(err), outside: true };
    }
  }

  private async runDocker(
    u: Unit,
    a: DockerAction,
    env: Record<string, string>,
    timeoutMs: number,
    mode: 'wait' | 'launch',
    asMain: boolean,
  ): Promise<ExecResult> {
    switch (a.kind) {
      case 'run':
        return this.dockerRun(u, a, env, timeoutMs, mode, asMain);
      case 'pull': {
        const problem = await this.ensureImage(a.image);
        return problem ? { code: 1, error: problem, outside: true } : { code: 0 };
      }
      case 'kill':
        return this.eachContainer(a.containers, (c) => c.kill(a.signal ? { signal: a.signal } : {}));
      case 'rm':
        return this.eachContainer(a.containers, (c) => c.remove({ force: a.force, v: a.volumes }));
      case 'stop':
        return this.eachContainer(a.containers, async (c) => {
          const opts: Record<string, unknown> = {};
          if (a.time !== undefined) opts.t = a.time;
          if (a.signal !== undefined) opts.signal = a.signal;
          try {
            await c.stop(opts);
          } catch (err) {
            if (statusOf(err) !== 304) throw err;
          }
        });
      case 'start': {
        // Output from here on: what the container printed before is in the journal already.
        const since = unixSince(new Date().toISOString());
        if (!a.attach) {
          return this.eachContainer(a.containers, async (c) => {
            try {
              await c.start();
            } catch (err) {
              if (statusOf(err) !== 304) throw err;
            }
            const info = await c.inspect().catch(() => undefined);
            if (info) this.capture(u, info.Id, { since, tty: info.Config.Tty });
          });
        }
        const name = this.scoped(a.containers[0] as string);
        const c = this.docker.getContainer(name);
        let info: Dockerode.ContainerInspectInfo;
        try {
          info = await c.inspect();
        } catch (err) {
          return { code: 1, error: `Error response from daemon: ${errorText(err)}` };
        }
        await this.ensureEvents();
        const exited = this.waitExit(info.Id);
        if (!info.State.Running) {
          try {
            await c.start();
          } catch (err) {
            this.dropWaiter(info.Id);
            return { code: 1, error: `Error response from daemon: ${errorText(err)}` };
          }
        }
        this.capture(u, info.Id, { since, tty: info.Config.Tty });
        if (mode === 'launch') return { code: 0, main: this.mainFrom(info.Id, name, exited) };
        return this.awaitExit(info.Id, exited, timeoutMs);
      }
    }
  }

  private async eachContainer(
    names: string[],
    act: (c: Dockerode.Container) => Promise<unknown>,
  ): Promise<ExecResult> {
    const errors: string[] = [];
    for (const n of names) {
      try {
        await act(this.docker.getContainer(this.scoped(n)));
      } catch (err) {
        errors.push(`Error response from daemon: ${errorText(err)}`);
      }
    }
    return errors.length ? { code: 1, error: errors.join('; ') } : { code: 0 };
  }

  private async dockerRun(
    u: Unit,
    run: DockerRunAction,
    env: Record<string, string>,
    timeoutMs: number,
    mode: 'wait' | 'launch',
    asMain: boolean,
  ): Promise<ExecResult> {
    // Docker refuses -p with a shared network namespace (`--net container:<machine>`), so a
    // container that publishes ports gets its own namespace on the machine's network (the
    // cluster's): Docker publishes its ports on the host, and it keeps the machine's PID
    // namespace, so it still dies with the machine. The trade-off: it has its own address on that
    // network rather than the machine's, and does not share the machine's localhost with the
    // unit's other containers.
    const publishes = run.publish.length > 0 || run.publishAll;
    let networkMode = this.networkMode;
    if (publishes && run.network === undefined) {
      const net = await this.machineNetwork();
      if ('error' in net) return { code: 125, error: `docker run: ${net.error}`, outside: true };
      networkMode = net.network;
    }
    const conflict = sharedNetnsConflict(run, networkMode);
    if (conflict) return { code: 125, error: `docker run: ${conflict}` };
    const envFileEntries: EnvEntry[] = [];
    for (const f of run.envFiles) {
      const text = await this.readMachineFile(f);
      if (typeof text !== 'string') return { code: 125, error: `docker run: open ${f}: ${text.error}` };
      envFileEntries.push(...parseEnvFile(text));
    }
    const problem = await this.ensureImage(run.image);
    if (problem) return { code: 125, error: problem, outside: true };
    // The main process: the foreground container of ExecStart, or the -d one of Type=forking.
    const main = asMain && (mode === 'launch' ? !run.detach : run.detach);
    const created = await this.createUnique(u, run.name, (name) => {
      const o = toCreateOptions(run, {
        name,
        labels: this.labels(u, main),
        networkMode,
        pidMode: this.pidMode,
        env,
        envFileEntries,
      });
      // Own network namespace, same host name as the machine (a shared one would have given it).
      if (!networkMode.startsWith('container:') && run.hostname === undefined) o.Hostname = this.o.hostname;
      return this.capturable(o);
    });
    if ('error' in created) return { code: 125, error: created.error, outside: true };
    const r = await this.startCreated(u, created.id, created.name, {
      detach: run.detach,
      timeoutMs,
      mode,
      tty: run.tty,
      rm: run.rm,
    });
    if (run.rm && mode === 'wait' && !run.detach) {
      await this.docker
        .getContainer(created.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    return r;
  }

  /**
   * Unit containers log through Docker's `json-file` driver whatever the engine's default (it can
   * always be read back; kept to 3 × 20 MB), and are not auto-removed: `--rm` is done here once
   * their output has been read, so a container that exits at once cannot take lines with it.
   */
  private capturable<T extends { HostConfig?: object }>(o: T): T {
    o.HostConfig = {
      ...o.HostConfig,
      AutoRemove: false,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '3' } },
    };
    return o;
  }

  private async runInImage(
    u: Unit,
    cmd: ExecCommand,
    argv: string[],
    env: Record<string, string>,
    timeoutMs: number,
    mode: 'wait' | 'launch',
  ): Promise<ExecResult> {
    const spec = u.spec as ServiceSpec;
    const problem = await this.ensureImage(this.o.image);
    if (problem) return { code: 125, error: problem, outside: true };
    const created = await this.createUnique(u, undefined, (name) => {
      const o: Dockerode.ContainerCreateOptions = {
        name,
        Image: this.o.image,
        Entrypoint: [cmd.path],
        Cmd: argv.slice(1),
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: this.labels(u, mode === 'launch'),
        HostConfig: { NetworkMode: this.networkMode, PidMode: this.pidMode },
      };
      if (spec.workingDirectory) o.WorkingDir = spec.workingDirectory;
      if (spec.user && !cmd.privileged) o.User = spec.user;
      return this.capturable(o);
    });
    if ('error' in created) return { code: 127, error: created.error, outside: true };
    const r = await this.startCreated(u, created.id, created.name, {
      detach: false,
      timeoutMs,
      mode,
      tty: false,
      rm: false,
    });
    if (mode === 'wait') {
      if (r.code !== 0 && !r.error) r.error = await this.logTail(created.id);
      await this.docker
        .getContainer(created.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    return r;
  }

  /** Creates the container; unnamed ones get the next free `<unit>-<n>`. */
  private async createUnique(
    u: Unit,
    given: string | undefined,
    options: (name: string) => Dockerode.ContainerCreateOptions,
  ): Promise<{ id: string; name: string } | { error: string }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const name =
        given !== undefined ? this.scoped(given) : this.scoped(`${sanitize(u.hosted.name)}-${++u.seq}`);
      try {
        const c = await this.docker.createContainer(options(name));
        return { id: c.id, name };
      } catch (err) {
        if (given === undefined && statusOf(err) === 409) continue;
        return { error: `docker: Error response from daemon: ${errorText(err)}` };
      }
    }
    return { error: 'docker: could not find a free container name' };
  }

  private async startCreated(
    u: Unit,
    id: string,
    name: string,
    o: { detach: boolean; timeoutMs: number; mode: 'wait' | 'launch'; tty: boolean; rm: boolean },
  ): Promise<ExecResult> {
    await this.ensureEvents();
    const exited = this.waitExit(id);
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      this.dropWaiter(id);
      // Nothing ran; whatever it is (port taken, no such command), it is not the unit's output.
      return { code: 125, error: `docker: Error response from daemon: ${errorText(err)}`, outside: true };
    }
    this.capture(u, id, { tty: o.tty, removeWhenDone: o.detach && o.rm });
    if (o.detach) {
      this.dropWaiter(id);
      return { code: 0, detached: { id, name } };
    }
    if (o.mode === 'launch') return { code: 0, main: this.mainFrom(id, name, exited) };
    return this.awaitExit(id, exited, o.timeoutMs);
  }

  private async awaitExit(id: string, exited: Promise<number>, timeoutMs: number): Promise<ExecResult> {
    if (!Number.isFinite(timeoutMs)) {
      const code = await exited;
      await this.captured(id);
      return { code };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.dropWaiter(id);
      await this.docker
        .getContainer(id)
        .kill()
        .catch(() => undefined);
      await this.captured(id);
      return { code: 'timeout', error: `timed out after ${timeoutMs / 1000} s` };
    }
    await this.captured(id);
    return { code: r };
  }

  // ---------------------------------------------------------------------------------- output

  /**
   * Copies a container's stdout and stderr into the journal, line by line, as separate streams.
   * It follows `docker logs --follow --timestamps` rather than attaching before start: the log
   * driver holds every line from the first byte, so following can begin once the container runs
   * (or again after an app restart, `since` the journal's last line of the unit) without losing a
   * line, and every line comes with the time Docker received it. The stream ends when the
   * container stops; if it ends while the container still runs (the connection broke), it is
   * followed again from its last line.
   */
  private capture(
    u: Unit,
    id: string,
    o: { tty?: boolean; since?: string; resume?: boolean; removeWhenDone?: boolean },
  ): void {
    const journal = this.o.journal;
    if (!journal || this.closed || this.captures.has(id)) return;
    const unit = u.hosted.name;
    let since = o.since;
    let resumeAfter: string | undefined;
    if (o.resume) {
      // Docker's `since` includes that instant: lines up to the journal's last one are skipped.
      resumeAfter = journal.lastTimestamp?.(unit) ?? journal.lastTime(unit)?.toISOString();
      if (resumeAfter) {
        resumeAfter = fixedFraction(resumeAfter, 6);
        since = unixSince(resumeAfter);
      }
    }
    // The newest Docker timestamp written (ns) and how many lines carried exactly it: reading
    // again from there skips precisely what was had.
    let top: string | undefined;
    let atTop = 0;
    let floor: { ns: string; skip: number } | undefined;
    const writer = (kind: 'stdout' | 'stderr') =>
      new LineWriter((ts, text) => {
        const ns = fixedFraction(ts, 9);
        if (floor && ts) {
          if (ns < floor.ns) return;
          if (ns === floor.ns && floor.skip > 0) {
            floor.skip--;
            return;
          }
        }
        if (resumeAfter !== undefined && ts && fixedFraction(ts, 6) <= resumeAfter) return;
        if (ts && (top === undefined || ns > top)) {
          top = ns;
          atTop = 1;
        } else if (ns === top) atTop++;
        journal.write(ts ? { unit, stream: kind, text, time: ts } : { unit, stream: kind, text });
      });
    const fromTop = () => {
      if (top === undefined) return;
      floor = { ns: top, skip: atTop };
      since = unixSince(top);
    };
    const container = this.docker.getContainer(id);
    const done = (async () => {
      let tty = o.tty;
      for (let attempt = 0; attempt < 5 && !this.closed; attempt++) {
        tty ??= (await container.inspect()).Config.Tty;
        const opts = { follow: true as const, stdout: true, stderr: true, timestamps: true };
        const stream = (await container.logs(since ? { ...opts, since } : opts)) as unknown as Readable;
        this.captureStreams.add(stream);
        const out = writer('stdout');
        const err = writer('stderr');
        if (tty) stream.on('data', (c: Buffer) => out.write(c));
        else this.docker.modem.demuxStream(stream, out, err);
        await new Promise<void>((resolve) => {
          stream.once('end', resolve);
          stream.once('close', resolve);
          stream.once('error', () => resolve());
        });
        this.captureStreams.delete(stream);
        out.flushRest();
        err.flushRest();
        if (this.closed) return;
        fromTop();
        const info = await container.inspect().catch(() => undefined);
        if (!info) return;
        if (!info.State.Running) {
          // Docker 20.10's follower can end before the last lines of a fast writer (seen here
          // losing thousands of a 20,000-line burst); once stopped the log is complete: read the rest.
          const rest = (await container.logs({
            follow: false,
            stdout: true,
            stderr: true,
            timestamps: true,
            ...(since ? { since } : {}),
          })) as unknown as Buffer;
          const out2 = writer('stdout');
          const err2 = writer('stderr');
          if (tty) out2.write(rest);
          else eachFrame(Buffer.from(rest), (k, b) => (k === 'stderr' ? err2 : out2).write(b));
          out2.flushRest();
          err2.flushRest();
          break;
        }
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
      if (o.removeWhenDone && !this.closed) await container.remove().catch(() => undefined);
    })()
      .catch((err: unknown) => {
        if (statusOf(err) === 404 || this.closed) return;
        journal.write({
          unit,
          stream: 'system',
          text: `${unit}: cannot read the output of container ${id.slice(0, 12)}: ${errorText(err)}`,
        });
      })
      .finally(() => this.captures.delete(id));
    this.captures.set(id, done);
  }

  /** Waits (a bounded while) until the container's output is all in the journal. */
  private async captured(id: string, timeoutMs = 5000): Promise<void> {
    const done = this.captures.get(id);
    if (!done) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Image present → undefined; else try to pull; the reason when it is not there. */
  private async ensureImage(ref: string): Promise<string | undefined> {
    const full = /:[^/]+$|@/.test(ref) ? ref : `${ref}:latest`;
    try {
      await this.docker.getImage(full).inspect();
      return undefined;
    } catch (err) {
      if (statusOf(err) !== 404) return `Docker engine: ${errorText(err)}`;
    }
    const timeoutMs = this.o.pullTimeoutMs ?? 60_000;
    try {
      const stream = (await this.docker.pull(full)) as Readable;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          stream.destroy();
          reject(new Error(`no answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        this.docker.modem.followProgress(stream, (e: Error | null, out: Array<{ error?: string }>) => {
          clearTimeout(timer);
          const failed = out?.find((x) => x.error);
          if (e) reject(e);
          else if (failed?.error) reject(new Error(failed.error));
          else resolve();
        });
      });
      await this.docker.getImage(full).inspect();
      return undefined;
    } catch (err) {
      return `Unable to find image '${full}' locally, and pulling it failed: ${errorText(err)}`;
    }
  }

  private async logTail(id: string, lines = 5): Promise<string | undefined> {
    try {
      const buf = (await this.docker
        .getContainer(id)
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      const text = demux(Buffer.from(buf)).trim();
      return text ? text.split('\n').slice(-lines).join(' | ') : undefined;
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------- main process

  private trackMain(id: string, name: string): MainProcess {
    return this.mainFrom(id, name, this.waitExit(id));
  }

  private mainFrom(id: string, name: string, exited: Promise<number>): MainProcess {
    const m: MainProcess = { id, name, exited };
    void exited.then((code) => {
      m.exitCode = code;
    });
    return m;
  }

  private watchMain(u: Unit, m: MainProcess, gen: number): void {
    void m.exited.then((code) => {
      if (this.closed) return;
      void this.enqueue(u, () => this.handleMainExit(u, m, code, gen));
    });
  }

  private async handleMainExit(
    u: Unit,
    m: MainProcess | undefined,
    code: number,
    gen: number,
    detail?: string,
  ): Promise<void> {
    if (u.gen !== gen || u.stopping || this.units.get(u.hosted.name) !== u) return;
    if (m && u.main !== m) return;
    // Its last lines go into the journal before systemd's words about its end.
    if (m) await this.captured(m.id);
    let failure: Outcome | undefined;
    if (code !== 0) {
      const exit = describeExit(code);
      this.sys(u, `${u.hosted.name}: Main process exited, ${exit.text}`);
      const tail = m ? await this.logTail(m.id) : detail;
      failure = {
        ok: false,
        kind: exit.signal ? 'signal' : 'exit-code',
        reason: `Main process exited, ${exit.text}${tail ? `; last output: ${tail}` : ''}`,
      };
      u.error = failure.reason;
    }
    await this.stopSequence(u, { runExecStop: true, allowRestart: true, failure, why: 'exit' });
  }

  // ---------------------------------------------------------------------------------- stop

  private async stopSequence(
    u: Unit,
    opts: {
      runExecStop: boolean;
      allowRestart: boolean;
      failure?: Outcome | undefined;
      why: StopWhy;
    },
  ): Promise<void> {
    const spec = u.spec;
    const gen = u.gen;
    let failure = opts.failure && !opts.failure.ok ? opts.failure : undefined;
    u.stopping = true;
    if (opts.why === 'stop') this.sys(u, `Stopping ${this.description(u)}...`);
    try {
      const env = spec ? await this.unitEnv(spec) : {};
      const envOk = typeof env === 'string' ? { ...(spec?.environment ?? {}) } : env;
      this.setState(u, { load: 'loaded', active: 'deactivating', sub: 'stop' });
      if (spec && opts.runExecStop) {
        for (const line of spec.execStop) {
          const o = await this.runLine(u, 'ExecStop', line, envOk, spec.timeoutStopMs);
          if (!o.ok && !failure) {
            failure = o;
            u.error = o.reason;
          }
        }
      }
      const m = u.main;
      if (m && m.exitCode === undefined) {
        const t = spec && Number.isFinite(spec.timeoutStopMs) ? Math.ceil(spec.timeoutStopMs / 1000) : 10;
        try {
          await this.docker.getContainer(m.id).stop({ t });
        } catch (err) {
          const s = statusOf(err);
          if (s !== 304 && s !== 404) {
            await this.docker
              .getContainer(m.id)
              .kill()
              .catch(() => undefined);
          }
        }
      }
      if (spec && spec.execStopPost.length) {
        this.setState(u, { load: 'loaded', active: 'deactivating', sub: 'stop-post' });
        for (const line of spec.execStopPost) {
          const o = await this.runLine(u, 'ExecStopPost', line, envOk, spec.timeoutStopMs);
          if (!o.ok && !failure) {
            failure = o;
            u.error = o.reason;
          }
        }
      }
      await this.removeUnitContainers(u);
    } finally {
      u.main = undefined;
      u.stopping = false;
    }
    const name = u.hosted.name;
    const description = this.description(u);
    if (failure && !failure.ok) this.sys(u, `${name}: Failed with result '${failure.kind}'.`);
    else if (opts.why === 'exit' || opts.why === 'done') this.sys(u, `${name}: Deactivated successfully.`);
    if (opts.why === 'stop') this.sys(u, `Stopped ${description}.`);
    else if (opts.why === 'start-failed') this.sys(u, `Failed to start ${description}.`);
    else if (opts.why === 'done' && !failure) this.sys(u, `Finished ${description}.`);
    const load = u.spec ? 'loaded' : 'error';
    if (opts.allowRestart && u.gen === gen && !this.closed && spec && this.shouldRestart(spec, failure)) {
      this.setState(u, { load, active: 'activating', sub: 'auto-restart' });
      u.restartTimer = setTimeout(() => {
        u.restartTimer = undefined;
        if (u.gen !== gen || this.closed) return;
        u.restarts++;
        this.sys(u, `${name}: Scheduled restart job, restart counter is at ${u.restarts}.`);
        this.sys(u, `Stopped ${description}.`);
        void this.enqueue(u, () => this.doStart(u, true));
      }, spec.restartSecMs);
      return;
    }
    this.setState(
      u,
      failure ? { load, active: 'failed', sub: 'failed' } : { load, active: 'inactive', sub: 'dead' },
    );
  }

  private shouldRestart(spec: ServiceSpec, failure: Outcome | undefined): boolean {
    const kind = failure && !failure.ok ? failure.kind : undefined;
    switch (spec.restart) {
      case 'always':
        return true;
      case 'on-success':
        return kind === undefined;
      case 'on-failure':
        return kind !== undefined;
      case 'on-abnormal':
        return kind === 'signal' || kind === 'timeout';
      case 'on-abort':
        return kind === 'signal';
      default:
        return false;
    }
  }

  /** Removes every container of this unit on this machine (created by any of its runs). */
  private async removeUnitContainers(u: Unit): Promise<void> {
    let list: Dockerode.ContainerInfo[];
    try {
      list = await this.docker.listContainers({
        all: true,
        filters: {
          label: unitLabelFilter({
            cluster: this.o.cluster,
            machineId: this.o.machineId,
            unit: u.hosted.name,
          }),
        },
      });
    } catch (err) {
      u.error ??= `could not clean up the unit's containers: ${errorText(err)}`;
      return;
    }
    for (const c of list) {
      const container = this.docker.getContainer(c.Id);
      // One that has stopped may still have lines on their way to the journal.
      if (c.State !== 'running') await this.captured(c.Id);
      try {
        await container.remove({ force: true });
      } catch (err) {
        const s = statusOf(err);
        if (s === 409) {
          // Removal already under way (--rm): wait until it is done, so "stopped" means "gone".
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            container.wait({ condition: 'removed' }).catch(() => undefined),
            new Promise((resolve) => (timer = setTimeout(resolve, 10_000))),
          ]);
          clearTimeout(timer);
        } else if (s !== 404) u.error ??= `could not remove ${c.Names?.[0] ?? c.Id}: ${errorText(err)}`;
      }
    }
  }

  // ---------------------------------------------------------------------------------- events

  private waitExit(id: string): Promise<number> {
    return new Promise<number>((resolve) => {
      const list = this.exitWaiters.get(id) ?? [];
      list.push(resolve);
      this.exitWaiters.set(id, list);
    });
  }

  private dropWaiter(id: string): void {
    this.exitWaiters.delete(id);
  }

  private resolveExit(id: string, code: number): void {
    const list = this.exitWaiters.get(id);
    if (!list) return;
    this.exitWaiters.delete(id);
    for (const r of list) r(code);
  }

  /** Opens the event stream (once); resolves when Docker has accepted the subscription. */
  private ensureEvents(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the unit host is closed'));
    if (!this.eventsReady) {
      this.eventsReady = this.connectEvents().catch((err: unknown) => {
        this.eventsReady = undefined;
        throw err;
      });
    }
    return this.eventsReady;
  }

  private async connectEvents(): Promise<void> {
    const opts: Record<string, unknown> = {
      filters: {
        type: ['container'],
        event: ['die', 'destroy'],
        label: unitLabelFilter({ cluster: this.o.cluster, machineId: this.o.machineId }),
      },
    };
    const replay = this.lastEventNano !== undefined;
    if (this.lastEventNano !== undefined) {
      const sec = Math.floor(this.lastEventNano / 1e9);
      opts.since = `${sec}.${String(this.lastEventNano % 1e9).padStart(9, '0')}`;
    }
    const stream = (await this.docker.getEvents(opts)) as unknown as Readable;
    if (this.closed) {
      stream.destroy();
      return;
    }
    this.events = stream;
    this.reconnectDelayMs = 500;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) {
          try {
            this.onEvent(JSON.parse(line) as DockerEvent);
          } catch {
            // not an event
          }
        }
        nl = buffered.indexOf('\n');
      }
    });
    const lost = () => {
      if (this.events !== stream) return;
      this.events = undefined;
      this.eventsReady = undefined;
      if (!this.closed) this.scheduleReconnect();
    };
    stream.on('error', lost);
    stream.on('end', lost);
    stream.on('close', lost);
    if (replay) await this.reconcileAfterGap();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureEvents().catch(() => {
        this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 10_000);
        this.scheduleReconnect();
      });
    }, this.reconnectDelayMs);
  }

  private onEvent(ev: DockerEvent): void {
    if (ev.timeNano !== undefined) this.lastEventNano = Math.max(this.lastEventNano ?? 0, ev.timeNano);
    const id = ev.Actor?.ID ?? ev.id;
    if (!id) return;
    if (ev.Action === 'die') {
      const code = Number(ev.Actor?.Attributes?.exitCode ?? '255');
      this.resolveExit(id, Number.isFinite(code) ? code : 255);
    } else if (ev.Action === 'destroy') {
      // Removed without a die we saw (e.g. removed while created): it is gone.
      this.resolveExit(id, 255);
    }
  }

  /** After the stream was lost: whatever we wait for that is no longer running has exited. */
  private async reconcileAfterGap(): Promise<void> {
    for (const id of [...this.exitWaiters.keys()]) {
      try {
        const info = await this.docker.getContainer(id).inspect();
        if (!info.State.Running && info.State.Status !== 'created') this.resolveExit(id, info.State.ExitCode);
      } catch (err) {
        if (statusOf(err) === 404) this.resolveExit(id, 255);
      }
    }
  }
}

/** systemd's EnvironmentFile= format: KEY=VALUE lines, `#`/`;` comments, optional quotes. */
export function parseSystemdEnvFile(text: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2] as string;
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
      v = v.slice(1, -1);
      if (m[2]?.startsWith('"')) v = v.replace(/\\(["\\$`])/g, '$1');
    }
    out.push({ key: m[1] as string, value: v });
  }
  return out;
}
