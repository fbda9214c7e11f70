// DockerUnitHost: systemd's part in fleet, played with containers on one machine (DESIGN.md
// decision 3). Every process a unit runs is a container on the local (or remote) engine, labelled
// with the cluster, the machine and the unit; `docker …` Exec lines become Docker API calls on
// names scoped to the machine; other command lines run in a container of the machine's image that
// shares the machine's network namespace. Exits are seen on Docker's event stream, not by polling.

import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
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
}

type Outcome =
  { ok: true } | { ok: false; reason: string; kind: 'exit-code' | 'signal' | 'timeout' | 'resources' };

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
  6: 'ABRT',
  9: 'KILL',
  13: 'PIPE',
  14: 'ALRM',
  15: 'TERM',
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

function describeExit(code: number): { text: string; signal: boolean } {
  if (code > 128 && code - 128 < 32) {
    const n = code - 128;
    return { text: `code=killed, status=${n}/${SIGNALS[n] ?? `SIG${n}`}`, signal: true };
  }
  return { text: `code=exited, status=${code}`, signal: false };
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
          await this.stopSequence(existing, { runExecStop: true, allowRestart: false });
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
        this.setState(u, INACTIVE);
        return;
      }
      if (this.isActiveish(u) || u.main) {
        await this.stopSequence(u, { runExecStop: true, allowRestart: false });
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
        await this.stopSequence(u, { runExecStop: true, allowRestart: false });
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

  onStateChange(cb: (name: string, state: SystemdState | undefined) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async recover(): Promise<void> {
    await this.ensureEvents();
    const list = await this.docker.listContainers({
      all: true,
      filters: {
        // role=unit: the machine's own container carries the cluster and machine labels too.
        label: [
          `${UNIT_LABELS.cluster}=${this.o.cluster}`,
          `${UNIT_LABELS.machine}=${this.o.machineId}`,
          `${UNIT_LABELS.role}=unit`,
        ],
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
      if (sameContent && adopted.has(unitName) && c.State === 'running') continue;
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
      this.setState(u, { load: 'loaded', active: 'failed', sub: 'failed' });
      return;
    }
    u.starts.push(now);
    // An automatic restart keeps the failure that caused it visible.
    if (!auto) u.error = undefined;
    u.main = undefined;
    const gen = u.gen;

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
        return this.failStart(u, { ok: false, reason: `ExecStart: ${r.error}`, kind: 'resources' }, false);
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
      if (spec.remainAfterExit) this.setState(u, { load: 'loaded', active: 'active', sub: 'exited' });
      else await this.stopSequence(u, { runExecStop: true, allowRestart: true });
      return;
    }
    this.setState(u, { load: 'loaded', active: 'active', sub: 'running' });
    if (immediateExit !== undefined) {
      // The "main process" was a command that ends at once (e.g. `docker run -d`): it exited.
      const code = immediateExit;
      void this.enqueue(u, () => this.handleMainExit(u, undefined, code, gen, immediateDetail));
    }
  }

  private async failStart(u: Unit, o: Outcome, runExecStop: boolean): Promise<void> {
    if (!o.ok) u.error = o.reason;
    await this.stopSequence(u, { runExecStop, allowRestart: true, failure: o });
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
      return { code: 125, error: errorText(err) };
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
        return problem ? { code: 1, error: problem } : { code: 0 };
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
        if (!a.attach) {
          return this.eachContainer(a.containers, async (c) => {
            try {
              await c.start();
            } catch (err) {
              if (statusOf(err) !== 304) throw err;
            }
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
    const conflict = sharedNetnsConflict(run, this.networkMode);
    if (conflict) return { code: 125, error: `docker run: ${conflict}` };
    const envFileEntries: EnvEntry[] = [];
    for (const f of run.envFiles) {
      const text = await this.readMachineFile(f);
      if (typeof text !== 'string') return { code: 125, error: `docker run: open ${f}: ${text.error}` };
      envFileEntries.push(...parseEnvFile(text));
    }
    const problem = await this.ensureImage(run.image);
    if (problem) return { code: 125, error: problem };
    // The main process: the foreground container of ExecStart, or the -d one of Type=forking.
    const main = asMain && (mode === 'launch' ? !run.detach : run.detach);
    const created = await this.createUnique(u, run.name, (name) =>
      toCreateOptions(run, {
        name,
        labels: this.labels(u, main),
        networkMode: this.networkMode,
        env,
        envFileEntries,
      }),
    );
    if ('error' in created) return { code: 125, error: created.error };
    return this.startCreated(created.id, created.name, run.detach, timeoutMs, mode);
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
    if (problem) return { code: 125, error: problem };
    const created = await this.createUnique(u, undefined, (name) => {
      const o: Dockerode.ContainerCreateOptions = {
        name,
        Image: this.o.image,
        Entrypoint: [cmd.path],
        Cmd: argv.slice(1),
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: this.labels(u, mode === 'launch'),
        HostConfig: { NetworkMode: this.networkMode },
      };
      if (spec.workingDirectory) o.WorkingDir = spec.workingDirectory;
      if (spec.user && !cmd.privileged) o.User = spec.user;
      return o;
    });
    if ('error' in created) return { code: 127, error: created.error };
    const r = await this.startCreated(created.id, created.name, false, timeoutMs, mode);
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
    id: string,
    name: string,
    detach: boolean,
    timeoutMs: number,
    mode: 'wait' | 'launch',
  ): Promise<ExecResult> {
    await this.ensureEvents();
    const exited = this.waitExit(id);
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      this.dropWaiter(id);
      return { code: 125, error: `docker: Error response from daemon: ${errorText(err)}` };
    }
    if (detach) {
      this.dropWaiter(id);
      return { code: 0, detached: { id, name } };
    }
    if (mode === 'launch') return { code: 0, main: this.mainFrom(id, name, exited) };
    return this.awaitExit(id, exited, timeoutMs);
  }

  private async awaitExit(id: string, exited: Promise<number>, timeoutMs: number): Promise<ExecResult> {
    if (!Number.isFinite(timeoutMs)) return { code: await exited };
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
      return { code: 'timeout', error: `timed out after ${timeoutMs / 1000} s` };
    }
    return { code: r };
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
    let failure: Outcome | undefined;
    if (code !== 0) {
      const exit = describeExit(code);
      const tail = m ? await this.logTail(m.id) : detail;
      failure = {
        ok: false,
        kind: exit.signal ? 'signal' : 'exit-code',
        reason: `Main process exited, ${exit.text}${tail ? `; last output: ${tail}` : ''}`,
      };
      u.error = failure.reason;
    }
    await this.stopSequence(u, { runExecStop: true, allowRestart: true, failure, mainExited: true });
  }

  // ---------------------------------------------------------------------------------- stop

  private async stopSequence(
    u: Unit,
    opts: {
      runExecStop: boolean;
      allowRestart: boolean;
      failure?: Outcome | undefined;
      mainExited?: boolean;
    },
  ): Promise<void> {
    const spec = u.spec;
    const gen = u.gen;
    let failure = opts.failure && !opts.failure.ok ? opts.failure : undefined;
    u.stopping = true;
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
    const load = u.spec ? 'loaded' : 'error';
    if (opts.allowRestart && u.gen === gen && !this.closed && spec && this.shouldRestart(spec, failure)) {
      this.setState(u, { load, active: 'activating', sub: 'auto-restart' });
      u.restartTimer = setTimeout(() => {
        u.restartTimer = undefined;
        if (u.gen !== gen || this.closed) return;
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
          label: [
            `${UNIT_LABELS.cluster}=${this.o.cluster}`,
            `${UNIT_LABELS.machine}=${this.o.machineId}`,
            `${UNIT_LABELS.role}=unit`,
            `${UNIT_LABELS.unit}=${u.hosted.name}`,
          ],
        },
      });
    } catch (err) {
      u.error ??= `could not clean up the unit's containers: ${errorText(err)}`;
      return;
    }
    for (const c of list) {
      const container = this.docker.getContainer(c.Id);
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
        label: [
          `${UNIT_LABELS.cluster}=${this.o.cluster}`,
          `${UNIT_LABELS.machine}=${this.o.machineId}`,
          `${UNIT_LABELS.role}=unit`,
        ],
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
