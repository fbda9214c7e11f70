// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type MachineUpdate } from '../../../shared/api';
import { MachineCard } from './MachineCard';
import { fakeUpdatesApi, machineUpdate, renderWithApi, updatesView, type Handlers } from './testkit';

afterEach(cleanup);

const view = updatesView();
const [idle, downloading, needsReboot] = view.machines as [MachineUpdate, MachineUpdate, MachineUpdate];

function setup(machine: MachineUpdate, overrides: Handlers = {}) {
  const fake = fakeUpdatesApi(overrides);
  renderWithApi(<MachineCard cluster="dev" view={view} machine={machine} />, fake.api);
  return fake;
}

const card = (name: string) => screen.getByRole('region', { name });
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('MachineCard', () => {
  it('shows versions, the update_engine op with its progress, the reboot state and both partitions', () => {
    setup(downloading);
    const c = card('core-02');
    expect(within(c).getByText('up')).toBeTruthy();
    expect(within(c).getByText('Downloading: 4516.0.0')).toBeTruthy();
    expect(within(c).getByText('UPDATE_STATUS_DOWNLOADING')).toBeTruthy();
    const progress = within(c).getByRole('progressbar', { name: 'core-02: Downloading' });
    expect(progress.getAttribute('aria-valuenow')).toBe('42');
    expect(within(c).getByText('Downloading 4516.0.0: 42%')).toBeTruthy();
    expect(within(c).getByText('4516.0.0 (newer)')).toBeTruthy();
    const partitions = within(c).getByRole('table', { name: 'Partitions of core-02' });
    const rows = within(partitions).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('aria-label'))).toEqual(['USR-A (active)', 'USR-B']);
    expect(rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['USR-Aactive', '4459.2.1', '2', '0', 'yes'],
      ['USR-B', '4426.1.0', '1', '0', 'yes'],
    ]);
    expect(within(c).getByRole('combobox', { name: 'Channel of core-02' }).textContent).toBe('alpha');
  });

  it('shows no progress bar while idle, and the reboot state with its message', () => {
    setup(needsReboot);
    const c = card('core-03');
    expect(within(c).queryByRole('progressbar')).toBeNull();
    expect(within(c).getByText('Updated: needs a reboot: 4516.0.0')).toBeTruthy();
    expect(within(c).getByText('Waiting for the reboot lock')).toBeTruthy();
    expect(within(c).getByText('(waiting-lock)')).toBeTruthy();
    expect(within(c).getByText('core-02 holds the reboot lock (max 1)')).toBeTruthy();
  });

  it('shows the last rollback and the last error', () => {
    setup(
      machineUpdate(1, {
        lastRollback: {
          at: 0,
          from: '4516.0.0',
          to: '4459.2.1',
          reason: 'docker did not start',
          manual: false,
        },
        lastError: 'payload hash mismatch',
      }),
    );
    expect(
      screen.getByText(/^Rolled back from 4516\.0\.0 to 4459\.2\.1 on .*: docker did not start$/),
    ).toBeTruthy();
    expect(screen.getByText('Last error: payload hash mismatch')).toBeTruthy();
  });

  it('enables Reboot now only when an update waits for a reboot', () => {
    setup(idle);
    expect(button('Reboot core-01 now').disabled).toBe(true);
    cleanup();
    setup(downloading);
    expect(button('Reboot core-02 now').disabled).toBe(true);
    cleanup();
    setup({ ...needsReboot, reboot: 'rebooting' });
    expect(button('Reboot core-03 now').disabled).toBe(true);
    cleanup();
    setup(needsReboot);
    expect(button('Reboot core-03 now').disabled).toBe(false);
  });

  it('enables Roll back only when the passive partition holds a version that booted well', () => {
    // core-03's passive USR-B holds the new 4516.0.0, which never booted.
    setup(needsReboot);
    expect(button('Roll back core-03').disabled).toBe(true);
    cleanup();
    setup(idle);
    expect(button('Roll back core-01').disabled).toBe(false);
    cleanup();
    setup({ ...idle, up: false });
    expect(button('Roll back core-01').disabled).toBe(true);
    expect(button('Check core-01 now').disabled).toBe(true);
  });

  it('reboots after a confirmation, and says a task follows', async () => {
    const user = userEvent.setup();
    const fake = setup(needsReboot);
    await user.click(button('Reboot core-03 now'));
    const dialog = screen.getByRole('dialog', { name: 'Reboot core-03 now?' });
    expect(dialog.textContent).toContain('reboots from USR-A (4459.2.1) into 4516.0.0 now');
    expect(fake.calls).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Reboot core-03' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.paramsOf('updates.reboot')).toEqual([{ cluster: 'dev', machine: 'core-03' }]);
    expect(await screen.findByText(/Rebooting core-03 into 4516\.0\.0…/)).toBeTruthy();
  });

  it('rolls back after a confirmation naming both versions; a refusal stays in the dialog', async () => {
    const user = userEvent.setup();
    let refuse = true;
    const fake = setup(idle, {
      'updates.rollback': () => {
        if (refuse) throw new ApiError('CONFLICT', 'rebooting core-01 now would break the KV quorum');
        return { taskId: 't-rb' };
      },
    });
    await user.click(button('Roll back core-01'));
    const dialog = screen.getByRole('dialog', { name: 'Roll core-01 back to 4426.1.0?' });
    expect(dialog.textContent).toContain('core-01 runs 4459.2.1 from USR-A');
    expect(dialog.textContent).toContain(
      'makes USR-B (4426.1.0, which booted successfully before) the first to boot',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Roll back to 4426.1.0' }));
    expect(await within(dialog).findByText('rebooting core-01 now would break the KV quorum')).toBeTruthy();
    refuse = false;
    await user.click(within(dialog).getByRole('button', { name: 'Roll back to 4426.1.0' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.paramsOf('updates.rollback')).toEqual([
      { cluster: 'dev', machine: 'core-01' },
      { cluster: 'dev', machine: 'core-01' },
    ]);
  });

  it('checks one machine now and reports a failure', async () => {
    const user = userEvent.setup();
    const fake = setup(idle, {
      'updates.check': () => {
        throw new ApiError('CONFLICT', 'core-01 does not answer');
      },
    });
    await user.click(button('Check core-01 now'));
    expect(
      await screen.findByText('Checking core-01 for an update failed: core-01 does not answer'),
    ).toBeTruthy();
    expect(fake.paramsOf('updates.check')).toEqual([{ cluster: 'dev', machine: 'core-01' }]);
  });

  it('switches one machine to another channel after a confirmation', async () => {
    const user = userEvent.setup();
    const fake = setup(idle);
    await user.click(screen.getByRole('combobox', { name: 'Channel of core-01' }));
    await user.click(screen.getByRole('option', { name: 'beta' }));
    const dialog = screen.getByRole('dialog', { name: 'Switch core-01 to beta?' });
    expect(dialog.textContent).toContain("core-01's update.conf says GROUP=beta");
    expect(dialog.textContent).toContain('core-01 downloads 4487.1.0 (2026-10-20)');
    await user.click(within(dialog).getByRole('button', { name: 'Switch to beta' }));
    await waitFor(() =>
      expect(fake.paramsOf('updates.setChannel')).toEqual([
        { cluster: 'dev', machine: 'core-01', channel: 'beta' },
      ]),
    );
  });
});
