// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api';
import { LocksPanel } from './LocksPanel';
import { fakeUpdatesApi, idOf, renderWithApi, updatesView, type Handlers } from './testkit';

afterEach(cleanup);

const twoGroups = updatesView({
  locks: [
    {
      group: '',
      key: 'coreos.com/updateengine/rebootlock/semaphore',
      semaphore: 0,
      max: 2,
      holders: [idOf(1), idOf(2)],
    },
    {
      group: 'db',
      key: 'coreos.com/updateengine/rebootlock/groups/db/semaphore',
      semaphore: 1,
      max: 1,
      holders: [],
    },
  ],
});

function setup(view = updatesView(), overrides: Handlers = {}) {
  const fake = fakeUpdatesApi(overrides);
  renderWithApi(<LocksPanel cluster="dev" view={view} />, fake.api);
  return fake;
}

const row = (group: string) => screen.getByRole('row', { name: `Lock group ${group}` });

describe('LocksPanel', () => {
  it('shows each group: available, max, holders by host name, and who waits', () => {
    setup();
    const def = row('default');
    const cells = [...def.querySelectorAll('td')];
    expect(cells[1]!.textContent).toBe('0');
    expect(within(def).getByRole('textbox', { name: 'Max holders (default)' })).toHaveProperty('value', '1');
    expect(within(def).getByText('core-02').getAttribute('title')).toBe(idOf(2));
    expect(within(def).getByRole('button', { name: 'Unlock core-02' })).toBeTruthy();
    expect(cells[4]!.textContent).toBe('core-03');
  });

  it('keeps an unknown holder by its id', () => {
    setup(updatesView({ locks: [{ ...updatesView().locks[0]!, holders: ['f'.repeat(32)] }] }));
    expect(screen.getByRole('button', { name: `Unlock ${'f'.repeat(32)}` })).toBeTruthy();
  });

  it('sets the max of a group, refusing what locksmith would not take', async () => {
    const user = userEvent.setup();
    const fake = setup(twoGroups, { 'locksmith.setMax': ({ max }) => ({ old: 1, new: max }) });
    const field = within(row('db')).getByRole('textbox', { name: 'Max holders (db)' });
    await user.clear(field);
    await user.type(field, '0');
    expect(within(row('db')).getByText('must be between 1 and 1000')).toBeTruthy();
    expect(within(row('db')).getByRole('button', { name: 'Set max of the db lock' })).toHaveProperty(
      'disabled',
      true,
    );
    await user.clear(field);
    await user.type(field, '3{Enter}');
    await waitFor(() =>
      expect(fake.paramsOf('locksmith.setMax')).toEqual([{ cluster: 'dev', max: 3, group: 'db' }]),
    );
    expect(await screen.findByText('Max of the db reboot lock: 1 → 3')).toBeTruthy();

    const def = within(row('default')).getByRole('textbox', { name: 'Max holders (default)' });
    await user.clear(def);
    await user.type(def, '1');
    await user.click(within(row('default')).getByRole('button', { name: 'Set max of the default lock' }));
    // The default group is locksmith's without -group: no group param.
    await waitFor(() => expect(fake.paramsOf('locksmith.setMax')[1]).toEqual({ cluster: 'dev', max: 1 }));
  });

  it('reports a failed set-max in a notification', async () => {
    const user = userEvent.setup();
    setup(updatesView(), {
      'locksmith.setMax': () => {
        throw new ApiError('CONFLICT', 'the KV has no quorum');
      },
    });
    const field = screen.getByRole('textbox', { name: 'Max holders (default)' });
    await user.clear(field);
    await user.type(field, '2{Enter}');
    expect(
      await screen.findByText('Setting the max of the default reboot lock failed: the KV has no quorum'),
    ).toBeTruthy();
  });

  it('unlocks a holder after a confirmation, by machine id and group', async () => {
    const user = userEvent.setup();
    const fake = setup(twoGroups, {
      'locksmith.unlock': () => ({ ...twoGroups.locks[0]!, semaphore: 1, holders: [idOf(2)] }),
    });
    await user.click(screen.getByRole('button', { name: 'Unlock core-01' }));
    const dialog = screen.getByRole('dialog', { name: 'Unlock core-01?' });
    expect(dialog.textContent).toContain("gives core-01's slot of the default reboot lock back");
    expect(fake.calls).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Unlock core-01' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.paramsOf('locksmith.unlock')).toEqual([{ cluster: 'dev', machine: idOf(1) }]);
    expect(await screen.findByText('core-01 gave its slot back: 1 of 2 available')).toBeTruthy();
  });

  it('keeps a refused unlock in its dialog', async () => {
    const user = userEvent.setup();
    setup(updatesView(), {
      'locksmith.unlock': () => {
        throw new ApiError('NOT_FOUND', 'core-02 holds no slot');
      },
    });
    await user.click(screen.getByRole('button', { name: 'Unlock core-02' }));
    const dialog = screen.getByRole('dialog', { name: 'Unlock core-02?' });
    await user.click(within(dialog).getByRole('button', { name: 'Unlock core-02' }));
    expect(await within(dialog).findByText('core-02 holds no slot')).toBeTruthy();
  });
});
