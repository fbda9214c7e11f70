// Shared helpers for the server tests: a fast 3-member ClusterRunner with a KvServer per member.
import * as grpc from '@grpc/grpc-js';
import { ClusterRunner } from '../cluster';
import { KvServer, type KvServerOptions } from './server';
import { packageDefinition, type Wire } from './proto';

export const FAST = { tickMs: 10, electionTicks: 10, requestTimeoutMs: 3_000 } as const;

export interface TestCluster {
  cluster: ClusterRunner;
  servers: KvServer[];
  /** Index of the leader's server. */
  leader(): Promise<number>;
  follower(): Promise<number>;
  close(): Promise<void>;
}

export async function startCluster(
  size = 3,
  serverOptions: Partial<KvServerOptions> = {},
): Promise<TestCluster> {
  const cluster = await ClusterRunner.start({ size, member: { ...FAST } });
  const directory = new Map<bigint, string>();
  const servers: KvServer[] = [];
  for (let i = 0; i < size; i++) {
    const s = new KvServer({ member: cluster.member(i), directory, ...serverOptions });
    await s.start();
    servers.push(s);
  }
  await cluster.waitForLeader();
  const leader = async () => {
    const l = await cluster.waitForLeader();
    return servers.findIndex((s) => s.member === l);
  };
  return {
    cluster,
    servers,
    leader,
    follower: async () => ((await leader()) + 1) % size,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await cluster.close();
    },
  };
}

type Loaded = Record<string, Record<string, grpc.ServiceClientConstructor>>;

/** Raw grpc-js clients of every service, for one endpoint. */
export function rawClients(endpoint: string): Record<string, grpc.Client> & { close(): void } {
  const pb = (grpc.loadPackageDefinition(packageDefinition()) as unknown as Loaded).etcdserverpb!;
  const out: Record<string, grpc.Client> = {};
  const opts = { 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  for (const svc of ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance'])
    out[svc] = new pb[svc]!(endpoint, grpc.credentials.createInsecure(), opts);
  return Object.assign(out, {
    close: () => {
      for (const svc of ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance']) out[svc]!.close();
    },
  });
}

/** A unary call on a raw client, as a promise. */
export function call(client: grpc.Client, method: string, req: Wire): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const fn = (
      client as unknown as Record<
        string,
        (r: Wire, cb: (e: grpc.ServiceError | null, r: Wire) => void) => void
      >
    )[method]!;
    fn.call(client, req, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
