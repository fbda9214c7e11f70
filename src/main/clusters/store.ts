import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { RollbackSchema } from '../../shared/api';
import { writeDurably } from '../files';
import { tableSchema } from '../updates/partitions';
import { cloudConfigPath } from './boot';

/** How to reach a remote machine's host (the passphrase of a key is never kept: ssh-agent keeps those). */
export const RemoteHostSpec = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  user: z.string(),
  identityFile: z.string().optional(),
  jump: z.object({ host: z.string(), port: z.number().int(), user: z.string() }).optional(),
  dockerSocket: z.string(),
});
export type RemoteHostSpec = z.infer<typeof RemoteHostSpec>;

/**
 * Where the cluster keeps its state: embedded members (with TLS: the cluster's PKI in tls/), or
 * an existing etcd, every key under `prefix`. PEM texts and the password are kept here, in the
 * cluster's own directory (mode 0700), as etcdctl users keep them in files.
 */
export const KvSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded'), tls: z.boolean().default(false) }),
  z.object({
    kind: z.literal('external'),
    endpoints: z.array(z.string()).min(1),
    prefix: z.string(),
    caCert: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
]);
export type KvSpec = z.infer<typeof KvSpec>;

/** A cluster as it is kept on disk: enough to bring it back exactly after a restart. */
export const ClusterSpec = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/),
  createdAt: z.string(),
  channel: z.enum(['stable', 'beta', 'alpha']),
  osVersion: z.string(),
  /** Machine heartbeat TTL (seconds): units of a silent machine move after this. */
  machineTtlSec: z.number().int().min(1).max(300),
  clusterToken: z.string(),
  /**
   * Loopback ports of the KV members, kept across restarts: a member rejoins its peers at the
   * addresses recorded in their logs. Member i: peer basePeerPort + i, client baseClientPort + i.
   */
  kvPorts: z.object({
    basePeerPort: z.number().int().min(1024).max(65535),
    baseClientPort: z.number().int().min(1024).max(65535),
  }),
  /** The cluster network's subnet (10.99.N.0/24); absent in clusters made before static addresses. */
  subnet: z.string().optional(),
  machines: z.array(
    z.object({
      hostname: z.string(),
      machineId: z.string().regex(/^[0-9a-f]{32}$/),
      metadata: z.record(z.string(), z.string()),
      /** Hosts one of the cluster's KV members. */
      kvMember: z.boolean(),
      /**
       * Its member's slot in the KV runner (ports base + slot) and name; absent in clusters made
       * before members could be added: the order among members, and the host name.
       */
      kvSlot: z.number().int().min(0).optional(),
      kvName: z.string().optional(),
      /** False after `machine stop` or `machine kill`: it stays down across app restarts. */
      up: z.boolean().default(true),
      /** Its static address on the cluster subnet. */
      ip: z.string().optional(),
      /** Its own update channel and OS version (cloud-config coreos.update.group); else the cluster's. */
      channel: z.enum(['stable', 'beta', 'alpha']).optional(),
      osVersion: z.string().optional(),
      /** Its /usr partitions USR-A and USR-B (absent: USR-A holds osVersion, USR-B is empty). */
      usr: tableSchema.optional(),
      /**
       * /etc/coreos/update.conf as last read from or written to the machine: the file in the
       * machine is the source of truth, this copy carries it into its next container.
       */
      updateConf: z.string().optional(),
      lastRollback: RollbackSchema.optional(),
      /** Versions that failed their boot check here or were rolled back from: not installed again. */
      skipVersions: z.array(z.string()).optional(),
      /** An SSH host with Docker: its units run there, through dockerode over the SSH connection. */
      remote: RemoteHostSpec.optional(),
      /** Guest ports published on 127.0.0.1. */
      forwardedPorts: z
        .array(
          z.object({ guest: z.number().int().min(1).max(65535), host: z.number().int().min(1).max(65535) }),
        )
        .optional(),
    }),
  ),
  /** Members removed from the KV: their slots (and ports) stay taken, their names are not reused. */
  kvRetired: z.array(z.object({ name: z.string(), slot: z.number().int().min(0) })).default([]),
  /** Seconds between the machines' periodic update checks (CoreOS: about an hour). */
  updateCheckSec: z.number().int().min(1).max(86_400).default(3_600),
  kv: KvSpec.default({ kind: 'embedded', tls: false }),
  /** Whether it should run (brought back on app start) or stay stopped. */
  running: z.boolean(),
});
export type ClusterSpec = z.infer<typeof ClusterSpec>;

/**
 * <dataDir>/clusters/<name>/cluster.json (+ kv/ for the members' data, cloud-config/<host>.yaml
 * for what each machine boots with), written atomically with fsync; <dataDir>/clusters/active
 * names the default cluster.
 */
export class ClusterStore {
  constructor(private readonly dataDir: string) {}

  get root(): string {
    return join(this.dataDir, 'clusters');
  }

  dir(name: string): string {
    return join(this.root, name);
  }

  async list(): Promise<{ specs: ClusterSpec[]; problems: string[] }> {
    const specs: ClusterSpec[] = [];
    const problems: string[] = [];
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const file = join(this.root, name, 'cluster.json');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // not a cluster dir (e.g. the 'active' file)
      }
      try {
        specs.push(ClusterSpec.parse(JSON.parse(text)));
      } catch (err) {
        problems.push(`${file}: ${(err as Error).message.split('\n')[0]}; the cluster is left as it is`);
      }
    }
    return { specs, problems };
  }

  async save(spec: ClusterSpec): Promise<void> {
    const dir = this.dir(spec.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeDurably(join(dir, 'cluster.json'), `${JSON.stringify(spec, null, 2)}\n`);
  }

  /** The cloud-config a machine boots with (its final text, addresses substituted). */
  async saveCloudConfig(name: string, hostname: string, text: string): Promise<void> {
    const file = cloudConfigPath(this.dir(name), hostname);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeDurably(file, text);
  }

  async remove(name: string): Promise<void> {
    await rm(this.dir(name), { recursive: true, force: true });
    if ((await this.active()) === name) await rm(join(this.root, 'active'), { force: true });
  }

  async active(): Promise<string | undefined> {
    try {
      return (await readFile(join(this.root, 'active'), 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async setActive(name: string): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await writeDurably(join(this.root, 'active'), `${name}\n`);
  }
}
