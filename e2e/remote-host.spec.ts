// Add machine → Remote host on the board, against a real `flotctl serve` and Debian's real sshd
// started here on 127.0.0.1: the dialog shows the host key's SHA256 fingerprint (the one
// ssh-keygen -lf prints), Trust and add brings the host up as a machine, and its header says it
// is remote and connected. Saves docs/remote-host.png. Then the create wizard: a cluster with one
// local machine and that host, its key asked about in the Machines step.
import { expect, test, type Locator } from '@playwright/test';
import { TestSshd, sshdUnavailable } from '../src/main/remote/test-sshd';
import {
  removeClusterLeftovers,
  removeEarlierRuns,
  serveCluster,
  type ServedCluster,
} from './cluster-fixture';
import { openApp } from './serve';

const why = sshdUnavailable();
if (why) console.warn(`remote-host.spec.ts skipped: ${why}`);

let cluster: ServedCluster | undefined;
let sshd: TestSshd | undefined;
/** The cluster the wizard makes (its tag differs from the fixture's so crashed runs are found). */
const WIZARD_TAG = 'rmtw';
const wizardCluster = `${WIZARD_TAG}${Date.now().toString(36).slice(-5)}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  if (why) return;
  test.setTimeout(180_000);
  removeEarlierRuns(WIZARD_TAG);
  sshd = await TestSshd.start();
  cluster = await serveCluster('rmt', 1);
});
test.afterAll(async () => {
  await cluster?.close();
  if (!why) removeClusterLeftovers(wizardCluster);
  await sshd?.dispose();
});

/** Fills the remote-host dialog for the test sshd (metadata where=remote) and presses Connect. */
async function connectTo(dialog: Locator): Promise<void> {
  await dialog.getByRole('textbox', { name: /^Host/ }).fill(sshd!.host);
  await dialog.getByRole('spinbutton', { name: /^Port/ }).fill(String(sshd!.port));
  await dialog.getByRole('textbox', { name: /^User/ }).fill(sshd!.user);
  await dialog.getByLabel('Identity file').fill(sshd!.clientKey);
  await dialog.getByLabel('Metadata').fill('where=remote');
  await dialog.getByRole('button', { name: 'Connect' }).click();
}

/** First contact: nothing is trusted until the person has seen the fingerprint and trusts it. */
async function trustShownKey(dialog: Locator): Promise<void> {
  await expect(dialog.getByText(sshd!.hostFingerprint()).first()).toBeVisible({ timeout: 20_000 });
  await dialog.getByRole('button', { name: 'Trust and add' }).click();
  await expect(dialog).toBeHidden({ timeout: 20_000 });
}

test('a remote host added from the board, its fingerprint asked about first', async ({ page }) => {
  test.skip(!!why, why);
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster!.served, '/machines');
  await page.getByRole('button', { name: 'Add machine' }).click();
  await page.getByRole('menuitem', { name: /Remote host \(SSH\)/ }).click();
  const dialog = page.getByRole('dialog');
  await connectTo(dialog);

  await trustShownKey(dialog);

  await expect(page.getByText('SSH connected')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByText(`${sshd!.user}@${sshd!.host}:${sshd!.port}`).first()).toBeVisible();
  await expect(page.getByText('core-02').first()).toBeVisible();
  // Up: its machine container made over SSH, its agent registered.
  await expect(page.getByText('healthy', { exact: true })).toHaveCount(2, { timeout: 90_000 });
  await page.screenshot({ path: 'docs/remote-host.png' });
});

test('a cluster made with the wizard takes a remote host, its key asked about first', async ({ page }) => {
  test.skip(!!why, why);
  test.setTimeout(240_000);
  // First contact again: the board's test above trusted the key.
  cluster!.flotctl('machine', 'forget-host-key', `${sshd!.host}:${sshd!.port}`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster!.served, '/clusters/new');
  await page.getByLabel('Cluster name').fill(wizardCluster);
  await page.getByLabel('Number of machines').fill('1');
  await page.getByRole('button', { name: 'Next' }).click(); // Machines

  const remotes = page.getByRole('region', { name: 'Remote hosts (SSH)' });
  await remotes.getByRole('button', { name: 'Add a remote host…' }).click();
  const dialog = page.getByRole('dialog');
  await connectTo(dialog);
  await trustShownKey(dialog);
  await expect(remotes.getByText(`${sshd!.user}@${sshd!.host}:${sshd!.port}`)).toBeVisible();
  await expect(remotes.getByText(sshd!.hostFingerprint())).toBeVisible();

  for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Next' }).click(); // … Review
  await expect(page.getByText(`core-02 (${sshd!.user}@${sshd!.host}:${sshd!.port})`)).toBeVisible();
  await expect(page.getByText(/^flotctl machine add --cluster /)).toContainText(
    `--accept-fingerprint ${sshd!.hostFingerprint()}`,
  );
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/#\/machines/, { timeout: 180_000 });
  await expect(page.getByText('SSH connected')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByText('healthy', { exact: true })).toHaveCount(2, { timeout: 90_000 });
  const machines = cluster!.flotctl('list-machines', '--cluster', wizardCluster, '--no-legend');
  expect(machines).toMatch(/where=remote/);
  expect(machines.trim().split('\n')).toHaveLength(2);
});
