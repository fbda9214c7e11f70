import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { serveCluster, type ServedCluster } from './cluster-fixture';
import { openApp } from './serve';

// The KV explorer and the Raft panel on the real engine: keys written by Debian's etcdctl show
// up live; an edit that meets a concurrent etcdctl write shows the conflict and overwrites
// nothing until asked; the history has every version; stopping the leader's machine shows a new
// leader, the member down, and a removal that would break the quorum refused with the reason.

let cluster: ServedCluster;
let endpoints = '';
const KEY = '/e2e/greeting';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  cluster = await serveCluster('kv', 3);
  // "NAME STATE MACHINES ENDPOINTS", tab-separated; the active cluster's name ends in '*'.
  const line = cluster
    .flotctl('cluster', 'list')
    .split('\n')
    .find((l) => l.startsWith(cluster.name));
  endpoints = line?.split('\t')[3] ?? '';
  expect(endpoints).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$/);
});
test.afterAll(async () => {
  await cluster?.close();
});

/** Debian's etcdctl (v3 API) against the cluster's client endpoints. */
function etcdctl(...args: string[]): string {
  const r = spawnSync('/usr/bin/etcdctl', [`--endpoints=${endpoints}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const valueOf = (key: string) => etcdctl('get', '--print-value-only', key).trim();

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target})`);
}

test('a key from etcdctl appears live; a concurrent change is a conflict, overwritten only when asked', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, '/kv');
  await expect(page.getByText(/keys · revision \d+ · live/)).toBeVisible({ timeout: 30_000 });

  etcdctl('put', KEY, '{"msg":"hello"}');
  const tree = page.getByRole('tree', { name: 'Keys' });
  const folder = tree.getByRole('treeitem', { name: 'e2e/ — 1 key' });
  await expect(folder).toBeVisible();
  await folder.click();
  await tree.getByRole('treeitem', { name: 'greeting' }).click();
  await expect(page.getByRole('group', { name: `Value of ${KEY}` })).toContainText('"msg": "hello"');
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Edit' }).click();
  const editor = page.getByRole('textbox', { name: `Value of ${KEY}` });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText('{"msg":"from the explorer"}');
  etcdctl('put', KEY, '{"msg":"from etcdctl"}');
  // The watch usually brings etcdctl's write first (the conflict shows, Save is off); when the
  // save wins the race, its CONFLICT shows the same panel.
  const save = page.getByRole('button', { name: 'Save' });
  await save.click({ timeout: 1000 }).catch(() => undefined);
  const conflict = page.getByRole('alert', { name: /^Changed at revision \d+ by someone else$/ });
  await expect(conflict).toBeVisible();
  const diff = conflict.getByRole('group', { name: /^Theirs and yours/ });
  await expect(diff).toContainText('removed: "msg": "from etcdctl"');
  await expect(diff).toContainText('added: "msg": "from the explorer"');
  expect(valueOf(KEY)).toBe('{"msg":"from etcdctl"}');
  expect(await seriousViolations(page)).toEqual([]);

  await conflict.getByRole('button', { name: /^Overwrite revision \d+ with mine$/ }).click();
  await expect(page.getByText(new RegExp(`^Saved ${KEY} at revision \\d+$`))).toBeVisible();
  await expect(page.getByRole('group', { name: `Value of ${KEY}` })).toContainText(
    '"msg": "from the explorer"',
  );
  expect(valueOf(KEY)).toBe('{"msg":"from the explorer"}');
});

test('the history shows both versions with what changed', async ({ page }) => {
  await openApp(page, cluster.served, `/kv?key=${encodeURIComponent(KEY)}`);
  await page.getByRole('tab', { name: 'History' }).click();
  const versions = page.getByRole('list', { name: `Versions of ${KEY}` });
  // hello → from etcdctl → from the explorer, newest first.
  await expect(versions.getByRole('listitem')).toHaveCount(3);
  const newest = versions.getByRole('listitem').first();
  await expect(newest).toContainText('version 3 · current');
  const change = newest.getByRole('group', { name: /^Changes from revision \d+ to \d+$/ });
  await expect(change).toContainText('removed: "msg": "from etcdctl"');
  await expect(change).toContainText('added: "msg": "from the explorer"');
  await expect(versions.getByRole('listitem').last()).toContainText('Created with:');
});

test('stopping the leader’s machine shows a new leader and the member down; a quorum-breaking removal is refused', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, cluster.served, '/kv/raft');
  await expect(page.getByRole('heading', { name: '3 voters, 3 up, quorum 2' })).toBeVisible({
    timeout: 30_000,
  });
  const leaderLine = page.getByText(/^Leader: \S+ \(term \d+\)$/);
  await expect(leaderLine).toBeVisible();
  const leader = /^Leader: (\S+)/.exec((await leaderLine.textContent()) ?? '')![1]!;
  const members = page.getByRole('table', { name: 'KV members' });
  await expect(members.getByRole('row', { name: `Member ${leader}` })).toContainText('leader');
  await expect(page.getByText(/^Now: [\d.]+ writes\/s/)).toBeVisible({ timeout: 15_000 });
  expect(await seriousViolations(page)).toEqual([]);

  cluster.flotctl('machine', 'stop', leader);

  await expect(page.getByRole('heading', { name: '3 voters, 2 up, quorum 2' })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByText(new RegExp(`^Leader: (?!${leader} )\\S+ \\(term \\d+\\)$`))).toBeVisible({
    timeout: 30_000,
  });
  const stopped = members.getByRole('row', { name: `Member ${leader}` });
  await expect(stopped.getByRole('cell').nth(1)).toHaveText('down');

  // With one of three down, removing a member that is up leaves one of two: no quorum.
  const up = (await page.getByText(/^Leader: /).textContent())!.replace(/^Leader: (\S+).*$/, '$1');
  const row = members.getByRole('row', { name: `Member ${up}` });
  await expect(row.getByRole('button', { name: `Remove member ${up}` })).toBeDisabled();
  await expect(row).toContainText(
    `Can't remove: Removing ${up} leaves 1 of 2 members up, below the quorum of 2`,
  );
});
