// The key tree of the KV explorer: keys split at "/", folders with counts, flattened into the
// rows a virtualized list shows. Pure; the explorer's store feeds it keys and watch events.
import type { KvEntry, KvWatchBatch } from '../../../shared/api';

/**
 * A key's path segments, each keeping its trailing "/": "/a/b" → ["/", "a/", "b"]. Keeping the
 * slash makes every node's id the exact key prefix it stands for, so "/a" (a key) and "/a/" (the
 * folder of "/a/b") stay distinct, as etcd's prefixes are.
 */
export function segments(key: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < key.length; i++)
    if (key[i] === '/') {
      out.push(key.slice(start, i + 1));
      start = i + 1;
    }
  if (start < key.length) out.push(key.slice(start));
  return out;
}

export interface TreeNode {
  /** The prefix this node stands for (a folder's ends with "/"). */
  id: string;
  label: string;
  /** True when a key equals `id` exactly. */
  isKey: boolean;
  /** Keys at or below this node. */
  count: number;
  /** In key (byte) order. */
  children: TreeNode[];
}

const byId = (a: TreeNode, b: TreeNode) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The tree of these keys under an unnamed root (id ""). */
export function buildTree(keys: Iterable<string>): TreeNode {
  const root: TreeNode = { id: '', label: '', isKey: false, count: 0, children: [] };
  // Children by id while building; arrays are sorted once at the end.
  const index = new Map<string, Map<string, TreeNode>>();
  for (const key of keys) {
    let node = root;
    node.count++;
    let id = '';
    for (const segment of segments(key)) {
      id += segment;
      let kids = index.get(node.id);
      if (!kids) index.set(node.id, (kids = new Map()));
      let child = kids.get(id);
      if (!child) {
        child = { id, label: segment, isKey: false, count: 0, children: [] };
        kids.set(id, child);
        node.children.push(child);
      }
      child.count++;
      node = child;
    }
    node.isKey = true;
  }
  const sort = (n: TreeNode) => {
    n.children.sort(byId);
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}

/** One line of the tree as shown. */
export interface TreeRow {
  id: string;
  label: string;
  /** 1-based, as aria-level. */
  level: number;
  isKey: boolean;
  isFolder: boolean;
  expanded: boolean;
  /** Keys below (those matching the filter, when there is one). */
  count: number;
  parentId: string | undefined;
  /** Position among its siblings (1-based) and how many siblings, as aria-posinset/setsize. */
  posInSet: number;
  setSize: number;
}

/** A filter matches keys containing it, ignoring case. */
export function matchesFilter(key: string, filter: string): boolean {
  return filter === '' || key.toLowerCase().includes(filter.toLowerCase());
}

/** Counts of matching keys per node, for a filter (undefined: no filter, use node.count). */
function filteredCounts(root: TreeNode, filter: string): Map<string, number> | undefined {
  if (!filter) return undefined;
  const counts = new Map<string, number>();
  const walk = (n: TreeNode): number => {
    let c = n.isKey && matchesFilter(n.id, filter) ? 1 : 0;
    for (const child of n.children) c += walk(child);
    if (c > 0) counts.set(n.id, c);
    return c;
  };
  walk(root);
  return counts;
}

/**
 * The rows to show: depth-first, children of expanded folders only. With a filter, only nodes
 * with a matching key at or below them, and every folder open (a search shows where hits are).
 */
export function visibleRows(root: TreeNode, expanded: ReadonlySet<string>, filter = ''): TreeRow[] {
  const counts = filteredCounts(root, filter);
  const rows: TreeRow[] = [];
  const walk = (node: TreeNode, level: number) => {
    const kids = counts ? node.children.filter((c) => counts.has(c.id)) : node.children;
    kids.forEach((child, i) => {
      const isFolder = child.children.length > 0;
      const open = isFolder && (counts !== undefined || expanded.has(child.id));
      rows.push({
        id: child.id,
        label: child.label,
        level,
        isKey: child.isKey,
        isFolder,
        expanded: open,
        count: counts ? (counts.get(child.id) ?? 0) : child.count,
        parentId: level > 1 ? node.id : undefined,
        posInSet: i + 1,
        setSize: kids.length,
      });
      if (open) walk(child, level + 1);
    });
  };
  walk(root, 1);
  return rows;
}

/** The folder ids that must be open for `key` to show. */
export function ancestorsOf(key: string): string[] {
  const out: string[] = [];
  let id = '';
  const parts = segments(key);
  for (const segment of parts.slice(0, -1)) {
    id += segment;
    out.push(id);
  }
  return out;
}

/** What a batch of watch events did to the key map. */
export interface AppliedBatch {
  /** The same map object when nothing changed. */
  entries: Map<string, KvEntry>;
  /** The key set changed (a key came or went): the tree must be rebuilt. */
  keysChanged: boolean;
  /** Keys put or deleted by the batch (for a flash). */
  touched: string[];
}

/**
 * Applies watch events to keys listed with `keysOnly` (values are dropped: the tree needs none).
 * An event older than what the map holds is ignored: list pages are read at different revisions
 * and the watch starts from the first, so the same change can arrive twice.
 */
export function applyWatchEvents(
  entries: Map<string, KvEntry>,
  events: KvWatchBatch['events'],
): AppliedBatch {
  let next: Map<string, KvEntry> | undefined;
  let keysChanged = false;
  const touched: string[] = [];
  for (const { type, entry } of events) {
    const map = next ?? entries;
    const held = map.get(entry.key);
    if (held && held.modRevision >= entry.modRevision) continue;
    if (type === 'delete' && !held) continue;
    next ??= new Map(entries);
    if (type === 'put') {
      if (!held) keysChanged = true;
      next.set(entry.key, { ...entry, value: '' });
    } else {
      next.delete(entry.key);
      keysChanged = true;
    }
    touched.push(entry.key);
  }
  return { entries: next ?? entries, keysChanged, touched };
}
