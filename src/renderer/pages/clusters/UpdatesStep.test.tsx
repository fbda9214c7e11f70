// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { renderStep } from './testkit';
import { UpdatesStep } from './UpdatesStep';
import { updatesErrors } from './validate';

afterEach(cleanup);

describe('UpdatesStep', () => {
  it('picks channel and reboot strategy', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(UpdatesStep, updatesErrors);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Channel' }), 'beta');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Reboot strategy' }), 'reboot');
    expect(draft()).toMatchObject({ channel: 'beta', rebootStrategy: 'reboot' });
  });

  it('takes a reboot window, checked at its fields, and drops it when reboots are off', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(UpdatesStep, updatesErrors);
    await user.click(screen.getByRole('switch', { name: 'Reboot only within a window' }));
    const start = screen.getByRole('textbox', { name: 'Window start' });
    await user.clear(start);
    await user.type(start, 'Thursday');
    expect(
      screen.getByRole('textbox', {
        name: 'Window start',
        description: 'Must be a time like 04:00 or Thu 04:00',
      }),
    ).toBe(start);
    await user.clear(start);
    await user.type(start, 'Sat 23:30');
    expect(draft().rebootWindow).toEqual({ start: 'Sat 23:30', length: '1h' });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Reboot strategy' }), 'off');
    expect(draft().rebootWindow).toBeNull();
    expect(screen.queryByRole('textbox', { name: 'Window start' })).toBeNull();
    expect(
      (screen.getByRole('switch', { name: 'Reboot only within a window' }) as HTMLInputElement).disabled,
    ).toBe(true);
  });
});
