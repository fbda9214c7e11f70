// A key-prefix namespace for etcd v3 clients, as a @grpc/grpc-js client interceptor: every key a
// client sends is put under `prefix`, and every key it receives has the prefix taken off, so several
// Flotilla clusters can share one etcd. etcd3's own namespace() only rewrites its builders; code that
// calls the raw RPC clients (kv.range/txn, leaseClient, watches, Election) goes around it, but every
// call goes through the interceptors of the gRPC client, so the rewriting lives there.
//
// The rules are those of etcd's Go clientv3/namespace (kv.go, watch.go, lease.go, util.go):
//   requests   key → prefix+key; range_end "\0" (to the end of the keyspace) → the end of the prefix;
//              any other non-empty range_end → prefix+range_end; an empty one stays empty. Txn
//              compares and success/failure ops likewise, nested txns too. Watch create requests.
//   responses  Range kvs, Put prev_kv, DeleteRange prev_kvs, Txn responses (nested too), watch
//              events' kv and prev_kv lose the prefix; LeaseTimeToLive keys outside the prefix are
//              dropped, the rest lose it.
//   untouched  Compact, lease grant/revoke/keep-alive, Cluster, Maintenance, Auth.
// As in Go, a Put, or a Range/DeleteRange of a single key, with an empty key fails on the client with
// etcd's "key is not provided": prefixed, it would silently address the prefix itself.
import { InterceptingCall, status as Status, type Interceptor } from '@grpc/grpc-js';

type Msg = Record<string, unknown>;
/**
 * A bytes field as protobufjs (behind grpc-js) takes and gives it: a Buffer or Uint8Array, or a string,
 * which protobufjs reads and writes as base64. A rewritten field keeps the form it came in.
 */
type Bytes = Uint8Array | string;

/** etcd's rpctypes.ErrGRPCEmptyKey, which Go's namespace KV returns without asking the server. */
export const ERR_EMPTY_KEY = 'etcdserver: key is not provided';

class EmptyKeyError extends Error {}

const bytesOf = (v: unknown): Buffer => {
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.alloc(0);
};

/** `b` in the form `like` had. */
const sameForm = (like: unknown, b: Buffer): Bytes => (typeof like === 'string' ? b.toString('base64') : b);

const isEmpty = (v: unknown): boolean => bytesOf(v).length === 0;

const isMsg = (v: unknown): v is Msg => typeof v === 'object' && v !== null;

/**
 * Go's namespace prefixEnd: the prefix with its last byte incremented, a 0xff wrapping to 0 and
 * carrying left (Go does not truncate there, unlike clientv3.GetPrefixRangeEnd); all 0xff → "\0".
 */
function prefixRangeEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    end[i] = (end[i]! + 1) & 0xff;
    if (end[i] !== 0) return end;
  }
  return Buffer.from([0]);
}

class Namespace {
  private readonly end: Buffer;

  constructor(private readonly pfx: Buffer) {
    this.end = prefixRangeEnd(pfx);
  }

  // ---- requests: always new objects, the caller's stay as they were (etcd3 retries a failed call
  // with the very same request object; rewriting it in place would prefix it twice).

  private key(key: unknown): Bytes {
    return sameForm(key, Buffer.concat([this.pfx, bytesOf(key)]));
  }

  private rangeEnd(end: unknown): unknown {
    const b = bytesOf(end);
    if (b.length === 0) return end;
    if (b.length === 1 && b[0] === 0) return sameForm(end, this.end);
    return sameForm(end, Buffer.concat([this.pfx, b]));
  }

  /** Go's prefixInterval on a message with key and range_end (range, delete, compare, watch). */
  interval(m: Msg): Msg {
    const out: Msg = { ...m, key: this.key(m.key) };
    if (m.range_end !== undefined && m.range_end !== null) out.range_end = this.rangeEnd(m.range_end);
    return out;
  }

  /** A top-level Range/DeleteRange: one key needs a key; a range may start at "". */
  checkedInterval(m: Msg): Msg {
    if (isEmpty(m.key) && isEmpty(m.range_end)) throw new EmptyKeyError(ERR_EMPTY_KEY);
    return this.interval(m);
  }

  put(m: Msg): Msg {
    if (isEmpty(m.key)) throw new EmptyKeyError(ERR_EMPTY_KEY);
    return this.interval(m);
  }

  txn(m: Msg): Msg {
    const out: Msg = { ...m };
    if (Array.isArray(m.compare)) out.compare = m.compare.map((c: Msg) => this.interval(c));
    if (Array.isArray(m.success)) out.success = m.success.map((op: Msg) => this.op(op));
    if (Array.isArray(m.failure)) out.failure = m.failure.map((op: Msg) => this.op(op));
    return out;
  }

  /** A RequestOp: exactly one of its request_* fields is set. */
  private op(op: Msg): Msg {
    const out: Msg = { ...op };
    if (isMsg(op.request_range)) out.request_range = this.interval(op.request_range);
    if (isMsg(op.request_put)) out.request_put = this.interval(op.request_put);
    if (isMsg(op.request_delete_range)) out.request_delete_range = this.interval(op.request_delete_range);
    if (isMsg(op.request_txn)) out.request_txn = this.txn(op.request_txn);
    return out;
  }

  watch(m: Msg): Msg {
    return isMsg(m.create_request) ? { ...m, create_request: this.interval(m.create_request) } : m;
  }

  // ---- responses: fresh from the deserializer, nobody else holds them, rewritten in place.

  /** Go slices the prefix off without looking (the server only answers keys inside the range). */
  private strip(kv: unknown): void {
    if (isMsg(kv) && kv.key !== undefined && kv.key !== null)
      kv.key = sameForm(kv.key, bytesOf(kv.key).subarray(this.pfx.length));
  }

  range(r: Msg): void {
    if (Array.isArray(r.kvs)) for (const kv of r.kvs) this.strip(kv);
  }

  putResponse(r: Msg): void {
    this.strip(r.prev_kv);
  }

  deleteRange(r: Msg): void {
    if (Array.isArray(r.prev_kvs)) for (const kv of r.prev_kvs) this.strip(kv);
  }

  txnResponse(r: Msg): void {
    if (!Array.isArray(r.responses)) return;
    for (const op of r.responses as Msg[]) {
      if (isMsg(op.response_range)) this.range(op.response_range);
      if (isMsg(op.response_put)) this.putResponse(op.response_put);
      if (isMsg(op.response_delete_range)) this.deleteRange(op.response_delete_range);
      if (isMsg(op.response_txn)) this.txnResponse(op.response_txn);
    }
  }

  watchResponse(r: Msg): void {
    if (!Array.isArray(r.events)) return;
    for (const ev of r.events as Msg[]) {
      this.strip(ev.kv);
      // As Go: prev_kv is the same key.
      if (isMsg(ev.prev_kv) && isMsg(ev.kv)) ev.prev_kv.key = ev.kv.key;
    }
  }

  leaseTimeToLive(r: Msg): void {
    if (!Array.isArray(r.keys) || r.keys.length === 0) return;
    const kept: Bytes[] = [];
    for (const k of r.keys as unknown[]) {
      const b = bytesOf(k);
      if (b.length >= this.pfx.length && b.subarray(0, this.pfx.length).equals(this.pfx))
        kept.push(sameForm(k, b.subarray(this.pfx.length)));
    }
    r.keys = kept;
  }
}

interface Rewrite {
  request?(ns: Namespace, m: Msg): Msg;
  response?(ns: Namespace, m: Msg): void;
}

const REWRITES: Record<string, Rewrite> = {
  '/etcdserverpb.KV/Range': { request: (ns, m) => ns.checkedInterval(m), response: (ns, r) => ns.range(r) },
  '/etcdserverpb.KV/Put': { request: (ns, m) => ns.put(m), response: (ns, r) => ns.putResponse(r) },
  '/etcdserverpb.KV/DeleteRange': {
    request: (ns, m) => ns.checkedInterval(m),
    response: (ns, r) => ns.deleteRange(r),
  },
  '/etcdserverpb.KV/Txn': { request: (ns, m) => ns.txn(m), response: (ns, r) => ns.txnResponse(r) },
  '/etcdserverpb.Watch/Watch': { request: (ns, m) => ns.watch(m), response: (ns, r) => ns.watchResponse(r) },
  '/etcdserverpb.Lease/LeaseTimeToLive': { response: (ns, r) => ns.leaseTimeToLive(r) },
};

/**
 * An interceptor that keeps a client inside `prefix` (e.g. "/flotilla/demo/"). For etcd3:
 * `new Etcd3({ hosts, grpcOptions: { interceptors: [namespaceInterceptor(prefix)] } })`.
 */
export function namespaceInterceptor(prefix: string): Interceptor {
  const ns = new Namespace(Buffer.from(prefix));
  return (options, nextCall) => {
    const rw = REWRITES[options.method_definition.path];
    if (!rw) return new InterceptingCall(nextCall(options));
    const call: InterceptingCall = new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) =>
        next(metadata, {
          onReceiveMessage: (message: unknown, pass: (m: unknown) => void) => {
            // A unary call that ends without an answer hands on null.
            if (isMsg(message)) rw.response?.(ns, message);
            pass(message);
          },
        }),
      sendMessage: (message: unknown, next: (m: unknown) => void) => {
        if (!rw.request || !isMsg(message)) {
          next(message);
          return;
        }
        let out: Msg;
        try {
          out = rw.request(ns, message);
        } catch (err) {
          if (!(err instanceof EmptyKeyError)) throw err;
          call.cancelWithStatus(Status.INVALID_ARGUMENT, err.message);
          return;
        }
        next(out);
      },
    });
    return call;
  };
}
