import { expect, test } from '@playwright/test';
import { PrivateDockerd } from './private-dockerd';
import { startServe, type Served } from './serve';

const why = PrivateDockerd.whyNot();
if (why) console.log(`engine-outage e2e skipped: ${why}`);

test.describe('the engine goes away and comes back', () => {
  test.skip(!!why, why ?? '');
  let dockerd: PrivateDockerd;
  let served: Served;

  test.beforeAll(async () => {
    dockerd = await PrivateDockerd.create();
    await dockerd.start();
    served = await startServe({ DOCKER_HOST: dockerd.endpoint });
  });
  test.afterAll(async () => {
    await served?.stop();
    await dockerd?.destroy();
  });

  test('stopping dockerd shows what is wrong; starting it recovers without a reload', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(served.url);
    await expect(page.getByLabel(/^Engine status: Docker \d/)).toBeVisible();
    // A marker that a reload would wipe out.
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));

    await dockerd.stop();
    const alert = page.getByRole('alert').filter({ hasText: 'Docker engine unavailable' });
    await expect(alert).toBeVisible({ timeout: 15_000 });
    await expect(alert).toContainText(dockerd.socket);
    await expect(alert).toContainText('Start the engine');
    await expect(page.getByLabel('Engine status: Docker: unavailable')).toBeVisible();
    await page.screenshot({ path: 'test-results/engine-down.png' });

    await dockerd.start();
    await expect(alert).toBeHidden({ timeout: 20_000 });
    await expect(page.getByLabel(/^Engine status: Docker \d/)).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
  });
});
