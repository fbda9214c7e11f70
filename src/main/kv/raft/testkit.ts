// A synchronous, in-memory cluster for scenario tests: every node persists and applies each Ready
// at once, and messages are delivered in rounds until nothing moves. Links can be cut and messages
// filtered, which is how the tests stage partitions and lost messages. (The seeded, asynchronous
// simulation with crashes lives in sim/.)

import { EntryType, MessageType, type Entry, type Message, type NodeId } from './types';
import { RaftNode, type Ready } from './node';
import { Role, type Config, type ReadState } from './raft';
import { MemoryStorage } from './storage';
import { decodeConfChange } from './confchange';

export type MessageFilter = (m: Message) => boolean;

export class TestCluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  /** Normal entries each node applied, in order (the no-ops of new leaders excluded). */
  readonly applied = new Map<NodeId, string[]>();
  readonly readStates = new Map<NodeId, ReadState[]>();
  /** Every message delivered or dropped, for assertions about traffic. */
  readonly sent: Message[] = [];
  private readonly cut = new Set<string>();
  /** Returns true to drop a message. */
  dropIf: MessageFilter | undefined;
  /** Messages held back (not yet delivered) when `holdIf` matches. */
  readonly held: Message[] = [];
  holdIf: MessageFilter | undefined;
  /** Rewrites a message in transit (e.g. to lose part of it). */
  rewrite: ((m: Message) => Message) | undefined;

  constructor(
    ids: number[],
    private readonly base: Partial<Config> = {},
  ) {
    const peers = ids.map(BigInt);
    for (const id of peers) this.addNode(id, peers);
    this.stabilize(); // persist and apply the bootstrap entries
  }

  addNode(id: NodeId, peers: NodeId[], storage = new MemoryStorage(), extra: Partial<Config> = {}): RaftNode {
    const node = new RaftNode({
      electionTick: 10,
      heartbeatTick: 1,
      checkQuorum: true,
      preVote: true,
      seed: Number(id) * 7919,
      ...this.base,
      ...extra,
      id,
      storage,
      peers,
    });
    this.nodes.set(id, node);
    this.storages.set(id, storage);
    this.applied.set(id, this.applied.get(id) ?? []);
    this.readStates.set(id, []);
    return node;
  }

  node(id: number | NodeId): RaftNode {
    const n = this.nodes.get(BigInt(id));
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  storage(id: number | NodeId): MemoryStorage {
    const s = this.storages.get(BigInt(id));
    if (!s) throw new Error(`no storage ${id}`);
    return s;
  }

  appliedOf(id: number): string[] {
    return this.applied.get(BigInt(id)) ?? [];
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === BigInt(id)) continue;
      this.cutLink(id, Number(other));
    }
  }

  cutLink(a: number, b: number): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Persist and apply every pending Ready; returns the messages they produced. */
  private drainReadies(): Message[] {
    const out: Message[] = [];
    for (const [id, node] of this.nodes) {
      while (node.hasReady()) {
        const rd = node.ready();
        this.persistAndApply(id, node, rd);
        out.push(...rd.messages);
        node.advance(rd);
      }
    }
    return out;
  }

  private persistAndApply(id: NodeId, node: RaftNode, rd: Ready): void {
    const storage = this.storage(id);
    if (rd.snapshot) {
      storage.applySnapshot(rd.snapshot);
      this.applied.set(id, JSON.parse(new TextDecoder().decode(rd.snapshot.data)) as string[]);
    }
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    const applied = this.applied.get(id) ?? [];
    for (const e of rd.committedEntries) this.applyEntry(node, e, applied);
    this.applied.set(id, applied);
    this.readStates.get(id)?.push(...rd.readStates);
  }

  private applyEntry(node: RaftNode, e: Entry, applied: string[]): void {
    if (e.type === EntryType.ConfChange) {
      node.applyConfChange(decodeConfChange(e.data));
    } else if (e.data.byteLength > 0) {
      applied.push(new TextDecoder().decode(e.data));
    }
  }

  /** Deliver one message (if not cut or filtered). */
  deliver(original: Message): void {
    const m = this.rewrite ? this.rewrite(original) : original;
    this.sent.push(m);
    const to = this.nodes.get(m.to);
    const lost = !to || this.cut.has(`${m.from}>${m.to}`) || (this.dropIf?.(m) ?? false);
    if (m.type === MessageType.Snap) this.nodes.get(m.from)?.reportSnapshot(m.to, !lost);
    if (lost || !to) return;
    to.step(m);
  }

  /** Run readies and deliveries until quiet (no ticks). Returns how many messages moved. */
  stabilize(maxRounds = 10_000): number {
    let moved = 0;
    for (let round = 0; round < maxRounds; round++) {
      const msgs = this.drainReadies();
      if (msgs.length === 0) return moved;
      for (const m of msgs) {
        if (this.holdIf?.(m)) {
          this.held.push(m);
          continue;
        }
        moved++;
        this.deliver(m);
      }
    }
    throw new Error('cluster did not stabilize');
  }

  /** Deliver held messages (after clearing holdIf) and stabilize. */
  release(): void {
    this.holdIf = undefined;
    const held = this.held.splice(0);
    for (const m of held) this.deliver(m);
    this.stabilize();
  }

  tick(id: number, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.node(id).tick();
      this.stabilize();
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.tick();
      this.stabilize();
    }
  }

  /** Campaign from `id` and settle. */
  elect(id: number): void {
    this.node(id).campaign();
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.status().role === Role.Leader).map((n) => n.id);
  }

  propose(id: number, text: string): void {
    this.node(id).propose(new TextEncoder().encode(text));
  }

  /** Messages of a type sent (delivered or not) since `since` (an index into `sent`). */
  sentOfType(type: MessageType, since = 0): Message[] {
    return this.sent.slice(since).filter((m) => m.type === type);
  }

  /** Snapshot the applied sequence of `id` into its storage and compact up to `compactTo`. */
  snapshotAndCompact(id: number, compactTo?: number): void {
    const node = this.node(id);
    const st = node.status();
    const data = new TextEncoder().encode(JSON.stringify(this.appliedOf(id)));
    this.storage(id).createSnapshot(st.applied, st.conf, data);
    this.storage(id).compact(compactTo ?? st.applied);
  }
}

/** A storage holding entries with the given terms at indexes 1.., and a hard state. */
export function storageWithTerms(terms: number[], hardTerm: number, commit = 0): MemoryStorage {
  const s = new MemoryStorage();
  s.append(
    terms.map((term, i) => ({ term, index: i + 1, type: EntryType.Normal, data: text(`e${i + 1}t${term}`) })),
  );
  s.setHardState({ term: hardTerm, vote: 0n, commit });
  return s;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
