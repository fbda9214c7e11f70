// The Updates page on the real engine: on a 3-machine cluster with a short check interval, the
// whole cluster is switched stable → alpha with etcd-lock from the page. Every machine reaches
// 4516.0.0 (the built-in alpha's newest) and reboots one at a time — the reboot lock never has
// two holders, on the page or in the API — and the board's headers follow. Saves docs/updates.png.
import AxeBuilder from '@axe-core/playwright';
import { spawnSync } from 'node:child_process';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { UpdatesView } from '../src/shared/api';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp } from './serve';

const ALPHA = '4516.0.0';
const CHECK_SECONDS = 5;

let cluster: ServedCluster;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  cluster = await serveCluster('upd', 3);
});
test.afterAll(async () => {
  await cluster?.close();
  // The alpha image this spec made the machines download (stable's is the other specs' too).
  spawnSync('docker', ['rmi', `flotilla-machine:${ALPHA}`], { stdio: 'ignore' });
});

/** One API call through the served HTTP endpoint, its result or a thrown error. */
async function call<T>(request: APIRequestContext, method: string, params: object): Promise<T> {
  const res = await request.post(`${cluster.served.origin}/api/v1/call/${method}`, {
    headers: { Authorization: `Bearer ${cluster.served.token}` },
    data: params,
  });
  const body = await res.json();
  if (res.status() !== 200) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}
const status = (request: APIRequestContext) =>
  call<UpdatesView>(request, 'updates.status', { cluster: cluster.name });

/** The Running version shown on a machine's card. */
const runningOn = (page: Page, host: string) =>
  page.getByRole('region', { name: host }).locator('dt:text-is("Running") + dd');

test('alpha with etcd-lock from the page: every machine reaches 4516.0.0, one reboot at a time', async ({
  page,
  request,
}) => {
  test.setTimeout(480_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, '/updates');
  await expect(page.getByRole('heading', { level: 1, name: 'Updates' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'All machines' })).toBeVisible({
    timeout: 30_000,
  });

  const hosts = (await status(request)).machines.map((m) => m.hostname);
  expect(hosts).toHaveLength(3);
  for (const host of hosts) await expect(runningOn(page, host)).not.toHaveText(ALPHA);

  // A short check interval, so the switch is picked up at once and again after each reboot.
  const interval = page.getByRole('textbox', {
    name: 'Seconds between checks',
  });
  await interval.fill(String(CHECK_SECONDS));
  await interval.press('Enter');
  await expect(page.getByText(`Machines check for updates every ${CHECK_SECONDS} s`)).toBeVisible();
  await expect.poll(async () => (await status(request)).checkIntervalSec).toBe(CHECK_SECONDS);

  // etcd-lock (a fresh cluster may already have it: then there is nothing to apply).
  const strategy = page
    .getByRole('group', { name: 'Reboot strategy' })
    .getByRole('button', { name: 'etcd-lock' });
  if ((await strategy.getAttribute('aria-pressed')) !== 'true') {
    await strategy.click();
    await page.getByRole('button', { name: 'Apply reboot strategy' }).click();
  }
  await expect(strategy).toHaveAttribute('aria-pressed', 'true');
  expect(new Set((await status(request)).machines.map((m) => m.conf.rebootStrategy))).toEqual(
    new Set(['etcd-lock']),
  );
  const lock = (await status(request)).locks.find((l) => l.group === '');
  expect(lock?.max ?? 1).toBe(1);

  // Sample the lock from now on: the page's holder list and the API's.
  let mostOnPage = 0;
  let mostInApi = 0;
  const seenRebooting = new Set<string>();
  let sampling = true;
  const lockRow = page.getByRole('row', { name: 'Lock group default' });
  // It ends with the test, also when the test fails before the sampling is switched off.
  const sampler = (async () => {
    while (sampling && !page.isClosed()) {
      const [onPage, view] = await Promise.all([
        lockRow.getByRole('button', { name: /^Unlock / }).count(),
        status(request),
      ]);
      mostOnPage = Math.max(mostOnPage, onPage);
      mostInApi = Math.max(mostInApi, view.locks.find((l) => l.group === '')?.holders.length ?? 0);
      for (const m of view.machines) if (m.reboot !== 'none') seenRebooting.add(m.hostname);
      await page.waitForTimeout(200);
    }
  })().catch(() => undefined);

  // The switch, confirmed in the dialog that says what happens.
  await page.getByRole('group', { name: 'Channel' }).getByRole('button', { name: 'alpha' }).click();
  const dialog = page.getByRole('dialog', {
    name: `Switch every machine of ${cluster.name} to alpha?`,
  });
  await expect(dialog).toContainText(`${ALPHA}`);
  await expect(dialog).toContainText('one at a time');
  const axe = await new AxeBuilder({ page }).include('[role="dialog"]').analyze();
  expect(
    axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
  ).toEqual([]);
  await dialog.getByRole('button', { name: 'Switch to alpha' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByRole('group', { name: 'Channel' }).getByRole('button', { name: 'alpha' }),
  ).toHaveAttribute('aria-pressed', 'true');

  try {
    for (const host of hosts)
      await expect(runningOn(page, host)).toHaveText(ALPHA, {
        timeout: 360_000,
      });
    // The last one booted: its check done and the lock given back.
    await expect
      .poll(
        async () =>
          (await status(request)).machines.every(
            (m) => m.reboot === 'none' && m.partitions.find((p) => p.active)?.successful,
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
  } finally {
    sampling = false;
    await sampler;
  }
  expect(mostInApi, 'the lock never had two holders (API)').toBeLessThanOrEqual(1);
  expect(mostOnPage, 'the lock never showed two holders (page)').toBeLessThanOrEqual(1);
  // Every reboot took the lock: someone held it at some point; each machine was seen rebooting.
  expect(mostInApi).toBe(1);
  expect([...seenRebooting].sort()).toEqual([...hosts].sort());

  // Settled: each machine on alpha, booted from the new partition, nothing held.
  const end = await status(request);
  expect(end.machines.map((m) => [m.osVersion, m.conf.group])).toEqual(hosts.map(() => [ALPHA, 'alpha']));
  for (const m of end.machines) {
    const active = m.partitions.find((p) => p.active);
    expect(active).toMatchObject({ version: ALPHA, successful: true });
  }
  await expect(lockRow.getByRole('button', { name: /^Unlock / })).toHaveCount(0);
  // Each card now offers a rollback to the version it came from.
  for (const host of hosts)
    await expect(page.getByRole('button', { name: `Roll back ${host}` })).toBeEnabled();

  await page.screenshot({ path: 'docs/updates.png' });

  // The board's headers say the OS and have no update badge left.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Machines' }).click();
  for (const host of hosts) {
    const column = page.getByRole('region', { name: `Machine ${host}` });
    await expect(column).toContainText(`OS ${ALPHA} · alpha`);
    await expect(column.getByText(/^(update ready|updating \d+%|rebooting)$/)).toHaveCount(0);
  }
});
