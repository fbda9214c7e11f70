import { expect, test, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp, type Served } from './serve';

// The journal viewer on the real engine: a unit printing numbered ticks five times a second,
// followed live, paused by scrolling up (the pill counts), resumed; search with highlight, count,
// Enter stepping and filter; a real connection loss (through a proxy the test cuts) resumed with
// every tick exactly once; and the unit moved to the other machine, which the stream says.
// Saves docs/journal.png for README.

let cluster: ServedCluster;
const UNIT = 'tick.service';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  cluster = await serveCluster('journal', 2);
  writeFileSync(
    join(cluster.unitDir, UNIT),
    `[Unit]\nDescription=Numbered ticks\n\n[Service]\nExecStart=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "tick $i"; [ $((i % 7)) -eq 0 ] && echo "tick $i took long" >&2; sleep 0.2; done'\n`,
  );
  cluster.flotctl('start', UNIT);
});
test.afterAll(async () => {
  await cluster?.close();
});

const log = (page: Page) => page.getByRole('log', { name: 'Journal lines' });
const pill = (page: Page) =>
  page.getByRole('button', { name: /(new lines?|Following paused) — jump to the newest/ });
const status = (page: Page, state: string) =>
  page.getByRole('status', { name: new RegExp(`^Journal stream: ${state}`) });

/** The tick numbers of the lines in the page, in order. */
async function ticks(view: Locator): Promise<number[]> {
  const texts = await view.locator('.jl-row .jl-text').allTextContents();
  return texts
    .map((t) => /^tick (\d+)$/.exec(t)?.[1])
    .filter((n): n is string => !!n)
    .map(Number);
}

/** The highest tick whose row is inside the scroller's visible box. */
async function lastVisibleTick(view: Locator): Promise<number> {
  return view.evaluate((el) => {
    const box = el.getBoundingClientRect();
    let best = -1;
    // The rows live in a shadow root of their own (see JournalView).
    const rows = el.querySelector('[data-journal-rows]')?.shadowRoot?.querySelectorAll('.jl-row') ?? [];
    for (const row of rows) {
      const r = row.getBoundingClientRect();
      if (r.top < box.top || r.bottom > box.bottom + 1) continue;
      const m = /^tick (\d+)$/.exec(row.querySelector('.jl-text')?.textContent ?? '');
      if (m) best = Math.max(best, Number(m[1]));
    }
    return best;
  });
}

const pillCount = async (page: Page) =>
  Number(/^([\d,]+) new/.exec((await pill(page).textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? 0);

test('follows a unit live; scrolling up pauses and counts new lines; the pill jumps back', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, `/journal?units=${UNIT}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Journal' })).toBeVisible();
  await expect(status(page, 'Live')).toBeVisible({ timeout: 30_000 });
  const view = log(page);
  // Enough lines to scroll: shorter, new lines would simply fill the empty space below.
  await expect
    .poll(() => view.evaluate((el) => el.scrollHeight - el.clientHeight), { timeout: 60_000 })
    .toBeGreaterThan(400);

  // Following: the newest tick keeps arriving at the bottom, on screen.
  const before = await lastVisibleTick(view);
  await expect.poll(() => lastVisibleTick(view)).toBeGreaterThan(before + 3);

  // A scroll up pauses; what is read stays put while the pill counts what came since.
  await view.hover();
  await page.mouse.wheel(0, -300);
  await expect(pill(page)).toBeVisible();
  const reading = await lastVisibleTick(view);
  await expect.poll(() => pillCount(page)).toBeGreaterThan(3);
  const counted = await pillCount(page);
  await expect.poll(() => pillCount(page)).toBeGreaterThan(counted);
  expect(await lastVisibleTick(view)).toBe(reading);

  // The pill follows again: the newest line is back at the bottom and keeps coming.
  await pill(page).click();
  await expect(pill(page)).toBeHidden();
  const newest = Math.max(...(await ticks(view)));
  expect(newest).toBeGreaterThanOrEqual(reading + counted);
  await expect.poll(() => lastVisibleTick(view)).toBeGreaterThan(newest);

  // End follows too.
  await page.mouse.wheel(0, -300);
  await expect(pill(page)).toBeVisible();
  await view.press('End');
  await expect(pill(page)).toBeHidden();
});

test('search highlights and counts matches, steps with Enter, filters; a bad regex says why', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, `/journal?units=${UNIT}`);
  const view = log(page);
  await expect.poll(() => lastVisibleTick(view), { timeout: 30_000 }).toBeGreaterThan(20);
  const search = page.getByRole('textbox', { name: 'Search' });
  const count = page.locator('#journal-search-count');

  // Exactly tick 10 … tick 19 (the stream goes on; these do not change).
  await page.getByRole('button', { name: 'Regular expression' }).click();
  await search.fill('^tick 1\\d$');
  await expect(count).toHaveText('10 matches');
  await search.press('Enter');
  await expect(count).toHaveText('10 of 10');
  await search.press('Shift+Enter');
  await expect(count).toHaveText('9 of 10');
  const current = view.locator('mark.jl-current');
  await expect(current).toHaveText('tick 18');
  await expect(current).toBeInViewport();
  await expect(view.locator('mark')).toHaveCount(10);
  // Following paused while reading the match.
  await expect(pill(page)).toBeVisible();
  await page.screenshot({ path: 'docs/journal.png' });

  await page.getByRole('button', { name: 'Show only matching lines' }).click();
  await expect(page.getByTestId('journal-line-count')).toContainText('10 shown');
  await expect.poll(() => ticks(view)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  await page.getByRole('button', { name: 'Show only matching lines' }).click();

  await search.fill('tick (');
  await expect(page.getByRole('alert')).toHaveText('Not a valid regular expression: Unterminated group');
  await expect(view.locator('mark')).toHaveCount(0);

  const axe = await new AxeBuilder({ page }).include('main').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
});

/**
 * An HTTP and WebSocket proxy in front of serve whose connections the test can cut; the app then
 * reconnects through it. It says serve's own Host and Origin, which serve checks.
 */
async function cuttableProxy(
  target: Served,
): Promise<{ served: Served; cut(): void; close(): Promise<void> }> {
  const port = Number(new URL(target.origin).port);
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const rewrite = (h: IncomingHttpHeaders) => ({
    ...h,
    host: `127.0.0.1:${port}`,
    ...(h.origin ? { origin: `http://127.0.0.1:${port}` } : {}),
  });
  const server = createServer((req, res) => {
    const up = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: rewrite(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    track(socket);
    const up = connect(port, '127.0.0.1', () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(rewrite(req.headers)))
        for (const one of [v].flat()) if (one !== undefined) raw += `${k}: ${one}\r\n`;
      up.write(`${raw}\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket).pipe(up);
    });
    track(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxyPort = (server.address() as { port: number }).port;
  const swap = (u: string) => u.replace(`127.0.0.1:${port}`, `127.0.0.1:${proxyPort}`);
  return {
    served: { ...target, url: swap(target.url), origin: swap(target.origin) },
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise((r) => {
        sockets.forEach((s) => s.destroy());
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('a lost connection resumes where it stopped: every tick exactly once', async ({ page }) => {
  test.setTimeout(90_000);
  const proxy = await cuttableProxy(cluster.served);
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    await openApp(page, proxy.served, `/journal?units=${UNIT}`);
    await expect(status(page, 'Live')).toBeVisible({ timeout: 30_000 });
    const view = log(page);
    await expect.poll(() => lastVisibleTick(view), { timeout: 30_000 }).toBeGreaterThan(0);

    proxy.cut();
    await expect(status(page, 'Reconnecting…')).toBeVisible();
    // Ticks go on meanwhile; they must arrive after the reconnect, neither lost nor twice.
    await page.waitForTimeout(1500);
    await expect(status(page, 'Resumed')).toBeVisible({ timeout: 15_000 });
    await expect(status(page, 'Live')).toBeVisible({ timeout: 10_000 });

    // Every tick line once: as many matches as the newest tick's number (ticks start at 1).
    await page.getByRole('button', { name: 'Regular expression' }).click();
    await page.getByRole('textbox', { name: 'Search' }).fill('^tick \\d+$');
    await page.getByRole('button', { name: 'Show only matching lines' }).click();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const shown = /(\d[\d,]*) shown/.exec(
            document.querySelector('[data-testid="journal-line-count"]')?.textContent ?? '',
          )?.[1];
          const root = document.querySelector('[data-journal-rows]')?.shadowRoot;
          const rows = [...(root?.querySelectorAll('.jl-row .jl-text') ?? [])];
          const last = /^tick (\d+)$/.exec(rows.at(-1)?.textContent ?? '')?.[1];
          return Number(shown?.replace(/,/g, '')) - Number(last);
        }),
      )
      .toBe(0);
    const seen = await ticks(view);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(seen.map((_, i) => seen[0]! + i));
  } finally {
    await proxy.close();
  }
});

test('says when the unit moved to the other machine, and follows it there', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, `/journal?units=${UNIT}`);
  await expect(status(page, 'Live')).toBeVisible({ timeout: 30_000 });
  const sources = page.getByRole('list', { name: 'Sources' });
  await expect(sources).toContainText(/core-0\d tick\.service/);
  // Where it runs now: the machine list's order is core-01, core-02 (addresses .101, .102).
  const listed = cluster.flotctl('list-units', '--no-legend', '--fields=unit,machine');
  const from = /\.10(\d)\b/.exec(listed)?.[1] === '2' ? 'core-02' : 'core-01';
  const to = from === 'core-01' ? 'core-02' : 'core-01';
  cluster.flotctl('move', UNIT, to);
  await expect(
    log(page).locator('.jl-notice', { hasText: `${UNIT} moved from ${from} to ${to}` }),
  ).toBeVisible({
    timeout: 30_000,
  });
  await expect(sources).toContainText(`${to} ${UNIT}`, { timeout: 30_000 });
});
