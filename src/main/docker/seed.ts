import type Docker from 'dockerode';
import { access, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { ApiError } from '../../shared/api';
import type { TaskContext } from '../tasks';
import { isStaticElf } from './static-binary';

/** Where Debian's busybox-static (and most distributions) put the binary. */
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox'];

export const SEEDED_LABEL = 'flotilla.seeded';

export interface SeedOptions {
  tag: string;
  offline: boolean;
  pullTimeoutMs?: number;
  busyboxPaths?: string[];
}

export type SeedOutcome = { tag: string; source: 'present' | 'pulled' | 'built'; imageId: string };

/**
 * Makes sure a busybox image exists under `tag` (DESIGN.md decision 5: no registry is assumed).
 * Present → nothing to do; else pull when a registry answers; else build FROM scratch with the
 * host's static busybox.
 */
export async function seedBusybox(docker: Docker, ctx: TaskContext, opts: SeedOptions): Promise<SeedOutcome> {
  ctx.setSteps(['look for the image', 'pull from a registry', 'build from the host busybox']);
  ctx.step('look for the image', 'running');
  const existing = await inspectImage(docker, opts.tag);
  if (existing) {
    ctx.step('look for the image', 'done', `${opts.tag} is present`);
    ctx.step('pull from a registry', 'skipped');
    ctx.step('build from the host busybox', 'skipped');
    return { tag: opts.tag, source: 'present', imageId: existing };
  }
  ctx.step('look for the image', 'done', `${opts.tag} is missing`);
  ctx.throwIfCanceled();

  let pullError = 'skipped (offline)';
  if (opts.offline) {
    ctx.step('pull from a registry', 'skipped', pullError);
  } else {
    ctx.step('pull from a registry', 'running');
    try {
      await pull(
        docker,
        opts.tag.includes(':') ? opts.tag : `${opts.tag}:latest`,
        ctx,
        opts.pullTimeoutMs ?? 20_000,
      );
      const id = await inspectImage(docker, opts.tag);
      if (id) {
        ctx.step('pull from a registry', 'done');
        ctx.step('build from the host busybox', 'skipped');
        return { tag: opts.tag, source: 'pulled', imageId: id };
      }
      pullError = 'the pull finished but the image is not there';
    } catch (err) {
      ctx.throwIfCanceled();
      pullError = err instanceof Error ? err.message : String(err);
    }
    ctx.step('pull from a registry', 'skipped', `no registry answered: ${firstLine(pullError)}`);
  }

  ctx.step('build from the host busybox', 'running');
  const binary = await findStaticBusybox(opts.busyboxPaths ?? BUSYBOX_CANDIDATES);
  if (!binary.path) {
    throw new ApiError(
      'NOT_FOUND',
      `Cannot seed ${opts.tag}: no registry answered (${firstLine(pullError)}) and ${binary.why}`,
      {
        hint: 'Install the static busybox: sudo apt-get install busybox-static — or make a registry reachable.',
      },
    );
  }
  const id = await buildFromBusybox(docker, binary.path, opts.tag, ctx);
  ctx.step('build from the host busybox', 'done', `built from ${binary.path}`);
  return { tag: opts.tag, source: 'built', imageId: id };
}

/** The image's id, or undefined when the engine has no image by that name. */
export async function inspectImage(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

async function pull(docker: Docker, ref: string, ctx: TaskContext, timeoutMs: number): Promise<void> {
  const stream = (await docker.pull(ref)) as Readable;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onAbort = () => {
      stream.destroy();
      reject(new ApiError('CANCELED', 'canceled'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string }>) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        const failed = output?.find((o) => o.error);
        if (err) reject(err);
        else if (failed?.error) reject(new Error(failed.error));
        else resolve();
      },
      (ev: { status?: string; progressDetail?: { current?: number; total?: number } }) => {
        const d = ev.progressDetail;
        ctx.progress(d?.total ? (d.current ?? 0) / d.total : null, ev.status ?? '');
      },
    );
  });
}

/** The first statically linked busybox among `paths`, or why there is none. */
export async function findStaticBusybox(paths: string[]): Promise<{ path?: string; why: string }> {
  const dynamic: string[] = [];
  for (const p of paths) {
    try {
      await access(p);
    } catch {
      continue;
    }
    if (await isStaticElf(p)) return { path: p, why: '' };
    dynamic.push(p);
  }
  return {
    why: dynamic.length
      ? `${dynamic.join(', ')} is dynamically linked and cannot run in an image built FROM scratch`
      : `no busybox binary was found (looked at ${paths.join(', ')})`,
  };
}

async function buildFromBusybox(
  docker: Docker,
  binaryPath: string,
  tag: string,
  ctx: TaskContext,
): Promise<string> {
  const binary = await readFile(binaryPath);
  const tar = pack();
  tar.entry(
    { name: 'Dockerfile' },
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      // Exec form: the image has no shell until busybox installs its applets.
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      'CMD ["sh"]',
      '',
    ].join('\n'),
  );
  tar.entry({ name: 'busybox', mode: 0o755 }, binary);
  tar.finalize();
  const stream = (await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: tag,
    labels: { [SEEDED_LABEL]: 'busybox-static' },
    rm: true,
    forcerm: true,
    // Installing applets needs no network, and not using one keeps the build off the bridge.
    networkmode: 'none',
  })) as Readable;
  await followBuild(docker, stream, ctx);
  const id = await inspectImage(docker, tag);
  if (!id) throw new Error(`docker build reported success but ${tag} is not there`);
  return id;
}

/** Follows a `docker build` output stream to its end: build lines go to the task, cancel stops it. */
export function followBuild(docker: Docker, stream: Readable, ctx: TaskContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      reject(new ApiError('CANCELED', 'canceled'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string }>) => {
        ctx.signal.removeEventListener('abort', onAbort);
        const failed = output?.find((o) => o.error);
        if (err) reject(err);
        else if (failed?.error) reject(new Error(`docker build failed: ${failed.error}`));
        else resolve();
      },
      (ev: { stream?: string }) => {
        if (ev.stream?.trim()) ctx.progress(null, ev.stream.trim());
      },
    );
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
