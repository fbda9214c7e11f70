// Peer transport over TCP on loopback. Each member listens once; to reach a peer it keeps ONE
// outbound connection (messages only flow sender → receiver on it), so every socket has a single
// writer and a single reader. Raft tolerates loss, so the transport never blocks the Ready loop:
// a bounded per-peer queue absorbs bursts and reconnects, and overflow is dropped and reported
// as unreachable so the leader falls back to probing that follower.
//
// With `tls` both ends of every peer connection show the cluster's member certificate and check the
// other's against the cluster's CA (a dialler also checks the address it dialled against the
// certificate's SANs); a connection that is plaintext or brings no such certificate is refused at
// the handshake, before a byte of it is read as a frame.
//
// Fault injection: cutOff(ids) silently drops traffic to and from those peers in both directions
// (outbound before queueing, inbound after the handshake names the sender), which is how tests
// partition members without touching the OS.
import net from 'node:net';
import tls from 'node:tls';
import { MessageType, type Message, type NodeId } from '../raft';
import { mutualClientOptions, mutualServerOptions, type TlsMaterial } from '../tls/options';
import { decodeMessage, encodeMessage } from './codec';
import { FrameDecoder, frame } from './framing';

export interface PeerAddr {
  host: string;
  port: number;
}

export interface TransportOptions {
  id: NodeId;
  clusterId: bigint;
  /** Listen host; loopback by default. */
  host?: string;
  /** Listen port; 0 (default) lets the OS choose. */
  port?: number;
  onMessage: (m: Message) => void;
  onUnreachable?: (peer: NodeId) => void;
  onSnapshotStatus?: (peer: NodeId, ok: boolean) => void;
  /** Max messages queued per peer before new ones are dropped. */
  maxQueue?: number;
  /** Socket-buffered bytes above which we stop writing and keep queueing. */
  highWaterBytes?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Mutual TLS on the peer port and on every dial: the cluster's CA, the member certificate and key. */
  tls?: TlsMaterial;
}

const MAGIC = 0x464c5431; // "FLT1"
const DISCONNECTED_QUEUE = 256;
const HANDSHAKE_LEN = 4 + 8 + 8 + 8;

function encodeHandshake(clusterId: bigint, from: NodeId, to: NodeId): Uint8Array {
  const b = Buffer.alloc(HANDSHAKE_LEN);
  b.writeUInt32BE(MAGIC, 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, clusterId), 4);
  b.writeBigUInt64LE(from, 12);
  b.writeBigUInt64LE(to, 20);
  return b;
}

interface Outbound {
  id: NodeId;
  addr: PeerAddr;
  socket: net.Socket | undefined;
  connected: boolean;
  queue: { buf: Buffer; snapshot: boolean }[];
  backoff: number;
  timer: NodeJS.Timeout | undefined;
  /** Whether the current outage was already reported (once per outage, not per message). */
  reported: boolean;
}

export class Transport {
  private readonly opts: Required<Omit<TransportOptions, 'onUnreachable' | 'onSnapshotStatus' | 'tls'>> &
    Pick<TransportOptions, 'onUnreachable' | 'onSnapshotStatus' | 'tls'>;
  private server: net.Server | undefined;
  private readonly peers = new Map<NodeId, Outbound>();
  private readonly inbound = new Set<net.Socket>();
  private readonly cut = new Set<NodeId>();
  private readonly contact = new Map<NodeId, number>();
  private closed = false;
  private listenAddr: PeerAddr | undefined;

  constructor(options: TransportOptions) {
    this.opts = {
      host: '127.0.0.1',
      port: 0,
      maxQueue: 4096,
      highWaterBytes: 4 * 1024 * 1024,
      backoffMinMs: 25,
      backoffMaxMs: 1000,
      ...options,
    };
  }

  get id(): NodeId {
    return this.opts.id;
  }

  /** The bound address; valid after start(). */
  get address(): PeerAddr {
    if (!this.listenAddr) throw new Error('transport not started');
    return this.listenAddr;
  }

  async start(): Promise<PeerAddr> {
    const server = this.opts.tls ? this.tlsServer(this.opts.tls) : net.createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as net.AddressInfo;
    this.listenAddr = { host: this.opts.host, port: a.port };
    return this.listenAddr;
  }

  addPeer(id: NodeId, addr: PeerAddr): void {
    if (id === this.opts.id) return;
    const existing = this.peers.get(id);
    if (existing) {
      if (existing.addr.host === addr.host && existing.addr.port === addr.port) return;
      this.removePeer(id);
    }
    const p: Outbound = {
      id,
      addr,
      socket: undefined,
      connected: false,
      queue: [],
      backoff: this.opts.backoffMinMs,
      timer: undefined,
      reported: false,
    };
    this.peers.set(id, p);
    this.connect(p);
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    if (p.timer) clearTimeout(p.timer);
    p.socket?.destroy();
    this.failSnapshots(p);
  }

  hasPeer(id: NodeId): boolean {
    return this.peers.has(id);
  }

  peerIds(): NodeId[] {
    return [...this.peers.keys()];
  }

  /** Wall-clock ms of the last frame received from `id`, if any. */
  lastContact(id: NodeId): number | undefined {
    return this.contact.get(id);
  }

  send(msgs: readonly Message[]): void {
    if (this.closed) return;
    const touched = new Set<Outbound>();
    for (const m of msgs) {
      if (this.cut.has(m.to)) {
        if (m.type === MessageType.Snap) this.opts.onSnapshotStatus?.(m.to, false);
        continue;
      }
      const p = this.peers.get(m.to);
      if (!p) {
        // Unknown peer (e.g. removed, or not yet added): the same as an unreachable one.
        if (m.type === MessageType.Snap) this.opts.onSnapshotStatus?.(m.to, false);
        continue;
      }
      const snapshot = m.type === MessageType.Snap;
      // During a known outage keep only a little: a backlog of stale heartbeats and appends would
      // be flushed at the peer on reconnect for nothing (the leader re-sends what matters).
      const cap = p.reported ? Math.min(this.opts.maxQueue, DISCONNECTED_QUEUE) : this.opts.maxQueue;
      if (p.queue.length >= cap) {
        if (snapshot) this.opts.onSnapshotStatus?.(m.to, false);
        this.opts.onUnreachable?.(m.to);
        continue;
      }
      p.queue.push({ buf: frame(encodeMessage(m)), snapshot });
      touched.add(p);
    }
    for (const p of touched) this.flush(p);
  }

  /** Drops all traffic to and from these peers until heal(). Adds to any existing cut. */
  cutOff(ids: Iterable<NodeId>): void {
    for (const id of ids) {
      this.cut.add(id);
      const p = this.peers.get(id);
      if (p) {
        // What was queued would have been lost on the wire too.
        this.failSnapshots(p);
        p.queue = [];
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  isCutOff(id: NodeId): boolean {
    return this.cut.has(id);
  }

  /** Graceful: stop accepting, give queued frames a short chance to flush, close everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ends: Promise<void>[] = [];
    for (const p of this.peers.values()) {
      if (p.timer) clearTimeout(p.timer);
      const s = p.socket;
      if (s && p.connected) {
        ends.push(
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              s.destroy();
              resolve();
            }, 200);
            s.end(() => {
              clearTimeout(t);
              s.destroy();
              resolve();
            });
          }),
        );
      } else s?.destroy();
    }
    this.peers.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    await Promise.all(ends);
    await this.closeServer();
  }

  /** Crash: destroy every socket now; nothing queued is sent. */
  kill(): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.socket?.destroy();
    }
    this.peers.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    return this.closeServer();
  }

  private tlsServer(material: TlsMaterial): tls.Server {
    const server = tls.createServer(mutualServerOptions(material), (s) => this.accept(s));
    // Counted as inbound from accept on, so close() and kill() also end handshakes in progress.
    server.on('connection', (raw: net.Socket) => {
      if (this.closed) {
        raw.destroy();
        return;
      }
      this.inbound.add(raw);
      raw.on('close', () => this.inbound.delete(raw));
    });
    return server;
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private connect(p: Outbound): void {
    if (this.closed || this.peers.get(p.id) !== p) return;
    const { host, port } = p.addr;
    const t = this.opts.tls;
    const s = t
      ? tls.connect({ ...mutualClientOptions(t), host, port })
      : net.createConnection({ host, port });
    s.setNoDelay(true);
    p.socket = s;
    // Over TLS the peer is known only once its certificate has been checked.
    s.on(t ? 'secureConnect' : 'connect', () => {
      if (p.socket !== s) return;
      p.connected = true;
      p.backoff = this.opts.backoffMinMs;
      p.reported = false;
      s.write(frame(encodeHandshake(this.opts.clusterId, this.opts.id, p.id)));
      this.flush(p);
    });
    s.on('drain', () => this.flush(p));
    // The receiver never writes on this socket; reading just detects a close by the far end.
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => {
      if (p.socket !== s) return;
      p.socket = undefined;
      p.connected = false;
      this.failSnapshots(p);
      if (!p.reported) {
        p.reported = true;
        this.opts.onUnreachable?.(p.id);
      }
      if (this.closed || this.peers.get(p.id) !== p) return;
      p.timer = setTimeout(() => {
        p.timer = undefined;
        this.connect(p);
      }, p.backoff);
      p.backoff = Math.min(p.backoff * 2, this.opts.backoffMaxMs);
    });
  }

  private flush(p: Outbound): void {
    const s = p.socket;
    if (!s || !p.connected || p.queue.length === 0) return;
    s.cork();
    while (p.queue.length > 0 && s.writableLength < this.opts.highWaterBytes) {
      const item = p.queue.shift()!;
      if (item.snapshot) {
        const id = p.id;
        // Written to the kernel = handed off; the follower's reply drives the rest.
        s.write(item.buf, (err) => this.opts.onSnapshotStatus?.(id, !err));
      } else s.write(item.buf);
    }
    s.uncork();
  }

  private failSnapshots(p: Outbound): void {
    const kept: Outbound['queue'] = [];
    for (const item of p.queue) {
      if (item.snapshot) this.opts.onSnapshotStatus?.(p.id, false);
      else kept.push(item);
    }
    p.queue = kept;
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.inbound.add(s);
    s.setNoDelay(true);
    const dec = new FrameDecoder();
    let peer: NodeId | undefined;
    s.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = dec.push(chunk);
      } catch {
        s.destroy();
        return;
      }
      for (const f of frames) {
        if (peer === undefined) {
          peer = this.checkHandshake(f);
          if (peer === undefined) {
            s.destroy();
            return;
          }
          continue;
        }
        if (this.cut.has(peer) || this.closed) continue;
        let m: Message;
        try {
          m = decodeMessage(f);
        } catch {
          s.destroy();
          return;
        }
        this.contact.set(peer, Date.now());
        this.opts.onMessage(m);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.inbound.delete(s));
  }

  private checkHandshake(f: Buffer): NodeId | undefined {
    if (f.length !== HANDSHAKE_LEN || f.readUInt32BE(0) !== MAGIC) return undefined;
    if (f.readBigUInt64LE(4) !== BigInt.asUintN(64, this.opts.clusterId)) return undefined;
    if (f.readBigUInt64LE(20) !== this.opts.id) return undefined;
    return f.readBigUInt64LE(12);
  }
}
