// Opening a member's data dir: a fresh one is bootstrapped, an existing one replayed.
//
// A brand-new cluster starts every founding member from the same synthetic snapshot at index 1,
// term 1, whose configuration lists all founders and whose data is the peer book plus an empty
// store. Compared with etcd's bootstrap conf-change entries this keeps the log free of setup
// entries, and a member that joins later simply receives a real snapshot from the leader (its
// empty log cannot follow index 1), from which it learns the configuration and every address.
import { MvccStore } from '../mvcc';
import { MemoryStorage, type HardState, type Snapshot } from '../raft';
import { Wal, type WalLogger } from '../wal';
import { encodeSnapshotData, type PeerInfo } from './envelope';

export interface MemberMetadata {
  name: string;
  id: bigint;
  clusterId: bigint;
  /** For a joining member: who to talk to until the leader's snapshot arrives. */
  joinPeers: PeerInfo[];
}

const META_VERSION = 1;

export function encodeMetadata(m: MemberMetadata): Uint8Array {
  const json = JSON.stringify({
    v: META_VERSION,
    name: m.name,
    id: m.id.toString(16),
    clusterId: m.clusterId.toString(16),
    joinPeers: m.joinPeers.map((p) => ({
      id: p.id.toString(16),
      name: p.name,
      host: p.addr.host,
      port: p.addr.port,
    })),
  });
  return new TextEncoder().encode(json);
}

export function decodeMetadata(b: Uint8Array): MemberMetadata {
  const o = JSON.parse(new TextDecoder().decode(b)) as {
    v: number;
    name: string;
    id: string;
    clusterId: string;
    joinPeers: { id: string; name: string; host: string; port: number }[];
  };
  if (o.v !== META_VERSION) throw new Error(`unsupported member metadata version ${o.v}`);
  return {
    name: o.name,
    id: BigInt(`0x${o.id}`),
    clusterId: BigInt(`0x${o.clusterId}`),
    joinPeers: o.joinPeers.map((p) => ({
      id: BigInt(`0x${p.id}`),
      name: p.name,
      addr: { host: p.host, port: p.port },
    })),
  };
}

export interface Booted {
  wal: Wal;
  storage: MemoryStorage;
  meta: MemberMetadata;
  /** The snapshot to restore the store and peer book from (absent: empty store). */
  snapshot: Snapshot | undefined;
  hardState: HardState | undefined;
  fresh: boolean;
}

export interface BootOptions {
  dataDir: string;
  meta: MemberMetadata;
  /** Founding members of a new cluster (incl. this one); absent when joining. */
  founders?: PeerInfo[];
  walSegmentBytes?: number;
  logger?: WalLogger;
}

export async function boot(o: BootOptions): Promise<Booted> {
  const walOpts = {
    ...(o.walSegmentBytes ? { segmentBytes: o.walSegmentBytes } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  };
  if (await Wal.exists(o.dataDir)) {
    const opened = await Wal.open(o.dataDir, walOpts);
    const meta = decodeMetadata(opened.metadata);
    if (meta.id !== o.meta.id || meta.clusterId !== o.meta.clusterId) {
      await opened.wal.close();
      throw new Error(
        `data dir ${o.dataDir} belongs to member ${meta.name} (${meta.id.toString(16)}) of cluster ` +
          `${meta.clusterId.toString(16)}, not ${o.meta.name} of ${o.meta.clusterId.toString(16)}`,
      );
    }
    const { snapshot, entries } = await opened.wal.loadNewestSnapshot();
    if (!snapshot && !opened.hardState && entries.length === 0 && o.founders) {
      // Crashed between creating the WAL and writing the bootstrap snapshot: finish bootstrapping.
      return bootstrap(opened.wal, meta, o.founders);
    }
    const storage = new MemoryStorage();
    if (snapshot) storage.applySnapshot(snapshot);
    let hardState = opened.hardState;
    // A snapshot only covers committed entries; a commit index saved before it was taken may lag.
    if (hardState && snapshot && hardState.commit < snapshot.metadata.index) {
      hardState = { ...hardState, commit: snapshot.metadata.index };
    }
    if (hardState) storage.setHardState(hardState);
    storage.append(entries);
    return { wal: opened.wal, storage, meta, snapshot, hardState, fresh: false };
  }

  const wal = await Wal.create(o.dataDir, { ...walOpts, metadata: encodeMetadata(o.meta) });
  if (!o.founders)
    return {
      wal,
      storage: new MemoryStorage(),
      meta: o.meta,
      snapshot: undefined,
      hardState: undefined,
      fresh: true,
    };
  return bootstrap(wal, o.meta, o.founders);
}

async function bootstrap(wal: Wal, meta: MemberMetadata, founders: PeerInfo[]): Promise<Booted> {
  const storage = new MemoryStorage();
  const snapshot: Snapshot = {
    metadata: { index: 1, term: 1, conf: { voters: founders.map((p) => p.id), learners: [] } },
    data: encodeSnapshotData({ peers: founders, store: new MvccStore().snapshot() }),
  };
  const hardState: HardState = { term: 1, vote: 0n, commit: 1 };
  await wal.saveSnapshot(snapshot);
  await wal.save(hardState, []);
  storage.applySnapshot(snapshot);
  storage.setHardState(hardState);
  return { wal, storage, meta, snapshot, hardState, fresh: true };
}
