// Real socket-level network faults between KV member processes: one TCP proxy per directed peer link
// i→j on loopback, forwarding to j's peer port. Member i is told (`kv serve --peer`) to dial j through
// the proxy of link i→j. `cut(i, j)` is a real partition, not a mock: the proxied sockets of both
// links i→j and j→i are destroyed, and while cut, new connections are accepted but nothing is
// forwarded in either direction (bytes are read and dropped, like a network that black-holes packets).
import * as net from 'node:net';

interface Link {
  from: number;
  to: number;
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
}

export class LinkProxies {
  private readonly links: Link[] = [];
  private readonly cuts = new Set<string>();
  /** Connections accepted while their link was cut (they forward nothing). */
  private readonly blackholed = new Set<net.Socket>();
  private closed = false;

  private constructor(private readonly targets: number[]) {}

  /** Proxies for every directed link among members whose peer ports are `peerPorts` (index = member). */
  static async start(peerPorts: number[], host = '127.0.0.1'): Promise<LinkProxies> {
    const p = new LinkProxies(peerPorts);
    for (let i = 0; i < peerPorts.length; i++)
      for (let j = 0; j < peerPorts.length; j++) if (i !== j) await p.open(i, j, host);
    return p;
  }

  /** The loopback port member `from` dials to reach member `to`. */
  port(from: number, to: number): number {
    const l = this.links.find((x) => x.from === from && x.to === to);
    if (!l) throw new Error(`no link ${from}→${to}`);
    return l.port;
  }

  isCut(from: number, to: number): boolean {
    return this.cuts.has(`${from}→${to}`);
  }

  /** Black-holes both directions between i and j. */
  cut(i: number, j: number): void {
    this.cuts.add(`${i}→${j}`);
    this.cuts.add(`${j}→${i}`);
    for (const l of this.links) {
      if (!this.isCut(l.from, l.to)) continue;
      for (const s of l.sockets) s.destroy();
      l.sockets.clear();
    }
  }

  /** Cuts member i off from every other member. */
  isolate(i: number): void {
    for (let j = 0; j < this.targets.length; j++) if (j !== i) this.cut(i, j);
  }

  /** Ends every cut; black-holed connections are dropped so the members reconnect cleanly. */
  heal(): void {
    this.cuts.clear();
    for (const s of this.blackholed) s.destroy();
    this.blackholed.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.links.map(
        (l) =>
          new Promise<void>((res) => {
            for (const s of l.sockets) s.destroy();
            for (const s of this.blackholed) s.destroy();
            l.server.close(() => res());
          }),
      ),
    );
  }

  private async open(from: number, to: number, host: string): Promise<void> {
    const sockets = new Set<net.Socket>();
    const link: Link = { from, to, server: net.createServer(), port: 0, sockets };
    link.server.on('connection', (inbound) => {
      sockets.add(inbound);
      inbound.on('error', () => undefined);
      inbound.on('close', () => sockets.delete(inbound));
      if (this.isCut(from, to)) {
        // Partitioned: accept, read and drop everything, never answer.
        this.blackholed.add(inbound);
        inbound.on('close', () => this.blackholed.delete(inbound));
        inbound.on('data', () => undefined);
        return;
      }
      const outbound = net.connect(this.targets[to]!, host);
      sockets.add(outbound);
      outbound.on('error', () => inbound.destroy());
      outbound.on('close', () => {
        sockets.delete(outbound);
        inbound.destroy();
      });
      inbound.on('close', () => outbound.destroy());
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((res, rej) => {
      link.server.once('error', rej);
      link.server.listen(0, host, () => res());
    });
    link.port = (link.server.address() as net.AddressInfo).port;
    this.links.push(link);
  }
}
