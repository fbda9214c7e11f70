// Raft's safety properties, checked continuously while the simulation runs (Raft paper, figure 3):
//   election safety       at most one leader per term;
//   log matching          same index and term => same entry, and the same entry before it;
//   leader completeness   an entry committed in term t is in the log of every leader of a term > t;
//   state-machine safety  no two nodes apply different entries at the same index.

import { EntryType, type Entry, type NodeId } from '../types';
import type { RaftNode } from '../node';

export class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

interface Committed {
  /** The lowest leader term in which the index was seen committed. */
  commitTerm: number;
  entryTerm: number;
}

export function entryKey(e: Entry): string {
  if (e.type === EntryType.ConfChange) return `cc:${Array.from(e.data).join('.')}`;
  return e.data.byteLength === 0 ? '' : new TextDecoder().decode(e.data);
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryAt = new Map<string, { key: string; prevTerm: number | undefined }>();
  private readonly appliedAt = new Map<number, { term: number; key: string }>();
  private readonly committed = new Map<number, Committed>();
  private readonly commitSeen = new Map<string, number>();

  get leadersSeen(): number {
    return this.leaderOfTerm.size;
  }

  /** Called after every step for each live node that is leader. */
  observeLeader(node: RaftNode): void {
    const term = node.term;
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, node.id);
      this.checkCompleteness(node);
    } else if (known !== node.id) {
      throw new SafetyViolation(`election safety: term ${term} has two leaders, ${known} and ${node.id}`);
    }
    // Everything up to its commit index is committed, in (at most) this term.
    const k = `${node.id}:${term}`;
    const seen = this.commitSeen.get(k) ?? 0;
    for (let i = seen + 1; i <= node.commitIndex; i++) {
      const entryTerm = node.termAt(i);
      const prev = this.committed.get(i);
      if (entryTerm === undefined) continue; // compacted: was committed before, recorded then
      if (!prev) this.committed.set(i, { commitTerm: term, entryTerm });
      else if (prev.entryTerm !== entryTerm) {
        throw new SafetyViolation(
          `index ${i} committed with term ${prev.entryTerm} and later with term ${entryTerm}`,
        );
      } else if (term < prev.commitTerm) prev.commitTerm = term;
    }
    if (node.commitIndex > seen) this.commitSeen.set(k, node.commitIndex);
  }

  private checkCompleteness(node: RaftNode): void {
    const st = node.status();
    for (const [index, c] of this.committed) {
      if (c.commitTerm >= st.term) continue;
      if (index < st.firstIndex) continue; // inside its snapshot, which holds only committed state
      const t = index <= st.lastIndex ? node.termAt(index) : undefined;
      if (t !== c.entryTerm) {
        throw new SafetyViolation(
          `leader completeness: leader ${node.id} of term ${st.term} has term ${t} at ${index}, committed with term ${c.entryTerm} in term ${c.commitTerm}`,
        );
      }
    }
  }

  /** Entries a node is about to persist; `termBefore` gives the term of the entry preceding each. */
  observeAppend(node: RaftNode, entries: readonly Entry[]): void {
    for (const e of entries) {
      const pos = `${e.index}:${e.term}`;
      const key = entryKey(e);
      const prevTerm = node.termAt(e.index - 1);
      const known = this.entryAt.get(pos);
      if (!known) {
        this.entryAt.set(pos, { key, prevTerm });
        continue;
      }
      if (known.key !== key) {
        throw new SafetyViolation(
          `log matching: two different entries at index ${e.index} term ${e.term} (node ${node.id})`,
        );
      }
      if (known.prevTerm !== undefined && prevTerm !== undefined && known.prevTerm !== prevTerm) {
        throw new SafetyViolation(
          `log matching: entry ${e.index}/${e.term} follows term ${known.prevTerm} on one node and ${prevTerm} on ${node.id}`,
        );
      }
    }
  }

  /** A node applies an entry (or learns it from a snapshot). */
  observeApply(nodeId: NodeId, index: number, term: number | undefined, key: string): void {
    const known = this.appliedAt.get(index);
    if (!known) {
      if (term === undefined)
        throw new SafetyViolation(`node ${nodeId} installed index ${index} nobody applied`);
      this.appliedAt.set(index, { term, key });
      if (index > this.maxAppliedIndex) this.maxAppliedIndex = index;
      return;
    }
    if (known.key !== key || (term !== undefined && known.term !== term)) {
      throw new SafetyViolation(
        `state-machine safety: node ${nodeId} applied ${JSON.stringify(key)} (term ${term}) at ${index}, others ${JSON.stringify(known.key)} (term ${known.term})`,
      );
    }
  }

  /** Highest index applied anywhere so far. */
  maxAppliedIndex = 0;
}
