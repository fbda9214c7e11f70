#!/usr/bin/env node
// Runs a TypeScript benchmark without tsx: bundles bench/<name>.ts with the installed esbuild
// (platform node, CommonJS, npm packages left external) and loads the result. CommonJS because
// some dependencies are imported by extensionless subpaths (crc-32/crc32c) that only CJS resolves.
// Usage: node bench/run.mjs bench/kv-core.ts [args…]
// The bundle goes under node_modules/.cache so bare imports of external packages still resolve
// from the repository's node_modules; it is deleted afterwards.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bench/run.mjs bench/<name>.ts [args…]');
  process.exit(2);
}
const outDir = join(root, 'node_modules', '.cache', 'flotilla-bench');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${basename(entry, '.ts')}-${process.pid}.cjs`);
await build({
  entryPoints: [resolve(entry)],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  outfile,
  logLevel: 'warning',
});
// The benchmark sees its own arguments as if it had been run directly.
process.argv.splice(1, 2, resolve(entry));
try {
  // Loading is synchronous; the benchmark keeps running on the event loop after the file is gone.
  createRequire(import.meta.url)(outfile);
} finally {
  rmSync(outfile, { force: true });
}
