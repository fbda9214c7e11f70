// Per-machine journals (journald's part): every unit's stdout and stderr and systemd's lifecycle
// lines, on disk per machine with rotation, read merged across machines with resumable cursors,
// and followed live.
export {
  ClusterJournals,
  type JournalOptions,
  type JournalSink,
  type ResolvedJournalQuery,
} from './cluster-journals';
export { CursorError } from './cursor';
export { DEFAULT_LIMITS, type JournalLimits, type JournalStream, type WriteEntry } from './machine-journal';
