// A real embedded KV for fleet tests, reached only through the etcd3 client like production code.
import { Etcd3 } from 'etcd3';
import { afterEach } from 'vitest';
import { ClusterRunner } from '../kv/cluster';
import { FAST } from '../kv/cluster/test-helpers';

export { until } from '../kv/cluster/test-helpers';
import { LinkProxies } from '../kv/faults/link-proxy';
import { KvServer } from '../kv/server';
import { Registry } from './registry';

export interface TestKv {
  endpoints: string[];
  /** A new client (closed after the test). */
  client(): Etcd3;
  registry(): Registry;
  /**
   * A client that reaches the KV through a real TCP proxy; `cut()` black-holes it, so the
   * client's leases stop being renewed — a process that died or lost its network, for real.
   */
  cuttableRegistry(): Promise<{ registry: Registry; cut: () => void }>;
  cluster: ClusterRunner;
}

/** Starts a one-member KV per test (fast ticks), closed with its clients after the test. */
export function useKv(): () => Promise<TestKv> {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
  });
  return async () => {
    const cluster = await ClusterRunner.start({ size: 1, member: { ...FAST } });
    open.push(() => cluster.close());
    const server = new KvServer({ member: cluster.member(0) });
    await server.start();
    open.push(() => server.close());
    await cluster.waitForLeader(5_000);
    const endpoints = [server.endpoint];
    const client = () => {
      const c = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`) });
      open.push(async () => c.close());
      return c;
    };
    const cuttableRegistry = async () => {
      const port = Number(server.endpoint.split(':').pop());
      // LinkProxies proxies member links; link 1→0 forwards to the KV's client port.
      const proxies = await LinkProxies.start([port, port]);
      open.push(() => proxies.close());
      const c = new Etcd3({ hosts: `http://127.0.0.1:${proxies.port(1, 0)}` });
      open.push(async () => c.close());
      return { registry: new Registry(c), cut: () => proxies.isolate(1) };
    };
    return { endpoints, client, registry: () => new Registry(client()), cuttableRegistry, cluster };
  };
}
