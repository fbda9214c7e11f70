// @vitest-environment jsdom
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { giveElementsASize } from '../machines/testkit';
import { JournalModel } from './model';
import { JournalView } from './JournalView';
import type { NewLine } from './store';
import { giveScrollHeight, journalRows, journalText } from './testkit';

let restoreLayout: () => void;
let restoreScroll: () => void;
beforeAll(() => {
  restoreScroll = giveScrollHeight();
  restoreLayout = giveElementsASize(1200, 400);
});
afterAll(() => {
  restoreLayout();
  restoreScroll();
});
afterEach(cleanup);

let clock = Date.UTC(2026, 10, 22, 2, 0, 0);
const lines = (from: number, n: number, stream: NewLine['stream'] = 'stdout'): NewLine[] =>
  Array.from({ length: n }, (_, i) => ({
    time: clock++,
    stream,
    text: `tick ${from + i}`,
    machineId: 'm1',
    hostname: 'core-01',
    unit: 'tick.service',
  }));

/** The view with the follow state a page would keep. */
function Harness({ model }: { model: JournalModel }) {
  const [follow, setFollow] = useState({ following: true, pausedAt: 0 });
  return (
    <ThemeProvider theme={createTheme()}>
      <CssBaseline />
      <div style={{ height: 400, display: 'flex' }}>
        <JournalView
          model={model}
          wrap={false}
          timestamps
          utc
          current={undefined}
          following={follow.following}
          pausedAt={follow.pausedAt}
          onPause={() => setFollow((f) => (f.following ? { following: false, pausedAt: model.absEnd } : f))}
          onFollow={() => setFollow({ following: true, pausedAt: 0 })}
        />
      </div>
    </ThemeProvider>
  );
}

/** Model changes render on the next animation frame. */
const frame = () => act(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));

describe('JournalView', () => {
  it('shows the newest lines with their source, and marks stderr in words as well as colour', async () => {
    const model = new JournalModel();
    model.store.addLines(lines(1, 500));
    model.store.addLines(lines(501, 1, 'stderr'));
    render(<Harness model={model} />);
    await frame();
    const log = screen.getByRole('log', { name: 'Journal lines' });
    expect(journalText()).toContain('tick 501');
    expect(journalText()).not.toContain('tick 1\n');
    expect(journalRows().length).toBeLessThan(100);
    expect(log.contains(document.querySelector('[data-journal-rows]'))).toBe(true);
    const err = journalRows()
      .filter((r) => r.classList.contains('jl-stderr'))
      .at(-1)!;
    expect(err.textContent).toContain('ERR');
    expect(err.textContent).toContain('core-01 tick.service');
    expect(err.textContent).toContain('Nov 22 02:');
  });

  it('pauses on a scroll up and counts the lines that come meanwhile; the pill follows again', async () => {
    const model = new JournalModel();
    model.store.addLines(lines(1, 100));
    render(<Harness model={model} />);
    await frame();
    const log = screen.getByRole('log', { name: 'Journal lines' });
    fireEvent.wheel(log, { deltaY: -120 });
    expect(screen.getByRole('button', { name: /^Following paused — jump to the newest/ })).toBeTruthy();
    act(() => model.store.addLines(lines(101, 7)));
    await frame();
    expect(screen.getByRole('button', { name: /^7 new lines — jump to the newest and follow/ })).toBeTruthy();
    act(() => model.store.addLines(lines(108, 1)));
    await frame();
    const pill = screen.getByRole('button', { name: /^8 new lines/ });
    expect(pill.textContent).toBe('8 new lines');
    fireEvent.click(pill);
    expect(screen.queryByRole('button', { name: /new lines|Following paused/ })).toBeNull();
    expect(journalText()).toContain('tick 108');
  });

  it('pauses on Page Up and follows again on End', async () => {
    const model = new JournalModel();
    model.store.addLines(lines(1, 50));
    render(<Harness model={model} />);
    await frame();
    const log = screen.getByRole('log', { name: 'Journal lines' });
    fireEvent.keyDown(log, { key: 'PageUp' });
    expect(screen.getByRole('button', { name: /Following paused/ })).toBeTruthy();
    fireEvent.keyDown(log, { key: 'End' });
    expect(screen.queryByRole('button', { name: /Following paused/ })).toBeNull();
  });

  it('highlights what the search matches, only in the lines that match', async () => {
    const model = new JournalModel();
    model.store.addLines(lines(1, 30));
    render(<Harness model={model} />);
    act(() => model.setSearch('tick 2\\d', { regex: true, caseSensitive: false }));
    await frame();
    const marks = journalRows().flatMap((r) => [...r.querySelectorAll('mark')].map((m) => m.textContent));
    expect(marks).toHaveLength(10);
    expect(marks).toContain('tick 25');
    act(() => model.setFilter(true));
    await frame();
    const rows = journalRows().map((r) => r.querySelector('.jl-text')?.textContent);
    expect(rows).toEqual(Array.from({ length: 10 }, (_, i) => `tick 2${i}`));
  });
});
