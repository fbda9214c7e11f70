// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedPanel } from './FeedPanel';
import { fakeUpdatesApi, renderWithApi, updatesView } from './testkit';

afterEach(cleanup);

function setup(view = updatesView()) {
  renderWithApi(<FeedPanel view={view} />, fakeUpdatesApi().api);
}

const channel = (name: string) => screen.getByRole('region', { name });
const versions = (name: string) =>
  within(channel(name))
    .getAllByRole('button', { expanded: false })
    .map((b) => b.textContent);

describe('FeedPanel', () => {
  it('lists each channel newest first with date and size, and marks what machines run and are offered', () => {
    setup();
    expect(within(channel('stable')).getByText('cluster channel')).toBeTruthy();
    expect(versions('stable')).toEqual([
      '4459.2.12026-10-01 · 312 MBruns on core-01, core-02, core-03',
      '4426.1.02026-08-20 · 312 MB',
    ]);
    // core-02 downloads 4516.0.0 and core-03 installed it: both are being offered it.
    expect(versions('alpha')).toEqual([
      '4516.0.02026-11-02 · 312 MBoffered to core-02, core-03',
      '4501.0.02026-10-12 · 312 MB',
    ]);
    expect(versions('beta')).toEqual(['4487.1.02026-10-20 · 312 MB']);
  });

  it('expands a release to its notes', async () => {
    const user = userEvent.setup();
    setup();
    const summary = within(channel('alpha')).getByRole('button', { name: /^4516\.0\.0/ });
    await user.click(summary);
    expect(summary.getAttribute('aria-expanded')).toBe('true');
    const notes = screen.getByRole('list', { name: 'Release notes of 4516.0.0' });
    expect(
      within(notes)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['systemd 258', 'New boot check']);
  });

  it('shows where the feed comes from, a failed read, and an empty channel', () => {
    const view = updatesView();
    setup({
      ...view,
      feed: {
        ...view.feed,
        server: 'https://feed.example/v1',
        problem: 'HTTP 503',
        feed: { channels: { ...view.feed.feed.channels, beta: [] } },
      },
    });
    expect(screen.getByText('https://feed.example/v1')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe(
      'The last read of the feed failed; the machines keep using the one before: HTTP 503',
    );
    expect(within(channel('beta')).getByText('No releases.')).toBeTruthy();
  });
});
