// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteProbe, NEW_KEY } from '../machines/fixtures';
import { MachinesStep } from './MachinesStep';
import { fakeApi, renderStep } from './testkit';
import { machinesErrors } from './validate';

afterEach(cleanup);

describe('MachinesStep: remote hosts', () => {
  it('checks a host in the dialog, plans it with its name, key and Docker, and removes it', async () => {
    const user = userEvent.setup();
    const fake = fakeApi({
      'machines.probeRemote': (p) =>
        p.acceptFingerprint
          ? { ...remoteProbe('known'), hostKey: remoteProbe('unknown').hostKey }
          : remoteProbe('unknown'),
    });
    const { draft } = renderStep(
      MachinesStep,
      machinesErrors,
      { name: 'demo', machines: '2' },
      false,
      fake.api,
    );
    const section = within(screen.getByRole('region', { name: 'Remote hosts (SSH)' }));
    await user.click(section.getByRole('button', { name: 'Add a remote host…' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Add a remote host (SSH)' }));
    expect((dialog.getByRole('textbox', { name: 'Machine name' }) as HTMLInputElement).placeholder).toBe(
      'core-03',
    );
    expect(
      dialog.getByRole('button', { name: /Copy as flotctl command: flotctl machine add --cluster demo/ }),
    ).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: 'Host' }), '10.0.0.21');
    await user.type(dialog.getByRole('textbox', { name: 'User' }), 'core');
    await user.type(dialog.getByRole('textbox', { name: 'Metadata' }), 'role=db');
    await user.click(dialog.getByRole('button', { name: 'Connect' }));
    await user.click(await dialog.findByRole('button', { name: 'Trust and add' }));

    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.call.mock.calls.map((c) => c[0])).toEqual(['machines.probeRemote', 'machines.probeRemote']);
    expect(draft().remotes).toEqual([expect.objectContaining({ fingerprint: NEW_KEY, accept: true })]);
    const row = section.getByText(/core@10\.0\.0\.21:22/).closest('li') as HTMLElement;
    expect(row.textContent).toContain('core-03');
    expect(row.textContent).toContain('Docker 27.5.1 on linux/amd64');
    expect(within(row).getByText(NEW_KEY)).toBeTruthy();
    expect(within(row).getByText('role=db')).toBeTruthy();

    // The next one is proposed as core-04.
    await user.click(section.getByRole('button', { name: 'Add a remote host…' }));
    expect((screen.getByRole('textbox', { name: 'Machine name' }) as HTMLInputElement).placeholder).toBe(
      'core-04',
    );
    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    await user.click(section.getByRole('button', { name: 'Remove remote host core-03' }));
    expect(draft().remotes).toEqual([]);
  });
});
