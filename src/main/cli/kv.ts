// `flotctl kv serve`: a standalone embedded KV cluster, each member with its etcd v3 client port
// (gRPC + JSON gateway). The layout (names, ports, cluster token) is kept in the data dir, so a
// restart on the same dir brings the same cluster back with its data.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { ClusterRunner } from '../kv/cluster';
import { KvServer } from '../kv/server';
import { CommandError, UsageError, intFlag, parseFlags } from './usage';

export const DEFAULT_KV_BASE_PORT = 23790;
const LAYOUT_FILE = 'kv-cluster.json';

interface Layout {
  version: 1;
  clusterToken: string;
  host: string;
  members: { name: string; clientPort: number; peerPort: number }[];
}

export interface KvIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const KV_HELP = `Usage: flotctl kv serve --members N --data-dir DIR [--base-port P]

Runs an embedded etcd-compatible KV cluster of N members on 127.0.0.1 until SIGINT/SIGTERM.
The first line on stdout lists the client endpoints (host:port, comma-separated).
Client ports are P..P+N-1 and peer ports P+N..P+2N-1 (default P=${DEFAULT_KV_BASE_PORT};
--base-port 0 picks free ports). Restarted on the same data dir, it comes back with its data.`;

export async function kvCommand(args: string[], io: KvIo, stop?: Promise<void>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'serve') return kvServe(rest, io, stop);
  if (sub === 'help' || sub === '--help') {
    io.out(KV_HELP);
    return 0;
  }
  throw new UsageError(
    sub ? `kv: unknown subcommand '${sub}' (try: serve)` : 'kv: missing subcommand (serve)',
  );
}

async function readLayout(dir: string): Promise<Layout | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, LAYOUT_FILE), 'utf8')) as Layout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`kv serve: cannot read ${join(dir, LAYOUT_FILE)}: ${(err as Error).message}`);
  }
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

/** A block of `n` consecutive free ports (for --base-port 0). */
async function freeBlock(n: number, host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i, host);
    if (ok) return base;
  }
  throw new CommandError('kv serve: could not find free ports');
}

async function kvServe(args: string[], io: KvIo, stop?: Promise<void>): Promise<number> {
  const { values } = parseFlags('kv serve', args, {
    'data-dir': { type: 'string' },
    members: { type: 'string' },
    'base-port': { type: 'string' },
  });
  if (!values['data-dir']) throw new UsageError('kv serve: --data-dir is required');
  const dataDir = resolve(values['data-dir']);
  const host = '127.0.0.1';
  let layout = await readLayout(dataDir);
  if (layout) {
    if (values.members !== undefined && Number(values.members) !== layout.members.length)
      throw new UsageError(
        `kv serve: ${dataDir} holds a ${layout.members.length}-member cluster, not ${values.members}`,
      );
  } else {
    if (values.members === undefined) throw new UsageError('kv serve: --members is required');
    const n = intFlag('kv serve', 'members', values.members, 1);
    if (n < 1 || n > 15) throw new UsageError(`kv serve: --members must be 1..15, got ${n}`);
    let base = intFlag('kv serve', 'base-port', values['base-port'], DEFAULT_KV_BASE_PORT);
    if (base === 0) base = await freeBlock(2 * n, host);
    if (base + 2 * n - 1 > 65535)
      throw new UsageError(`kv serve: --base-port ${base} leaves no room for ${n} members`);
    layout = {
      version: 1,
      clusterToken: `flotilla-kv-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      host,
      members: Array.from({ length: n }, (_, i) => ({
        name: `kv-${String(i + 1).padStart(2, '0')}`,
        clientPort: base + i,
        peerPort: base + n + i,
      })),
    };
    await mkdir(dataDir, { recursive: true });
    const tmp = join(dataDir, `${LAYOUT_FILE}.tmp`);
    await writeFile(tmp, JSON.stringify(layout, null, 2) + '\n');
    await rename(tmp, join(dataDir, LAYOUT_FILE));
  }
  const peerPorts = layout.members.map((m) => m.peerPort);
  const contiguous = peerPorts.every((p, i) => p === peerPorts[0]! + i);
  if (!contiguous) throw new CommandError(`kv serve: ${LAYOUT_FILE} peer ports must be consecutive`);

  let cluster: ClusterRunner;
  try {
    cluster = await ClusterRunner.start({
      size: layout.members.length,
      baseDir: dataDir,
      clusterToken: layout.clusterToken,
      host: layout.host,
      basePort: peerPorts[0]!,
      names: layout.members.map((m) => m.name),
    });
  } catch (err) {
    throw new CommandError(`kv serve: ${(err as Error).message}`);
  }
  const directory = new Map<bigint, string>();
  const servers: KvServer[] = [];
  try {
    for (let i = 0; i < layout.members.length; i++) {
      const s = new KvServer({
        member: cluster.member(i),
        host: layout.host,
        port: layout.members[i]!.clientPort,
        directory,
      });
      await s.start();
      servers.push(s);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await cluster.close();
    throw new CommandError(`kv serve: ${(err as Error).message}`);
  }
  // Ready means a leader: clients can write as soon as they read the endpoints.
  await cluster.waitForLeader(15_000).catch(() => undefined);
  io.out(servers.map((s) => s.endpoint).join(','));
  await (stop ??
    new Promise<void>((res) => {
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    }));
  await Promise.all(servers.map((s) => s.close()));
  await cluster.close();
  return 0;
}
