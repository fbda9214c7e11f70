import { expect, test } from '@playwright/test';
import { openApp, startServe, type Served } from './serve';

// The desktop habits that need no cluster: palette, cheat sheet, guiding empty states, activity.
let served: Served;
test.beforeAll(async () => {
  served = await startServe();
});
test.afterAll(async () => {
  await served?.stop();
});

test('the command palette reaches every page and action', async ({ page }) => {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  await palette.getByRole('combobox').fill('machines');
  await expect(palette.getByRole('option', { name: /Go to Machines/ })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Machines' })).toBeVisible();

  // The palette lists the page's own actions too, with their flotctl command.
  await page.getByRole('button', { name: 'Command palette' }).click();
  await palette.getByRole('combobox').fill('new cluster');
  await expect(palette.getByRole('option', { name: /New cluster/ })).toBeVisible();
  await page.keyboard.press('Escape');
});

test('? opens the cheat sheet; g-chords navigate', async ({ page }) => {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
  await page.keyboard.press('Shift+?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(sheet).toBeVisible();
  await expect(sheet.getByRole('row', { name: /Command palette/ })).toBeVisible();
  await expect(sheet.getByRole('row', { name: /Go to Machines G then M/ })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
  await page.keyboard.press('g');
  await page.keyboard.press('m');
  await expect(page.getByRole('heading', { level: 1, name: 'Machines' })).toBeVisible();
});

test('empty states guide to the first cluster', async ({ page }) => {
  await openApp(page, served, '/machines');
  await page.getByRole('button', { name: 'Create your first cluster' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New cluster' })).toBeVisible();
  await openApp(page, served, '/clusters');
  await expect(page.getByRole('button', { name: 'Create your first cluster' })).toBeVisible();
});

test('the activity timeline shows who did what, failures included', async ({ page, request }) => {
  await page.goto(served.url);
  // flotctl's way in: a bearer token. Starting a cluster that does not exist fails, and says so.
  const res = await request.post(`${served.origin}/api/v1/call/clusters.stop`, {
    headers: { Authorization: `Bearer ${served.token}` },
    data: { name: 'nosuch' },
  });
  expect(res.status()).toBe(404);
  await page.keyboard.press('a');
  const drawer = page.getByRole('region', { name: 'Activity' });
  await expect(drawer.getByText('Stopped cluster nosuch')).toBeVisible();
  await expect(drawer.getByText(/No cluster named nosuch/)).toBeVisible();
  await expect(drawer.getByText('flotctl')).toBeVisible();
});

const CONFIG_RB = `# coreos-vagrant settings
$num_instances = 3
$update_channel = "beta"
$instance_name_prefix = "web"
$vm_memory = 2048
$forwarded_ports = {80 => 8080}

if File.exists?('user-data') && ARGV[0].eql?('up')
  require 'open-uri'
  token = open($new_discovery_url).read
end
`;
const USER_DATA = `#cloud-config

coreos:
  fleet:
    public-ip: $public_ipv4
    metadata: role=web,disk=ssd
  units:
    - name: etcd2.service
      command: start
    - name: greeter.service
      command: start
      content: |
        [Service]
        ExecStart=/bin/sh -c "while true; do echo hi; sleep 5; done"
`;

test('a coreos-vagrant config.rb and user-data prefill the wizard', async ({ page }, info) => {
  const dir = info.outputPath();
  await import('node:fs/promises').then(async (fs) => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${dir}/config.rb`, CONFIG_RB);
    await fs.writeFile(`${dir}/user-data`, USER_DATA);
  });
  await openApp(page, served, '/clusters');
  await page.getByRole('button', { name: 'Import from coreos-vagrant' }).first().click();
  await page.getByLabel('config.rb', { exact: true }).setInputFiles(`${dir}/config.rb`);
  await page.getByLabel('user-data', { exact: true }).setInputFiles(`${dir}/user-data`);
  const read = page.getByRole('table', { name: 'What was read' });
  await expect(read).toContainText('3 machines');
  await expect(read).toContainText('beta');
  await expect(read).toContainText('web-01');
  await expect(read).toContainText('80 → 8080');
  // What is not carried over is said, with file and line.
  await expect(page.getByText(/config\.rb line 8: .*discovery/i)).toBeVisible();
  await page.getByRole('button', { name: 'Continue in the wizard' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'New cluster' })).toBeVisible();
  await expect(page.getByLabel('Number of machines')).toHaveValue('3');
  await expect(page.getByLabel('Name prefix')).toHaveValue('web');
  await page.getByLabel('Cluster name').fill('imported');
  for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Next' }).click();
  const config = page.getByLabel('cloud-config of web-02');
  await page.getByRole('tab', { name: /web-02/ }).click();
  await expect(config).toContainText('greeter.service');
  await expect(config).toContainText('role=web');
  await expect(config).toContainText('group: beta');
});
