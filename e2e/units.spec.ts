import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp } from './serve';

// The Units page and the unit editor on the real engine: a unit written from the hello template,
// a mistake caught inline, the plan, start, the table and flotctl agreeing, its journal; and an
// edit that someone else's replace overtakes, shown as a conflict instead of overwritten. The run
// saves a screenshot of the editor with its plan into docs/ for README.

let cluster: ServedCluster;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  cluster = await serveCluster('units', 3);
});
test.afterAll(async () => {
  await cluster?.close();
});

async function expectNoSeriousA11yProblems(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target})`),
    where,
  ).toEqual([]);
}

test('a unit from the hello template: an error caught inline, the plan, start, table, flotctl and journal', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, '/units');
  await expect(page.getByRole('heading', { name: 'No units yet' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'New unit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New unit' })).toBeVisible();

  await page.getByRole('button', { name: 'Hello world' }).click();
  await expect(page.getByRole('button', { name: 'Hello world' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('textbox', { name: 'Unit name' })).toHaveValue('hello.service');
  const editor = page.getByRole('textbox', { name: 'Unit file' });
  await expect(editor).toContainText('echo Hello World');

  // Docs on hover, and completion of the [X-Fleet] options.
  await editor.getByText('Conflicts', { exact: true }).hover();
  await expect(page.getByText(/^Never share a machine with units matching these globs/)).toBeVisible();
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('MachineMe');
  await expect(page.getByRole('option', { name: /MachineMetadata/ })).toBeVisible();
  await page.keyboard.press('Escape');
  for (let i = 0; i < 'MachineMe'.length; i++) await page.keyboard.press('Backspace');

  // A deliberate mistake at the end of [X-Fleet]: Global takes a boolean.
  await page.keyboard.insertText('Global=maybe');
  await page.keyboard.press('Escape');
  const problems = page.getByRole('list', { name: /^Problems/ });
  await expect(problems).toContainText('Line 17, column 8: Global: "maybe" is not a boolean.');
  // Inline: hovering the value shows the same message.
  await editor.getByText('maybe', { exact: true }).first().hover();
  await expect(
    page.getByText('Global: "maybe" is not a boolean. Use true or false.', { exact: true }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Submit and start' }).click();
  await expect(page.getByText(/Submit refuses a unit file with errors/)).toBeVisible();

  // Fix it: the problem takes the cursor to its line, which goes.
  await problems.getByRole('button').first().click();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await expect(page.getByText('None: fleet and systemd would read this file cleanly.')).toBeVisible();

  await page.getByRole('button', { name: 'Plan', exact: true }).click();
  const panel = page.getByRole('region', { name: 'Plan and apply' });
  await expect(panel).toContainText(/hello\.service would run on core-0\d\./, { timeout: 20_000 });
  const host = /would run on (core-0\d)\./.exec((await panel.textContent()) ?? '')?.[1] ?? '';
  await expect(panel.getByRole('region', { name: 'Starts' })).toContainText(`hello.service on ${host}`);
  await page.screenshot({ path: 'docs/unit-editor.png' });
  await expectNoSeriousA11yProblems(page, 'the unit editor');

  await page.getByRole('button', { name: 'Submit and start' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'hello.service' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByRole('log', { name: 'Journal of hello.service' })).toContainText('Hello World', {
    timeout: 90_000,
  });
  await expect(page.getByRole('table', { name: 'State per machine' })).toContainText(`${host}active/running`);
  await expect(page.getByRole('link', { name: 'Open in journal' })).toHaveAttribute(
    'href',
    '#/journal?units=hello.service',
  );
  await expectNoSeriousA11yProblems(page, "the unit's page");

  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Units' }).click();
  const row = page.getByRole('row', { name: /hello\.service/ });
  await expect(row).toContainText('active/running');
  await expect(row).toContainText(host);
  await expect(row).toContainText('launched');
  await expectNoSeriousA11yProblems(page, 'the units table');
  await expect
    .poll(() => cluster.flotctl('list-units', '--no-legend'), { timeout: 30_000 })
    .toMatch(/hello\.service\s+\S+\s+active\s+running/);
});

test('a replace from outside while editing shows a conflict with the diff, and overwrites nothing', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const file = join(cluster.unitDir, 'shared.service');
  const version = (n: string) =>
    `[Unit]\nDescription=Version ${n}\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo ${n}; sleep 5; done"\n`;
  writeFileSync(file, version('one'));
  cluster.flotctl('submit', 'shared.service');

  await openApp(page, cluster.served, '/units/shared.service/edit');
  await expect(page.getByRole('heading', { level: 1, name: 'Edit shared.service' })).toBeVisible({
    timeout: 30_000,
  });
  const editor = page.getByRole('textbox', { name: 'Unit file' });
  await expect(editor).toContainText('Description=Version one');
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('# my change');
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: 'Diff against the registry' }).click();
  await expect(page.getByText('From the registry to the editor: 1 line added, 0 removed.')).toBeVisible();

  writeFileSync(file, version('two'));
  cluster.flotctl('submit', '--replace', 'shared.service');

  await expect(
    page.getByText('shared.service was replaced in the registry while you were editing it'),
  ).toBeVisible({
    timeout: 20_000,
  });
  const theirs = page.getByRole('textbox', { name: 'Their shared.service against yours' });
  await expect(theirs).toContainText('Description=Version two');
  await expect(page.getByText(/From their version to yours: \d+ lines? added/)).toBeVisible();

  await expectNoSeriousA11yProblems(page, 'the conflict banner');

  // Submitting now is refused; the registry keeps their version.
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await expect(page.getByText(/Resolve the conflict first/)).toBeVisible();
  expect(cluster.flotctl('cat', 'shared.service')).toContain('Description=Version two');

  // Keeping mine replaces theirs knowingly.
  await page.getByRole('button', { name: 'Keep mine' }).click();
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'shared.service' })).toBeVisible();
  const cat = cluster.flotctl('cat', 'shared.service');
  expect(cat).toContain('Description=Version one');
  expect(cat).toContain('# my change');
});
