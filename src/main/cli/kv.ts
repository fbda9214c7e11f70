// `flotctl kv serve`: a standalone embedded KV cluster, each member with its etcd v3 client port
// (gRPC + JSON gateway). The layout (names, ports, cluster token) is kept in the data dir, so a
// restart on the same dir brings the same cluster back with its data. `kv init` writes the layout;
// `kv serve --member NAME` runs one member of it per process (data in DIR/NAME, as ClusterRunner).
import { mkdir, readFile } from 'node:fs/promises';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { writeDurably } from '../files';
import { ClusterRunner } from '../kv/cluster';
import { Member, memberIdOf, type PeerAddr } from '../kv/member';
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

export const KV_HELP = `Usage: flotctl kv init --members N --data-dir DIR [--base-port P]
       flotctl kv serve --members N --data-dir DIR [--base-port P]
       flotctl kv serve --data-dir DIR --member NAME [--peer NAME=HOST:PORT ...]

init   writes the cluster layout (names, ports, cluster token) to DIR/${LAYOUT_FILE}, prints the
       client endpoints (host:port, comma-separated) and exits.
serve  without --member: runs all N members in this process (writing the layout first if DIR has
       none) on 127.0.0.1 until SIGINT/SIGTERM; the first line on stdout lists the client endpoints.
       With --member NAME: runs only that member of the layout in DIR (its data in DIR/NAME), its
       first stdout line is its own client endpoint. --peer NAME=HOST:PORT (repeatable) makes it dial
       that address for peer NAME instead of the layout's (e.g. through a proxy).
Client ports are P..P+N-1 and peer ports P+N..P+2N-1 (default P=${DEFAULT_KV_BASE_PORT};
--base-port 0 picks free ports). Restarted on the same data dir, it comes back with its data.`;

export async function kvCommand(args: string[], io: KvIo, stop?: Promise<void>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'serve') return kvServe(rest, io, stop);
  if (sub === 'init') return kvInit(rest, io);
  if (sub === 'help' || sub === '--help') {
    io.out(KV_HELP);
    return 0;
  }
  throw new UsageError(
    sub ? `kv: unknown subcommand '${sub}' (try: init, serve)` : 'kv: missing subcommand (init, serve)',
  );
}

async function readLayout(cmd: string, dir: string): Promise<Layout | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, LAYOUT_FILE), 'utf8')) as Layout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`${cmd}: cannot read ${join(dir, LAYOUT_FILE)}: ${(err as Error).message}`);
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
async function freeBlock(cmd: string, n: number, host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i, host);
    if (ok) return base;
  }
  throw new CommandError(`${cmd}: could not find free ports`);
}

/** The layout in `dataDir`, written first from --members / --base-port when there is none. */
async function ensureLayout(
  cmd: string,
  dataDir: string,
  members: string | undefined,
  basePort: string | undefined,
): Promise<Layout> {
  const host = '127.0.0.1';
  const existing = await readLayout(cmd, dataDir);
  if (existing) {
    if (members !== undefined && Number(members) !== existing.members.length)
      throw new UsageError(
        `${cmd}: ${dataDir} holds a ${existing.members.length}-member cluster, not ${members}`,
      );
    return existing;
  }
  if (members === undefined) throw new UsageError(`${cmd}: --members is required`);
  const n = intFlag(cmd, 'members', members, 1);
  if (n < 1 || n > 15) throw new UsageError(`${cmd}: --members must be 1..15, got ${n}`);
  let base = intFlag(cmd, 'base-port', basePort, DEFAULT_KV_BASE_PORT);
  if (base === 0) base = await freeBlock(cmd, 2 * n, host);
  if (base + 2 * n - 1 > 65535)
    throw new UsageError(`${cmd}: --base-port ${base} leaves no room for ${n} members`);
  const layout: Layout = {
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
  await writeDurably(join(dataDir, LAYOUT_FILE), JSON.stringify(layout, null, 2) + '\n', 0o644);
  return layout;
}

const endpointsOf = (layout: Layout): string =>
  layout.members.map((m) => `${layout.host}:${m.clientPort}`).join(',');

function waitForStop(stop?: Promise<void>): Promise<void> {
  return (
    stop ??
    new Promise<void>((res) => {
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    })
  );
}

async function kvInit(args: string[], io: KvIo): Promise<number> {
  const { values } = parseFlags('kv init', args, {
    'data-dir': { type: 'string' },
    members: { type: 'string' },
    'base-port': { type: 'string' },
  });
  if (!values['data-dir']) throw new UsageError('kv init: --data-dir is required');
  const layout = await ensureLayout(
    'kv init',
    resolve(values['data-dir']),
    values.members,
    values['base-port'],
  );
  io.out(endpointsOf(layout));
  return 0;
}

async function kvServe(args: string[], io: KvIo, stop?: Promise<void>): Promise<number> {
  const { values } = parseFlags('kv serve', args, {
    'data-dir': { type: 'string' },
    members: { type: 'string' },
    'base-port': { type: 'string' },
    member: { type: 'string' },
    peer: { type: 'string', multiple: true },
  });
  if (!values['data-dir']) throw new UsageError('kv serve: --data-dir is required');
  const dataDir = resolve(values['data-dir']);
  if (values.member !== undefined) {
    if (values['base-port'] !== undefined)
      throw new UsageError('kv serve: --base-port applies to a new layout; use `flotctl kv init` first');
    const layout = await readLayout('kv serve', dataDir);
    if (!layout)
      throw new UsageError(
        `kv serve: no ${LAYOUT_FILE} in ${dataDir}: run \`flotctl kv init --members N --data-dir ${values['data-dir']}\` first`,
      );
    if (values.members !== undefined && Number(values.members) !== layout.members.length)
      throw new UsageError(
        `kv serve: ${dataDir} holds a ${layout.members.length}-member cluster, not ${values.members}`,
      );
    return serveOneMember(layout, dataDir, values.member, values.peer ?? [], io, stop);
  }
  if (values.peer !== undefined) throw new UsageError('kv serve: --peer needs --member');
  const layout = await ensureLayout('kv serve', dataDir, values.members, values['base-port']);
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
  await waitForStop(stop);
  await Promise.all(servers.map((s) => s.close()));
  await cluster.close();
  return 0;
}

/** Parses --peer NAME=HOST:PORT values against the layout. */
export function parsePeerOverrides(
  layout: Pick<Layout, 'members'>,
  self: string,
  peers: string[],
): Record<string, PeerAddr> {
  const out: Record<string, PeerAddr> = {};
  for (const p of peers) {
    const m = /^([^=]+)=(.+):(\d+)$/.exec(p);
    if (!m) throw new UsageError(`kv serve: --peer must be NAME=HOST:PORT, got '${p}'`);
    const [, name, host, portText] = m as unknown as [string, string, string, string];
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new UsageError(`kv serve: --peer ${p}: port must be 1..65535`);
    if (name === self) throw new UsageError(`kv serve: --peer ${p}: that is this member`);
    if (!layout.members.some((x) => x.name === name))
      throw new UsageError(
        `kv serve: --peer ${p}: no member '${name}' in the layout (${layout.members.map((x) => x.name).join(', ')})`,
      );
    out[name] = { host, port };
  }
  return out;
}

/** `kv serve --member NAME`: one member of the layout, with its client port, until stopped. */
async function serveOneMember(
  layout: Layout,
  dataDir: string,
  name: string,
  peers: string[],
  io: KvIo,
  stop?: Promise<void>,
): Promise<number> {
  const me = layout.members.find((m) => m.name === name);
  if (!me)
    throw new UsageError(
      `kv serve: no member '${name}' in ${join(dataDir, LAYOUT_FILE)} (${layout.members.map((m) => m.name).join(', ')})`,
    );
  const dialOverrides = parsePeerOverrides(layout, name, peers);
  // The same on-disk layout as ClusterRunner's: DIR/NAME per member.
  const member = new Member({
    name,
    clusterToken: layout.clusterToken,
    dataDir: join(dataDir, name),
    host: layout.host,
    peerPort: me.peerPort,
    dialOverrides,
  });
  // Every member's client URL, so this one can forward to whichever leads.
  const directory = new Map<bigint, string>();
  for (const m of layout.members)
    directory.set(memberIdOf(m.name, layout.clusterToken), `http://${layout.host}:${m.clientPort}`);
  let server: KvServer | undefined;
  try {
    await member.start({
      initialCluster: layout.members.map((m) => ({
        name: m.name,
        addr: { host: layout.host, port: m.peerPort },
      })),
    });
    server = new KvServer({ member, host: layout.host, port: me.clientPort, directory });
    await server.start();
  } catch (err) {
    await server?.close().catch(() => undefined);
    await member.stop().catch(() => undefined);
    throw new CommandError(`kv serve: member ${name}: ${(err as Error).message}`);
  }
  io.out(server.endpoint);
  await waitForStop(stop);
  await server.close();
  await member.stop();
  return 0;
}
