// Add machine → Remote host on the board, against a real `flotctl serve` and Debian's real sshd
// started here on 127.0.0.1: the dialog shows the host key's SHA256 fingerprint (the one
// ssh-keygen -lf prints), Trust and add brings the host up as a machine, and its header says it
// is remote and connected. Saves docs/remote-host.png.
import { expect, test } from '@playwright/test';
import { TestSshd, sshdUnavailable } from '../src/main/remote/test-sshd';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp } from './serve';

const why = sshdUnavailable();
if (why) console.warn(`remote-host.spec.ts skipped: ${why}`);

let cluster: ServedCluster | undefined;
let sshd: TestSshd | undefined;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  if (why) return;
  test.setTimeout(180_000);
  sshd = await TestSshd.start();
  cluster = await serveCluster('rmt', 1);
});
test.afterAll(async () => {
  await cluster?.close();
  await sshd?.dispose();
});

test('a remote host added from the board, its fingerprint asked about first', async ({ page }) => {
  test.skip(!!why, why);
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster!.served, '/machines');
  await page.getByRole('button', { name: 'Add machine' }).click();
  await page.getByRole('menuitem', { name: /Remote host \(SSH\)/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: /^Host/ }).fill(sshd!.host);
  await dialog.getByRole('spinbutton', { name: /^Port/ }).fill(String(sshd!.port));
  await dialog.getByRole('textbox', { name: /^User/ }).fill(sshd!.user);
  await dialog.getByLabel('Identity file').fill(sshd!.clientKey);
  await dialog.getByLabel('Metadata').fill('where=remote');
  await dialog.getByRole('button', { name: 'Connect' }).click();

  // First contact: nothing is trusted until the person compares the fingerprint.
  await expect(dialog.getByText(sshd!.hostFingerprint()).first()).toBeVisible({ timeout: 20_000 });
  await dialog.getByRole('button', { name: 'Trust and add' }).click();
  await expect(dialog).toBeHidden({ timeout: 20_000 });

  await expect(page.getByText('SSH connected')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByText(`${sshd!.user}@${sshd!.host}:${sshd!.port}`).first()).toBeVisible();
  await expect(page.getByText('core-02').first()).toBeVisible();
  // Up: its machine container made over SSH, its agent registered.
  await expect(page.getByText('healthy', { exact: true })).toHaveCount(2, { timeout: 90_000 });
  await page.screenshot({ path: 'docs/remote-host.png' });
});
