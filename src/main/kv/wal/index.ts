// Public face of the write-ahead log. See wal.ts for the on-disk layout and codec.ts for the format.
export { Wal, WalCorruptError, DEFAULT_SEGMENT_BYTES } from './wal';
export type {
  LoadedSnapshot,
  WalCreateOptions,
  WalLogger,
  WalOpened,
  WalOptions,
  WalReplay,
  WalSyncKind,
} from './wal';
