import { pack, type Header } from 'tar-stream';
import type { Channel } from './names';

/** CoreOS's own default (coreos.md §3); the updates module may point machines elsewhere via update.conf. */
export const DEFAULT_UPDATE_SERVER = 'https://public.update.core-os.net/v1/update/';
/** Container Linux's Omaha app id, as in /usr/share/coreos/release. */
export const COREOS_APPID = '{e96281a6-d1af-4bde-9a0a-97b76e56dc57}';

export interface TarFile {
  /** Path inside the archive, relative, no leading slash: etc/machine-id */
  name: string;
  content?: string | Buffer;
  mode?: number;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
}

/** A tar archive in memory. Content goes in as bytes: nothing is ever interpreted by a shell. */
export function tarOf(files: TarFile[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    tar.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    tar.on('end', () => resolve(Buffer.concat(chunks)));
    tar.on('error', reject);
  });
  const mtime = new Date(0);
  for (const f of files) {
    const type = f.type ?? 'file';
    const header: Partial<Header> & Pick<Header, 'name'> = {
      name: f.name,
      type,
      mode: f.mode ?? (type === 'file' ? 0o644 : 0o755),
      mtime,
    };
    header.uid = 0;
    header.gid = 0;
    if (type === 'symlink') header.linkname = f.linkname ?? '';
    if (type === 'file') tar.entry(header, f.content ?? '');
    else tar.entry(header);
  }
  tar.finalize();
  return done;
}

/** /usr/lib/os-release of a machine image (os-release(5), after Container Linux's). */
export function osRelease(osVersion: string): string {
  return [
    'NAME="Flotilla Container Linux"',
    'ID=coreos',
    `VERSION=${osVersion}`,
    `VERSION_ID=${osVersion}`,
    `BUILD_ID=flotilla-${osVersion}`,
    `PRETTY_NAME="Flotilla Container Linux ${osVersion} (Flotilla)"`,
    'ANSI_COLOR="38;5;75"',
    'HOME_URL="https://github.com/flotilla/flotilla"',
    'COREOS_BOARD="amd64-usr"',
    '',
  ].join('\n');
}

/** /usr/share/coreos/release */
export function coreosRelease(osVersion: string): string {
  return [
    `COREOS_RELEASE_VERSION=${osVersion}`,
    'COREOS_RELEASE_BOARD=amd64-usr',
    `COREOS_RELEASE_APPID=${COREOS_APPID}`,
    '',
  ].join('\n');
}

/** The image's /usr/share/coreos/update.conf: the defaults /etc/coreos/update.conf overrides. */
export function defaultUpdateConf(server = DEFAULT_UPDATE_SERVER): string {
  return `GROUP=stable\nSERVER=${server}\n`;
}

/** The machine's /etc/coreos/update.conf. */
export function machineUpdateConf(channel: Channel): string {
  return `GROUP=${channel}\n`;
}

export function environmentFile(ip: string): string {
  return `COREOS_PUBLIC_IPV4=${ip}\nCOREOS_PRIVATE_IPV4=${ip}\n`;
}

/** k=v lines, sorted by key; keys and values were validated (one line each). */
export function metadataFile(metadata: Record<string, string>): string {
  return Object.keys(metadata)
    .sort()
    .map((k) => `${k}=${metadata[k]}\n`)
    .join('');
}

/** The files a machine carries that depend on its spec (written before it starts). */
export function specFiles(spec: {
  machineId: string;
  channel: Channel;
  metadata: Record<string, string>;
}): TarFile[] {
  return [
    { name: 'etc/machine-id', content: `${spec.machineId}\n`, mode: 0o444 },
    { name: 'etc/coreos', type: 'directory' },
    { name: 'etc/coreos/update.conf', content: machineUpdateConf(spec.channel) },
    { name: 'etc/flotilla', type: 'directory' },
    { name: 'etc/flotilla/metadata', content: metadataFile(spec.metadata) },
  ];
}

/** The files of all lists; a later entry replaces an earlier one of the same path. */
export function overlay(...lists: TarFile[][]): TarFile[] {
  const byName = new Map<string, TarFile>();
  for (const f of lists.flat()) byName.set(f.name, f);
  return [...byName.values()];
}

/** The machine files of the image: busybox itself comes beside them in the build context. */
export function imageRootfs(osVersion: string): TarFile[] {
  const dirs = ['etc', 'usr', 'usr/lib', 'usr/share', 'usr/share/coreos', 'root', 'run', 'var', 'var/lib'];
  return [
    ...dirs.map((d) => ({ name: `rootfs/${d}`, type: 'directory' as const })),
    { name: 'rootfs/tmp', type: 'directory', mode: 0o1777 },
    { name: 'rootfs/usr/lib/os-release', content: osRelease(osVersion) },
    { name: 'rootfs/etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'rootfs/usr/share/coreos/release', content: coreosRelease(osVersion) },
    { name: 'rootfs/usr/share/coreos/update.conf', content: defaultUpdateConf() },
  ];
}
