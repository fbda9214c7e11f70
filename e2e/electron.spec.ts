import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the desktop app cannot be launched here, or undefined when it can. */
function whyNoElectron(): string | undefined {
  // Not require('electron'): without its binary that starts a download, which cannot work here.
  const dir = join(__dirname, '..', 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile))
    return 'the Electron binary is not installed (node_modules/electron/path.txt is missing)';
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return `the Electron binary is missing at ${binary}`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (DISPLAY is unset)';
  return undefined;
}

function binaryPath(): string {
  const dir = join(__dirname, '..', 'node_modules', 'electron');
  return join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
}

const why = whyNoElectron();
if (why) console.log(`Electron e2e skipped: ${why}`);

test('the desktop app opens its window with the frame, over IPC, sandboxed', async () => {
  test.skip(!!why, why ?? '');
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-electron-'));
  const app = await electron.launch({
    executablePath: binaryPath(),
    args: [join(__dirname, '..')],
    env: { ...process.env, FLOTILLA_HOME: dataDir },
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('navigation', { name: 'Pages' })).toBeVisible();
    await expect(win.getByText('Desktop')).toBeVisible();
    // No Node in the renderer.
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    await expect(win.getByLabel(/^Engine status: Docker/)).toBeVisible();
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
