import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp } from './serve';

// The terminal dock on the real engine, in the built app under its real CSP: shells on machines
// opened from the board and the palette, output read through xterm's DOM rows, resizing seen by
// the shell, copy and paste through the clipboard, exit and reconnect, failure and live theming.

let cluster: ServedCluster;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  cluster = await serveCluster('term', 2);
});
test.afterAll(async () => {
  await cluster?.close();
});

const dock = (page: Page) => page.getByRole('region', { name: 'Terminals' });
const tab = (page: Page, title: string) =>
  dock(page).getByRole('tab', { name: new RegExp(`^${title.replace(/[()]/g, '\\$&')}, `) });
/** The visible panel (the active tab's). */
const panel = (page: Page) => dock(page).getByRole('tabpanel');
/** What xterm's DOM renderer shows on screen (the viewport's rows). */
const screen = (page: Page): Locator => panel(page).locator('.xterm-rows');

/** Types a command line into the focused terminal. */
async function run(page: Page, line: string) {
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** The terminal's size as the shell sees it (`stty size`: rows cols), printed between markers. */
async function sttySize(page: Page): Promise<{ rows: number; cols: number }> {
  const marker = `sz${Math.random().toString(36).slice(2, 7)}`;
  await run(page, `clear; echo ${marker}:$(stty size):${marker}`);
  const pattern = new RegExp(`${marker}:(\\d+) (\\d+):${marker}`);
  await expect(screen(page)).toContainText(pattern);
  const m = pattern.exec((await screen(page).textContent()) ?? '')!;
  return { rows: Number(m[1]), cols: Number(m[2]) };
}

test('a shell from the board menu, a second from the palette, resize, copy and paste, exit and reconnect', async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1400, height: 900 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await openApp(page, cluster.served, '/machines');
  const core2 = page.getByRole('region', { name: 'Machine core-02' });
  await expect(core2).toContainText('healthy', { timeout: 60_000 });

  // From the machine's menu on the board.
  await page.getByRole('button', { name: 'Actions for core-02' }).click();
  await page.getByRole('menuitem', { name: 'Open terminal' }).click();
  await expect(tab(page, 'core-02')).toHaveAccessibleName('core-02, running', { timeout: 20_000 });
  await expect(tab(page, 'core-02')).toHaveAttribute('aria-selected', 'true');
  await expect(screen(page)).toContainText('#', { timeout: 10_000 }); // the prompt
  await run(page, 'cat /etc/os-release');
  await expect(screen(page)).toContainText(/NAME=/);
  await expect(screen(page)).toContainText(/VERSION=/);
  // Multi-byte UTF-8 output decodes (printf's octal escapes: the bytes of € and é).
  await run(page, "printf 'utf8:\\342\\202\\254:\\303\\251\\n'");
  await expect(screen(page)).toContainText('utf8:€:é');

  // A second terminal, from the palette, on core-01.
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await palette.getByRole('combobox').fill('Open terminal on core-01');
  await palette.getByRole('option', { name: /Open terminal on core-01/ }).click();
  await expect(tab(page, 'core-01')).toHaveAccessibleName('core-01, running', { timeout: 20_000 });
  await expect(tab(page, 'core-01')).toHaveAttribute('aria-selected', 'true');
  await expect(screen(page)).toContainText('#');
  await run(page, 'hostname');
  await expect(screen(page)).toContainText('core-01');
  await expect(dock(page).getByRole('tab')).toHaveCount(2);

  // The same target again is a new tab with its own session.
  await page.getByRole('button', { name: 'Actions for core-02' }).click();
  await page.getByRole('menuitem', { name: 'Open terminal' }).click();
  await expect(tab(page, 'core-02 (2)')).toHaveAccessibleName('core-02 (2), running', { timeout: 20_000 });
  await expect(dock(page).getByRole('tab')).toHaveCount(3);
  // Delete on a focused tab closes it (a click puts the keyboard in its terminal instead).
  await tab(page, 'core-02 (2)').focus();
  await page.keyboard.press('Delete');
  await expect(dock(page).getByRole('tab')).toHaveCount(2);
  // The keyboard stays in the tab strip, on the tab now shown.
  await expect(tab(page, 'core-01')).toBeFocused();
  await expect(tab(page, 'core-01')).toHaveAttribute('aria-selected', 'true');

  // Back on core-01: drag the dock's top edge up, and the shell sees more rows.
  await tab(page, 'core-01').click();
  await expect(tab(page, 'core-01')).toHaveAttribute('aria-selected', 'true');
  const before = await sttySize(page);
  const handle = dock(page).getByRole('separator', { name: 'Resize terminal dock' });
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y - 160, { steps: 8 });
  await page.mouse.up();
  await panel(page).locator('.xterm-screen').click();
  await expect
    .poll(async () => (await sttySize(page)).rows, { timeout: 10_000 })
    .toBeGreaterThan(before.rows);
  // From the keyboard: the handle is a window splitter.
  await handle.focus();
  const height = Number(await handle.getAttribute('aria-valuenow'));
  await page.keyboard.press('ArrowDown');
  await expect(handle).toHaveAttribute('aria-valuenow', String(height - 24));
  // The height is remembered.
  expect(
    JSON.parse((await page.evaluate(() => localStorage.getItem('flotilla.terminalDock'))) ?? '{}'),
  ).toEqual({
    height: height - 24,
    mode: 'normal',
  });

  // Copy: select all from the context menu, Ctrl+Shift+C; the clipboard has the terminal's text.
  await panel(page).locator('.xterm-screen').click();
  await run(page, 'echo copy-$((6*7))-me');
  await expect(screen(page)).toContainText('copy-42-me');
  await panel(page).locator('.xterm-screen').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Select all' }).click();
  await page.keyboard.press('Control+Shift+C');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('copy-42-me');
  // Paste: the clipboard goes to the shell (bracketed, which busybox sh ignores).
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((5*5))'));
  await panel(page).locator('.xterm-screen').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Paste' }).click();
  await page.keyboard.press('Enter');
  await expect(screen(page)).toContainText('pasted-25');
  // Ctrl+Shift+V is the browser's own paste into xterm's textarea.
  await page.evaluate(() => navigator.clipboard.writeText('echo keyed-$((3*3))'));
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await expect(screen(page)).toContainText('keyed-9');
  // The toolbar's Paste does the same.
  await page.evaluate(() => navigator.clipboard.writeText('echo tool-$((2*4))'));
  await dock(page).getByRole('button', { name: 'Paste' }).click();
  await page.keyboard.press('Enter');
  await expect(screen(page)).toContainText('tool-8');

  // exit: the tab says so and offers Reconnect; Enter starts a new shell below the old scrollback.
  await run(page, 'exit 3');
  await expect(screen(page)).toContainText('[exited with code 3]');
  await expect(tab(page, 'core-01')).toHaveAccessibleName('core-01, exited with code 3');
  await expect(panel(page).getByRole('status')).toContainText('exited with code 3');
  await page.keyboard.press('Enter');
  await expect(tab(page, 'core-01')).toHaveAccessibleName('core-01, running');
  await run(page, 'echo second-$((1+1))');
  await expect(screen(page)).toContainText('second-2');
  await expect(screen(page)).toContainText('[exited with code 3]');
  // And the Reconnect button.
  await run(page, 'exit');
  await expect(tab(page, 'core-01')).toHaveAccessibleName('core-01, exited with code 0');
  await panel(page).getByRole('button', { name: 'Reconnect' }).click();
  await expect(tab(page, 'core-01')).toHaveAccessibleName('core-01, running');
  await run(page, 'echo third');
  await expect(screen(page)).toContainText('third');

  // The dock passes axe.
  const axe = await new AxeBuilder({ page }).include('section[aria-label="Terminals"]').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // Nothing broke under the CSP (a refused inline style or script logs an error).
  expect(errors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
});

test('Ctrl+` toggles the dock, it maximises and collapses, copies its flotctl line, follows the theme, and says why a shell failed', async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1400, height: 900 });
  await openApp(page, cluster.served, '/machines');
  await expect(page.getByRole('region', { name: 'Machine core-02' })).toContainText('healthy', {
    timeout: 60_000,
  });

  // Ctrl+` with no terminal: the dock offers the machines that are up.
  await page.locator('body').click();
  await page.keyboard.press('Control+Backquote');
  await expect(dock(page)).toBeVisible();
  await dock(page).getByRole('button', { name: 'Open terminal on core-02' }).click();
  await expect(tab(page, 'core-02')).toHaveAccessibleName('core-02, running', { timeout: 20_000 });
  await expect(screen(page)).toContainText('#');
  await run(page, 'echo in-$((40+2))');
  await expect(screen(page)).toContainText('in-42');
  // From inside the terminal Ctrl+` hides the dock (nothing reaches the shell); again brings it back focused.
  await page.keyboard.press('Control+Backquote');
  await expect(dock(page)).toBeHidden();
  await page.keyboard.press('Control+Backquote');
  await expect(dock(page)).toBeVisible();
  await run(page, 'echo back');
  await expect(screen(page)).toContainText(/^.*back.*$/m);
  await expect(screen(page)).toContainText('in-42'); // same session, same scrollback

  // Maximise takes the page's room; restore gives it back; collapse leaves the tab strip.
  const normal = (await dock(page).boundingBox())!.height;
  await dock(page).getByRole('button', { name: 'Maximise terminal dock' }).click();
  await expect.poll(async () => (await dock(page).boundingBox())!.height).toBeGreaterThan(normal + 200);
  await dock(page).getByRole('button', { name: 'Restore terminal dock' }).click();
  await expect.poll(async () => (await dock(page).boundingBox())!.height).toBeLessThan(normal + 5);
  await dock(page).getByRole('button', { name: 'Collapse terminal dock' }).click();
  await expect(panel(page)).toBeHidden();
  await expect(tab(page, 'core-02')).toBeVisible();
  await tab(page, 'core-02').click();
  await expect(panel(page)).toBeVisible();

  // Copy as flotctl command.
  await dock(page).getByRole('button', { name: 'Copy as flotctl command: flotctl ssh core-02' }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('flotctl ssh core-02');

  // Live theme: the terminal's background follows light and dark.
  const background = () =>
    panel(page)
      .locator('.xterm-scrollable-element')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
  await page.getByRole('button', { name: 'Light theme' }).click();
  await expect.poll(background).toBe('rgb(255, 255, 255)');
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect.poll(background).toBe('rgb(18, 18, 18)');
  await page.getByRole('button', { name: 'Light theme' }).click();

  // The machine goes down (core-02: it holds no KV member, so it may): the session ends, and a new one fails with the reason.
  cluster.flotctl('machine', 'stop', 'core-02');
  await expect(tab(page, 'core-02')).toHaveAccessibleName(/^core-02, (exited|failed)/, { timeout: 60_000 });
  const reconnect = panel(page).getByRole('button', { name: 'Reconnect' });
  await reconnect.click();
  await expect(tab(page, 'core-02')).toHaveAccessibleName(
    /^core-02, failed: .*core-02 is (stopped|stopping)/,
    {
      timeout: 20_000,
    },
  );
  await expect(panel(page).getByRole('alert')).toContainText(/core-02 is (stopped|stopping)/);
  await expect(screen(page)).toContainText('in-42'); // the scrollback stays
  await expect(reconnect).toBeVisible();
  // The palette offers terminals only on machines that are up.
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await palette.getByRole('combobox').fill('Open terminal on');
  await expect(palette.getByRole('option', { name: /Open terminal on core-01/ })).toBeVisible();
  await expect(palette.getByRole('option', { name: /Open terminal on core-02/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
});
