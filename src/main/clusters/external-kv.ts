// A cluster whose state lives in an existing etcd v3 cluster (DESIGN.md decision 1: everything
// above the KV talks etcd's API, so only the endpoints change). Checking what answers at those
// endpoints before anything is made, and the KV page's health of a cluster Flotilla does not run.
import type { Etcd3 } from 'etcd3';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiError,
  type EtcdCheck,
  type ExternalEtcd,
  type KvHealth,
  type KvHealthSample,
} from '../../shared/api';
import { writeDurably } from '../files';
import { fleetKvClient, type KvAccess } from '../fleet/kv-client';
import { namespaceInterceptor } from '../kv/client';
import { HEALTH_SAMPLE_MS, SampleHistory } from './kv-health';
import type { KvSpec } from './store';

type ExternalKvSpec = Extract<KvSpec, { kind: 'external' }>;

/** Where a cluster's keys live in a shared etcd unless the person names a prefix. */
export const defaultPrefix = (cluster: string): string => `/flotilla/${cluster}/`;

/** The spec of an external KV from what a person gave. */
export function externalKvSpec(cluster: string, etcd: ExternalEtcd): ExternalKvSpec {
  return {
    kind: 'external',
    endpoints: etcd.endpoints,
    prefix: etcd.prefix ?? defaultPrefix(cluster),
    ...(etcd.caCert ? { caCert: etcd.caCert } : {}),
    ...(etcd.cert ? { cert: etcd.cert } : {}),
    ...(etcd.key ? { key: etcd.key } : {}),
    ...(etcd.username ? { username: etcd.username, password: etcd.password ?? '' } : {}),
  };
}

/** The PEM files etcdctl needs, written into the cluster's dir (`etcd/`) by writeEtcdctlFiles. */
const ETCDCTL_FILES = { caCert: 'ca.pem', cert: 'client.pem', key: 'client-key.pem' } as const;

/** Paths of the external etcd's PEM files that were given (for etcdctl's --cacert, --cert, --key). */
export function etcdctlFiles(
  dir: string,
  kv: ExternalKvSpec,
): { caFile?: string; certFile?: string; keyFile?: string } {
  return {
    ...(kv.caCert ? { caFile: join(dir, ETCDCTL_FILES.caCert) } : {}),
    ...(kv.cert ? { certFile: join(dir, ETCDCTL_FILES.cert) } : {}),
    ...(kv.key ? { keyFile: join(dir, ETCDCTL_FILES.key) } : {}),
  };
}

/**
 * The PEM texts of the spec as files etcdctl can name (`flotctl cluster env`, the KV page's
 * commands); keys 0600 in a 0700 dir, written again at each start so they follow the spec.
 */
export async function writeEtcdctlFiles(dir: string, kv: ExternalKvSpec): Promise<void> {
  const files = etcdctlFiles(dir, kv);
  if (Object.keys(files).length === 0) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (files.caFile && kv.caCert) await writeDurably(files.caFile, kv.caCert, 0o644);
  if (files.certFile && kv.cert) await writeDurably(files.certFile, kv.cert, 0o644);
  if (files.keyFile && kv.key) await writeDurably(files.keyFile, kv.key, 0o600);
}

/** TLS, user and password, prefix: how the cluster's clients reach an external etcd. */
export function externalAccess(kv: ExternalKvSpec): KvAccess {
  const tls = kv.caCert || kv.cert || kv.key || kv.endpoints.some((e) => e.startsWith('https:'));
  return {
    interceptors: [namespaceInterceptor(kv.prefix)],
    ...(tls ? { tls: { ca: kv.caCert, cert: kv.cert, key: kv.key } } : {}),
    ...(kv.username ? { auth: { username: kv.username, password: kv.password ?? '' } } : {}),
  };
}

/** A failure talking to an external etcd, as a message that names it and says what to do. */
export function explainEtcdError(err: unknown, endpoints: string[]): ApiError {
  const where = endpoints.join(', ');
  const text = err instanceof Error ? err.message : String(err);
  const name = (err as Error)?.name ?? '';
  const says = (re: RegExp) => re.test(text) || re.test(name);
  if (err instanceof ApiError) return err;
  if (says(/auth|password|user name|invalid auth token|permission denied/i))
    return new ApiError('UNAUTHORIZED', `etcd at ${where} refused the user name or password: ${text}`, {
      hint: 'Check --etcd-user and the password (etcdctl --user USER:PASS endpoint status shows the same).',
    });
  if (says(/certificate|self.signed|handshake|ssl|tls|unable to verify|CERT_|alert/i))
    return new ApiError('UNAUTHORIZED', `TLS with etcd at ${where} failed: ${text}`, {
      hint: 'Give the CA that signed the servers (--etcd-cacert) and, when they require client certificates, --etcd-cert and --etcd-key.',
    });
  if (says(/Protocol error|Received HTTP status|parse|Unexpected|Unimplemented|not found/i))
    return new ApiError('BAD_REQUEST', `What answers at ${where} is not an etcd v3 server: ${text}`, {
      hint: "Give etcd's client URLs (port 2379 by default), not its peer URLs or another service.",
    });
  return new ApiError('ENGINE_UNAVAILABLE', `No etcd answers at ${where}: ${text}`, {
    hint: 'Check the endpoints and that etcd runs there (etcdctl --endpoints URL endpoint health).',
  });
}

/** Runs `work` with a short-lived client of the external etcd; errors are explained. */
async function withClient<T>(kv: ExternalKvSpec, work: (c: Etcd3) => Promise<T>): Promise<T> {
  const client = fleetKvClient(kv.endpoints, externalAccess(kv));
  try {
    return await work(client);
  } catch (err) {
    throw explainEtcdError(err, kv.endpoints);
  } finally {
    client.close();
  }
}

/** What answers at the endpoints: version, members, keys already under the cluster's prefix. */
export function checkExternalEtcd(kv: ExternalKvSpec): Promise<EtcdCheck> {
  return withClient(kv, async (client) => {
    const status = await client.maintenance.status();
    const members = await client.cluster.memberList({});
    // The client is namespaced: all() is every key under the prefix.
    const keys = await client.getAll().count();
    return {
      version: status.version,
      clusterId: BigInt(status.header.cluster_id).toString(16),
      members: members.members.map((m) => ({ name: m.name, clientUrls: m.clientURLs })),
      prefix: kv.prefix,
      keysUnderPrefix: keys,
    };
  });
}

/** Deletes every key of the cluster (under its prefix) and nothing else. */
export function deleteExternalKeys(kv: ExternalKvSpec): Promise<number> {
  return withClient(kv, async (client) => Number((await client.delete().all()).deleted));
}

/**
 * The KV page's health of an external etcd: its members as `member list` and `endpoint status`
 * show them, writes per second from the revision (the whole etcd's, all prefixes), no controls.
 */
export class ExternalKvHealth {
  private readonly history = new SampleHistory();
  private readonly listeners = new Set<(h: KvHealth) => void>();
  private timer: NodeJS.Timeout | undefined;
  private members: KvHealth['members'] = [];
  private clients = new Map<string, Etcd3>();

  constructor(private readonly kv: ExternalKvSpec) {}

  subscribe(emit: (h: KvHealth) => void): () => void {
    emit(this.health(this.history.all()));
    this.listeners.add(emit);
    if (!this.timer) {
      this.history.restart();
      this.timer = setInterval(() => void this.tick(), HEALTH_SAMPLE_MS);
      void this.tick();
    }
    return () => {
      this.listeners.delete(emit);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(endpoint: string): Etcd3 {
    let c = this.clients.get(endpoint);
    if (!c) {
      // Status and member list are not keyed: no namespace needed.
      c = fleetKvClient([endpoint], { ...externalAccess(this.kv), interceptors: [] });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  private async tick(): Promise<void> {
    const statuses = await Promise.all(
      this.kv.endpoints.map(async (endpoint) => {
        try {
          return { endpoint, status: await this.client(endpoint).maintenance.status() };
        } catch {
          return { endpoint, status: undefined };
        }
      }),
    );
    const answered = statuses.find((s) => s.status);
    let list: { ID: string; name: string; clientURLs: string[] }[] = [];
    if (answered) {
      try {
        list = (await this.client(answered.endpoint).cluster.memberList({})).members;
      } catch {
        // Keep the statuses alone.
      }
    }
    const byId = new Map(
      statuses.flatMap((s) => (s.status ? [[s.status.header.member_id, s] as const] : [])),
    );
    const leaderId = answered?.status?.leader;
    this.members = list.map((m) => {
      const s = byId.get(m.ID)?.status;
      return {
        id: BigInt(m.ID).toString(16),
        name: m.name,
        ...(m.clientURLs[0] ? { endpoint: m.clientURLs[0] } : {}),
        role: !s ? 'down' : m.ID === leaderId ? 'leader' : 'follower',
        term: Number(s?.raftTerm ?? 0),
        commitIndex: Number(s?.raftIndex ?? 0),
        appliedIndex: Number(s?.raftIndex ?? 0),
      };
    });
    const revision = Math.max(0, ...statuses.map((s) => Number(s.status?.header.revision ?? 0)));
    const sample = answered ? this.history.record(Date.now(), revision) : undefined;
    const health = this.health(sample ? [sample] : []);
    for (const l of this.listeners) l(health);
  }

  private health(samples: KvHealthSample[]): KvHealth {
    const voters = this.members.length;
    const up = this.members.filter((m) => m.role !== 'down').length;
    const leader = this.members.find((m) => m.role === 'leader');
    return {
      external: true,
      ...(leader ? { leader: leader.name } : {}),
      members: this.members,
      quorum: { voters, up, needed: Math.floor(voters / 2) + 1 },
      candidates: [],
      samples,
    };
  }
}
