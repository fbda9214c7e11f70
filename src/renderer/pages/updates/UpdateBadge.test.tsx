// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { machineUpdate, updatesView } from './testkit';
import { UpdateBadge } from './UpdateBadge';

afterEach(cleanup);

describe('UpdateBadge', () => {
  it('shows nothing without news', () => {
    const { container } = render(<UpdateBadge update={machineUpdate(1)} />);
    expect(container.textContent).toBe('');
    render(<UpdateBadge update={undefined} />);
    expect(container.textContent).toBe('');
  });

  it('shows the progress, explains it in a tooltip, and takes the focus', async () => {
    const user = userEvent.setup();
    render(<UpdateBadge update={updatesView().machines[1]} />);
    const chip = screen.getByText('updating 42%').closest<HTMLElement>('[tabindex="0"]')!;
    await user.tab();
    expect(document.activeElement).toBe(chip);
    await user.hover(chip);
    const tooltip = await screen.findByRole('tooltip');
    expect(tooltip.textContent).toBe('Downloading 4516.0.0 to USR-B: 42%.');
    expect(chip.getAttribute('aria-describedby')).toBe(tooltip.id);
  });
});
