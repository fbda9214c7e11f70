// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DestroyDialog } from './DestroyDialog';
import { fakeApi, renderInApp } from './testkit';

afterEach(cleanup);

describe('DestroyDialog', () => {
  it('keeps Destroy disabled until the cluster name is typed exactly', async () => {
    const user = userEvent.setup();
    const onDestroy = vi.fn();
    renderInApp(<DestroyDialog name="demo" onCancel={() => undefined} onDestroy={onDestroy} />, {
      api: fakeApi().api,
    });
    const destroy = screen.getByRole('button', { name: 'Destroy' }) as HTMLButtonElement;
    const field = screen.getByRole('textbox', { name: 'Type the cluster name to confirm' });
    expect(destroy.disabled).toBe(true);
    await user.type(field, 'dem{Enter}');
    expect(destroy.disabled).toBe(true);
    expect(onDestroy).not.toHaveBeenCalled();
    await user.type(field, 'o');
    expect(destroy.disabled).toBe(false);
    await user.type(field, '{Enter}');
    expect(onDestroy).toHaveBeenCalledTimes(1);
    // One button answers to "Destroy", as e2e tests look it up by a part of its name.
    expect(screen.getAllByRole('button', { name: /destroy/i })).toEqual([destroy]);
  });

  it('cancels', async () => {
    const user = userEvent.setup();
    const onCancel = vi.fn();
    renderInApp(<DestroyDialog name="demo" onCancel={onCancel} onDestroy={() => undefined} />, {
      api: fakeApi().api,
    });
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalled();
  });
});
