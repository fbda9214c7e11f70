// UI benchmark of the Machines board: 100 machines × 2,000 units in Debian's Chromium.
// The data is synthetic: machines with metadata and units with Conflicts/MachineOf/global/metadata
// constraints placed by the real pure scheduler, with made-up states and times (bench/ui/data.ts).
// No containers, no KV, no API: the page mounts the presentational Board alone, and a drag's
// verdicts come from the real moveTargets (src/main/fleet/engine/plan.ts) in a Web Worker, as the
// app computes them outside its renderer.
// Measures, per page load: time to first render (navigation start → board painted), frame
// intervals (requestAnimationFrame) during a pointer drag from core-01 across 20 columns (the
// board auto-scrolls under the pointer) dropped on core-21, and the moveTargets time of that drag.
// Build: vite's JS API with bench/ui/vite.config.mts; served by `vite preview` on 127.0.0.1.
// Run: node bench/run.mjs bench/ui.ts [--runs=3] [--columns=20]
import { chromium, type Page } from '@playwright/test';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import type { BenchHandle } from './ui/main';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}
const RUNS = Number(arg('runs', '3'));
const COLUMNS = Number(arg('columns', '20'));
const FRAME_MS = 1000 / 60;
/** An interval this long means a frame was skipped at 60 Hz. */
const MISSED_MS = 25;
const VIEWPORT = { width: 1600, height: 900 };

interface RunResult {
  firstRenderMs: number;
  /** Navigation start → React asked to render: loading the script, generating the data. */
  beforeRenderMs: number;
  dataMs: number;
  /** Frame intervals during a second without input, before the drag. */
  idleFrames: number[];
  columnsInPage: number;
  cardsInPage: number;
  frames: number[];
  moveTargets: BenchHandle['moveTargets'];
  drop: BenchHandle['drops'][number] | undefined;
}

const nextFrame = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
const overColumn = (page: Page) =>
  page.evaluate(() => document.querySelector('.board-column[data-over]')?.getAttribute('aria-label') ?? null);

/** Drags the first app unit of core-01 to core-(1+COLUMNS), one pointer move per frame. */
async function dragAcross(page: Page): Promise<void> {
  const source = page.getByRole('region', { name: 'Machine core-01' });
  const handle = source.getByRole('button', { name: /^Drag app-/ }).first();
  const box = (await handle.boundingBox())!;
  const y = box.y + box.height / 2;
  let x = box.x + box.width / 2;
  const target = `Machine core-${String(1 + COLUMNS).padStart(2, '0')}`;
  await page.mouse.move(x, y);
  await page.mouse.down();
  // Across the columns in view, 15 px a frame, into the middle of the board's auto-scroll zone
  // (its right fifth; dnd-kit scrolls faster the deeper the pointer is in it)…
  const scrollZone = VIEWPORT.width * 0.9;
  while (x < scrollZone) {
    x = Math.min(scrollZone, x + 15);
    await page.mouse.move(x, y);
    await nextFrame(page);
  }
  // …then held there, nudging, while the board scrolls the next columns in under the pointer…
  const deadline = Date.now() + 30_000;
  for (let nudge = 0; (await overColumn(page)) !== target; nudge++) {
    if (Date.now() > deadline)
      throw new Error(`the drag never reached ${target} (over: ${await overColumn(page)})`);
    await page.mouse.move(x + (nudge % 2), y);
    await nextFrame(page);
  }
  // …then out of the zone, which stops the scrolling, and onto the target's middle to drop it.
  await page.mouse.move(VIEWPORT.width * 0.7, y, { steps: 5 });
  await nextFrame(page);
  const column = (await page.getByRole('region', { name: target }).boundingBox())!;
  await page.mouse.move(column.x + column.width / 2, y, { steps: 10 });
  await nextFrame(page);
  await page.mouse.up();
}

async function run(page: Page, url: string): Promise<RunResult> {
  await page.goto(url);
  await page.waitForFunction(() => window.bench?.paintedAt !== undefined && window.bench.schedulerReady);
  const loaded = await page.evaluate(() => ({
    firstRenderMs: window.bench.paintedAt!,
    beforeRenderMs: window.bench.renderAt,
    dataMs: window.bench.dataMs,
    columnsInPage: document.querySelectorAll('.board-column').length,
    cardsInPage: document.querySelectorAll('.board-card').length,
  }));
  await page.evaluate(() => window.bench.startFrames());
  await page.waitForTimeout(1000);
  const idleFrames = await page.evaluate(() => window.bench.stopFrames());
  await page.evaluate(() => window.bench.startFrames());
  await dragAcross(page);
  await nextFrame(page);
  const frames = await page.evaluate(() => window.bench.stopFrames());
  await page.waitForFunction(() => window.bench.moveTargets.every((t) => !Number.isNaN(t.shownMs)));
  const { moveTargets, drops } = await page.evaluate(() => ({
    moveTargets: window.bench.moveTargets,
    drops: window.bench.drops,
  }));
  return { ...loaded, idleFrames, frames, moveTargets, drop: drops[0] };
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  const { build, preview } = await import('vite');
  const configFile = resolve('bench/ui/vite.config.mts');
  process.stderr.write('building the bench page…\n');
  await build({ configFile });
  const server = await preview({ configFile });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not say where it listens');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  const results: RunResult[] = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      const page = await browser.newPage({ viewport: VIEWPORT });
      page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
      results.push(await run(page, url));
      const r = results.at(-1)!;
      process.stderr.write(
        `run ${i}/${RUNS}: first render ${ms(r.firstRenderMs)}, ${r.frames.length} frames, dropped on ${r.drop?.to ?? 'nothing'}\n`,
      );
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
  }

  const median = (values: number[]) =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  const frames = results.flatMap((r) => r.frames).sort((a, b) => a - b);
  const idle = results.flatMap((r) => r.idleFrames);
  const overBudget = (intervals: number[]) => intervals.filter((f) => f > FRAME_MS + 0.05).length;
  const missed = frames.filter((f) => f >= MISSED_MS).length;
  const timings = results.flatMap((r) => r.moveTargets);
  const first = results[0]!;
  const rows: [string, string, string][] = [
    [
      'first render (navigation start → board painted)',
      ms(median(results.map((r) => r.firstRenderMs))),
      '1000 ms',
    ],
    [
      '  loading the script, generating the data (bench)',
      ms(median(results.map((r) => r.beforeRenderMs))),
      '',
    ],
    ['    of which generating the data', ms(median(results.map((r) => r.dataMs))), ''],
    [
      '  rendering the board until painted',
      ms(median(results.map((r) => r.firstRenderMs - r.beforeRenderMs))),
      '',
    ],
    [`frame interval during the drag, p50 (${frames.length} frames)`, ms(quantile(frames, 0.5)), '16.7 ms'],
    ['frame interval during the drag, p95', ms(quantile(frames, 0.95)), '16.7 ms'],
    ['frame interval during the drag, max', ms(frames.at(-1) ?? NaN), '16.7 ms'],
    ['frames over 16.7 ms during the drag', `${overBudget(frames)} of ${frames.length}`, '0'],
    ['  of which missed a vsync (≥ 25 ms)', `${missed}`, '0'],
    ['  for comparison: over 16.7 ms at rest (1 s, no input)', `${overBudget(idle)} of ${idle.length}`, ''],
    ['moveTargets in the scheduler (100 machines)', ms(median(timings.map((t) => t.computeMs))), '100 ms'],
    ['drag start → verdicts painted on every column', ms(median(timings.map((t) => t.shownMs))), '100 ms'],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `bench:ui — Machines board, 100 machines × 2,000 units (synthetic: scheduler data, no containers)\n` +
      `Chromium ${browser.version()}, ${cpus().length} cores, viewport ${VIEWPORT.width}×${VIEWPORT.height}, ${RUNS} runs; ` +
      `in the page at first render: ${first.columnsInPage} of 101 columns, ${first.cardsInPage} cards (virtualized)\n` +
      `drag: core-01 → core-${String(1 + COLUMNS).padStart(2, '0')}; drops: ${results
        .map((r) =>
          r.drop
            ? `${r.drop.unit} → ${r.drop.to}${r.drop.refused ? ` (refused: ${r.drop.refused})` : ''}`
            : 'none',
        )
        .join('; ')}\n`,
  );
  console.log('medians over the runs; frame figures pooled over the runs\n');
  console.log(`${'measure'.padEnd(width)}  ${'measured'.padStart(12)}  ${'target'.padStart(8)}`);
  for (const [name, value, target] of rows)
    console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${target.padStart(8)}`);
  if (results.some((r) => !r.drop?.to.endsWith(String(1 + COLUMNS).padStart(2, '0'))))
    throw new Error('a drag did not end on its target column');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
