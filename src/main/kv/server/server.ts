// The etcd v3 client endpoint of one member: gRPC (HTTP/2) and the JSON gateway (HTTP/1.1) on one
// loopback port. Each connection's first bytes decide: the HTTP/2 preface goes to grpc-js, the rest
// to node:http. Garbage ends that connection only. With `tls` the port speaks TLS only and wants a
// client certificate from the cluster's CA (etcd's --client-cert-auth); the same split runs on the
// decrypted stream.
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import type { Member } from '../member';
import { approxSize, i64, u64, type HeaderFn } from './convert';
import { ERR_NO_LEADER, ERR_NOT_LEADER, rpcError, toRpcError, RpcError } from './errors';
import { Gateway } from './gateway';
import { EMPTY_SETTINGS, peek, rewritingStream, type Peek } from './h2-authority';
import { makeHandlers, snapshotBlob, SNAPSHOT_CHUNK, type Handler, type HandlerContext } from './handlers';
import { packageDefinition, type Wire } from './proto';
import { mutualServerOptions, type TlsMaterial } from '../tls/options';
import { WatchSession } from './watch-session';

/** etcd's default --max-request-bytes. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's grpcOverheadBytes: gRPC accepts a bit more so the server can answer "too large" itself. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/**
 * What grpc-js itself accepts. Larger than etcd's gRPC limit on purpose: grpc-js words its own
 * refusal differently from grpc-go, and clients match on the text, so unary requests between the
 * two limits are refused by us with grpc-go's exact words (see `unary`).
 */
const TRANSPORT_MAX_BYTES = 64 * 1024 * 1024;
const BULK_METHODS = new Set(['Put', 'DeleteRange', 'Txn']);
/** The version Status reports: Debian's etcd, which etcdctl 3.4 is happy with. */
export const REPORTED_VERSION = '3.4.23';

export interface KvServerOptions {
  member: Member;
  host?: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** Client URLs of the cluster's members by id, shared by their servers (forwarding, MemberList). */
  directory?: Map<bigint, string>;
  maxRequestBytes?: number;
  /** How often progress_notify watchers hear about the current revision (default 5 s). */
  progressNotifyMs?: number;
  /** Name for a member registered by MemberAdd, from its peer address. */
  nameForPeer?: (host: string, port: number) => string;
  /**
   * TLS only, client certificates required: the cluster's CA and this member's certificate and key
   * (PEM). The server also shows that certificate when it forwards a call to the leader.
   */
  tls?: TlsMaterial;
}

type Loaded = Record<string, Record<string, grpc.ServiceClientConstructor>>;

interface StreamLike {
  write(m: Wire): boolean;
  on(ev: string, fn: (...a: unknown[]) => void): unknown;
  emit(ev: string, ...a: unknown[]): boolean;
  end(): void;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export class KvServer {
  readonly member: Member;
  readonly directory: Map<bigint, string>;
  private readonly host: string;
  private readonly wantPort: number;
  private readonly maxRequestBytes: number;
  private readonly progressMs: number;
  private readonly grpcServer: grpc.Server;
  private readonly injector: grpc.ConnectionInjector;
  private readonly http: http.Server;
  private readonly listener: net.Server;
  private readonly tls: TlsMaterial | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<WatchSession>();
  private readonly clients = new Map<string, grpc.Client>();
  private readonly pb: Record<string, grpc.ServiceClientConstructor>;
  readonly handlers: Record<string, Handler>;
  private boundPort = 0;
  private closed = false;

  constructor(o: KvServerOptions) {
    this.member = o.member;
    this.host = o.host ?? '127.0.0.1';
    this.wantPort = o.port ?? 0;
    this.directory = o.directory ?? new Map();
    this.maxRequestBytes = o.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.progressMs = o.progressNotifyMs ?? 5_000;
    this.tls = o.tls;
    const loaded = grpc.loadPackageDefinition(packageDefinition()) as unknown as Loaded;
    const pb = loaded.etcdserverpb!;
    this.pb = pb;
    const ctx: HandlerContext = {
      member: this.member,
      header: this.header,
      maxRequestBytes: this.maxRequestBytes,
      version: REPORTED_VERSION,
      clientUrl: (id) => this.directory.get(id),
      nameForPeer: o.nameForPeer ?? ((_h, port) => `member-${port}`),
      leaseRenew: (id) => this.leaseRenew(id),
      leaseTimeToLive: (id, keys) => this.leaseTimeToLive(id, keys),
      forwardToLeader: (service, method, req) =>
        this.forward<Wire>(service, (c, deadline, cb) => {
          (
            c as unknown as Record<
              string,
              (r: Wire, o: object, cb: (e: grpc.ServiceError | null, r?: Wire) => void) => void
            >
          )[method]!.call(c, req, { deadline }, cb);
        }),
    };
    this.handlers = makeHandlers(ctx);
    this.grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': TRANSPORT_MAX_BYTES,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const grpcLimit = this.maxRequestBytes + GRPC_OVERHEAD_BYTES;
    const unary =
      (svc: string, name: string): grpc.handleUnaryCall<Wire, Wire> =>
      (call, cb) => {
        // Only requests carrying values can be that large. The estimate is cheap; only a request that
        // may be over the limit is re-encoded to measure it.
        if (BULK_METHODS.has(name) && approxSize(call.request) > grpcLimit) {
          const size = pb[svc]!.service[name]!.requestSerialize(call.request).length;
          if (size > grpcLimit) {
            cb({
              code: Status.RESOURCE_EXHAUSTED,
              details: `grpc: received message larger than max (${size} vs. ${grpcLimit})`,
            });
            return;
          }
        }
        const fn = this.handlers[name]!;
        fn(call.request).then(
          (r) => cb(null, r),
          (err: unknown) => {
            const e = toRpcError(err);
            cb({ code: e.code, details: e.message });
          },
        );
      };
    const impl = (svc: string, names: string[], extra: grpc.UntypedServiceImplementation = {}) => {
      const out: grpc.UntypedServiceImplementation = { ...extra };
      for (const n of names) out[n] = unary(svc, n);
      this.grpcServer.addService(pb[svc]!.service, out);
    };
    impl('KV', ['Range', 'Put', 'DeleteRange', 'Txn', 'Compact']);
    impl('Watch', [], { Watch: (call: grpc.ServerDuplexStream<Wire, Wire>) => this.watchStream(call) });
    impl('Lease', ['LeaseGrant', 'LeaseRevoke', 'LeaseTimeToLive', 'LeaseLeases'], {
      LeaseKeepAlive: (call: grpc.ServerDuplexStream<Wire, Wire>) => this.keepAliveStream(call),
    });
    impl('Cluster', ['MemberAdd', 'MemberRemove', 'MemberUpdate', 'MemberList', 'MemberPromote']);
    impl('Maintenance', ['Alarm', 'Status', 'Defragment', 'Hash', 'HashKV', 'MoveLeader'], {
      Snapshot: (call: grpc.ServerWritableStream<Wire, Wire>) => this.snapshotStream(call),
    });
    this.injector = this.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const gateway = new Gateway({
      handlers: this.handlers,
      maxBodyBytes: this.maxRequestBytes + GRPC_OVERHEAD_BYTES,
      openWatch: (send) => this.openSession(send),
    });
    this.http = http.createServer((req, res) => gateway.handle(req, res));
    this.http.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    });
    this.listener = this.tls
      ? this.tlsListener(this.tls)
      : net.createServer({ noDelay: true }, (s) => this.onConnection(s));
    this.listener.on('error', () => undefined);
  }

  /** Binds the client port; resolves with it. */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.listener.once('error', onError);
      this.listener.listen(this.wantPort, this.host, () => {
        this.listener.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.listener.address() as net.AddressInfo).port;
    this.directory.set(this.member.id, this.url);
    return this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  get endpoint(): string {
    return `${this.host}:${this.boundPort}`;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.endpoint}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) s.close();
    this.sessions.clear();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    this.injector.destroy();
    this.grpcServer.forceShutdown();
    this.http.closeAllConnections();
    this.http.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  readonly header: HeaderFn = (revision) => ({
    cluster_id: u64(this.member.clusterId),
    member_id: u64(this.member.id),
    revision: String(revision),
    raft_term: String(this.member.raftTerm),
  });

  // ---- connections ----------------------------------------------------------------------------

  private tlsListener(material: TlsMaterial): tls.Server {
    const server = tls.createServer(
      {
        ...mutualServerOptions(material),
        // gRPC clients (grpc-go, grpc-js) offer h2 alone; curl and browsers offer http/1.1 as well,
        // and then get it: the JSON gateway speaks HTTP/1.1 only (etcd's Go server would pick h2).
        ALPNCallback: ({ protocols }) =>
          protocols.includes('http/1.1') ? 'http/1.1' : protocols.includes('h2') ? 'h2' : undefined,
      },
      (socket) => this.onConnection(socket),
    );
    // Tracked from accept on, so close() also ends connections still in their handshake.
    server.on('connection', (raw: net.Socket) => {
      // As Go's net package (etcd) does: small writes after the handshake would otherwise wait
      // for a delayed ACK (~40 ms per etcdctl call, measured by bench:remote).
      raw.setNoDelay(true);
      this.sockets.add(raw);
      raw.on('close', () => this.sockets.delete(raw));
    });
    return server;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), 30_000);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const n = Math.min(buf.length, PREFACE.length);
      const h2 = buf.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (h2 && buf.length < PREFACE.length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (h2) {
        this.handOverH2(socket, buf);
        return;
      }
      try {
        socket.unshift(buf);
        this.http.emit('connection', socket);
        socket.resume();
      } catch {
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('end', () => clearTimeout(timer));
  }

  /** See h2-authority.ts: our SETTINGS first, then the raw socket or the rewriter to grpc-js. */
  private handOverH2(socket: net.Socket, initial: Buffer): void {
    let state: Peek = { buf: initial, ackDropped: false, verdict: 'more' };
    const finish = (verdict: 'raw' | 'rewrite') => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      try {
        if (verdict === 'raw') {
          socket.unshift(state.buf);
          this.injector.injectConnection(socket);
        } else this.injector.injectConnection(rewritingStream(socket, state.buf, !state.ackDropped));
      } catch {
        socket.destroy();
      }
    };
    const step = () => {
      state = peek(state.buf, state.ackDropped);
      if (state.verdict !== 'more') finish(state.verdict);
    };
    const onData = (chunk: Buffer) => {
      state = { ...state, buf: Buffer.concat([state.buf, chunk]) };
      step();
    };
    // A client that sends nothing for a while (an idle channel) gets the careful path.
    const timer = setTimeout(() => finish('rewrite'), 1_000);
    socket.on('data', onData);
    socket.resume();
    socket.write(EMPTY_SETTINGS);
    step();
  }

  // ---- streams --------------------------------------------------------------------------------

  private openSession(send: (r: Wire) => boolean): WatchSession {
    const s = new WatchSession(this.member, this.header, send, this.progressMs);
    this.sessions.add(s);
    return s;
  }

  private watchStream(call: grpc.ServerDuplexStream<Wire, Wire>): void {
    const hasLeader = call.metadata.get('hasleader')[0];
    if (String(hasLeader) === 'true' && this.member.leaderId === 0n) {
      call.emit('error', { code: Status.UNAVAILABLE, details: ERR_NO_LEADER });
      return;
    }
    const session = this.openSession((r) => call.write(r));
    call.on('drain', () => session.resume());
    call.on('data', (req: Wire) => session.handle(req));
    const done = () => {
      session.close();
      this.sessions.delete(session);
    };
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('cancelled', done);
    call.on('error', done);
  }

  private keepAliveStream(call: grpc.ServerDuplexStream<Wire, Wire>): void {
    let chain = Promise.resolve();
    let failed = false;
    const s = call as unknown as StreamLike;
    call.on('data', (req: Wire) => {
      chain = chain.then(async () => {
        if (failed) return;
        try {
          call.write(await this.handlers.LeaseKeepAliveOnce!(req));
        } catch (err) {
          failed = true;
          const e = toRpcError(err);
          s.emit('error', { code: e.code, details: e.message });
        }
      });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (!failed) call.end();
      });
    });
    call.on('error', () => {
      failed = true;
    });
  }

  private snapshotStream(call: grpc.ServerWritableStream<Wire, Wire>): void {
    try {
      const blob = snapshotBlob(this.member);
      const header = this.header(this.member.store.currentRevision);
      for (let off = 0; off < blob.length || off === 0; off += SNAPSHOT_CHUNK) {
        const chunk = blob.subarray(off, off + SNAPSHOT_CHUNK);
        call.write({
          header,
          remaining_bytes: String(Math.max(0, blob.length - off - chunk.length)),
          blob: chunk,
        });
        if (blob.length === 0) break;
      }
      call.end();
    } catch (err) {
      const e = toRpcError(err);
      call.emit('error', { code: e.code, details: e.message });
    }
  }

  // ---- leader-only lease calls ----------------------------------------------------------------

  private async leaseRenew(id: bigint): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.member.isLeader) return this.member.leaseRenew(id);
        const resp = await this.forward<Wire>('Lease', (c, deadline, cb) => {
          const call = (
            c as unknown as { LeaseKeepAlive(o: object): grpc.ClientDuplexStream<Wire, Wire> }
          ).LeaseKeepAlive({ deadline });
          call.on('data', (d: Wire) => {
            cb(null, d);
            call.cancel();
          });
          call.on('error', (e: Error) => cb(e as grpc.ServiceError));
          call.write({ ID: i64(id) });
        });
        return Number(resp.TTL ?? 0);
      } catch (err) {
        const e = toRpcError(err);
        const retriable = e.message === ERR_NOT_LEADER || e.message === ERR_NO_LEADER;
        if (!retriable || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async leaseTimeToLive(
    id: bigint,
    keys: boolean,
  ): Promise<{ revision: number; ttl: number; grantedTtl: number; keys: Uint8Array[] }> {
    if (this.member.isLeader) {
      const r = this.member.leaseTimeToLive({ id, keys });
      return { revision: r.header.revision, ttl: r.ttl, grantedTtl: r.grantedTtl, keys: r.keys };
    }
    const r = await this.forward<Wire>('Lease', (c, deadline, cb) => {
      (
        c as unknown as {
          LeaseTimeToLive(req: Wire, o: object, cb: (e: grpc.ServiceError | null, r?: Wire) => void): void;
        }
      ).LeaseTimeToLive({ ID: i64(id), keys }, { deadline }, cb);
    });
    // The leader's answer; it must not be older than what this member has applied.
    await this.member.linearizableRead().catch(() => undefined);
    return {
      revision: Math.max(
        Number(r.header ? (r.header as Wire).revision : 0),
        this.member.store.currentRevision,
      ),
      ttl: Number(r.TTL ?? 0),
      grantedTtl: Number(r.grantedTTL ?? 0),
      keys: Array.isArray(r.keys) ? (r.keys as Uint8Array[]) : [],
    };
  }

  /** Runs `fn` against the leader's client endpoint. */
  private forward<T>(
    service: string,
    fn: (c: grpc.Client, deadline: Date, cb: (e: grpc.ServiceError | null, r?: T) => void) => void,
  ): Promise<T> {
    const leader = this.member.leaderId;
    if (leader === 0n) return Promise.reject(rpcError(Status.UNAVAILABLE, ERR_NO_LEADER));
    const url = this.directory.get(leader);
    if (!url) return Promise.reject(rpcError(Status.UNAVAILABLE, ERR_NO_LEADER));
    const key = `${service} ${url}`;
    let client = this.clients.get(key);
    if (!client) {
      const Ctor = this.pb[service]!;
      const credentials = this.tls
        ? grpc.credentials.createSsl(
            Buffer.from(this.tls.ca),
            Buffer.from(this.tls.key),
            Buffer.from(this.tls.cert),
          )
        : grpc.credentials.createInsecure();
      client = new Ctor(url.replace(/^https?:\/\//, ''), credentials);
      this.clients.set(key, client);
    }
    const c = client;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      fn(c, new Date(Date.now() + 5_000), (e, r) => {
        if (settled) return;
        settled = true;
        if (e) reject(new RpcError(e.code ?? Status.UNKNOWN, e.details || e.message));
        else resolve(r as T);
      });
    });
  }
}
