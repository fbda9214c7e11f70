// A private build of flotctl and the renderer for the benchmark, so that it measures the sources
// as they are and no concurrent `npm run build` (which empties dist/) can pull the app away
// mid-run. It lives under node_modules/.cache so flotctl's bare imports resolve from the
// repository's node_modules.
import { build as esbuild } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateBuild {
  dir: string;
  flotctl: string;
  remove(): void;
}

export async function buildApp(root: string): Promise<PrivateBuild> {
  const dir = join(root, 'node_modules', '.cache', `flotilla-bench-journal-${process.pid}`);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  remove();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const define = { __FLOTILLA_VERSION__: JSON.stringify(pkg.version) };
  try {
    await esbuild({
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      define,
      logLevel: 'warning',
      packages: 'external',
      entryPoints: { flotctl: join(root, 'src/main/cli/flotctl.ts') },
      outdir: join(dir, 'main'),
      outExtension: { '.js': '.cjs' },
      absWorkingDir: root,
    });
    cpSync(join(root, 'src/main/kv/server/proto'), join(dir, 'main', 'proto'), { recursive: true });
    const { build: viteBuild } = await import('vite');
    await viteBuild({
      configFile: join(root, 'vite.config.mts'),
      logLevel: 'error',
      define,
      build: { outDir: join(dir, 'renderer'), emptyOutDir: true },
    });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, flotctl: join(dir, 'main', 'flotctl.cjs'), remove };
}
