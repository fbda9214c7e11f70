// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { withMachine, EMPTY_DRAFT } from './draft';
import { MachinesStep } from './MachinesStep';
import { renderStep } from './testkit';
import { machinesErrors } from './validate';

afterEach(cleanup);
const machine = (host: string) => within(screen.getByRole('region', { name: host }));

describe('MachinesStep', () => {
  it('adds metadata as chips with Enter, refuses bad entries at the field, and removes chips', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(MachinesStep, machinesErrors, { machines: '2' });
    const field = machine('core-02').getByRole('textbox', { name: 'Metadata key=value' });
    await user.type(field, 'role=web{Enter}');
    expect(machine('core-02').getByRole('button', { name: 'role=web' })).toBeTruthy();
    expect(draft().perMachine[1]?.metadata).toEqual({ role: 'web' });

    await user.type(field, 'disk');
    await user.click(machine('core-02').getByRole('button', { name: 'Add metadata to core-02' }));
    expect(
      machine('core-02').getByRole('textbox', {
        name: 'Metadata key=value',
        description: 'Write it as key=value, e.g. role=web',
      }),
    ).toBe(field);
    await user.clear(field);
    await user.type(field, 'zone=eu west{Enter}');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(machine('core-02').getByText(/without blanks, commas or =/)).toBeTruthy();

    machine('core-02').getByRole('button', { name: 'role=web' }).focus();
    await user.keyboard('{Delete}');
    expect(draft().perMachine[1]?.metadata).toEqual({});
  });

  it('checks forwarded ports: range at once when typed, and a host port used twice', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(MachinesStep, machinesErrors, { machines: '2' });
    await user.click(screen.getByRole('button', { name: 'Add forwarded port to core-01' }));
    const row = within(screen.getByRole('group', { name: 'Forwarded port 1 of core-01' }));
    await user.type(row.getByRole('spinbutton', { name: 'Guest port' }), '80');
    await user.type(row.getByRole('spinbutton', { name: 'Host port' }), '99999');
    expect(
      row.getByRole('spinbutton', { name: 'Host port', description: 'A port from 1 to 65535' }),
    ).toBeTruthy();
    await user.clear(row.getByRole('spinbutton', { name: 'Host port' }));
    await user.type(row.getByRole('spinbutton', { name: 'Host port' }), '8080');

    await user.click(screen.getByRole('button', { name: 'Add forwarded port to core-02' }));
    const other = within(screen.getByRole('group', { name: 'Forwarded port 1 of core-02' }));
    await user.type(other.getByRole('spinbutton', { name: 'Guest port' }), '80');
    await user.type(other.getByRole('spinbutton', { name: 'Host port' }), '8080');
    expect(screen.getAllByText('Host port 8080 is forwarded twice')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Remove forwarded port 1 of core-02' }));
    expect(screen.queryByText('Host port 8080 is forwarded twice')).toBeNull();
    expect(draft().perMachine[0]?.ports).toEqual([{ guest: '80', host: '8080' }]);
  });

  it('shows an empty port row as wrong only once Next was tried', () => {
    const initial = withMachine({ ...EMPTY_DRAFT, machines: '1' }, 0, (m) => ({
      ...m,
      ports: [{ guest: '', host: '' }],
    }));
    renderStep(MachinesStep, machinesErrors, initial, true);
    expect(screen.getAllByText('A port from 1 to 65535')).toHaveLength(2);
  });
});
