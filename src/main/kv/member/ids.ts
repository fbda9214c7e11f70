// Deterministic 64-bit ids. etcd hashes a member's peer URLs with the cluster token; our peer ports
// may be OS-chosen, so we hash the stable member name instead. Same name + token ⇒ same id on every
// host, across restarts, which is what lets a restarted member find itself in the log.
import { createHash } from 'node:crypto';

function hash64(parts: string[]): bigint {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0'); // separator: ("ab","c") and ("a","bc") must differ
  }
  const v = h.digest().readBigUInt64BE(0);
  // 0 means "none" in Raft (no vote, no leader).
  return v === 0n ? 1n : v;
}

export function memberIdOf(name: string, clusterToken: string): bigint {
  return hash64(['member', name, clusterToken]);
}

export function clusterIdOf(clusterToken: string): bigint {
  return hash64(['cluster', clusterToken]);
}

/** etcd prints ids as 16 lower-case hex digits. */
export function idHex(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}
