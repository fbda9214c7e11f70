// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { machineInfo } from './fixtures';
import { MachineActionDialog } from './MachineActionDialog';
import { renderInApp } from './testkit';

afterEach(cleanup);

describe('MachineActionDialog', () => {
  it('says what the action does, offers the flotctl command, and confirms', async () => {
    const onConfirm = vi.fn(async () => undefined);
    renderInApp(
      <MachineActionDialog
        machine={machineInfo('core-02', '2')}
        action="kill"
        command="flotctl machine kill core-02"
        onConfirm={onConfirm}
        onClose={vi.fn()}
      />,
    );
    expect(screen.getByRole('dialog', { name: 'Kill core-02?' }).textContent).toContain('Sudden death');
    expect(
      screen.getByRole('button', { name: 'Copy as flotctl command: flotctl machine kill core-02' }),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Kill core-02' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it('shows why it failed', async () => {
    renderInApp(
      <MachineActionDialog
        machine={machineInfo('core-02', '2')}
        action="stop"
        command="flotctl machine stop core-02"
        onConfirm={async () => {
          throw new Error('the cluster is not running');
        }}
        onClose={vi.fn()}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Stop core-02' }));
    expect(await screen.findByText('the cluster is not running')).toBeTruthy();
  });

  it('says that removing moves the units away and removes the containers on that host', () => {
    const onConfirm = vi.fn(async () => undefined);
    renderInApp(
      <MachineActionDialog
        machine={machineInfo('core-04', '4', {
          remote: { address: 'core@10.0.0.21:22', state: 'lost' },
        })}
        action="remove"
        command="flotctl machine remove core-04"
        onConfirm={onConfirm}
        onClose={vi.fn()}
      />,
    );
    const dialog = screen.getByRole('dialog', { name: 'Remove core-04 from the cluster?' });
    expect(dialog.textContent).toMatch(/units move to other machines/);
    expect(dialog.textContent).toMatch(/containers on that host are removed/);
    expect(dialog.textContent).toContain('Host: core@10.0.0.21:22');
    fireEvent.click(screen.getByRole('button', { name: 'Remove core-04 from the cluster' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
