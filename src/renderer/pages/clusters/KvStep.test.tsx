// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { KvStep } from './KvStep';
import { renderStep } from './testkit';
import { kvErrors } from './validate';

afterEach(cleanup);
const members = () => screen.getByRole('spinbutton', { name: 'KV members' }) as HTMLInputElement;

describe('KvStep', () => {
  it('defaults to 1 member for one machine, 3 up to five, 5 beyond', () => {
    for (const [machines, expected] of [
      ['1', '1'],
      ['5', '3'],
      ['6', '5'],
    ]) {
      renderStep(KvStep, kvErrors, { machines });
      expect(members().value).toBe(expected);
      cleanup();
    }
  });

  it('warns about even counts and about fewer than three members', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(KvStep, kvErrors, { machines: '6' });
    expect(screen.queryByRole('alert')).toBeNull();
    await user.clear(members());
    await user.type(members(), '4');
    expect(screen.getByRole('alert').textContent).toMatch(
      /even number of members tolerates no more failures than one fewer/,
    );
    await user.clear(members());
    await user.type(members(), '2');
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([
      expect.stringMatching(/No failure tolerated/),
      expect.stringMatching(/even number/),
    ]);
    await user.click(screen.getByRole('button', { name: 'Use the default (5)' }));
    expect(draft().members).toBeNull();
    expect(members().value).toBe('5');
  });

  it('says at the field that members cannot outnumber machines', async () => {
    const user = userEvent.setup();
    renderStep(KvStep, kvErrors, { machines: '2' });
    await user.clear(members());
    await user.type(members(), '3');
    expect(members().getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Each KV member lives on a machine: at most 2 for 2')).toBeTruthy();
  });
});
