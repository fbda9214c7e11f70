// Runs N KV members in this process, each with its own data dir and peer port, and exposes the
// hooks tests, machines and rolling updates drive: stop/restart/kill a member, partition it, wait
// for a leader, grow and shrink the cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ERR_LEADER_CHANGED,
  ERR_NO_LEADER,
  Member,
  MemberError,
  memberIdOf,
  type MemberOptions,
  type PeerAddr,
} from '../member';

export interface ClusterOptions {
  /** Members to found the cluster with (1, 3, 5 …). */
  size: number;
  /** Parent of the members' data dirs; default a fresh temp dir, removed by close(). */
  baseDir?: string;
  clusterToken?: string;
  host?: string;
  /** Member i listens on basePort + i; default: OS-chosen ports (kept across restarts). */
  basePort?: number;
  /** Member names; default core-01, core-02, … */
  names?: string[];
  /**
   * Slots of members removed from the cluster: they keep their index (ports stay where they
   * were) but never listen or start again.
   */
  retired?: number[];
  /** Options applied to every member (tick, snapshot count, timeouts, peerTls …). */
  member?: Partial<Omit<MemberOptions, 'name' | 'clusterToken' | 'dataDir' | 'host' | 'peerPort'>>;
}

interface Slot {
  name: string;
  dataDir: string;
  addr: PeerAddr | undefined;
  member: Member | undefined;
  /** Whether the slot still belongs to the cluster (not removed). */
  active: boolean;
}

export class ClusterRunner {
  private readonly slots: Slot[] = [];
  /** Directed cuts "i→j": i drops traffic with j. Re-applied when a member restarts. */
  private readonly cuts = new Set<string>();
  private founders: { name: string; addr: PeerAddr }[] = [];
  private closed = false;
  private readonly roleListeners = new Set<() => void>();

  private constructor(
    private readonly o: ClusterOptions,
    readonly baseDir: string,
    private readonly ownsBaseDir: boolean,
    readonly clusterToken: string,
  ) {}

  static async start(o: ClusterOptions): Promise<ClusterRunner> {
    if (!(o.size >= 1)) throw new RangeError('cluster size must be at least 1');
    const owns = o.baseDir === undefined;
    const baseDir = o.baseDir ?? (await mkdtemp(join(tmpdir(), 'flotilla-kv-')));
    const token =
      o.clusterToken ?? `flotilla-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const c = new ClusterRunner(o, baseDir, owns, token);
    try {
      for (let i = 0; i < o.size; i++) c.slots.push(c.newSlot(i));
      const live = c.slots.filter((s, i) => {
        s.active = !o.retired?.includes(i);
        return s.active;
      });
      // Bind every port first: each founder must know all addresses before it starts.
      await Promise.all(c.slots.map((s, i) => (s.active ? c.listen(s, i) : undefined)));
      c.founders = live.map((s) => ({ name: s.name, addr: s.addr! }));
      await Promise.all(live.map((s) => s.member!.start({ initialCluster: c.founders })));
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  /** Slots ever created, removed ones included (indexes are stable). */
  get size(): number {
    return this.slots.length;
  }

  member(i: number): Member {
    const m = this.slot(i).member;
    if (!m) throw new Error(`member ${i} is not running`);
    return m;
  }

  /** Running members, with their indexes. */
  running(): { index: number; member: Member }[] {
    const out: { index: number; member: Member }[] = [];
    this.slots.forEach((s, index) => {
      if (s.active && s.member?.running) out.push({ index, member: s.member });
    });
    return out;
  }

  dataDir(i: number): string {
    return this.slot(i).dataDir;
  }

  name(i: number): string {
    return this.slot(i).name;
  }

  /** Slot index of a member id (running or not); -1 if unknown. */
  indexOf(id: bigint): number {
    return this.slots.findIndex((s) => memberIdOf(s.name, this.clusterToken) === id);
  }

  /**
   * Calls `cb` whenever who leads may have changed: a member's view of the leader changed, or a
   * member stopped, crashed or started. `leader()` then says who leads now. Returns the unsubscribe.
   */
  onRoleChange(cb: () => void): () => void {
    this.roleListeners.add(cb);
    return () => this.roleListeners.delete(cb);
  }

  private rolesChanged(): void {
    for (const cb of this.roleListeners) cb();
  }

  /** Clean stop of member i (its data dir stays). */
  async stop(i: number): Promise<void> {
    const s = this.slot(i);
    const m = s.member;
    s.member = undefined;
    if (m) this.rolesChanged();
    await m?.stop();
  }

  /** Crash of member i: no flush, no goodbye. */
  async kill(i: number): Promise<void> {
    const s = this.slot(i);
    const m = s.member;
    s.member = undefined;
    if (m) this.rolesChanged();
    await m?.kill();
  }

  /** Starts member i again from its WAL, on the same address. */
  async restart(i: number): Promise<Member> {
    const s = this.slot(i);
    if (!s.active) throw new Error(`member ${s.name} was removed from the cluster`);
    if (s.member) await this.stop(i);
    await this.listen(s, i);
    await s.member!.start({ initialCluster: this.founders });
    this.applyCuts();
    this.rolesChanged();
    return s.member!;
  }

  /**
   * Cuts member i off from `fromPeers` (default: everyone else), both directions, at both ends.
   * Stays in force across restarts until heal().
   */
  partition(i: number, fromPeers?: number[]): void {
    const others = fromPeers ?? this.slots.map((_, j) => j).filter((j) => j !== i);
    for (const j of others) {
      if (j === i) continue;
      this.cuts.add(`${i}→${j}`);
      this.cuts.add(`${j}→${i}`);
    }
    this.applyCuts();
  }

  heal(): void {
    this.cuts.clear();
    for (const s of this.slots) s.member?.heal();
  }

  /** The leader most running members agree on, if any. */
  leader(): Member | undefined {
    const running = this.running();
    const votes = new Map<bigint, number>();
    for (const { member } of running) {
      const l = member.leaderId;
      if (l !== 0n) votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best: Member | undefined;
    let bestVotes = 0;
    for (const { member } of running) {
      const v = votes.get(member.id) ?? 0;
      if (member.isLeader && v > bestVotes) {
        best = member;
        bestVotes = v;
      }
    }
    return best;
  }

  /** Waits until a leader is elected and known to a majority of the running members. */
  async waitForLeader(timeoutMs = 10_000, exclude?: bigint): Promise<Member> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const l = this.leader();
      const running = this.running().length;
      if (l && l.id !== exclude) {
        const agree = this.running().filter(({ member }) => member.leaderId === l.id).length;
        if (agree * 2 > running) return l;
      }
      if (Date.now() > end) throw new Error(`no leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Adds a member through the leader and starts it; returns its index. */
  async addMember(name?: string): Promise<number> {
    const i = this.slots.length;
    const s = this.newSlot(i, name);
    this.slots.push(s);
    await this.listen(s, i);
    await this.throughLeader((leader) => leader.addMember(s.name, s.addr!));
    const contacts = this.running()
      .filter(({ index }) => index !== i)
      .map(({ index }) => ({ name: this.slots[index]!.name, addr: this.slots[index]!.addr! }));
    await s.member!.start({ join: contacts });
    this.applyCuts();
    this.rolesChanged();
    return i;
  }

  /**
   * Removes member i from the configuration (through the leader) and stops it. A member that is
   * down is removed too (that is how a dead machine's member is let go).
   */
  async removeMember(i: number): Promise<void> {
    const s = this.slot(i);
    const id = memberIdOf(s.name, this.clusterToken);
    await this.throughLeader((leader) => leader.removeMember(id));
    s.active = false;
    await this.stop(i);
  }

  /**
   * A membership change proposed on the leader. Raft takes one change at a time, and a fresh
   * leader takes none until it has applied its whole log: a change the leader refused outright
   * (another still settling, no leader, a handover under way) was never appended, so it is
   * proposed again until it is taken or `timeoutMs` passes.
   */
  private async throughLeader<T>(change: (leader: Member) => Promise<T>, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      const leader = await this.waitForLeader(Math.max(1, end - Date.now()));
      try {
        return await change(leader);
      } catch (err) {
        if (!refusedOutright(err) || Date.now() + pause > end) throw err;
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.member?.stop().catch(() => undefined)));
    for (const s of this.slots) s.member = undefined;
    this.rolesChanged();
    this.roleListeners.clear();
    if (this.ownsBaseDir) await rm(this.baseDir, { recursive: true, force: true });
  }

  private newSlot(i: number, name?: string): Slot {
    const n = name ?? this.o.names?.[i] ?? `core-${String(i + 1).padStart(2, '0')}`;
    return { name: n, dataDir: join(this.baseDir, n), addr: undefined, member: undefined, active: true };
  }

  private async listen(s: Slot, i: number): Promise<void> {
    const port = s.addr?.port ?? (this.o.basePort !== undefined ? this.o.basePort + i : 0);
    const m = new Member({
      ...this.o.member,
      name: s.name,
      clusterToken: this.clusterToken,
      dataDir: s.dataDir,
      ...(this.o.host ? { host: this.o.host } : {}),
      peerPort: port,
    });
    s.addr = await m.listen();
    s.member = m;
    m.events.on('leader', () => {
      if (s.member === m) this.rolesChanged();
    });
  }

  private applyCuts(): void {
    this.slots.forEach((s, i) => {
      const ids: bigint[] = [];
      for (const c of this.cuts) {
        const [a, b] = c.split('→').map(Number) as [number, number];
        if (a !== i) continue;
        const peer = this.slots[b];
        if (peer) ids.push(memberIdOf(peer.name, this.clusterToken));
      }
      if (ids.length > 0) s.member?.cutOff(ids);
    });
  }

  private slot(i: number): Slot {
    const s = this.slots[i];
    if (!s) throw new Error(`no member ${i}`);
    return s;
  }
}

/** A proposal the leader refused before appending it (so proposing it again cannot apply it twice). */
function refusedOutright(err: unknown): boolean {
  if (!(err instanceof MemberError)) return false;
  return (
    err.message.startsWith('etcdserver: raft: proposal dropped') ||
    err.message === ERR_NO_LEADER ||
    err.message === ERR_LEADER_CHANGED
  );
}
