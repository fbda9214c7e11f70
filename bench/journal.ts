// bench:journal — the Journal page following a unit that prints 5,000 lines a second for 30 s,
// on a real one-machine cluster (`flotctl serve` + `flotctl cluster create`, Docker), in Debian's
// Chromium; then scrolling through 1,000,000 lines.
//
// Measures:
//  - lines printed vs lines in the viewer: every number 1…N must be there exactly once, checked
//    in the page's store (bench hook, see src/renderer/pages/journal/bench-hook.ts) and through
//    the UI (a regex filter's "N shown" and the match count);
//  - delay from print (the entry's time: Docker's timestamp of the write) to on screen (the
//    frame whose commit put the line in the page while following), p50/p99;
//  - frame intervals (requestAnimationFrame) while following;
//  - with 1,000,000 synthetic lines put straight into the page's store (the hook's `fill`: no API,
//    the journal on disk would rotate them away first): frame intervals while scrolling
//    continuously and while jumping around (as dragging the scrollbar does), wrap off and on.
// Reference: `docker logs -f --timestamps` of the same container, read at the same time: its
// lines/s and its delay (receipt − timestamp).
//
// Everything (serve, cluster containers and network, temp dirs, the private build) is removed at
// the end, also after a failure or Ctrl-C.
// Run: node bench/run.mjs bench/journal.ts [--lines=150000] [--rate=5000]
import { chromium, type Browser, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { buildApp, type PrivateBuild } from './journal/build';
import { serveCluster, type ServedCluster } from '../e2e/cluster-fixture';
import { openApp } from '../e2e/serve';
import { generatorUnit } from './journal/generator';
import { FRAME_MS, frameSummary, int, ms, quantile } from './journal/stats';

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}
const LINES = Number(arg('lines', '150000'));
const RATE = Number(arg('rate', '5000'));
const BIG = 1_000_000;
const UNIT = 'bench.service';
const VIEWPORT = { width: 1440, height: 900 };
const ROOT = resolve('.');
const log = (s: string) => process.stderr.write(`${s}\n`);

/** One frame while following: when (Date.now()), its interval, lines in the store then. */
type Frame = [at: number, interval: number, count: number];

/** Starts recording frame intervals (and the store's line count) in the page. */
const startFrames = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __frames: { list: Frame[]; on: boolean } };
    w.__frames = { list: [], on: true };
    let last = 0;
    const tick = (t: number) => {
      if (!w.__frames.on) return;
      if (last) w.__frames.list.push([Date.now(), t - last, window.__flotillaJournalBench?.count?.() ?? 0]);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
const stopFrames = (page: Page): Promise<Frame[]> =>
  page.evaluate(() => {
    const w = window as unknown as { __frames: { list: Frame[]; on: boolean } };
    w.__frames.on = false;
    return w.__frames.list;
  });

/** Scrolls the journal for `ms` by code, once a frame: up by `step` px, or to random places. */
const scrollFor = (page: Page, mode: 'continuous' | 'jump', durationMs: number) =>
  page.evaluate(
    ([mode, durationMs]) =>
      new Promise<number[]>((done) => {
        const el = document.querySelector<HTMLElement>('[role="log"]')!;
        const intervals: number[] = [];
        let last = 0;
        let start = 0;
        let seed = 42;
        const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
        const step = (t: number) => {
          if (!start) start = t;
          if (last) intervals.push(t - last);
          last = t;
          if (t - start > durationMs) return done(intervals);
          const max = el.scrollHeight - el.clientHeight;
          if (mode === 'continuous') el.scrollTop = Math.max(0, el.scrollTop - 2400);
          else el.scrollTop = Math.floor(rnd() * max);
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    [mode, durationMs] as const,
  );

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function openJournal(page: Page, c: ServedCluster, route: string): Promise<void> {
  await openApp(page, c.served, route);
  await page.getByRole('log', { name: 'Journal lines' }).waitFor();
}

/** `docker logs -f --timestamps` of the unit's container: lines, rate and delay as it reads them. */
function followDockerLogs(container: string) {
  const proc: ChildProcess = spawn('docker', ['logs', '-f', '--timestamps', container], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = new Uint8Array(LINES + 1);
  const r = { lines: 0, dupes: 0, delays: [] as number[], first: 0, last: 0 };
  let rest = '';
  const onData = (d: Buffer) => {
    const now = Date.now();
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      const m = /^(\S+) bench (\d+)$/.exec(line);
      if (!m) continue;
      const n = Number(m[2]);
      if (seen[n]) r.dupes++;
      seen[n] = 1;
      r.lines++;
      if (!r.first) r.first = now;
      r.last = now;
      r.delays.push(now - Date.parse(m[1]!));
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return { result: r, stop: () => proc.kill('SIGTERM') };
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  let built: PrivateBuild | undefined;
  let cluster: ServedCluster | undefined;
  let closeCluster: (() => Promise<void>) | undefined;
  let browser: Browser | undefined;
  let dockerLogs: ReturnType<typeof followDockerLogs> | undefined;
  // Once, whoever asks first (the end of the run, or Ctrl-C); everyone waits for the same one.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      dockerLogs?.stop();
      await browser?.close().catch(() => undefined);
      await closeCluster?.().catch(() => undefined);
      built?.remove();
    })());
  const onSignal = () => {
    log('interrupted: cleaning up…');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log('building flotctl and the renderer (private copy)…');
    built = await buildApp(ROOT);
    log('starting flotctl serve and a one-machine cluster…');
    const t0 = Date.now();
    cluster = await serveCluster('jbench', 1, [], {
      flotctl: built.flotctl,
      register: (close) => (closeCluster = close),
    });
    log(`cluster ${cluster.name} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const c = cluster;
    const machine = docker(
      'ps',
      '-q',
      '--filter',
      `label=flotilla.cluster=${c.name}`,
      '--filter',
      'label=flotilla.role=machine',
    );
    const usleep = docker('exec', machine.split('\n')[0]!, 'sh', '-c', 'command -v usleep || echo missing');
    if (usleep.includes('missing')) throw new Error("the machine image's busybox has no usleep");

    // Ctrl-C is ours: Playwright's own handler would exit before the cluster is cleaned up.
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (err) => log(`page error: ${err.message}`));
    await page.addInitScript(() => {
      window.__flotillaJournalBench = {};
    });
    await openJournal(page, c, `/journal?units=${UNIT}`);
    await page.getByRole('status', { name: /^Journal stream: Live/ }).waitFor({ timeout: 30_000 });

    writeFileSync(join(c.unitDir, UNIT), generatorUnit(LINES, RATE));
    log(`starting ${UNIT}: ${LINES.toLocaleString('en-US')} lines at ${RATE.toLocaleString('en-US')}/s…`);
    await startFrames(page);
    c.flotctl('start', '--no-block', UNIT);
    const container = await waitFor('the unit container', 60_000, () => {
      const id = docker(
        'ps',
        '-q',
        '--filter',
        `label=flotilla.cluster=${c.name}`,
        '--filter',
        `label=flotilla.unit=${UNIT}`,
        '--filter',
        'label=flotilla.main=true',
      );
      return id ? id.split('\n')[0] : undefined;
    });
    dockerLogs = followDockerLogs(container);
    const hookCount = () => page.evaluate(() => window.__flotillaJournalBench?.count?.() ?? 0);
    let lastLog = 0;
    await waitFor('the lines in the viewer', (LINES / RATE) * 1000 + 90_000, async () => {
      const n = await hookCount();
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  viewer: ${int(n)} lines, docker logs -f: ${int(dockerLogs!.result.lines)}`);
      }
      return n >= LINES && dockerLogs!.result.lines >= LINES ? n : undefined;
    });
    const follow = await stopFrames(page);
    dockerLogs.stop();

    // Exactly once, in the store (waiting a little for the last lines and the generator's account).
    const checkStore = () =>
      page.evaluate((n) => {
        const seen = new Uint8Array(n + 1);
        let dupes = 0;
        let generated = '';
        for (const t of window.__flotillaJournalBench!.texts!()) {
          const m = /^bench (\d+)$/.exec(t);
          if (!m) {
            if (t.startsWith('generated ')) generated = t;
            continue;
          }
          const k = Number(m[1]);
          if (seen[k]) dupes++;
          seen[k] = 1;
        }
        let missing = 0;
        for (let k = 1; k <= n; k++) if (!seen[k]) missing++;
        return { dupes, missing, generated, delays: window.__flotillaJournalBench!.delays ?? [] };
      }, LINES);
    let check = await checkStore();
    for (let i = 0; i < 20 && (check.missing > 0 || !check.generated); i++) {
      await new Promise((r) => setTimeout(r, 500));
      check = await checkStore();
    }
    // …and as the page shows it: a regex filter's count of shown lines and of matches.
    await page.getByRole('button', { name: 'Regular expression' }).click();
    await page.getByRole('textbox', { name: 'Search' }).fill('^bench \\d+$');
    await page.getByRole('button', { name: 'Show only matching lines' }).click();
    const shownText = await waitFor('the filter', 30_000, async () => {
      const t = await page.getByTestId('journal-line-count').textContent();
      return t && /shown/.test(t) ? t : undefined;
    });
    const shown = Number(/([\d,]+) shown/.exec(shownText)?.[1]?.replace(/,/g, ''));
    const matchesText = (await page.locator('#journal-search-count').textContent()) ?? '';
    const matches = Number(/([\d,]+) matches/.exec(matchesText)?.[1]?.replace(/,/g, ''));
    const genMs = Number(/in (\d+) ms/.exec(check.generated)?.[1]);

    // Rates: the viewer's from the store's growth between the first and last bench line; docker's
    // from when its first and last lines came.
    const growing = follow.filter(([, , n]) => n > 0);
    const firstAt = growing[0]?.[0] ?? NaN;
    const lastAt = growing.find(([, , n]) => n >= LINES)?.[0] ?? growing.at(-1)?.[0] ?? NaN;
    const viewerRate = LINES / ((lastAt - firstAt) / 1000);
    const dockerRate = LINES / ((dockerLogs.result.last - dockerLogs.result.first) / 1000);
    const followFrames = frameSummary(
      follow.filter(([at]) => at >= firstAt && at <= lastAt).map(([, i]) => i),
    );

    // A million lines: fresh page following nothing, filled through the hook.
    log('a million lines: filling the store and scrolling…');
    await openJournal(page, c, '/journal?units=nothing-here.service');
    const cdp = await page.context().newCDPSession(page);
    const heapNow = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return page.evaluate(
        () =>
          (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN,
      );
    };
    const heapBefore = await heapNow();
    const fill = await page.evaluate((n) => {
      const t = performance.now();
      window.__flotillaJournalBench!.fill!(n);
      return performance.now() - t;
    }, BIG);
    await page.getByTestId('journal-line-count').filter({ hasText: '1,000,000 lines' }).waitFor();
    const firstRender = await page.evaluate(
      () =>
        new Promise<number>((r) => {
          const t = performance.now();
          requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t)));
        }),
    );
    const heap = await heapNow();
    const scrollNoWrap = frameSummary(await scrollFor(page, 'continuous', 3000));
    const jumpNoWrap = frameSummary(await scrollFor(page, 'jump', 2000));
    const wrapStart = Date.now();
    await page.getByRole('button', { name: 'Wrap lines' }).click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-journal-rows]')?.shadowRoot?.querySelector('.jl-row.jl-wrap') != null,
    );
    const wrapOnMs = Date.now() - wrapStart;
    const scrollWrap = frameSummary(await scrollFor(page, 'continuous', 3000));
    const jumpWrap = frameSummary(await scrollFor(page, 'jump', 2000));

    // ------------------------------------------------------------------------------- report
    const d = check.delays;
    const dd = dockerLogs.result.delays.slice(Math.min(RATE, dockerLogs.result.delays.length / 10));
    const frames = (f: ReturnType<typeof frameSummary>) =>
      `${ms(f.p50)} / ${ms(f.p95)} / ${ms(f.max)}; ${f.over} of ${f.n} over`;
    // measure, viewer, reference (docker logs -f of the same container), target
    const rows: Array<[string, string, string, string]> = [
      ['lines printed by the unit', int(LINES), '', ''],
      [
        '  print rate, by the generator (its clock)',
        `${int(LINES / (genMs / 1000))} lines/s`,
        '',
        `${int(RATE)} lines/s`,
      ],
      ['lines received', int(LINES - check.missing), int(dockerLogs.result.lines), int(LINES)],
      [
        '  lost / duplicated (every number checked)',
        `${check.missing} / ${check.dupes}`,
        `0 / ${dockerLogs.result.dupes}`,
        '0 / 0',
      ],
      [
        '  as the page shows it: filter "^bench \\d+$"',
        `${int(shown)} shown, ${int(matches)} matches`,
        '',
        int(LINES),
      ],
      [
        'lines delivered per second',
        `${int(viewerRate)} lines/s`,
        `${int(dockerRate)} lines/s`,
        `${int(RATE)} lines/s`,
      ],
      [
        'delay print → on screen (docker: → read), p50 / p99',
        `${ms(quantile(d, 0.5))} / ${ms(quantile(d, 0.99))}`,
        `${ms(quantile(dd, 0.5))} / ${ms(quantile(dd, 0.99))}`,
        '',
      ],
      [`  lines that were on screen while following`, int(d.length), '', ''],
      ['frame interval while following, p50 / p95 / max', frames(followFrames), '', ms(FRAME_MS)],
      [`1,000,000 lines (synthetic, into the store by the hook): fill`, ms(fill), '', ''],
      ['  first frames after the fill', ms(firstRender), '', ''],
      [
        '  JS heap after GC (the page before the fill)',
        `${int(heap / 2 ** 20)} MiB (${int(heapBefore / 2 ** 20)} MiB)`,
        '',
        '',
      ],
      ['  scrolling 120 lines a frame, no wrap', frames(scrollNoWrap), '', ms(FRAME_MS)],
      ['  jumping to random places, no wrap', frames(jumpNoWrap), '', ms(FRAME_MS)],
      ['  turning wrap on (every line sized by its text)', ms(wrapOnMs), '', ''],
      ['  scrolling 120 lines a frame, wrap', frames(scrollWrap), '', ms(FRAME_MS)],
      ['  jumping to random places, wrap', frames(jumpWrap), '', ms(FRAME_MS)],
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), 8));
    const line = (r: string[]) =>
      r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell))
        .join('  ')
        .trimEnd();
    console.log(
      `bench:journal — the Journal page following ${UNIT} (${int(LINES)} lines at ${int(RATE)}/s) on a real one-machine cluster\n` +
        `Chromium ${browser.version()}, ${cpus().length} cores, viewport ${VIEWPORT.width}×${VIEWPORT.height}; ` +
        `generator said: "${check.generated}"\n` +
        `delay: entry time (Docker's timestamp of the write) → the frame that put the line in the page; docker's ` +
        `without its first second (its backlog when it started); frames "over" = intervals > ${(FRAME_MS + 0.5).toFixed(1)} ms\n`,
    );
    console.log(line(['measure', 'viewer', 'docker logs -f', 'target']));
    for (const r of rows) console.log(line(r));
    if (check.missing || check.dupes)
      throw new Error(`lines lost (${check.missing}) or duplicated (${check.dupes})`);
    if (shown !== LINES) throw new Error(`the page shows ${shown} bench lines, not ${LINES}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log('cleaning up…');
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
