import { expect, test, type Locator, type Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { openApp, startServe, type Served } from './serve';

// What people came for, on the real Docker engine: a cluster made with the wizard, units dragged
// between machines (refused with the constraint's reason, or moved and checked with flotctl),
// "Move to…" and undo from the keyboard, and destroy that asks for the name. The run saves
// screenshots of the wizard and the board into docs/ for README.

const NAME = `e2e${Date.now().toString(36).slice(-6)}`;
const ROOT = join(__dirname, '..');
let served: Served;
let unitDir: string;

function flotctl(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'flotctl'), ...args], {
    env: { ...process.env, FLOTILLA_HOME: served.dataDir },
    cwd: unitDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`flotctl ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Containers and networks of this run's cluster, whatever happened to the test. */
function removeLeftovers(): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=flotilla.cluster=${NAME}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `flotilla-${NAME}`], { stdio: 'ignore' });
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  unitDir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-units-'));
  served = await startServe();
});
test.afterAll(async () => {
  await served?.stop();
  removeLeftovers();
  rmSync(unitDir, { recursive: true, force: true });
});

const machine = (page: Page, host: string) => page.getByRole('region', { name: `Machine ${host}` });
const card = (page: Page, unit: string) =>
  page.getByRole('group', { name: new RegExp(`^${unit.replace(/[.@]/g, '\\$&')} on `) });

/** The host a unit's card sits on, from its accessible name ("hello@1.service on core-02, active running"). */
async function hostOf(c: Locator): Promise<string> {
  const label = (await c.getAttribute('aria-label')) ?? '';
  return /^\S+ on (\S+),/.exec(label)?.[1] ?? '';
}

/** A pointer drag in small steps, as a person does it (dnd-kit starts after a few pixels). */
async function drag(page: Page, from: Locator, to: Locator, beforeDrop?: () => Promise<void>) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + 20, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + 30, a.y + a.height / 2, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 200), { steps: 15 });
  if (beforeDrop) await beforeDrop();
  await page.mouse.up();
}

test('a 3-machine cluster made with the wizard runs three machines', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(served.url);
  await page.getByRole('button', { name: 'Create your first cluster' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New cluster' })).toBeVisible();

  await page.getByLabel('Cluster name').fill(NAME);
  await page.getByLabel('Number of machines').fill('3');
  await page.getByRole('button', { name: 'Next' }).click(); // Machines
  await page.getByRole('button', { name: 'Next' }).click(); // KV
  await expect(page.getByLabel('KV members')).toHaveValue('3');
  await page.getByRole('button', { name: 'Next' }).click(); // Updates
  await page.getByRole('button', { name: 'Next' }).click(); // Access
  await page.getByRole('button', { name: 'Next' }).click(); // Review

  const config = page.getByLabel('cloud-config of core-01');
  await expect(config).toContainText('#cloud-config');
  await expect(config).toContainText('hostname: core-01');
  // $public_ipv4 is already the machine's address.
  await expect(config).toContainText(/http:\/\/10\.99\.\d+\.101:2379/);
  await page.screenshot({ path: 'docs/wizard-review.png' });

  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page.getByRole('region', { name: `Creating cluster ${NAME}` })).toBeVisible();
  await expect(page).toHaveURL(/#\/machines/, { timeout: 180_000 });
  for (const host of ['core-01', 'core-02', 'core-03']) {
    await expect(machine(page, host)).toBeVisible();
    await expect(machine(page, host)).toContainText('healthy', { timeout: 30_000 });
  }
  expect(flotctl('list-machines', '--no-legend').trim().split('\n')).toHaveLength(3);
});

test('dragging a unit onto a machine its Conflicts rule out is refused with the reason', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  writeFileSync(
    join(unitDir, 'hello@.service'),
    '[Unit]\nDescription=Hello %i\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo Hello %i; sleep 1; done"\n\n[X-Fleet]\nConflicts=hello@*.service\n',
  );
  flotctl('start', 'hello@1', 'hello@2');
  await openApp(page, served, '/machines');
  const one = card(page, 'hello@1.service');
  const two = card(page, 'hello@2.service');
  await expect(one).toHaveAttribute('aria-label', /active running/, { timeout: 30_000 });
  await expect(two).toHaveAttribute('aria-label', /active running/, { timeout: 30_000 });
  const oneHost = await hostOf(one);
  const twoHost = await hostOf(two);
  expect(oneHost).not.toBe(twoHost);

  await drag(page, two, machine(page, oneHost), async () => {
    await expect(machine(page, oneHost)).toContainText(/Conflicts/);
  });
  // No plan dialog, nothing moved.
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(card(page, 'hello@2.service')).toHaveAttribute('aria-label', new RegExp(` on ${twoHost},`));
  expect(flotctl('list-units', '--no-legend')).toMatch(/hello@2\.service/);
});

test('dragging a free unit moves it after the plan, and flotctl sees it there', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  writeFileSync(
    join(unitDir, 'free.service'),
    '[Unit]\nDescription=Free to move\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo free; sleep 1; done"\n',
  );
  flotctl('start', 'free.service');
  await openApp(page, served, '/machines');
  const free = card(page, 'free.service');
  await expect(free).toHaveAttribute('aria-label', /active running/, { timeout: 30_000 });
  const from = await hostOf(free);
  const to = ['core-01', 'core-02', 'core-03'].find((h) => h !== from)!;
  await page.screenshot({ path: 'docs/board.png' });

  await drag(page, free, machine(page, to), async () => {
    await expect(machine(page, to)).toContainText('Drop to move here');
  });
  const plan = page.getByRole('dialog', { name: `Move free.service to ${to}` });
  await expect(plan).toBeVisible();
  await expect(plan).toContainText(from);
  await plan.getByRole('button', { name: 'Apply' }).click();
  await expect(plan).toBeHidden();
  await expect(card(page, 'free.service')).toHaveAttribute(
    'aria-label',
    new RegExp(`on ${to}, active running`),
    {
      timeout: 30_000,
    },
  );
  // flotctl agrees: the unit runs on the target machine (list-units names it by id.../IP).
  const row =
    flotctl('machine', 'list')
      .split('\n')
      .find((l) => l.split(/\s+/)[1] === to) ?? '';
  const ip = row.split(/\s+/)[2];
  expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  await expect
    .poll(() => flotctl('list-units', '--no-legend'), { timeout: 20_000 })
    .toMatch(new RegExp(`free\\.service\\s+\\S+/${ip!.replace(/\./g, '\\.')}\\s+active\\s+running`));
});

test('"Move to…" works from the keyboard, and a move can be undone', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, served, '/machines');
  const free = card(page, 'free.service');
  await expect(free).toHaveAttribute('aria-label', /active running/, { timeout: 30_000 });
  const from = await hostOf(free);
  const to = ['core-01', 'core-02', 'core-03'].find((h) => h !== from)!;
  await page.getByRole('button', { name: 'Move free.service to…' }).focus();
  await page.keyboard.press('Enter');
  const choose = page.getByRole('dialog', { name: /Move free\.service to/ });
  await choose.getByRole('button', { name: new RegExp(`^${to}`) }).click();
  const plan = page.getByRole('dialog', { name: `Move free.service to ${to}` });
  await plan.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('button', { name: 'Undo' }).click();
  // Undo moves it back where it was.
  await expect(card(page, 'free.service')).toHaveAttribute(
    'aria-label',
    new RegExp(`on ${from}, active running`),
    {
      timeout: 30_000,
    },
  );
  await page.keyboard.press('a');
  const activity = page.getByRole('region', { name: 'Activity' });
  await expect(activity.getByText(`Moved free.service to ${to}`).first()).toBeVisible();
  await expect(activity.getByText(`Moved free.service to ${from}`).first()).toBeVisible();
});

test('no serious accessibility violations with a live cluster', async ({ page }) => {
  await openApp(page, served, '/machines');
  await expect(machine(page, 'core-01')).toBeVisible();
  for (const title of ['Clusters', 'Machines']) {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: title }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target})`),
      `on ${title}`,
    ).toEqual([]);
  }
});

test('destroy asks for the name and leaves nothing behind', async ({ page }) => {
  test.setTimeout(120_000);
  await openApp(page, served, '/clusters');
  await page.getByRole('button', { name: `Destroy cluster ${NAME}`, exact: true }).click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: 'Destroy', exact: true });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Type the cluster name to confirm').fill(NAME);
  await confirm.click();
  await expect(page.getByRole('button', { name: 'Create your first cluster' })).toBeVisible({
    timeout: 60_000,
  });
  const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=flotilla.cluster=${NAME}`], {
    encoding: 'utf8',
  });
  expect(left.trim()).toBe('');
});
