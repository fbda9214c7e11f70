// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api';
import { ClusterSettings } from './ClusterSettings';
import { fakeUpdatesApi, machineUpdate, renderWithApi, updatesView, type Handlers } from './testkit';

afterEach(cleanup);

function setup(view = updatesView(), overrides: Handlers = {}) {
  const fake = fakeUpdatesApi(overrides);
  const r = renderWithApi(<ClusterSettings cluster="dev" view={view} />, fake.api);
  return { fake, rerender: (next: typeof view) => r.rerender(<ClusterSettings cluster="dev" view={next} />) };
}

const channelGroup = () => screen.getByRole('group', { name: 'Channel' });

describe('the cluster channel', () => {
  it('asks before switching, says what happens, then calls updates.setChannel for all', async () => {
    const user = userEvent.setup();
    const { fake } = setup();
    expect(within(channelGroup()).getByRole('button', { name: 'stable' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await user.click(within(channelGroup()).getByRole('button', { name: 'alpha' }));
    const dialog = screen.getByRole('dialog', { name: 'Switch every machine of dev to alpha?' });
    const text = dialog.textContent ?? '';
    expect(text).toContain('each checks the alpha feed now');
    expect(text).toContain('download 4516.0.0 (2026-11-02) to the passive /usr partition');
    expect(text).toContain('one at a time: each first takes the reboot lock (1 machine at once)');
    // Nothing was sent before the confirmation.
    expect(fake.paramsOf('updates.setChannel')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Switch to alpha' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.paramsOf('updates.setChannel')).toEqual([{ cluster: 'dev', channel: 'alpha' }]);
    expect(await screen.findByText(/core-01, core-02, core-03 are on alpha now/)).toBeTruthy();
  });

  it('says nothing is downgraded when the channel is behind what a machine runs', async () => {
    const user = userEvent.setup();
    setup(updatesView({ machines: [machineUpdate(1), machineUpdate(2, { osVersion: '4516.0.0' })] }));
    await user.click(within(channelGroup()).getByRole('button', { name: 'beta' }));
    const dialog = screen.getByRole('dialog', { name: 'Switch every machine of dev to beta?' });
    expect(within(dialog).getByRole('alert').textContent).toBe(
      "Nothing is downgraded: beta's newest is 4487.1.0, older than what core-02 runs. It keeps its version and waits until beta passes it.",
    );
  });

  it('says when nothing is downloaded: every machine is ahead, or the channel has no release', async () => {
    const user = userEvent.setup();
    const ahead = updatesView({ machines: [machineUpdate(2, { osVersion: '4516.0.0' })] });
    setup(ahead);
    await user.click(within(channelGroup()).getByRole('button', { name: 'beta' }));
    expect(screen.getByRole('dialog').textContent).toContain(
      'No machine runs anything older than 4487.1.0: nothing is downloaded now.',
    );
    cleanup();
    setup({
      ...ahead,
      feed: { ...ahead.feed, feed: { channels: { ...ahead.feed.feed.channels, beta: [] } } },
    });
    await user.click(within(channelGroup()).getByRole('button', { name: 'beta' }));
    expect(screen.getByRole('dialog').textContent).toContain(
      'The feed has no beta release yet: nothing is downloaded until it has one.',
    );
  });

  it('sends nothing on cancel, and keeps a refusal in the dialog', async () => {
    const user = userEvent.setup();
    const { fake } = setup(updatesView(), {
      'updates.setChannel': () => {
        throw new ApiError('CONFLICT', 'core-02 is rebooting');
      },
    });
    await user.click(within(channelGroup()).getByRole('button', { name: 'beta' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.calls).toEqual([]);
    await user.click(within(channelGroup()).getByRole('button', { name: 'beta' }));
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Switch to beta' }));
    expect(await within(dialog).findByText('core-02 is rebooting')).toBeTruthy();
  });
});

describe('the reboot strategy', () => {
  it('shows an invalid window inline and sends nothing', async () => {
    const user = userEvent.setup();
    const { fake } = setup();
    await user.click(screen.getByRole('switch', { name: 'Reboot only within a window' }));
    const start = screen.getByRole('textbox', { name: 'Window start' });
    await user.clear(start);
    await user.type(start, 'Thursday 4am{Enter}');
    expect(screen.getByText('must be a time like 04:00 or Thu 04:00')).toBeTruthy();
    expect(start.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('button', { name: 'Apply reboot strategy' })).toHaveProperty('disabled', true);
    const length = screen.getByRole('textbox', { name: 'Window length' });
    await user.clear(length);
    expect(screen.getByText('must be a duration like 1h30m')).toBeTruthy();
    expect(fake.paramsOf('updates.setStrategy')).toEqual([]);
  });

  it('applies a strategy with its window, then shows the live value again', async () => {
    const user = userEvent.setup();
    const { fake, rerender } = setup();
    await user.click(
      within(screen.getByRole('group', { name: 'Reboot strategy' })).getByRole('button', { name: 'reboot' }),
    );
    await user.click(screen.getByRole('switch', { name: 'Reboot only within a window' }));
    const start = screen.getByRole('textbox', { name: 'Window start' });
    await user.clear(start);
    await user.type(start, '04:00');
    const length = screen.getByRole('textbox', { name: 'Window length' });
    await user.clear(length);
    await user.type(length, '1h30m{Enter}');
    await waitFor(() =>
      expect(fake.paramsOf('updates.setStrategy')).toEqual([
        { cluster: 'dev', strategy: 'reboot', window: { start: '04:00', length: '1h30m' } },
      ]),
    );
    expect(
      await screen.findByText('Reboot strategy reboot within 04:00 for 1h30m on 3 machines'),
    ).toBeTruthy();
    const view = updatesView();
    rerender({
      ...view,
      machines: view.machines.map((m) => ({
        ...m,
        conf: { ...m.conf, rebootStrategy: 'reboot', windowStart: '04:00', windowLength: '1h30m' },
      })),
    });
    expect(screen.getByRole('textbox', { name: 'Window start' })).toHaveProperty('value', '04:00');
    expect(screen.queryByRole('button', { name: 'Apply reboot strategy' })).toBeNull();
  });

  it('turns the window off with the strategy off, sending window null', async () => {
    const user = userEvent.setup();
    const view = updatesView();
    const { fake } = setup({
      ...view,
      machines: view.machines.map((m) => ({
        ...m,
        conf: { ...m.conf, windowStart: 'Thu 04:00', windowLength: '1h' },
      })),
    });
    expect(screen.getByRole('textbox', { name: 'Window start' })).toHaveProperty('value', 'Thu 04:00');
    await user.click(
      within(screen.getByRole('group', { name: 'Reboot strategy' })).getByRole('button', { name: 'off' }),
    );
    expect(screen.queryByRole('textbox', { name: 'Window start' })).toBeNull();
    expect(screen.getByRole('switch', { name: 'Reboot only within a window' })).toHaveProperty(
      'disabled',
      true,
    );
    await user.click(screen.getByRole('button', { name: 'Apply reboot strategy' }));
    await waitFor(() =>
      expect(fake.paramsOf('updates.setStrategy')).toEqual([
        { cluster: 'dev', strategy: 'off', window: null },
      ]),
    );
  });
});

describe('server, interval and checks', () => {
  it('validates and sets the feed server', async () => {
    const user = userEvent.setup();
    const { fake } = setup();
    const server = screen.getByRole('textbox', { name: 'SERVER' });
    expect(server).toHaveProperty('value', 'builtin:');
    await user.clear(server);
    await user.type(server, 'ftp://feed{Enter}');
    expect(screen.getByText('must be builtin:, a file:///… or an http(s)://… URL')).toBeTruthy();
    expect(fake.paramsOf('updates.setServer')).toEqual([]);
    await user.clear(server);
    await user.type(server, 'file:///srv/feed.json');
    await user.click(screen.getByRole('button', { name: 'Apply feed server' }));
    await waitFor(() =>
      expect(fake.paramsOf('updates.setServer')).toEqual([
        { cluster: 'dev', server: 'file:///srv/feed.json' },
      ]),
    );
  });

  it('sets the check interval in seconds', async () => {
    const user = userEvent.setup();
    const { fake } = setup();
    const field = screen.getByRole('textbox', { name: 'Seconds between checks' });
    expect(screen.getByText('Every 45 min (CoreOS: about an hour)')).toBeTruthy();
    await user.clear(field);
    await user.type(field, '0');
    expect(screen.getByText('must be between 1 and 86400 seconds')).toBeTruthy();
    await user.clear(field);
    await user.type(field, '30{Enter}');
    await waitFor(() =>
      expect(fake.paramsOf('updates.setCheckInterval')).toEqual([{ cluster: 'dev', seconds: 30 }]),
    );
    expect(await screen.findByText('Machines check for updates every 30 s')).toBeTruthy();
  });

  it('checks every machine now, and reports a failure in a notification', async () => {
    const user = userEvent.setup();
    let fail = false;
    const { fake } = setup(updatesView(), {
      'updates.check': () => {
        if (fail) throw new ApiError('CONFLICT', 'the cluster is stopping');
        return { machines: ['core-01', 'core-03'] };
      },
    });
    await user.click(screen.getByRole('button', { name: 'Check all machines now' }));
    expect(await screen.findByText('Checking core-01, core-03 for updates…')).toBeTruthy();
    expect(fake.paramsOf('updates.check')).toEqual([{ cluster: 'dev' }]);
    fail = true;
    await user.click(screen.getByRole('button', { name: 'Check all machines now' }));
    expect(await screen.findByText('Checking for updates failed: the cluster is stopping')).toBeTruthy();
  });

  it('reports a failed setting in a notification and keeps the edit', async () => {
    const user = userEvent.setup();
    setup(updatesView(), {
      'updates.setCheckInterval': () => {
        throw new ApiError('CONFLICT', 'the KV has no quorum');
      },
    });
    const field = screen.getByRole('textbox', { name: 'Seconds between checks' });
    await user.clear(field);
    await user.type(field, '60{Enter}');
    expect(await screen.findByText('Setting the check interval failed: the KV has no quorum')).toBeTruthy();
    expect(field).toHaveProperty('value', '60');
  });
});
