// One build for everything: main process, preload and flotctl with esbuild; the renderer with Vite.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const define = { __FLOTILLA_VERSION__: JSON.stringify(pkg.version) };

rmSync(join(root, 'dist'), { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  define,
  logLevel: 'warning',
  // Dependencies stay in node_modules (electron-builder packs them); only our code is bundled.
  packages: 'external',
};

await Promise.all([
  esbuild({
    ...common,
    entryPoints: { electron: 'src/main/electron/main.ts' },
    outdir: 'dist/main',
    outExtension: { '.js': '.cjs' },
    absWorkingDir: root,
  }),
  // A sandboxed preload must be one file that requires nothing but electron.
  esbuild({
    ...common,
    packages: undefined,
    external: ['electron'],
    entryPoints: { preload: 'src/main/electron/preload.ts' },
    outdir: 'dist/main',
    outExtension: { '.js': '.cjs' },
    absWorkingDir: root,
  }),
  esbuild({
    ...common,
    entryPoints: { flotctl: 'src/main/cli/flotctl.ts' },
    outdir: 'dist/main',
    outExtension: { '.js': '.cjs' },
    absWorkingDir: root,
  }),
]);

// The KV server loads its .proto files at run time; they sit next to the bundle.
cpSync(join(root, 'src/main/kv/server/proto'), join(root, 'dist/main/proto'), { recursive: true });

await viteBuild({ configFile: join(root, 'vite.config.mts'), logLevel: 'warn', define });
console.log('built dist/main (electron, preload, flotctl) and dist/renderer');
