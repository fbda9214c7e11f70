import type { Interceptor } from '@grpc/grpc-js';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';

/** How long one KV request may take before it fails (and the caller's next pass retries). */
export const KV_REQUEST_DEADLINE_MS = 5_000;

/** Longest wait before a broken watch stream is opened again. */
export const WATCH_RECONNECT_MAX_MS = 1_000;

/**
 * An etcd3 client for fleet's parts. Every unary request carries a deadline: a request stuck on
 * a member that lost its leadership must fail and be retried, never hang a reconcile loop.
 * Streams (watches, lease keep-alives) live on without one. A broken watch is reopened within a
 * second: the client's default backoff grows to 30 s, and while it waits to retry a member that
 * died with its machine, an engine campaign waiting on that watch would not take over.
 */
/** How to reach a cluster's KV beyond its endpoints: TLS, user and password, interceptors. */
export interface KvAccess {
  /** PEM texts: the CA to trust, and the client's certificate and key (client-certificate auth). */
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined };
  auth?: { username: string; password: string };
  /**
   * gRPC client interceptors on every call, e.g. the key-prefix namespace that lets several
   * clusters share one etcd (src/main/kv/client; fleet does not know of it).
   */
  interceptors?: Interceptor[];
}

export function fleetKvClient(endpoints: string[], access: KvAccess = {}): Etcd3 {
  const scheme = access.tls ? 'https' : 'http';
  const credentials: IOptions['credentials'] = access.tls && {
    // Without a CA of its own, grpc-js trusts the system's roots (etcd3 types the field as required).
    rootCertificate: (access.tls.ca ? Buffer.from(access.tls.ca) : undefined) as Buffer,
    ...(access.tls.cert ? { certChain: Buffer.from(access.tls.cert) } : {}),
    ...(access.tls.key ? { privateKey: Buffer.from(access.tls.key) } : {}),
  };
  return new Etcd3({
    hosts: endpoints.map((e) => (e.includes('://') ? e : `${scheme}://${e}`)),
    ...(credentials ? { credentials } : {}),
    ...(access.auth ? { auth: access.auth } : {}),
    dialTimeout: 3_000,
    faultHandling: {
      // etcd3's typings name the older cockatiel shape; at run time it calls .next() on a factory.
      watchBackoff: new ExponentialBackoff({
        initialDelay: 50,
        maxDelay: WATCH_RECONNECT_MAX_MS,
      }) as unknown as IBackoff<unknown>,
    },
    // gRPC's own reconnect backoff grows to 2 min; a member back with its machine is used at once.
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // A registry read of ~10,000 units passes gRPC's default 4 MiB answer limit; etcd's Go
      // client allows MaxInt32 (and so do our KV servers).
      'grpc.max_receive_message_length': 2 ** 31 - 1,
      ...(access.interceptors?.length ? { interceptors: access.interceptors } : {}),
    },
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + KV_REQUEST_DEADLINE_MS },
  });
}
