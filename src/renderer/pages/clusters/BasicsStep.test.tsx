// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { BasicsStep } from './BasicsStep';
import { renderStep } from './testkit';
import { basicsErrors } from './validate';

afterEach(cleanup);
const validate = (d: Parameters<typeof basicsErrors>[0]) => basicsErrors(d, ['demo']);

describe('BasicsStep', () => {
  it('says at the field what is wrong with a name, including one that is taken', async () => {
    const user = userEvent.setup();
    renderStep(BasicsStep, validate);
    const name = screen.getByRole('textbox', { name: 'Cluster name' });
    await user.type(name, 'Bad');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(
      screen.getByRole('textbox', { name: 'Cluster name', description: /must be a cluster name/i }),
    ).toBe(name);
    await user.clear(name);
    await user.type(name, 'demo');
    expect(
      screen.getByRole('textbox', {
        name: 'Cluster name',
        description: 'A cluster named demo exists already',
      }),
    ).toBe(name);
    await user.type(name, '-2');
    expect(name.getAttribute('aria-invalid')).toBe('false');
  });

  it('shows an empty name as an error only once Next was tried', () => {
    renderStep(BasicsStep, validate, {}, false);
    expect(screen.queryByText('Give the cluster a name')).toBeNull();
    cleanup();
    renderStep(BasicsStep, validate, {}, true);
    expect(screen.getByText('Give the cluster a name')).toBeTruthy();
  });

  it('previews the host names live from the count and the prefix', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(BasicsStep, validate);
    expect(screen.getByText('The 3 machines: core-01, core-02, core-03')).toBeTruthy();
    const prefix = screen.getByRole('textbox', { name: 'Name prefix' });
    await user.clear(prefix);
    await user.type(prefix, 'web');
    const count = screen.getByRole('spinbutton', { name: 'Number of machines' });
    await user.clear(count);
    await user.type(count, '51');
    expect(
      screen.getByRole('spinbutton', { name: 'Number of machines', description: 'A number from 1 to 50' }),
    ).toBe(count);
    await user.clear(count);
    await user.type(count, '2');
    expect(screen.getByText('The 2 machines: web-01, web-02')).toBeTruthy();
    expect(draft()).toMatchObject({ prefix: 'web', machines: '2' });
  });
});
