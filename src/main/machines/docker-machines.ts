import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { ApiError } from '../../shared/api';
import { BUSYBOX_CANDIDATES, findStaticBusybox, followBuild, inspectImage } from '../docker';
import { SILENT_TASK, type TaskContext } from '../tasks';
import { gatewayOf, parseSubnet } from './addresses';
import { environmentFile, imageRootfs, overlay, specFiles, tarOf, type TarFile } from './files';
import {
  assertBootFiles,
  assertChannel,
  assertClusterName,
  assertForwardedPorts,
  assertHostname,
  assertIpv4,
  assertMachineId,
  assertMetadata,
  assertOsVersion,
  containerName,
  LABEL_CLUSTER,
  LABEL_HOSTNAME,
  LABEL_MACHINE,
  LABEL_MACHINE_IMAGE,
  LABEL_OS_VERSION,
  LABEL_ROLE,
  machineImageTag,
  networkName,
  ROLE_MACHINE,
  type Channel,
} from './names';

export interface MachineSpec {
  cluster: string;
  hostname: string;
  /** 32 lower-case hex, like /etc/machine-id */
  machineId: string;
  osVersion: string;
  channel: Channel;
  metadata: Record<string, string>;
  /** Static address on the cluster network (whose subnet went to ensureNetwork); else Docker picks. */
  ip?: string;
  /** Ports of the machine published on 127.0.0.1 (coreos-vagrant's $forwarded_ports). */
  forwardedPorts?: ForwardedPort[];
  /** Files of its cloud-config, written on every create or start; they win over the spec's own. */
  bootFiles?: TarFile[];
  /** manage_etc_hosts: localhost — the hostname resolves to 127.0.0.1 (Docker owns /etc/hosts). */
  hostnameIsLocalhost?: boolean;
}

export interface ForwardedPort {
  guest: number;
  host: number;
}

export interface MachineRuntime {
  hostname: string;
  machineId: string;
  containerName: string;
  containerId: string;
  /** Address on the cluster network; '' while the machine is not running. */
  ip: string;
  running: boolean;
}

export interface DockerMachinesOptions {
  /** Where to look for a static busybox (default: the usual places). */
  busyboxPaths?: string[];
}

/**
 * PID 1 of a machine: a busybox shell that idles and exits at once on SIGTERM/SIGINT. (A shell as
 * PID 1 gets no default signal handling, hence the trap; `wait` returns as soon as a signal comes.)
 */
export const MACHINE_INIT = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done";

const DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  // Exec form: there is no shell until busybox has installed its applets.
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  'COPY rootfs/ /',
  `CMD ["/bin/sh", "-c", ${JSON.stringify(MACHINE_INIT)}]`,
  '',
].join('\n');

type ContainerInfo = Awaited<ReturnType<Docker.Container['inspect']>>;

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number })?.statusCode;

/**
 * The Docker side of machines (DESIGN.md decision 3): a machine is a long-running container of a
 * per-OS-version image, on a per-cluster bridge network. No KV and no scheduling here.
 */
export class DockerMachines {
  /** Operations in flight, by key: concurrent callers of the same thing share one promise. */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Per container name: the tail of the queue of creates, so they run one after another. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Container name → OS version of the machines being created right now. */
  private readonly creating = new Map<string, string>();
  private readonly busyboxPaths: string[];

  constructor(
    private readonly docker: Docker,
    opts: DockerMachinesOptions = {},
  ) {
    this.busyboxPaths = opts.busyboxPaths ?? BUSYBOX_CANDIDATES;
  }

  /** Builds the machine image of an OS version unless it is there; returns its image id. */
  async ensureImage(osVersion: string, ctx: TaskContext = SILENT_TASK): Promise<string> {
    assertOsVersion(osVersion);
    return this.once(`image:${osVersion}`, () => this.buildImage(osVersion, ctx));
  }

  /** The OS version the machine image of `osVersion` is labelled with; undefined when absent. */
  async imageVersion(osVersion: string): Promise<string | undefined> {
    assertOsVersion(osVersion);
    try {
      const info = await this.docker.getImage(machineImageTag(osVersion)).inspect();
      return info.Config?.Labels?.[LABEL_MACHINE_IMAGE];
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * The cluster's bridge network `flotilla-<cluster>`, on `subnet` (gateway its .1) when given;
   * returns its id. Idempotent. A subnet another network overlaps is a CONFLICT.
   */
  async ensureNetwork(cluster: string, subnet?: string): Promise<string> {
    assertClusterName(cluster);
    if (subnet !== undefined && !parseSubnet(subnet))
      throw new ApiError(
        'BAD_REQUEST',
        `Invalid subnet ${JSON.stringify(subnet)}: use one like 10.99.3.0/24.`,
        {
          details: { field: 'subnet' },
        },
      );
    return this.once(`network:${cluster}`, () => this.makeNetwork(cluster, subnet));
  }

  /** The IPv4 subnets of every Docker network, by network name: what a new subnet must avoid. */
  async subnetsInUse(): Promise<{ network: string; subnet: string }[]> {
    const nets = await this.docker.listNetworks();
    return nets.flatMap((n) =>
      (n.IPAM?.Config ?? []).flatMap((c) =>
        c.Subnet && parseSubnet(c.Subnet) ? [{ network: n.Name, subnet: c.Subnet }] : [],
      ),
    );
  }

  /** Creates and starts a machine, or reuses (and starts) the container that already is that machine. */
  async create(spec: MachineSpec): Promise<MachineRuntime> {
    assertClusterName(spec.cluster);
    assertHostname(spec.hostname);
    assertMachineId(spec.machineId);
    assertOsVersion(spec.osVersion);
    assertChannel(spec.channel);
    assertMetadata(spec.metadata);
    if (spec.ip !== undefined) assertIpv4(spec.ip);
    if (spec.forwardedPorts) assertForwardedPorts(spec.forwardedPorts);
    if (spec.bootFiles) assertBootFiles(spec.bootFiles);
    // One after another, not shared: a second create with another machine id must see the first.
    return this.serial(containerName(spec.cluster, spec.hostname), () => this.makeMachine(spec));
  }

  async start(cluster: string, hostname: string): Promise<MachineRuntime> {
    const { container, info } = await this.mustFind(cluster, hostname);
    if (!info.State.Running) await this.startContainer(container);
    return this.afterStart(container, cluster);
  }

  async stop(cluster: string, hostname: string, timeoutSec = 10): Promise<void> {
    const { container } = await this.mustFind(cluster, hostname);
    try {
      await container.stop({ t: timeoutSec });
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: not running
    }
  }

  /** Sudden death: SIGKILL, and back once the engine has seen the machine die. */
  async kill(cluster: string, hostname: string): Promise<void> {
    const { container } = await this.mustFind(cluster, hostname);
    try {
      await container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      if (statusOf(err) !== 409) throw err; // 409: not running
    }
    await container.wait({ condition: 'not-running' });
  }

  /**
   * Removes a machine's container (a reboot into another /usr partition makes it afresh from that
   * version's image); its unit containers are the agent's business.
   */
  async remove(cluster: string, hostname: string): Promise<void> {
    const { container } = await this.mustFind(cluster, hostname);
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
    }
    await container.wait({ condition: 'removed' }).catch(() => undefined);
  }

  /** A file of a machine as text; undefined when it does not exist there. */
  async readFile(cluster: string, hostname: string, path: string): Promise<string | undefined> {
    const { container } = await this.mustFind(cluster, hostname);
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    return new Promise((resolve, reject) => {
      const tar = extract();
      let text: string | undefined;
      tar.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => {
          chunks.push(c as Buffer);
        });
        stream.on('end', () => {
          if (header.type === 'file' && text === undefined) text = Buffer.concat(chunks).toString('utf8');
          next();
        });
        stream.resume();
      });
      tar.on('finish', () => resolve(text));
      tar.on('error', reject);
      archive.pipe(tar);
    });
  }

  /** Writes files into a running or stopped machine (a tar archive: bytes, never shell text). */
  async writeMachineFiles(cluster: string, hostname: string, files: TarFile[]): Promise<void> {
    const { container } = await this.mustFind(cluster, hostname);
    await this.writeFiles(container, files);
  }

  /** Runs a command (argv, no shell parsing of ours) in a running machine: its exit code and output. */
  async run(
    cluster: string,
    hostname: string,
    cmd: string[],
    timeoutMs = 30_000,
  ): Promise<{ code: number; output: string }> {
    const { container } = await this.mustFind(cluster, hostname);
    const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    this.docker.modem.demuxStream(stream, out, out);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`${cmd.join(' ')} in ${hostname} did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const info = await exec.inspect();
    return { code: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  async inspect(cluster: string, hostname: string): Promise<MachineRuntime | undefined> {
    assertClusterName(cluster);
    assertHostname(hostname);
    const info = await this.inspectContainer(containerName(cluster, hostname));
    if (!info || !isMachineOf(info.Config.Labels, cluster)) return undefined;
    return runtimeOf(info, cluster);
  }

  async list(cluster: string): Promise<MachineRuntime[]> {
    assertClusterName(cluster);
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_CLUSTER}=${cluster}`, `${LABEL_ROLE}=${ROLE_MACHINE}`] },
    });
    const net = networkName(cluster);
    return found
      .map((c) => {
        const running = c.State === 'running';
        return {
          hostname: c.Labels[LABEL_HOSTNAME] ?? '',
          machineId: c.Labels[LABEL_MACHINE] ?? '',
          containerName: (c.Names[0] ?? '').replace(/^\//, ''),
          containerId: c.Id,
          ip: running ? (c.NetworkSettings?.Networks?.[net]?.IPAddress ?? '') : '',
          running,
        };
      })
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /**
   * Removes every container labelled with the cluster (machines and the units agents started),
   * the cluster network, then every machine image no remaining container uses: the cluster's,
   * and versions downloaded for updates that no machine boots now (other clusters' machines keep
   * theirs; a passive partition's image is built again when a machine boots it). Nothing else.
   */
  async destroyCluster(cluster: string): Promise<void> {
    assertClusterName(cluster);
    await this.removeClusterContainers(cluster);
    await this.removeNetwork(cluster);
    const machineImages = await this.docker.listImages({ filters: { label: [LABEL_MACHINE_IMAGE] } });
    await this.removeUnusedMachineImages(new Set(machineImages.map((i) => i.Id)));
  }

  // ---- images ----

  private async buildImage(osVersion: string, ctx: TaskContext): Promise<string> {
    const tag = machineImageTag(osVersion);
    ctx.setSteps(['look for the image', 'build the machine image']);
    ctx.step('look for the image', 'running');
    const existing = await inspectImage(this.docker, tag);
    if (existing) {
      ctx.step('look for the image', 'done', `${tag} is present`);
      ctx.step('build the machine image', 'skipped');
      return existing;
    }
    ctx.step('look for the image', 'done', `${tag} is missing`);
    ctx.throwIfCanceled();
    ctx.step('build the machine image', 'running');
    const binary = await findStaticBusybox(this.busyboxPaths);
    if (!binary.path) {
      throw new ApiError('NOT_FOUND', `Cannot build the machine image ${tag}: ${binary.why}`, {
        hint: 'Install the static busybox: sudo apt-get install busybox-static',
      });
    }
    const context = await tarOf([
      { name: 'Dockerfile', content: DOCKERFILE },
      { name: 'busybox', content: await readFile(binary.path), mode: 0o755 },
      ...imageRootfs(osVersion),
    ]);
    const stream = (await this.docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: tag,
      labels: { [LABEL_MACHINE_IMAGE]: osVersion },
      rm: true,
      forcerm: true,
      networkmode: 'none',
    })) as Readable;
    await followBuild(this.docker, stream, ctx);
    const id = await inspectImage(this.docker, tag);
    if (!id) throw new Error(`docker build reported success but ${tag} is not there`);
    ctx.step('build the machine image', 'done', `built from ${binary.path}`);
    return id;
  }

  /** Of the given image ids, removes the machine images no container uses. */
  private async removeUnusedMachineImages(candidates: Set<string>): Promise<void> {
    if (!candidates.size) return;
    const all = await this.docker.listImages({ filters: { label: [LABEL_MACHINE_IMAGE] } });
    const images = all.filter((i) => candidates.has(i.Id));
    if (!images.length) return;
    const used = new Set((await this.docker.listContainers({ all: true })).map((c) => c.ImageID));
    for (const img of images) {
      if (used.has(img.Id)) continue;
      const version = img.Labels?.[LABEL_MACHINE_IMAGE];
      // A machine of this version is being made right now in this process: its image stays.
      if (version && this.isBusyWith(version)) continue;
      const names = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      // Without force: the engine refuses (409) if a container appeared in the meantime.
      for (const name of names.length ? names : [img.Id]) {
        await this.docker
          .getImage(name)
          .remove()
          .catch((err: unknown) => {
            if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
          });
      }
    }
  }

  private isBusyWith(osVersion: string): boolean {
    if (this.inflight.has(`image:${osVersion}`)) return true;
    return [...this.creating.values()].includes(osVersion);
  }

  // ---- networks ----

  private async makeNetwork(cluster: string, subnet: string | undefined): Promise<string> {
    const name = networkName(cluster);
    const found = await this.inspectNetwork(name);
    if (found) return this.checkNetwork(found, cluster, subnet);
    try {
      const net = await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABEL_CLUSTER]: cluster },
        ...(subnet
          ? {
              IPAM: {
                Driver: 'default',
                Config: [{ Subnet: subnet, Gateway: gatewayOf(parseSubnet(subnet)!) }],
              },
            }
          : {}),
      });
      return net.id;
    } catch (err) {
      if (subnet && /overlap/i.test((err as Error).message))
        throw new ApiError(
          'CONFLICT',
          `Subnet ${subnet} for cluster ${cluster} was taken meanwhile by another Docker network.`,
          { hint: 'Ask for addresses again (clusters.addresses) and retry.', details: { subnet } },
        );
      if (statusOf(err) !== 409) throw err;
      const raced = await this.inspectNetwork(name);
      if (!raced) throw err;
      return this.checkNetwork(raced, cluster, subnet);
    }
  }

  private checkNetwork(net: NetworkInfo, cluster: string, subnet: string | undefined): string {
    const name = networkName(cluster);
    if (net.Labels?.[LABEL_CLUSTER] !== cluster) {
      throw new ApiError(
        'CONFLICT',
        `A Docker network named ${name} exists but is not cluster ${cluster}'s.`,
        {
          hint: `Remove it (docker network rm ${name}) or choose another cluster name.`,
        },
      );
    }
    const subnets = (net.IPAM?.Config ?? []).map((c) => c.Subnet);
    if (subnet && !subnets.includes(subnet)) {
      throw new ApiError(
        'CONFLICT',
        `Network ${name} is on ${subnets.join(', ') || 'no fixed subnet'}, not on cluster ${cluster}'s ${subnet}: its machines' addresses would not fit.`,
        { hint: `Remove it (docker network rm ${name}); the next start makes it afresh.` },
      );
    }
    return net.Id;
  }

  private async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    try {
      return (await this.docker.getNetwork(name).inspect()) as NetworkInfo;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async removeNetwork(cluster: string): Promise<void> {
    const name = networkName(cluster);
    const net = await this.inspectNetwork(name);
    if (!net || net.Labels?.[LABEL_CLUSTER] !== cluster) return;
    try {
      await this.docker.getNetwork(net.Id).remove();
    } catch (err) {
      if (statusOf(err) === 404) return;
      // Something is still attached: units started meanwhile, or a foreign container joined.
      await this.removeClusterContainers(cluster);
      const info = (await this.docker.getNetwork(net.Id).inspect()) as {
        Containers?: Record<string, unknown>;
      };
      for (const id of Object.keys(info.Containers ?? {})) {
        await this.docker
          .getNetwork(net.Id)
          .disconnect({ Container: id, Force: true })
          .catch(() => undefined);
      }
      await this.docker
        .getNetwork(net.Id)
        .remove()
        .catch((e: unknown) => {
          if (statusOf(e) !== 404) throw e;
        });
    }
  }

  // ---- containers ----

  private async makeMachine(spec: MachineSpec): Promise<MachineRuntime> {
    const name = containerName(spec.cluster, spec.hostname);
    this.creating.set(name, spec.osVersion);
    try {
      const existing = await this.inspectContainer(name);
      if (existing) return await this.reuse(existing, spec);
      await this.ensureNetwork(spec.cluster);
      let container: Docker.Container;
      try {
        container = await this.createContainer(spec);
      } catch (err) {
        if (statusOf(err) === 409) {
          // Someone else made it meanwhile.
          const raced = await this.inspectContainer(name);
          if (raced) return await this.reuse(raced, spec);
        }
        throw err;
      }
      try {
        await this.writeFiles(container, machineFiles(spec));
        await this.startContainer(container, spec);
        return await this.afterStart(container, spec.cluster);
      } catch (err) {
        // Leave nothing half-made behind: the next create starts afresh.
        await container.remove({ force: true }).catch(() => undefined);
        throw err;
      }
    } finally {
      this.creating.delete(name);
    }
  }

  private async createContainer(spec: MachineSpec, retry = true): Promise<Docker.Container> {
    const net = networkName(spec.cluster);
    await this.ensureImage(spec.osVersion);
    const ports = spec.forwardedPorts ?? [];
    try {
      return await this.docker.createContainer({
        name: containerName(spec.cluster, spec.hostname),
        Hostname: spec.hostname,
        Image: machineImageTag(spec.osVersion),
        Cmd: ['/bin/sh', '-c', MACHINE_INIT],
        StopSignal: 'SIGTERM',
        Labels: {
          [LABEL_CLUSTER]: spec.cluster,
          [LABEL_MACHINE]: spec.machineId,
          [LABEL_ROLE]: ROLE_MACHINE,
          [LABEL_HOSTNAME]: spec.hostname,
          [LABEL_OS_VERSION]: spec.osVersion,
        },
        ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.guest}/tcp`, {}])),
        HostConfig: {
          NetworkMode: net,
          RestartPolicy: { Name: 'no' },
          // Loopback only (DESIGN.md "This workplace"): nothing of a machine is exposed beyond the host.
          PortBindings: portBindings(ports),
          ...(spec.hostnameIsLocalhost ? { ExtraHosts: [`${spec.hostname}:127.0.0.1`] } : {}),
        },
        // The hostname resolves on the cluster network through Docker's DNS (core-01 → its ip).
        NetworkingConfig: {
          EndpointsConfig: {
            [net]: {
              Aliases: [spec.hostname],
              ...(spec.ip ? { IPAMConfig: { IPv4Address: spec.ip } } : {}),
            },
          },
        },
      });
    } catch (err) {
      // The image went away between ensureImage and here (another cluster was destroyed): rebuild once.
      if (
        retry &&
        statusOf(err) === 404 &&
        !(await inspectImage(this.docker, machineImageTag(spec.osVersion)))
      ) {
        return this.createContainer(spec, false);
      }
      throw err;
    }
  }

  private async reuse(info: ContainerInfo, spec: MachineSpec): Promise<MachineRuntime> {
    const labels = info.Config.Labels ?? {};
    const name = containerName(spec.cluster, spec.hostname);
    if (!isMachineOf(labels, spec.cluster)) {
      throw new ApiError(
        'CONFLICT',
        `A container named ${name} exists but is not a machine of cluster ${spec.cluster}.`,
        {
          hint: `Remove it (docker rm -f ${name}) or choose another hostname.`,
        },
      );
    }
    if (labels[LABEL_MACHINE] !== spec.machineId) {
      throw new ApiError(
        'CONFLICT',
        `${spec.hostname} of cluster ${spec.cluster} already exists as machine ${labels[LABEL_MACHINE] ?? '?'}, not ${spec.machineId}.`,
        { hint: 'Destroy that machine first, or choose another hostname.' },
      );
    }
    const container = this.docker.getContainer(info.Id);
    await this.writeFiles(container, machineFiles(spec));
    if (!info.State.Running) await this.startContainer(container, spec);
    return this.afterStart(container, spec.cluster);
  }

  /** Starts a container; a forwarded port someone else holds becomes a CONFLICT naming it. */
  private async startContainer(
    container: Docker.Container,
    spec?: Pick<MachineSpec, 'hostname' | 'forwardedPorts'>,
  ): Promise<void> {
    try {
      await container.start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      const message = (err as Error).message;
      const taken = (spec?.forwardedPorts ?? []).find(
        (p) => message.includes(`:${p.host}:`) || message.includes(`:${p.host} `),
      );
      if (spec && taken && /bind|already allocated/i.test(message))
        throw new ApiError(
          'CONFLICT',
          `Port 127.0.0.1:${taken.host} is taken: machine ${spec.hostname} cannot forward it to its port ${taken.guest}.`,
          { hint: 'Choose another host port, or stop what listens there.', details: { port: taken.host } },
        );
      throw err;
    }
  }

  /** Once running: the address is known, so /etc/environment can say it. */
  private async afterStart(container: Docker.Container, cluster: string): Promise<MachineRuntime> {
    const info = await container.inspect();
    const rt = runtimeOf(info, cluster);
    if (!rt.running) {
      throw new ApiError(
        'INTERNAL',
        `Machine ${rt.hostname} stopped right after it started (exit code ${info.State.ExitCode}).`,
      );
    }
    if (!rt.ip)
      throw new ApiError('INTERNAL', `Machine ${rt.hostname} has no address on ${networkName(cluster)}.`);
    await this.writeFiles(container, [{ name: 'etc/environment', content: environmentFile(rt.ip) }]);
    return rt;
  }

  /** Files go in as a tar archive: contents are bytes, never shell text. */
  private async writeFiles(container: Docker.Container, files: TarFile[]): Promise<void> {
    await container.putArchive(await tarOf(files), { path: '/' });
  }

  /** Removes the cluster's containers. */
  private async removeClusterContainers(cluster: string): Promise<void> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_CLUSTER}=${cluster}`] },
    });
    await Promise.all(
      found.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: unknown) => {
            // 404: gone already; 409: its removal is already under way.
            if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
          }),
      ),
    );
  }

  private async mustFind(
    cluster: string,
    hostname: string,
  ): Promise<{ container: Docker.Container; info: ContainerInfo }> {
    assertClusterName(cluster);
    assertHostname(hostname);
    const name = containerName(cluster, hostname);
    const info = await this.inspectContainer(name);
    if (!info || !isMachineOf(info.Config.Labels, cluster)) {
      throw new ApiError('NOT_FOUND', `Cluster ${cluster} has no machine ${hostname}.`, {
        details: { cluster, hostname },
      });
    }
    return { container: this.docker.getContainer(info.Id), info };
  }

  private async inspectContainer(name: string): Promise<ContainerInfo | undefined> {
    try {
      return await this.docker.getContainer(name).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const p = prev.catch(() => undefined).then(fn);
    const tail = p.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return p;
  }
}

/** Docker's port bindings: a guest port may be forwarded from several host ports. */
function portBindings(ports: ForwardedPort[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports)
    (out[`${p.guest}/tcp`] ??= []).push({ HostIp: '127.0.0.1', HostPort: String(p.host) });
  return out;
}

/** Everything written into a machine before it starts: the spec's files, then its cloud-config's. */
const machineFiles = (spec: MachineSpec): TarFile[] => overlay(specFiles(spec), spec.bootFiles ?? []);

type NetworkInfo = {
  Id: string;
  Labels?: Record<string, string>;
  IPAM?: { Config?: { Subnet?: string }[] };
};

function isMachineOf(labels: Record<string, string> | undefined, cluster: string): boolean {
  return labels?.[LABEL_CLUSTER] === cluster && labels[LABEL_ROLE] === ROLE_MACHINE;
}

function runtimeOf(info: ContainerInfo, cluster: string): MachineRuntime {
  const labels = info.Config.Labels ?? {};
  const running = info.State.Running;
  return {
    hostname: labels[LABEL_HOSTNAME] ?? info.Config.Hostname,
    machineId: labels[LABEL_MACHINE] ?? '',
    containerName: info.Name.replace(/^\//, ''),
    containerId: info.Id,
    ip: running ? (info.NetworkSettings.Networks[networkName(cluster)]?.IPAddress ?? '') : '',
    running,
  };
}
