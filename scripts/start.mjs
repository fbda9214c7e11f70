// `npm start`: the desktop app where Electron can run; elsewhere one line saying why, then
// `flotctl serve`, which prints the URL to open.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function electronBinary() {
  // Not require('electron'): without its binary that tries a download.
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      why: 'the Electron binary is not installed (fetch it with `node node_modules/electron/install.js`, which needs GitHub)',
    };
  }
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return { why: `the Electron binary is missing at ${bin}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return { bin };
}

if (!existsSync(join(root, 'dist', 'main', 'flotctl.cjs'))) {
  console.error('Flotilla is not built yet: run `npm run build` first.');
  process.exit(1);
}

const { bin, why } = electronBinary();
const [cmd, args] = bin
  ? [bin, [root, ...process.argv.slice(2)]]
  : [process.execPath, [join(root, 'bin', 'flotctl'), 'serve', ...process.argv.slice(2)]];
if (why) console.log(`Desktop app unavailable here: ${why} — running \`flotctl serve\` instead.`);
const child = spawn(cmd, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
