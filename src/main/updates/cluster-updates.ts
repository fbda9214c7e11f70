// The update side of a cluster's machines (coreos.md §3), one per cluster host: update_engine (check
// the feed of the machine's SERVER for its GROUP, "download" = build the version's machine image,
// verify, write the passive /usr partition) and locksmithd (reboot per REBOOT_STRATEGY, inside the
// window, through the KV semaphore, never below the KV quorum), then the boot check that marks the
// partition good or falls back to the previous one. /etc/coreos/update.conf in the machine is the
// source of truth; the cluster spec keeps a copy so it survives the machine's container.
import type { Etcd3, Watcher } from 'etcd3';
import {
  ApiError,
  type FeedState,
  type MachineUpdate,
  type RebootLock,
  type RebootState,
  type RebootStrategy,
  type RebootWindow,
  type UpdateConf,
  type UpdateStatus,
  type UpdatesView,
} from '../../shared/api';
import type { Channel, TarFile } from '../machines';
import { SILENT_TASK, type TaskContext } from '../tasks';
import { BUILTIN_FEED, BUILTIN_SERVER, loadFeed, newestOf, releaseOf } from './feed';
import { Locksmith, LockError } from './locksmith';
import {
  boot,
  initialTable,
  install,
  markFailed,
  markSuccessful,
  passiveOf,
  pendingVersion,
  prioritize,
  toPartitions,
  type PartitionTable,
} from './partitions';
import { describeWindow, windowState } from './reboot-window';
import { parseUpdateConf, renderUpdateConf } from './update-conf';
import { compareVersions, isNewer } from './versions';

export const UPDATE_CONF_PATH = '/etc/coreos/update.conf';
export const BOOT_CHECK_PATH = '/usr/lib/flotilla/boot-check';
/** locksmith's keys live under this prefix (default group and groups/<g>/). */
const LOCK_PREFIX = 'coreos.com/updateengine/rebootlock/';

/** Run in the machine after it boots from a version whose release names no check of its own. */
export const STANDARD_BOOT_CHECK = [
  '#!/bin/sh',
  '# Flotilla boot check: the machine knows its version, its id and its update settings.',
  '. /usr/lib/os-release || exit 1',
  '[ -n "$VERSION_ID" ] && [ -s /etc/machine-id ] && [ -r /etc/coreos/update.conf ]',
  '',
].join('\n');

const NO_VERSION = '0.0.0.0';
/** First retry of a reboot that waits for the lock or the quorum; doubles up to the max. */
const RETRY_MS = 500;
const RETRY_MAX_MS = 10_000;
/** How long a good boot keeps trying to give its reboot lock slot back. */
const RELEASE_PATIENCE_MS = 120_000;

/** A machine of the cluster spec, with the fields the updates keep. */
export interface UpdatesMachineRecord {
  hostname: string;
  machineId: string;
  channel?: Channel | undefined;
  osVersion?: string | undefined;
  usr?: PartitionTable | undefined;
  updateConf?: string | undefined;
  lastRollback?: MachineUpdate['lastRollback'];
  /** Versions that failed their boot check here or were rolled back from: never installed again. */
  skipVersions?: string[] | undefined;
}

/** What the updates need from the cluster host. */
export interface UpdatesHost {
  readonly name: string;
  readonly spec: {
    channel: Channel;
    osVersion: string;
    updateCheckSec: number;
    machines: UpdatesMachineRecord[];
  };
  /** A machine by host name, id or id prefix (throws NOT_FOUND with the list). */
  machine(ref: string): UpdatesMachineRecord;
  isUp(machineId: string): boolean;
  /** Persists the cluster spec (fsync) before a change is reported done. */
  save(): Promise<void>;
  readFile(hostname: string, path: string): Promise<string | undefined>;
  writeFiles(hostname: string, files: TarFile[]): Promise<void>;
  run(hostname: string, argv: string[]): Promise<{ code: number; output: string }>;
  /** Builds the machine image of a version; build progress lines go to ctx. */
  ensureImage(version: string, ctx: TaskContext): Promise<void>;
  /** The OS version the image of `version` says it carries (its label), undefined if absent. */
  imageVersion(version: string): Promise<string | undefined>;
  /** Takes the machine down and brings it back from its record's osVersion (units move, KV member restarts). */
  reboot(machineId: string, ctx: TaskContext): Promise<void>;
  /** Reserves the machine's downtime; a refusal says why (the KV would lose its quorum). */
  reserveDowntime(machineId: string): string | undefined;
  releaseDowntime(machineId: string): void;
  kv(): Etcd3 | undefined;
  /** A line in the machine's journal, as update-engine.service (journalctl -u update-engine). */
  log(machineId: string, hostname: string, text: string): void;
}

interface MachineState {
  status: UpdateStatus;
  reboot: RebootState;
  message?: string | undefined;
  lastError?: string | undefined;
  available?: string | undefined;
  nextCheckAt?: number | undefined;
  conf?: UpdateConf | undefined;
  checkTimer?: NodeJS.Timeout | undefined;
  retryTimer?: NodeJS.Timeout | undefined;
  retryMs: number;
  /** Checks and reboot attempts of this machine, one at a time. */
  busy: Promise<unknown>;
  /** Holds a slot of the reboot lock (released after a good boot). */
  locked?: string | undefined;
  /** A "reboot now" or "roll back" owns the machine's reboot: scheduled attempts stand aside. */
  forced?: boolean | undefined;
}

const idleStatus = (): UpdateStatus => ({
  lastCheckedTime: 0,
  progress: 0,
  currentOp: 'UPDATE_STATUS_IDLE',
  newVersion: NO_VERSION,
  newSize: 0,
});

export class ClusterUpdates {
  private readonly states = new Map<string, MachineState>();
  private readonly feeds = new Map<string, FeedState>();
  private readonly locks = new Map<string, RebootLock>();
  private readonly listeners = new Set<(v: UpdatesView) => void>();
  private emitTimer: NodeJS.Timeout | undefined;
  private watcher: Watcher | undefined;
  private running = false;

  constructor(private readonly host: UpdatesHost) {}

  // ------------------------------------------------------------------------------ life

  /** The cluster runs: periodic checks begin (the first one after a short settle), the lock is followed. */
  async start(): Promise<void> {
    this.running = true;
    for (const m of this.host.spec.machines) this.arm(m, Math.min(5_000, this.intervalMs()));
    const kv = this.host.kv();
    if (kv) {
      await this.refreshLock('').catch(() => undefined);
      try {
        this.watcher = await kv.watch().prefix(LOCK_PREFIX).create();
        this.watcher.on('put', (kvp) => {
          void this.refreshLock(groupOfKey(kvp.key.toString())).catch(() => undefined);
          // A slot may have come free: those waiting for it try now rather than at their next retry.
          this.kickWaiting('waiting-lock');
        });
        this.watcher.on('error', () => undefined);
      } catch {
        // The view then shows the lock as last read; lock operations still go to the KV.
      }
    }
    this.changed();
  }

  /** The cluster stops: no more checks or reboot attempts (one in progress finishes). */
  async stop(): Promise<void> {
    this.running = false;
    for (const s of this.states.values()) {
      clearTimeout(s.checkTimer);
      clearTimeout(s.retryTimer);
      s.checkTimer = s.retryTimer = undefined;
      s.nextCheckAt = undefined;
    }
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    this.changed();
  }

  /** A machine went up or down by other means: re-arm or drop its timers. */
  machineChanged(machineId: string): void {
    const m = this.host.spec.machines.find((x) => x.machineId === machineId);
    if (!m || !this.running) return;
    const s = this.state(m);
    if (this.host.isUp(machineId)) {
      if (!s.checkTimer) this.arm(m, Math.min(5_000, this.intervalMs()));
      // A member back up may be what a reboot elsewhere waits for.
      this.kickWaiting('waiting-quorum');
    } else {
      clearTimeout(s.checkTimer);
      s.checkTimer = undefined;
      s.nextCheckAt = undefined;
    }
    this.changed();
  }

  // ------------------------------------------------------------------------------ view

  subscribe(emit: (v: UpdatesView) => void): () => void {
    this.listeners.add(emit);
    emit(this.view());
    return () => this.listeners.delete(emit);
  }

  view(): UpdatesView {
    const machines = this.host.spec.machines.map((m) => this.machineView(m));
    const server = machines.find((m) => m.up)?.conf.server ?? machines[0]?.conf.server ?? BUILTIN_SERVER;
    const feed = this.feeds.get(feedKey(server)) ?? {
      server,
      feed: BUILTIN_FEED,
      loadedAt: 0,
      ...(feedKey(server) === BUILTIN_SERVER ? {} : { problem: 'not read yet' }),
    };
    const groups = new Set(['', ...machines.flatMap((m) => (m.conf.lockGroup ? [m.conf.lockGroup] : []))]);
    return {
      cluster: this.host.name,
      channel: this.host.spec.channel,
      checkIntervalSec: this.host.spec.updateCheckSec,
      feed,
      machines,
      locks: [...groups].flatMap((g) => {
        const l = this.locks.get(g);
        return l ? [l] : [];
      }),
    };
  }

  private machineView(m: UpdatesMachineRecord): MachineUpdate {
    const s = this.state(m);
    const table = this.tableOf(m);
    return {
      machineId: m.machineId,
      hostname: m.hostname,
      up: this.host.isUp(m.machineId),
      osVersion: this.runningVersion(m),
      conf: s.conf ?? this.savedConf(m).conf,
      partitions: toPartitions(table),
      status: s.status,
      reboot: s.reboot,
      ...(s.message ? { message: s.message } : {}),
      ...(s.available ? { available: s.available } : {}),
      ...(s.nextCheckAt ? { nextCheckAt: s.nextCheckAt } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
      ...(m.lastRollback ? { lastRollback: m.lastRollback } : {}),
    };
  }

  private changed(): void {
    if (this.emitTimer || this.listeners.size === 0) return;
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      const v = this.view();
      for (const l of this.listeners) {
        try {
          l(v);
        } catch {
          // One subscriber's failure is not the others'.
        }
      }
    }, 50);
  }

  // ------------------------------------------------------------------------------ settings

  /** Asks machines (one, or all that are up) to check now; returns their host names. */
  check(ref?: string): string[] {
    const targets = this.targets(ref).filter((m) => this.host.isUp(m.machineId));
    if (ref && targets.length === 0) {
      const m = this.host.machine(ref);
      throw new ApiError('CONFLICT', `${m.hostname} is down: a machine checks for updates while it runs`, {
        hint: `flotctl machine start ${m.hostname}`,
      });
    }
    for (const m of targets) void this.enqueueCheck(m);
    return targets.map((m) => m.hostname);
  }

  async setChannel(ref: string | undefined, channel: Channel): Promise<string[]> {
    if (!ref) this.host.spec.channel = channel;
    const done = await this.rewriteConf(ref, (c) => ({ ...c, group: channel }));
    this.check(ref);
    return done;
  }

  async setStrategy(
    ref: string | undefined,
    strategy: RebootStrategy,
    window: RebootWindow | null | undefined,
  ): Promise<string[]> {
    const done = await this.rewriteConf(ref, (c) => {
      const next: UpdateConf = { ...c, rebootStrategy: strategy };
      if (window === null) {
        delete next.windowStart;
        delete next.windowLength;
      } else if (window) {
        next.windowStart = window.start;
        next.windowLength = window.length;
      }
      return next;
    });
    for (const m of this.targets(ref)) this.kick(m);
    return done;
  }

  async setServer(ref: string | undefined, server: string): Promise<string[]> {
    const done = await this.rewriteConf(ref, (c) => ({ ...c, server }));
    this.check(ref);
    return done;
  }

  async setCheckInterval(seconds: number): Promise<void> {
    this.host.spec.updateCheckSec = seconds;
    await this.host.save();
    if (!this.running) return;
    for (const m of this.host.spec.machines) this.arm(m, this.intervalMs());
    this.changed();
  }

  /**
   * Rewrites update.conf of one machine or all: in the machine when it runs (the file is what
   * counts), and in the spec, which carries it to the machine's next container.
   */
  private async rewriteConf(
    ref: string | undefined,
    change: (c: UpdateConf) => UpdateConf,
  ): Promise<string[]> {
    const targets = this.targets(ref);
    for (const m of targets) {
      const current = await this.readConf(m);
      const next = change(current.conf);
      const text = renderUpdateConf(next, current.extra);
      if (this.host.isUp(m.machineId))
        await this.host.writeFiles(m.hostname, [{ name: UPDATE_CONF_PATH.slice(1), content: text }]);
      m.updateConf = text;
      m.channel = next.group;
      this.state(m).conf = next;
    }
    await this.host.save();
    this.changed();
    return targets.map((m) => m.hostname);
  }

  // ------------------------------------------------------------------------------ files for boot

  /** What a machine boots with besides its image: its update.conf and its version's boot check. */
  async bootFiles(m: UpdatesMachineRecord): Promise<TarFile[]> {
    const { text, conf } = this.savedConf(m);
    const version = this.runningVersion(m);
    // The feed as last read (a boot should not wait on a slow feed server), else read now.
    const feed =
      this.feeds.get(feedKey(conf.server)) ?? (await this.feedFor(conf.server).catch(() => undefined));
    const check = (feed && releaseOf(feed.feed, version)?.bootCheck) ?? STANDARD_BOOT_CHECK;
    return [
      { name: 'etc/coreos', type: 'directory' },
      { name: UPDATE_CONF_PATH.slice(1), content: text },
      { name: 'usr/lib/flotilla', type: 'directory' },
      { name: BOOT_CHECK_PATH.slice(1), content: check, mode: 0o755 },
    ];
  }

  // ------------------------------------------------------------------------------ update_engine

  private enqueueCheck(m: UpdatesMachineRecord): Promise<void> {
    const s = this.state(m);
    const run = s.busy.then(() => this.runCheck(m));
    s.busy = run.catch(() => undefined);
    return run;
  }

  private async runCheck(m: UpdatesMachineRecord): Promise<void> {
    const s = this.state(m);
    if (!this.host.isUp(m.machineId)) return;
    this.arm(m, this.intervalMs());
    this.setOp(m, 'UPDATE_STATUS_CHECKING_FOR_UPDATE', 0);
    try {
      const { conf, problems } = await this.readConf(m);
      s.conf = conf;
      const feed = await this.feedFor(conf.server);
      s.status.lastCheckedTime = Math.floor(Date.now() / 1000);
      const newest = newestOf(feed.feed, conf.group);
      const running = this.runningVersion(m);
      let table = this.tableOf(m);
      s.available = newest?.version;
      s.lastError = problems.length ? `${UPDATE_CONF_PATH}: ${problems.join('; ')}` : undefined;
      const pending = pendingVersion(table);
      if (!newest) {
        s.message = `The feed has no ${conf.group} versions`;
      } else if (!isNewer(newest.version, running)) {
        s.message =
          compareVersions(newest.version, running) < 0
            ? `${conf.group}'s newest version ${newest.version} is older than the running ${running}: no downgrade; this machine waits until ${conf.group} passes ${running}`
            : `Up to date (${running}, ${conf.group})`;
      } else if (m.skipVersions?.includes(newest.version)) {
        const byHand = m.lastRollback?.manual && m.lastRollback.from === newest.version;
        s.message = byHand
          ? `${newest.version} was rolled back by hand here: waiting for a newer ${conf.group} version`
          : `${newest.version} failed on this machine before (${m.lastRollback?.reason ?? 'rolled back'}): waiting for a newer ${conf.group} version`;
      } else if (pending !== newest.version) {
        s.message = undefined;
        s.status = { ...s.status, newVersion: newest.version, newSize: newest.size };
        this.setOp(m, 'UPDATE_STATUS_UPDATE_AVAILABLE', 0);
        this.setOp(m, 'UPDATE_STATUS_DOWNLOADING', 0);
        await this.host.ensureImage(newest.version, this.downloadProgress(m));
        this.setOp(m, 'UPDATE_STATUS_VERIFYING', 0);
        const got = await this.host.imageVersion(newest.version);
        if (got !== newest.version)
          throw new Error(`the image of ${newest.version} says it carries ${got ?? 'nothing'}`);
        this.setOp(m, 'UPDATE_STATUS_VERIFYING', 1);
        this.setOp(m, 'UPDATE_STATUS_FINALIZING', 0);
        table = install(table, newest.version);
        m.usr = table;
        await this.host.save();
        this.log(m, `downloaded ${newest.version} to ${passiveOf(this.tableOf(m))}`);
      }
      const ready = pendingVersion(table);
      if (ready) {
        s.status = {
          ...s.status,
          newVersion: ready,
          newSize: releaseOf(feed.feed, ready)?.size ?? s.status.newSize,
        };
        this.setOp(m, 'UPDATE_STATUS_UPDATED_NEED_REBOOT', 1);
        this.kick(m);
      } else {
        s.status = { ...s.status, newVersion: NO_VERSION, newSize: 0 };
        this.setOp(m, 'UPDATE_STATUS_IDLE', 0);
      }
    } catch (err) {
      s.lastError = `Update check failed: ${(err as Error).message}`;
      this.setOp(m, 'UPDATE_STATUS_REPORTING_ERROR_EVENT', 0);
      if (pendingVersion(this.tableOf(m))) {
        this.setOp(m, 'UPDATE_STATUS_UPDATED_NEED_REBOOT', 1);
        this.kick(m);
      } else this.setOp(m, 'UPDATE_STATUS_IDLE', 0);
    }
  }

  /** DOWNLOADING's progress from the image build's "Step N/M" lines. */
  private downloadProgress(m: UpdatesMachineRecord): TaskContext {
    return {
      ...SILENT_TASK,
      progress: (_f, message) => {
        const step = /Step (\d+)\/(\d+)/.exec(message ?? '');
        if (step) this.setOp(m, 'UPDATE_STATUS_DOWNLOADING', Number(step[1]) / Number(step[2]));
      },
    };
  }

  private setOp(m: UpdatesMachineRecord, op: UpdateStatus['currentOp'], progress: number): void {
    const s = this.state(m);
    s.status = { ...s.status, currentOp: op, progress: Math.max(0, Math.min(1, progress)) };
    this.changed();
  }

  // ------------------------------------------------------------------------------ locksmithd

  /** Schedules a reboot attempt now (an update waits, a setting changed). */
  private kick(m: UpdatesMachineRecord): void {
    const s = this.state(m);
    clearTimeout(s.retryTimer);
    s.retryTimer = undefined;
    s.retryMs = RETRY_MS;
    this.queueAttempt(m);
  }

  private kickWaiting(state: RebootState): void {
    for (const m of this.host.spec.machines) if (this.states.get(m.machineId)?.reboot === state) this.kick(m);
  }

  /** The next reboot attempt at `at`, else after the backoff (which then grows). */
  private retry(m: UpdatesMachineRecord, at?: number): void {
    const s = this.state(m);
    clearTimeout(s.retryTimer);
    if (!this.running) return;
    const delay = at !== undefined ? Math.max(0, at - Date.now()) : s.retryMs;
    if (at === undefined) s.retryMs = Math.min(s.retryMs * 2, RETRY_MAX_MS);
    // A timer beyond setTimeout's range fires at once: windows far ahead are re-checked daily.
    s.retryTimer = setTimeout(
      () => {
        s.retryTimer = undefined;
        this.queueAttempt(m);
      },
      Math.min(delay, 86_400_000),
    );
  }

  private queueAttempt(m: UpdatesMachineRecord): void {
    const s = this.state(m);
    if (!this.running) return;
    s.busy = s.busy
      .then(() => this.attempt(m))
      .catch((err: unknown) => {
        s.lastError = `Reboot failed: ${(err as Error).message}`;
        this.changed();
      });
  }

  /**
   * One try at rebooting into the waiting partition: strategy, window, lock, quorum — each may
   * make it wait, which schedules the next try. (A reboot by hand goes through forced().)
   */
  private async attempt(m: UpdatesMachineRecord): Promise<void> {
    const s = this.state(m);
    const pending = pendingVersion(this.tableOf(m));
    if (!this.host.isUp(m.machineId) || s.forced) return;
    if (!pending) {
      this.setReboot(m, 'none');
      return;
    }
    const conf = s.conf ?? this.savedConf(m).conf;
    if (conf.rebootStrategy === 'off') {
      this.setReboot(m, 'held', `REBOOT_STRATEGY=off: ${pending} waits for "Reboot now"`);
      return;
    }
    if (conf.windowStart && conf.windowLength) {
      const w = { start: conf.windowStart, length: conf.windowLength };
      const state = windowState(w, new Date());
      if (!state.open) {
        this.setReboot(
          m,
          'waiting-window',
          `Outside its reboot window (${describeWindow(w)}): reboots at ${new Date(state.opensAt).toLocaleString()}`,
        );
        this.retry(m, state.opensAt);
        return;
      }
    }
    const group = conf.lockGroup ?? '';
    if (conf.rebootStrategy === 'etcd-lock') {
      const refused = await this.takeLock(m, group);
      if (refused) {
        this.setReboot(m, 'waiting-lock', refused);
        this.retry(m);
        return;
      }
    }
    const quorum = this.host.reserveDowntime(m.machineId);
    if (quorum) {
      this.setReboot(m, 'waiting-quorum', quorum);
      this.retry(m);
      return;
    }
    try {
      await this.rebootSequence(m);
    } finally {
      this.host.releaseDowntime(m.machineId);
    }
    await this.afterBoot(m);
    s.retryMs = RETRY_MS;
  }

  /** Takes a slot of the group's semaphore; returns why it cannot (full: who holds it). */
  private async takeLock(m: UpdatesMachineRecord, group: string): Promise<string | undefined> {
    const s = this.state(m);
    if (s.locked === group) return undefined;
    const kv = this.host.kv();
    if (!kv) return 'The KV is not running: the reboot lock cannot be taken';
    try {
      await new Locksmith(kv).lock(m.machineId, group || undefined);
    } catch (err) {
      if (err instanceof LockError && err.code === 'HELD') {
        // Ours from before (an app restart or a boot that failed): still ours.
      } else if (err instanceof LockError && err.code === 'NO_SLOT') {
        const holders = (err.holders ?? []).map((id) => this.hostnameOf(id)).join(', ');
        return `Waiting for the reboot lock${group ? ` of group ${group}` : ''}: held by ${holders || 'nobody yet'}`;
      } else return `The reboot lock cannot be taken: ${(err as Error).message}`;
    } finally {
      void this.refreshLock(group).catch(() => undefined);
    }
    s.locked = group;
    return undefined;
  }

  /** After a good boot (or a good rollback): the lock goes back, and reboots waiting on this one may go. */
  private async afterBoot(m: UpdatesMachineRecord): Promise<void> {
    const s = this.state(m);
    try {
      await this.releaseLock(m);
    } catch (err) {
      s.lastError = `The reboot lock slot could not be given back: ${(err as Error).message}; release it with flotctl locksmith unlock ${m.hostname}`;
    }
    this.setReboot(m, 'none');
    this.kickWaiting('waiting-quorum');
  }

  private async releaseLock(m: UpdatesMachineRecord): Promise<void> {
    const s = this.state(m);
    const group = s.locked;
    if (group === undefined) return;
    // A slot that is never given back stops every later reboot: the release is retried through
    // the KV's hiccups (a member that just went down, the client's breaker on it) for a while.
    const end = Date.now() + RELEASE_PATIENCE_MS;
    for (let pause = RETRY_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
      const kv = this.host.kv();
      if (!kv) return; // the cluster stopped: the next start finds the slot still ours (HELD)
      try {
        await new Locksmith(kv).unlock(m.machineId, group || undefined);
        break;
      } catch (err) {
        if (err instanceof LockError && err.code === 'NOT_HOLDER') break;
        if (Date.now() + pause > end) throw err;
        this.log(m, `could not give the reboot lock back yet (${(err as Error).message}); trying again`);
      }
      await new Promise((r) => setTimeout(r, pause));
    }
    s.locked = undefined;
    await this.refreshLock(group).catch(() => undefined);
  }

  private async refreshLock(group: string): Promise<void> {
    const kv = this.host.kv();
    if (!kv) return;
    this.locks.set(group, await new Locksmith(kv).status(group || undefined));
    this.changed();
  }

  /**
   * Boots the machine as GRUB would (the highest-priority partition with tries left), checks the
   * boot, and on failure marks that partition bad and boots the other again by itself.
   */
  private async rebootSequence(m: UpdatesMachineRecord, manual?: { from: string }): Promise<void> {
    const s = this.state(m);
    const before = this.runningVersion(m);
    const booted = boot(this.tableOf(m));
    const version = booted.table.parts[booted.booted].version!;
    m.usr = booted.table;
    m.osVersion = version;
    await this.host.save();
    this.setReboot(m, 'rebooting', `Rebooting into ${version} (${booted.booted})`);
    this.log(m, `reboots into ${version}`);
    const failure = await this.bootAndCheck(m, version);
    if (!failure) {
      m.usr = markSuccessful(this.tableOf(m));
      if (manual) {
        m.lastRollback = {
          at: Date.now(),
          from: manual.from,
          to: version,
          reason: 'rolled back by hand',
          manual: true,
        };
        m.skipVersions = [...new Set([...(m.skipVersions ?? []), manual.from])];
      }
      await this.host.save();
      s.status = { ...s.status, newVersion: NO_VERSION, newSize: 0 };
      this.setOp(m, 'UPDATE_STATUS_IDLE', 0);
      // 'none' once the caller has given the lock back.
      this.setReboot(m, 'checking', `${version} booted well`);
      this.log(m, `runs ${version}${before !== version ? ` (was ${before})` : ''}`);
      return;
    }
    // The new partition failed: it never boots again, and the machine falls back by itself.
    this.setReboot(m, 'rolling-back', `${version} failed its boot check: ${failure}; back to ${before}`);
    this.log(m, `${version} failed its boot check (${failure}); rolling back`);
    const fallback = boot(markFailed(this.tableOf(m)));
    const previous = fallback.table.parts[fallback.booted].version!;
    m.usr = fallback.table;
    m.osVersion = previous;
    await this.host.save();
    const again = await this.bootAndCheck(m, previous);
    if (again) {
      s.lastError = `${version} failed its boot check (${failure}), and so did ${previous} after the rollback (${again})`;
      this.setReboot(m, 'none');
      this.setOp(m, 'UPDATE_STATUS_REPORTING_ERROR_EVENT', 0);
      throw new Error(s.lastError);
    }
    m.usr = markSuccessful(this.tableOf(m));
    m.lastRollback = { at: Date.now(), from: version, to: previous, reason: failure, manual: false };
    m.skipVersions = [...new Set([...(m.skipVersions ?? []), version])];
    await this.host.save();
    s.lastError = `${version} failed its boot check: ${failure}; rolled back to ${previous}`;
    s.status = { ...s.status, newVersion: NO_VERSION, newSize: 0 };
    this.setOp(m, 'UPDATE_STATUS_REPORTING_ERROR_EVENT', 0);
    this.setOp(m, 'UPDATE_STATUS_IDLE', 0);
    this.setReboot(m, 'checking', `Rolled back to ${previous}`);
    this.log(m, `rolled back to ${previous}`);
  }

  /** Reboots into the record's osVersion and runs the boot check; returns why it failed, if it did. */
  private async bootAndCheck(m: UpdatesMachineRecord, version: string): Promise<string | undefined> {
    try {
      await this.host.reboot(m.machineId, SILENT_TASK);
    } catch (err) {
      return `the machine did not come up: ${(err as Error).message}`;
    }
    this.setReboot(m, 'checking', `Checking the boot of ${version}`);
    try {
      const release = await this.host.run(m.hostname, ['/bin/cat', '/usr/lib/os-release']);
      const id = /^VERSION_ID=(.*)$/m.exec(release.output)?.[1]?.trim();
      if (id !== version) return `it runs ${id ?? 'an unknown version'}, not ${version}`;
      const check = await this.host.run(m.hostname, ['/bin/sh', BOOT_CHECK_PATH]);
      if (check.code !== 0)
        return `${BOOT_CHECK_PATH} exited with ${check.code}${check.output.trim() ? `: ${check.output.trim().slice(0, 200)}` : ''}`;
    } catch (err) {
      return `the boot check could not run: ${(err as Error).message}`;
    }
    return undefined;
  }

  private log(m: UpdatesMachineRecord, text: string): void {
    this.host.log(m.machineId, m.hostname, text);
  }

  private setReboot(m: UpdatesMachineRecord, state: RebootState, message?: string): void {
    const s = this.state(m);
    s.reboot = state;
    if (message !== undefined || state === 'none') s.message = message;
    this.changed();
  }

  // ------------------------------------------------------------------------------ actions (tasks)

  /** "Reboot now": through the lock and the quorum guard, ignoring window and strategy. */
  async rebootNow(ref: string, ctx: TaskContext): Promise<string> {
    const m = this.host.machine(ref);
    if (!this.host.isUp(m.machineId))
      throw new ApiError('CONFLICT', `${m.hostname} is down`, {
        hint: `flotctl machine start ${m.hostname}`,
      });
    return this.forced(m, ctx);
  }

  /** Boots the other partition: it must hold a version that booted well before (cgpt prioritize). */
  async rollback(ref: string, ctx: TaskContext): Promise<string> {
    const m = this.host.machine(ref);
    if (!this.host.isUp(m.machineId))
      throw new ApiError('CONFLICT', `${m.hostname} is down`, {
        hint: `flotctl machine start ${m.hostname}`,
      });
    const table = this.tableOf(m);
    const other = passiveOf(table);
    try {
      m.usr = prioritize(table, other);
    } catch (err) {
      throw new ApiError('CONFLICT', `${m.hostname} cannot roll back: ${(err as Error).message}`);
    }
    await this.host.save();
    return this.forced(m, ctx, { from: this.runningVersion(m) });
  }

  private async forced(
    m: UpdatesMachineRecord,
    ctx: TaskContext,
    manual?: { from: string },
  ): Promise<string> {
    const s = this.state(m);
    if (s.forced) throw new ApiError('CONFLICT', `${m.hostname} is already being rebooted by hand`);
    s.forced = true;
    try {
      return await this.forcedReboot(m, s, ctx, manual);
    } catch (err) {
      // Canceled or failed while waiting: the scheduled path takes over again.
      if (s.reboot === 'waiting-lock' || s.reboot === 'waiting-quorum') this.setReboot(m, 'none');
      throw err;
    } finally {
      s.forced = false;
      this.kick(m);
    }
  }

  private async forcedReboot(
    m: UpdatesMachineRecord,
    s: MachineState,
    ctx: TaskContext,
    manual: { from: string } | undefined,
  ): Promise<string> {
    ctx.setSteps(['reboot lock', 'quorum', 'reboot and boot check']);
    // A scheduled reboot under way ends first (it gives its lock and reservation back).
    await s.busy;
    const group = (s.conf ?? this.savedConf(m).conf).lockGroup ?? '';
    ctx.step('reboot lock', 'running');
    for (let pause = RETRY_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
      const refused = await this.takeLock(m, group);
      if (!refused) break;
      ctx.progress(null, refused);
      this.setReboot(m, 'waiting-lock', refused);
      await sleep(pause, ctx.signal);
    }
    ctx.step('reboot lock', 'done', group ? `group ${group}` : undefined);
    ctx.step('quorum', 'running');
    for (let pause = RETRY_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
      const refused = this.host.reserveDowntime(m.machineId);
      if (!refused) break;
      ctx.progress(null, refused);
      this.setReboot(m, 'waiting-quorum', refused);
      try {
        await sleep(pause, ctx.signal);
      } catch (err) {
        await this.releaseLock(m).catch((e: unknown) => {
          s.lastError = `The reboot lock slot could not be given back: ${(e as Error).message}`;
        });
        throw err;
      }
    }
    ctx.step('quorum', 'done');
    ctx.step('reboot and boot check', 'running');
    const run = s.busy.then(async () => {
      try {
        await this.rebootSequence(m, manual);
      } finally {
        this.host.releaseDowntime(m.machineId);
      }
      await this.afterBoot(m);
    });
    s.busy = run.catch(() => undefined);
    await run;
    ctx.step('reboot and boot check', 'done', this.runningVersion(m));
    return this.runningVersion(m);
  }

  // ------------------------------------------------------------------------------ locksmithctl

  async lockStatus(group?: string): Promise<RebootLock> {
    const lock = await this.locksmith().status(group);
    this.locks.set(group ?? '', lock);
    this.changed();
    return lock;
  }

  async lock(ref: string, group?: string): Promise<RebootLock> {
    const m = this.host.machine(ref);
    await this.lockCall(() => this.locksmith().lock(m.machineId, group));
    return this.lockStatus(group);
  }

  async unlock(ref: string, group?: string): Promise<RebootLock> {
    const m = this.host.machine(ref);
    await this.lockCall(() => this.locksmith().unlock(m.machineId, group));
    const s = this.state(m);
    if (s.locked === (group ?? '')) s.locked = undefined;
    return this.lockStatus(group);
  }

  async setMax(max: number, group?: string): Promise<{ old: number; new: number }> {
    const r = await this.lockCall(() => this.locksmith().setMax(max, group));
    await this.lockStatus(group);
    return r;
  }

  private locksmith(): Locksmith {
    const kv = this.host.kv();
    if (!kv) throw new ApiError('CONFLICT', `Cluster ${this.host.name} is not running`);
    return new Locksmith(kv);
  }

  private async lockCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof LockError)) throw err;
      const code =
        err.code === 'NOT_HOLDER'
          ? 'NOT_FOUND'
          : err.code === 'BAD_VALUE' || err.code === 'BAD_GROUP'
            ? 'BAD_REQUEST'
            : 'CONFLICT';
      throw new ApiError(code, err.message);
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private state(m: UpdatesMachineRecord): MachineState {
    let s = this.states.get(m.machineId);
    if (!s) {
      s = { status: idleStatus(), reboot: 'none', retryMs: RETRY_MS, busy: Promise.resolve() };
      // Downloaded before an app restart: it still waits for its reboot.
      const pending = pendingVersion(this.tableOf(m));
      if (pending)
        s.status = {
          ...s.status,
          currentOp: 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
          newVersion: pending,
          progress: 1,
        };
      this.states.set(m.machineId, s);
    }
    return s;
  }

  private targets(ref: string | undefined): UpdatesMachineRecord[] {
    return ref ? [this.host.machine(ref)] : this.host.spec.machines;
  }

  private tableOf(m: UpdatesMachineRecord): PartitionTable {
    return m.usr ?? initialTable(m.osVersion ?? this.host.spec.osVersion);
  }

  private runningVersion(m: UpdatesMachineRecord): string {
    const t = this.tableOf(m);
    return t.parts[t.active].version ?? m.osVersion ?? this.host.spec.osVersion;
  }

  private hostnameOf(machineId: string): string {
    return this.host.spec.machines.find((m) => m.machineId === machineId)?.hostname ?? machineId.slice(0, 8);
  }

  private intervalMs(): number {
    return this.host.spec.updateCheckSec * 1000;
  }

  /** The next periodic check in `ms`. */
  private arm(m: UpdatesMachineRecord, ms: number): void {
    const s = this.state(m);
    clearTimeout(s.checkTimer);
    s.checkTimer = undefined;
    s.nextCheckAt = undefined;
    if (!this.running || !this.host.isUp(m.machineId)) return;
    s.nextCheckAt = Date.now() + ms;
    s.checkTimer = setTimeout(() => {
      s.checkTimer = undefined;
      void this.enqueueCheck(m);
    }, ms);
  }

  /** update.conf as the spec keeps it (or as the machine was made: its channel, the defaults). */
  private savedConf(m: UpdatesMachineRecord): { text: string; conf: UpdateConf; extra: string[] } {
    const text = m.updateConf ?? `GROUP=${m.channel ?? this.host.spec.channel}\n`;
    const parsed = parseUpdateConf(text, this.confDefaults(m));
    return { text, conf: parsed.conf, extra: parsed.extra };
  }

  /** update.conf as the machine has it now (when it runs), else as the spec keeps it. */
  private async readConf(
    m: UpdatesMachineRecord,
  ): Promise<{ conf: UpdateConf; problems: string[]; extra: string[] }> {
    let text = m.updateConf;
    if (this.host.isUp(m.machineId)) {
      const inMachine = await this.host.readFile(m.hostname, UPDATE_CONF_PATH);
      if (inMachine !== undefined && inMachine !== m.updateConf) {
        // Edited inside the machine: that is what counts, and it must outlive the container.
        text = inMachine;
        m.updateConf = inMachine;
        await this.host.save();
      }
    }
    const parsed = parseUpdateConf(
      text ?? `GROUP=${m.channel ?? this.host.spec.channel}\n`,
      this.confDefaults(m),
    );
    if (parsed.conf.group !== m.channel) {
      m.channel = parsed.conf.group;
      await this.host.save();
    }
    return parsed;
  }

  private confDefaults(m: UpdatesMachineRecord): { group: Channel; server: string } {
    return { group: m.channel ?? this.host.spec.channel, server: BUILTIN_SERVER };
  }

  /** The feed at SERVER, read afresh; on failure the last good copy with the problem noted. */
  private async feedFor(server: string): Promise<FeedState> {
    const key = feedKey(server);
    try {
      const feed = await loadFeed(server);
      const state: FeedState = { server, feed, loadedAt: Date.now() };
      this.feeds.set(key, state);
      return state;
    } catch (err) {
      const last = this.feeds.get(key);
      const problem = (err as Error).message;
      if (last) {
        this.feeds.set(key, { ...last, problem });
        return last;
      }
      throw err;
    }
  }
}

function feedKey(server: string): string {
  return server || BUILTIN_SERVER;
}

function groupOfKey(key: string): string {
  const m = /^coreos\.com\/updateengine\/rebootlock\/groups\/([^/]+)\/semaphore$/.exec(key);
  return m ? m[1]! : '';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ApiError('CANCELED', 'canceled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ApiError('CANCELED', 'canceled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
