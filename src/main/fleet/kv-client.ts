import { Etcd3 } from 'etcd3';

/** How long one KV request may take before it fails (and the caller's next pass retries). */
export const KV_REQUEST_DEADLINE_MS = 5_000;

/**
 * An etcd3 client for fleet's parts. Every unary request carries a deadline: a request stuck on
 * a member that lost its leadership must fail and be retried, never hang a reconcile loop.
 * Streams (watches, lease keep-alives) live on without one.
 */
export function fleetKvClient(endpoints: string[]): Etcd3 {
  return new Etcd3({
    hosts: endpoints.map((e) => (e.includes('://') ? e : `http://${e}`)),
    dialTimeout: 3_000,
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + KV_REQUEST_DEADLINE_MS },
  });
}
