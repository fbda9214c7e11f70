// Seeded simulation of a cluster of RaftNodes over a lossy network and crashable disks.
//
// Time advances in units; every node ticks every TICK units. A node's Ready is handled in two
// phases, as a real member does: take it (write to the disk's page cache, a leader sends its Apps
// at once), then some units later fsync (now durable), send the remaining messages, apply, advance.
// A crash between the two loses the unsynced writes and everything in memory. Faults (loss,
// duplication, delay/reordering, partitions, crashes), proposals, reads, compactions, leadership
// transfers and membership changes are all drawn from one seeded PRNG, so a seed replays exactly.

import { EntryType, MessageType, type Entry, type Message, type NodeId } from '../types';
import { RaftNode, messagesAfterPersist, messagesBeforePersist, type Ready } from '../node';
import { Role } from '../raft';
import { MemoryStorage } from '../storage';
import { ConfChangeType, decodeConfChange } from '../confchange';
import { Prng } from '../prng';
import { SimNetwork } from './network';
import { SafetyChecker, SafetyViolation, entryKey } from './checker';

const TICK = 4;

export interface SimOptions {
  seed: number;
  /** Founding members. */
  size: number;
  /** Time units of chaos before the network heals and the cluster must converge. */
  steps: number;
  /** Whether to propose membership changes. */
  membership?: boolean;
  trace?: ((line: string) => void) | undefined;
  /** Also trace every message delivered or dropped. */
  traceMessages?: boolean;
}

export interface SimStats {
  proposals: number;
  acked: number;
  reads: number;
  readsServed: number;
  crashes: number;
  partitions: number;
  snapshotsSent: number;
  compactions: number;
  confChanges: number;
  transfers: number;
  leaders: number;
  messages: number;
}

interface PendingReady {
  rd: Ready;
  fsyncAt: number;
  late: Message[];
}

class SimMember {
  node: RaftNode | undefined;
  storage = new MemoryStorage();
  incarnation = 0;
  /** The state machine: keys applied, with their indexes. */
  sm: [number, string][] = [];
  smIndex = 0;
  pending: PendingReady | undefined;
  restartAt = 0;
  tickPhase: number;

  constructor(
    readonly id: NodeId,
    readonly founder: boolean,
    tickPhase: number,
  ) {
    this.tickPhase = tickPhase;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class Simulation {
  readonly prng: Prng;
  readonly net: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly members = new Map<NodeId, SimMember>();
  readonly founders: NodeId[];
  now = 0;
  private nextId: number;
  private proposalSeq = 0;
  private readSeq = 0;
  private readonly acked = new Set<string>();
  private readonly reads = new Map<string, number>();
  private readonly config: {
    preVote: boolean;
    checkQuorum: boolean;
    maxSizePerMsg: number;
    maxInflightMsgs: number;
    maxInflightBytes: number;
    maxUncommittedEntriesSize: number;
  };
  readonly stats: SimStats = {
    proposals: 0,
    acked: 0,
    reads: 0,
    readsServed: 0,
    crashes: 0,
    partitions: 0,
    snapshotsSent: 0,
    compactions: 0,
    confChanges: 0,
    transfers: 0,
    leaders: 0,
    messages: 0,
  };

  constructor(readonly opts: SimOptions) {
    this.prng = new Prng(opts.seed);
    const p = this.prng;
    this.net = new SimNetwork(p, {
      loss: p.pick([0, 0.01, 0.05, 0.1]),
      duplicate: p.pick([0, 0.02, 0.05]),
      minDelay: 1,
      maxDelay: p.pick([2, 5, 10]),
      longDelay: p.pick([0, 0.01, 0.03]),
    });
    const bothOn = p.chance(0.75);
    this.config = {
      preVote: bothOn || p.chance(0.5),
      checkQuorum: bothOn || p.chance(0.5),
      maxSizePerMsg: p.pick([1, 200, 1024 * 1024]),
      maxInflightMsgs: p.pick([1, 4, 256]),
      maxInflightBytes: p.pick([0, 0, 300]),
      maxUncommittedEntriesSize: p.pick([0, 0, 200]),
    };
    this.founders = [];
    for (let i = 1; i <= opts.size; i++) this.founders.push(BigInt(i));
    this.nextId = opts.size + 1;
    for (const id of this.founders) {
      const m = new SimMember(id, true, p.int(TICK));
      this.members.set(id, m);
      this.start(m);
    }
    this.trace(
      `start seed=${opts.seed} size=${opts.size} faults=${JSON.stringify(this.net.faults)} config=${JSON.stringify(this.config)}`,
    );
  }

  private trace(line: string): void {
    this.opts.trace?.(`[t=${this.now}] ${line}`);
  }

  private start(m: SimMember): void {
    const snap = m.storage.snapshot();
    m.node = new RaftNode({
      id: m.id,
      storage: m.storage,
      peers: m.founder ? this.founders : [],
      electionTick: 10,
      heartbeatTick: 1,
      seed: (this.opts.seed * 1_000_003 + Number(m.id) * 7_919 + m.incarnation * 104_729) >>> 0,
      ...this.config,
    });
    // The state machine comes back from the snapshot; the log replays the rest.
    m.sm = snap.metadata.index > 0 ? (JSON.parse(dec.decode(snap.data)) as [number, string][]) : [];
    m.smIndex = snap.metadata.index;
    m.pending = undefined;
    m.incarnation++;
  }

  // ---- the run ----------------------------------------------------------------------------------

  run(): SimStats {
    for (; this.now < this.opts.steps; this.now++) {
      this.chaos();
      this.step();
    }
    this.converge();
    this.finalCheck();
    this.stats.leaders = this.checker.leadersSeen;
    return this.stats;
  }

  /** One unit of time: ticks, deliveries, Ready handling, then the safety checks. */
  private step(): void {
    for (const m of this.members.values()) {
      if (!m.node && m.restartAt <= this.now && m.restartAt > 0) this.restart(m);
      if (m.node && (this.now + m.tickPhase) % TICK === 0) m.node.tick();
    }
    for (const msg of this.net.due(this.now)) this.deliver(msg);
    for (const m of this.members.values()) this.handleReady(m);
    for (const m of this.members.values()) {
      if (m.node && m.node.role === Role.Leader) this.checker.observeLeader(m.node);
    }
  }

  private chaos(): void {
    const p = this.prng;
    if (p.chance(0.15)) this.propose();
    if (p.chance(0.03)) this.read();
    if (p.chance(0.004)) this.crash();
    if (!this.net.partitioned && p.chance(0.004)) this.partition();
    else if (this.net.partitioned && p.chance(0.01)) {
      this.net.heal();
      this.trace('heal');
    }
    if (p.chance(0.01)) this.compact();
    if (p.chance(0.002)) this.transfer();
    if (this.opts.membership && p.chance(0.004)) this.changeMembership();
  }

  private live(): SimMember[] {
    return [...this.members.values()].filter((m) => m.node);
  }

  private leader(): SimMember | undefined {
    let best: SimMember | undefined;
    for (const m of this.members.values()) {
      if (m.node?.role === Role.Leader && (!best || m.node.term > (best.node?.term ?? 0))) best = m;
    }
    return best;
  }

  // ---- Ready handling ---------------------------------------------------------------------------

  private handleReady(m: SimMember): void {
    const node = m.node;
    if (!node) return;
    if (m.pending && m.pending.fsyncAt <= this.now) this.finishReady(m, node, m.pending);
    if (m.pending || !node.hasReady()) return;
    const rd = node.ready();
    this.checker.observeAppend(node, rd.entries);
    if (rd.softState)
      this.trace(`node ${m.id} is ${rd.softState.role} (lead ${rd.softState.lead}, term ${node.term})`);
    // The write reaches the page cache now; a leader's Apps may go out in parallel.
    for (const msg of messagesBeforePersist(rd)) this.send(m, msg);
    m.pending = { rd, fsyncAt: this.now + this.prng.int(3), late: messagesAfterPersist(rd) };
    if (m.pending.fsyncAt <= this.now) this.finishReady(m, node, m.pending);
  }

  private finishReady(m: SimMember, node: RaftNode, p: PendingReady): void {
    const { rd } = p;
    // fsync: durable from here on
    if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
    m.storage.append(rd.entries);
    if (rd.hardState) m.storage.setHardState(rd.hardState);
    for (const msg of p.late) this.send(m, msg);
    if (rd.snapshot) this.installSnapshot(m, rd);
    for (const e of rd.committedEntries) this.apply(m, node, e);
    for (const rs of rd.readStates) this.serveRead(m, rs.index, rs.context);
    m.pending = undefined;
    node.advance(rd);
  }

  private installSnapshot(m: SimMember, rd: Ready): void {
    const snap = rd.snapshot;
    if (!snap) return;
    m.sm = JSON.parse(dec.decode(snap.data)) as [number, string][];
    m.smIndex = snap.metadata.index;
    for (const [index, key] of m.sm) this.checker.observeApply(m.id, index, undefined, key);
    this.trace(`node ${m.id} installed snapshot at ${snap.metadata.index}`);
  }

  private apply(m: SimMember, node: RaftNode, e: Entry): void {
    if (e.index !== m.smIndex + 1) {
      throw new SafetyViolation(`node ${m.id} applied index ${e.index} after ${m.smIndex}`);
    }
    m.smIndex = e.index;
    const key = entryKey(e);
    this.checker.observeApply(m.id, e.index, e.term, key);
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      const conf = node.applyConfChange(cc);
      this.trace(
        `node ${m.id} applied ${ConfChangeType[cc.type]} ${cc.nodeId} at ${e.index}: voters ${conf.voters.join(',')}`,
      );
    } else if (key !== '') {
      m.sm.push([e.index, key]);
      if (!this.acked.has(key)) {
        this.acked.add(key);
        this.stats.acked++;
        this.trace(`${key} committed at ${e.index} (term ${e.term}), first applied by node ${m.id}`);
      }
    }
  }

  private serveRead(m: SimMember, index: number, context: Uint8Array): void {
    const ctx = dec.decode(context);
    const mustSee = this.reads.get(ctx);
    if (mustSee === undefined) throw new SafetyViolation(`unknown read ${ctx}`);
    // Linearizable: the read index covers every write acknowledged before the read began.
    if (index < mustSee) {
      throw new SafetyViolation(
        `stale read ${ctx} on node ${m.id}: index ${index} < ${mustSee} acknowledged before it`,
      );
    }
    this.stats.readsServed++;
    this.trace(`read ${ctx} served by node ${m.id} at index ${index} (needs >= ${mustSee})`);
  }

  // ---- network ----------------------------------------------------------------------------------

  private send(from: SimMember, msg: Message): void {
    this.stats.messages++;
    if (msg.type === MessageType.Snap) this.stats.snapshotsSent++;
    const outcome = this.net.send({ ...msg }, this.now);
    if (outcome === 'lost' && msg.type === MessageType.Snap) from.node?.reportSnapshot(msg.to, false);
  }

  private deliver(msg: Message): void {
    const to = this.members.get(msg.to);
    const from = this.members.get(msg.from);
    const reachable = to?.node !== undefined && this.net.canReach(msg.from, msg.to);
    if (msg.type === MessageType.Snap) from?.node?.reportSnapshot(msg.to, reachable);
    if (this.opts.traceMessages) {
      this.trace(`${reachable ? 'deliver' : 'drop'} ${describe(msg)}`);
    }
    if (!reachable || !to?.node) {
      if (msg.type === MessageType.App && this.prng.chance(0.3)) from?.node?.reportUnreachable(msg.to);
      return;
    }
    to.node.step(msg);
  }

  // ---- chaos ------------------------------------------------------------------------------------

  private propose(): void {
    const live = this.live();
    if (live.length === 0) return;
    const m = this.prng.pick(live);
    const key = `p${++this.proposalSeq}`;
    this.stats.proposals++;
    try {
      m.node?.propose(enc.encode(key));
      this.trace(`propose ${key} at node ${m.id}`);
    } catch (e) {
      // refused (no leader, transfer, ...): simply never acknowledged
      this.trace(`propose ${key} at node ${m.id} refused: ${(e as Error).message}`);
    }
  }

  private read(): void {
    const live = this.live();
    if (live.length === 0) return;
    const m = this.prng.pick(live);
    const ctx = `r${++this.readSeq}`;
    this.reads.set(ctx, this.checker.maxAppliedIndex);
    this.stats.reads++;
    try {
      m.node?.readIndex(enc.encode(ctx));
    } catch {
      // no leader
    }
  }

  private crash(): void {
    const live = this.live();
    if (live.length <= 1) return;
    const m = this.prng.pick(live);
    m.node = undefined;
    m.pending = undefined; // unsynced writes are lost
    m.restartAt = this.now + 20 + this.prng.int(200);
    this.stats.crashes++;
    this.trace(`crash node ${m.id} (restart at ${m.restartAt})`);
  }

  private restart(m: SimMember): void {
    m.restartAt = 0;
    this.start(m);
    this.trace(
      `restart node ${m.id} (last index ${m.storage.lastIndex()}, snapshot ${m.storage.snapshot().metadata.index})`,
    );
  }

  private partition(): void {
    const ids = [...this.members.keys()];
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    for (const id of ids) (this.prng.chance(0.5) ? a : b).push(id);
    this.net.partition([a, b]);
    this.stats.partitions++;
    this.trace(`partition [${a.join(',')}] | [${b.join(',')}]`);
  }

  private compact(): void {
    const candidates = this.live().filter(
      (m) => !m.pending && m.smIndex > m.storage.snapshot().metadata.index + 3,
    );
    if (candidates.length === 0) return;
    const m = this.prng.pick(candidates);
    const node = m.node;
    if (!node) return;
    const st = node.status();
    if (st.applied !== m.smIndex) return;
    m.storage.createSnapshot(m.smIndex, st.conf, enc.encode(JSON.stringify(m.sm)));
    const keep = this.prng.pick([0, 0, 2, 10]);
    const to = m.smIndex - keep;
    if (to >= m.storage.firstIndex()) m.storage.compact(to);
    this.stats.compactions++;
    this.trace(`node ${m.id} snapshot at ${m.smIndex}, compacted to ${to}`);
  }

  private transfer(): void {
    const lead = this.leader();
    if (!lead?.node) return;
    const voters = lead.node.status().conf.voters.filter((id) => id !== lead.id);
    if (voters.length === 0) return;
    const to = this.prng.pick(voters);
    try {
      lead.node.transferLeadership(to);
      this.stats.transfers++;
      this.trace(`transfer leadership ${lead.id} -> ${to}`);
    } catch {
      // not leader any more
    }
  }

  private changeMembership(): void {
    const lead = this.leader();
    if (!lead?.node) return;
    const voters = lead.node.status().conf.voters;
    const add = voters.length <= this.opts.size && (voters.length < 3 || this.prng.chance(0.5));
    try {
      if (add) {
        const id = BigInt(this.nextId++);
        const m = new SimMember(id, false, this.prng.int(TICK));
        this.members.set(id, m);
        this.start(m);
        lead.node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: id });
        this.trace(`propose AddNode ${id} at ${lead.id}`);
      } else if (voters.length > 3) {
        const id = this.prng.pick(voters);
        lead.node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id });
        this.trace(`propose RemoveNode ${id} at ${lead.id}`);
      } else {
        return;
      }
      this.stats.confChanges++;
    } catch {
      // one is pending, or leadership moved
    }
  }

  // ---- the end ----------------------------------------------------------------------------------

  /** Heal everything, restart the crashed, and run until the members agree. */
  private converge(): void {
    this.trace('converge: heal, restart all, no more faults');
    this.net.heal();
    this.net.faults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 2, longDelay: 0 };
    for (const m of this.members.values()) if (!m.node) this.restart(m);
    const limit = this.now + 20_000;
    for (; this.now < limit; this.now++) {
      this.step();
      if (this.now % 8 === 0 && this.converged()) return;
    }
    throw new SafetyViolation(`no convergence within 20000 units after healing (liveness)`);
  }

  private finalMembers(): SimMember[] {
    const lead = this.leader();
    if (!lead?.node) return [];
    const st = lead.node.status();
    return [...st.conf.voters, ...st.conf.learners].map((id) => {
      const m = this.members.get(id);
      if (!m) throw new SafetyViolation(`member ${id} unknown to the simulation`);
      return m;
    });
  }

  private converged(): boolean {
    const lead = this.leader();
    if (!lead?.node) return false;
    const ln = lead.node;
    if (ln.commitIndex !== ln.status().lastIndex) return false;
    const members = this.finalMembers();
    if (!members.some((m) => m === lead)) return false;
    return members.every(
      (m) => m.node && !m.pending && m.smIndex === ln.commitIndex && m.node.lead === lead.id,
    );
  }

  private finalCheck(): void {
    const members = this.finalMembers();
    const reference = members[0];
    if (!reference) throw new SafetyViolation('no members at the end');
    const seq = reference.sm.map(([, k]) => k);
    for (const m of members) {
      const mine = m.sm.map(([, k]) => k);
      if (mine.length !== seq.length || mine.some((k, i) => k !== seq[i])) {
        throw new SafetyViolation(`node ${m.id} applied a different sequence than node ${reference.id}`);
      }
    }
    const applied = new Set(seq);
    for (const key of this.acked) {
      if (!applied.has(key))
        throw new SafetyViolation(`acknowledged proposal ${key} is missing from the final state`);
    }
    this.trace(`done: ${seq.length} entries applied on members ${members.map((m) => m.id).join(',')}`);
  }
}

export function runSimulation(opts: SimOptions): SimStats {
  return new Simulation(opts).run();
}

function describe(m: Message): string {
  const parts = [`${MessageType[m.type]} ${m.from}->${m.to} term=${m.term}`];
  if (m.type === MessageType.App)
    parts.push(`prev=${m.index}/${m.logTerm} n=${m.entries.length} commit=${m.commit}`);
  if (m.type === MessageType.AppResp)
    parts.push(`index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : ''}`);
  if (m.type === MessageType.Vote || m.type === MessageType.PreVote)
    parts.push(`last=${m.index}/${m.logTerm}`);
  if (m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp)
    parts.push(m.reject ? 'reject' : 'grant');
  if (m.type === MessageType.Heartbeat) parts.push(`commit=${m.commit}`);
  if (m.type === MessageType.Snap) parts.push(`snapshot=${m.snapshot?.metadata.index}`);
  return parts.join(' ');
}
