// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../shared/api';
import { ConfirmDialog } from './ConfirmDialog';
import { fakeUpdatesApi, renderWithApi } from './testkit';

afterEach(cleanup);

describe('ConfirmDialog', () => {
  it('runs the action once at a time, keeps its failure in the dialog, and cancels', async () => {
    const user = userEvent.setup();
    let finish: (() => void) | undefined;
    const onConfirm = vi
      .fn<() => Promise<unknown>>()
      .mockRejectedValueOnce(new ApiError('CONFLICT', 'not now', { hint: 'wait for the reboot' }))
      .mockImplementationOnce(() => new Promise<void>((resolve) => (finish = resolve)));
    const onClose = vi.fn();
    renderWithApi(
      <ConfirmDialog title="Do it?" confirmLabel="Do it" onConfirm={onConfirm} onClose={onClose}>
        What happens.
      </ConfirmDialog>,
      fakeUpdatesApi().api,
    );
    expect(screen.getByRole('dialog', { name: 'Do it?' }).textContent).toContain('What happens.');
    await user.click(screen.getByRole('button', { name: 'Do it' }));
    expect(await screen.findByText('not now — wait for the reboot')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Do it' }));
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Do it' })).toHaveProperty('disabled', true),
    );
    finish?.();
    expect(onConfirm).toHaveBeenCalledTimes(2);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
