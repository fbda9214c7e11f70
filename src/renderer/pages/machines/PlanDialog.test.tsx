// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Plan } from '../../../shared/api';
import { ApiError } from '../../../shared/api';
import { machineInfo } from './fixtures';
import { PlanDialog } from './PlanDialog';
import { renderInApp } from './testkit';

afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const plan: Plan = {
  valid: true,
  problems: [],
  stops: [
    { unit: 'hello@1.service', machineId: core01.id, reason: 'moved away' },
    { unit: 'sidekick@1.service', machineId: core01.id, reason: 'follows hello@1.service' },
  ],
  starts: [
    { unit: 'hello@1.service', machineId: core02.id, reason: 'moved here from 11111111' },
    { unit: 'sidekick@1.service', machineId: core02.id, reason: 'follows hello@1.service' },
  ],
  blocked: [],
};

function renderPlan(loadPlan: () => Promise<Plan>, onApply = vi.fn(async () => undefined)) {
  const onClose = vi.fn();
  renderInApp(
    <PlanDialog
      unit="hello@1.service"
      from={core01.id}
      to={core02}
      machines={[core01, core02]}
      command="flotctl move hello@1.service core-02"
      loadPlan={loadPlan}
      onApply={onApply}
      onClose={onClose}
    />,
  );
  return { onApply, onClose };
}

describe('PlanDialog', () => {
  it('lists what stops and starts where, in host names, and applies', async () => {
    const { onApply, onClose } = renderPlan(async () => plan);
    const dialog = screen.getByRole('dialog', { name: 'Move hello@1.service to core-02' });
    const stops = await within(dialog).findByRole('region', { name: 'Stops' });
    expect(
      within(stops)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'hello@1.service on core-01 — moved away',
      'sidekick@1.service on core-01 — follows hello@1.service',
    ]);
    const starts = within(dialog).getByRole('region', { name: 'Starts' });
    expect(within(starts).getAllByRole('listitem')[0]!.textContent).toBe(
      'hello@1.service on core-02 — moved here from core-01',
    );
    expect(
      within(dialog).getByRole('button', {
        name: 'Copy as flotctl command: flotctl move hello@1.service core-02',
      }),
    ).toBeTruthy();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    expect(onApply).toHaveBeenCalledTimes(1);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('shows why the scheduler refuses, and cannot be applied', async () => {
    renderPlan(async () => ({
      ...plan,
      valid: false,
      problems: ['Conflicts=hello@*: 22222222 runs hello@2.service'],
      stops: [],
      starts: [],
    }));
    expect(await screen.findByText('Conflicts=hello@*: core-02 runs hello@2.service')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', true);
    expect(screen.getByText('Nothing stops.')).toBeTruthy();
  });

  it('keeps the dialog open with the reason when the move fails', async () => {
    const onApply = vi.fn(async () => {
      throw new ApiError('CONFLICT', 'hello@1.service moved meanwhile', { hint: 'look again and retry' });
    });
    renderPlan(async () => plan, onApply);
    // Apply is disabled until the plan has loaded: click it once it is enabled (a click on the
    // disabled button does nothing, which under load made this test race).
    const apply = await screen.findByRole('button', { name: 'Apply' });
    await waitFor(() => expect(apply).toHaveProperty('disabled', false));
    fireEvent.click(apply);
    expect(
      await screen.findByText('The move failed: hello@1.service moved meanwhile — look again and retry'),
    ).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', false);
  });
});
