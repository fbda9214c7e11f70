// Merges consecutive appends to the same follower within one Ready into one message. The core
// emits an App per proposal (bcastAppend on each), so 256 concurrent proposers would cost 256
// messages out and 256 acks back per follower per Ready. Two Apps can be merged when the second
// continues exactly where the first ends (same term, its previous entry is the first's last).
import { MessageType, type Message } from '../raft';

export function coalesceAppends(msgs: readonly Message[], maxBytes = 1024 * 1024): Message[] {
  const out: Message[] = [];
  // peer → position in `out` of its latest App, and that message's payload bytes
  const lastAppTo = new Map<bigint, { at: number; bytes: number }>();
  for (const m of msgs) {
    if (m.type !== MessageType.App || m.entries.length === 0) {
      // Anything else to that peer must keep its place after the App it followed.
      lastAppTo.delete(m.to);
      out.push(m);
      continue;
    }
    let bytes = 0;
    for (const e of m.entries) bytes += e.data.length;
    const open = lastAppTo.get(m.to);
    const prev = open ? out[open.at] : undefined;
    const tail = prev?.entries[prev.entries.length - 1];
    if (
      open &&
      prev &&
      tail &&
      prev.term === m.term &&
      m.index === tail.index &&
      m.logTerm === tail.term &&
      open.bytes + bytes <= maxBytes
    ) {
      out[open.at] = {
        ...prev,
        entries: prev.entries.concat(m.entries),
        commit: Math.max(prev.commit, m.commit),
      };
      open.bytes += bytes;
      continue;
    }
    lastAppTo.set(m.to, { at: out.length, bytes });
    out.push(m);
  }
  return out;
}
