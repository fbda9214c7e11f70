import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startServe, type Served } from './serve';

let served: Served;
test.beforeAll(async () => {
  served = await startServe();
});
test.afterAll(async () => {
  await served?.stop();
});

const PAGES = ['Clusters', 'Machines', 'Units', 'Journal', 'KV', 'Updates'];

test('the frame shows navigation, every page, and the live engine status', async ({ page }) => {
  await page.goto(served.url);
  // The token moved from the address bar into a cookie.
  await expect(page).not.toHaveURL(/token=/);
  const nav = page.getByRole('navigation', { name: 'Pages' });
  for (const title of PAGES) {
    await nav.getByRole('button', { name: title }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    // Every page is built: none shows the "Coming here" placeholder any more.
    await expect(page.getByText('Coming here')).toHaveCount(0);
  }
  await expect(page.getByLabel(/^Engine status: Docker \d/)).toBeVisible();
  await page.screenshot({ path: 'test-results/frame.png' });
});

test('the theme follows the OS and the toggle overrides it, remembered across reloads', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(served.url);
  const bodyBg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await expect.poll(bodyBg).toBe('rgb(18, 18, 18)');
  await page.getByRole('button', { name: 'Light theme' }).click();
  await expect.poll(bodyBg).toBe('rgb(255, 255, 255)');
  await page.reload();
  await expect.poll(bodyBg).toBe('rgb(255, 255, 255)');
  await page.getByRole('button', { name: 'System theme' }).click();
  await expect.poll(bodyBg).toBe('rgb(18, 18, 18)');
});

test('the last page is remembered', async ({ page }) => {
  await page.goto(served.url);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Journal' }).click();
  // The page is remembered once it has rendered: reload only after that, not mid-navigation.
  await expect(page.getByRole('heading', { level: 1, name: 'Journal' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => localStorage.getItem('flotilla.lastPage'))).toBe('/journal');
  await page.goto(served.origin + '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Journal' })).toBeVisible();
});

test('a task started through the API shows in the status bar and ends with a notification', async ({
  page,
  request,
}) => {
  await page.goto(served.url);
  await expect(page.getByLabel(/^Engine status: Docker \d/)).toBeVisible();
  const tag = `flotilla-e2e/busybox:${Date.now()}`;
  const res = await request.post(`${served.origin}/api/v1/call/docker.seedImage`, {
    headers: { Authorization: `Bearer ${served.token}` },
    data: { tag, offline: true },
  });
  expect(res.status()).toBe(200);
  await expect(page.getByText(`Seed image ${tag}: done`)).toBeVisible({ timeout: 30_000 });
  const { execFileSync } = await import('node:child_process');
  execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
});

test('no serious accessibility violations on any page', async ({ page }) => {
  await page.goto(served.url);
  for (const title of PAGES) {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: title }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help}`),
      `on ${title}`,
    ).toEqual([]);
  }
});
