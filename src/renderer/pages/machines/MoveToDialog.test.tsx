// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MoveTarget } from '../../../shared/api';
import { machineInfo } from './fixtures';
import { MoveToDialog } from './MoveToDialog';
import { renderInApp } from './testkit';

afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const core03 = machineInfo('core-03', '3', { metadata: { role: 'web' } });
const core10 = machineInfo('core-10', 'a');

const targets: MoveTarget[] = [
  { machineId: core01.id, allowed: true, problems: [], followers: [] },
  { machineId: core02.id, allowed: true, problems: [], followers: ['db-backup.service'] },
  {
    machineId: core03.id,
    allowed: false,
    constraint: 'MachineMetadata',
    problems: ['MachineMetadata role=db: 33333333 has role=web, needs role=db'],
    followers: [],
  },
  {
    machineId: core10.id,
    allowed: false,
    constraint: 'Conflicts',
    problems: ['Conflicts=db@*: aaaaaaaa runs db@2.service'],
    followers: [],
  },
];

function renderMoveTo(loadTargets: () => Promise<MoveTarget[]>) {
  const onChoose = vi.fn();
  renderInApp(
    <MoveToDialog
      unit="db@1.service"
      from={core01.id}
      machines={[core10, core03, core02, core01]}
      loadTargets={loadTargets}
      onChoose={onChoose}
      onClose={vi.fn()}
    />,
  );
  return onChoose;
}

const option = (host: string) =>
  screen.getAllByRole('button').find((b) => b.textContent?.startsWith(host)) as HTMLElement;

describe('MoveToDialog', () => {
  it('lists every machine with its verdict; refused ones are disabled with their reason', async () => {
    const onChoose = renderMoveTo(async () => targets);
    const list = await screen.findByRole('list', { name: 'Machines' });
    expect(
      within(list)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual([
      'core-01Already here',
      'core-02May move here, with db-backup.service',
      "core-03Can't move here: MachineMetadata role=db: core-03 has role=web, needs role=db",
      "core-10Can't move here: Conflicts=db@*: core-10 runs db@2.service",
    ]);
    expect(option('core-01').getAttribute('aria-disabled')).toBe('true');
    expect(option('core-03').getAttribute('aria-disabled')).toBe('true');
    expect(option('core-02').getAttribute('aria-disabled')).toBeNull();

    fireEvent.click(option('core-02'));
    expect(onChoose).toHaveBeenCalledWith(core02);
  });

  it('still lets a machine be picked when the scheduler cannot be asked', async () => {
    const onChoose = renderMoveTo(async () => {
      throw new Error('connection lost');
    });
    expect(await screen.findByText(/Could not ask the scheduler \(connection lost\)/)).toBeTruthy();
    fireEvent.click(option('core-03'));
    expect(onChoose).toHaveBeenCalledWith(core03);
  });
});
