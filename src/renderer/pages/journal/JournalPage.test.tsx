// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterInfo, JournalBatch, JournalEntry } from '../../../shared/api';
import { ActionsProvider, useActions } from '../../actions/registry';
import { ApiContext } from '../../api/hooks';
import { machineInfo, unitInfo } from '../machines/fixtures';
import { giveElementsASize, renderInApp } from '../machines/testkit';
import { JournalPage } from './JournalPage';
import { SETTINGS_KEY } from './settings';
import { fakeJournalApi, giveScrollHeight, journalRows, journalText } from './testkit';

let restoreLayout: () => void;
let restoreScroll: () => void;
beforeAll(() => {
  restoreScroll = giveScrollHeight();
  restoreLayout = giveElementsASize(1400, 900);
});
afterAll(() => {
  restoreLayout();
  restoreScroll();
});
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const dev: ClusterInfo = { name: 'dev', active: true, state: 'running', machines: 2, endpoints: [] };
const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
let seq = 0;
const entry = (text: string, o: Partial<JournalEntry> = {}): JournalEntry => {
  seq++;
  return {
    cursor: `c${seq}`,
    time: `2026-11-22T02:51:${String(seq % 60).padStart(2, '0')}.${String(seq).padStart(6, '0')}Z`,
    seq,
    machineId: core01.id,
    hostname: 'core-01',
    unit: 'tick.service',
    stream: 'stdout',
    text,
    ...o,
  };
};
const batch = (cursor: string, entries: JournalEntry[]): JournalBatch => ({ entries, cursor, notices: [] });

/** Lists the palette's actions, as the command palette would. */
function ActionTitles() {
  return (
    <ul aria-label="Registered actions">
      {useActions().map((a) => (
        <li key={a.id}>{a.title}</li>
      ))}
    </ul>
  );
}

function renderPage(path = '/journal?units=tick.service') {
  const fake = fakeJournalApi();
  renderInApp(
    <ApiContext.Provider value={fake.api}>
      <ActionsProvider>
        <JournalPage />
        <ActionTitles />
      </ActionsProvider>
    </ApiContext.Provider>,
    path,
  );
  act(() => fake.emit('clusters.changed', [dev]));
  act(() => fake.emit('machines.changed', { kind: 'snapshot', machines: [core01, core02] }));
  act(() =>
    fake.emit('units.changed', { kind: 'snapshot', units: [unitInfo('tick.service', { on: core01 })] }),
  );
  return fake;
}

const journalSubs = (fake: ReturnType<typeof fakeJournalApi>) => fake.active('journal.follow');
const frame = () => act(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
const log = () => screen.getByRole('log', { name: 'Journal lines' });

async function liveWith(fake: ReturnType<typeof fakeJournalApi>, texts: string[]) {
  act(() =>
    journalSubs(fake)[0]!.emit(
      batch(
        'k1',
        texts.map((t) => entry(t)),
      ),
    ),
  );
  await frame();
}

describe('JournalPage', () => {
  it('follows the units the URL names, showing their lines, the source key and the status', async () => {
    const fake = renderPage();
    expect(screen.getByRole('heading', { level: 1, name: 'Journal' })).toBeTruthy();
    expect(journalSubs(fake).map((s) => s.params)).toEqual([
      { cluster: 'dev', lines: 1000, units: ['tick.service'] },
    ]);
    expect(screen.getByRole('status').textContent).toContain('Connecting…');
    await liveWith(fake, ['tick 1', 'tick 2']);
    expect(screen.getByRole('status').textContent).toContain('Live');
    expect(journalText()).toContain('tick 2');
    await waitFor(() => expect(screen.getByTestId('journal-line-count').textContent).toBe('2 lines'));
    await waitFor(() =>
      expect(screen.getByRole('list', { name: 'Sources' }).textContent).toContain('core-01 tick.service(2)'),
    );
    expect(
      screen.getByRole('button', {
        name: 'Copy as flotctl command: flotctl journal -f -n 1000 tick.service',
      }),
    ).toBeTruthy();
  });

  it('resumes after the last cursor when the connection comes back, saying so', async () => {
    const fake = renderPage();
    await liveWith(fake, ['tick 1']);
    act(() => fake.setConnection('reconnecting'));
    expect(screen.getByRole('status').textContent).toContain('Reconnecting…');
    act(() => fake.setConnection('open'));
    const again = journalSubs(fake);
    expect(again).toHaveLength(1);
    expect(again[0]!.params).toEqual({ cluster: 'dev', lines: 1000, units: ['tick.service'], after: 'k1' });
    act(() => again[0]!.emit(batch('k2', [entry('tick 2')])));
    expect(screen.getByRole('status').textContent).toContain('Resumed');
    await frame();
    await waitFor(() => expect(screen.getByTestId('journal-line-count').textContent).toBe('2 lines'));
  });

  it('searches with a count and steps through matches; a bad regex says why', async () => {
    const fake = renderPage();
    await liveWith(fake, ['tick 1', 'tick 2', 'tick 10', 'tock 11']);
    const search = screen.getByRole('textbox', { name: 'Search' });
    fireEvent.change(search, { target: { value: 'tick 1' } });
    await waitFor(() => expect(screen.getByText('2 matches')).toBeTruthy());
    fireEvent.keyDown(search, { key: 'Enter' });
    // Following: the newest match first.
    await waitFor(() => expect(screen.getByText('2 of 2')).toBeTruthy());
    fireEvent.keyDown(search, { key: 'Enter', shiftKey: true });
    expect(screen.getByText('1 of 2')).toBeTruthy();
    await frame();
    const current = journalRows().find((r) => r.querySelector('mark.jl-current'));
    expect(current?.querySelector('.jl-text')?.textContent).toBe('tick 1');

    fireEvent.click(screen.getByRole('button', { name: 'Show only matching lines' }));
    await frame();
    await waitFor(() =>
      expect(screen.getByTestId('journal-line-count').textContent).toBe('4 lines · 2 shown'),
    );
    expect(journalRows().map((r) => r.querySelector('.jl-text')?.textContent)).toEqual(['tick 1', 'tick 10']);

    fireEvent.click(screen.getByRole('button', { name: 'Regular expression' }));
    fireEvent.change(search, { target: { value: 'tick (' } });
    expect(screen.getByRole('alert').textContent).toBe('Not a valid regular expression: Unterminated group');
    // The view goes on, unfiltered, once the search is applied.
    await waitFor(() => expect(journalText()).toContain('tock 11'));
  });

  it('keeps the filter on when it is switched on before the typed search is applied', async () => {
    const fake = renderPage();
    await liveWith(fake, ['tick 1', 'tick 2', 'tick 10']);
    fireEvent.change(screen.getByRole('textbox', { name: 'Search' }), { target: { value: 'tick 1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show only matching lines' }));
    await waitFor(() =>
      expect(screen.getByTestId('journal-line-count').textContent).toBe('3 lines · 2 shown'),
    );
    // Past the search's debounce and the counter's next update: still filtered.
    await act(() => new Promise((r) => setTimeout(r, 600)));
    expect(screen.getByTestId('journal-line-count').textContent).toBe('3 lines · 2 shown');
  });

  it('remembers display and search settings, and the sources followed per cluster', async () => {
    const user = userEvent.setup();
    const fake = renderPage();
    await liveWith(fake, ['tick 1']);
    await user.click(screen.getByRole('button', { name: 'Wrap lines' }));
    await user.click(screen.getByRole('button', { name: 'Times in UTC' }));
    await user.click(screen.getByRole('button', { name: 'Match case' }));
    await user.click(screen.getByRole('combobox', { name: 'Machines' }));
    await user.click(await screen.findByRole('option', { name: /^core-02/ }));
    // A new selection is a new subscription, for that machine only.
    expect(journalSubs(fake).map((s) => s.params)).toEqual([
      { cluster: 'dev', lines: 1000, units: ['tick.service'], machine: 'core-02' },
    ]);
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}');
    expect(saved).toMatchObject({
      wrap: true,
      utc: true,
      caseSensitive: true,
      sources: { dev: { machines: ['core-02'], units: ['tick.service'] } },
    });
    cleanup();
    // Without a selection in the URL, what was followed last in this cluster.
    const again = renderPage('/journal');
    expect(journalSubs(again).map((s) => s.params)).toEqual([
      { cluster: 'dev', lines: 1000, units: ['tick.service'], machine: 'core-02' },
    ]);
    expect(screen.getByRole('button', { name: 'Wrap lines' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('says when a followed unit moved to another machine', async () => {
    const fake = renderPage();
    await liveWith(fake, ['tick 1']);
    act(() => fake.emit('units.changed', { kind: 'upsert', unit: unitInfo('tick.service', { on: core02 }) }));
    await frame();
    expect(journalText()).toContain('tick.service moved from core-01 to core-02');
  });

  it('offers palette actions to follow a unit or a machine', () => {
    renderPage();
    const titles = screen.getByRole('list', { name: 'Registered actions' }).textContent;
    expect(titles).toContain('Follow journal of tick.service');
    expect(titles).toContain('Follow journal of machine core-02');
    expect(titles).toContain('Wrap journal lines on or off');
  });

  it('has no serious accessibility violations', async () => {
    const fake = renderPage();
    await liveWith(fake, ['tick 1', 'tick 2']);
    act(() => journalSubs(fake)[0]!.emit(batch('k2', [entry('oops', { stream: 'stderr' })])));
    fireEvent.wheel(log(), { deltaY: -100 });
    await frame();
    const result = await axe.run(document.body, {
      rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
    });
    const serious = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
    expect(serious).toEqual([]);
  });
});
