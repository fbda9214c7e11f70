// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type CallName, type RemoteProbe } from '../../shared/api';
import { ApiContext } from '../api/hooks';
import { AddRemoteDialog } from './AddRemoteDialog';
import { NEW_KEY, OLD_KEY, remoteProbe } from '../pages/machines/fixtures';
import { fakeApi, renderInApp } from '../pages/machines/testkit';

afterEach(cleanup);

function renderDialog(
  handlers: Partial<Record<CallName, (params: never) => unknown>>,
  kind: 'add' | 'plan' = 'add',
) {
  const fake = fakeApi({ 'machines.addRemote': () => ({ taskId: 'add-1' }), ...handlers });
  const onAdded = vi.fn();
  const onPlanned = vi.fn();
  const onClose = vi.fn();
  renderInApp(
    <ApiContext.Provider value={fake.api}>
      <AddRemoteDialog
        purpose={kind === 'add' ? { kind, cluster: 'dev', onAdded } : { kind, onPlanned }}
        clusterArgs={[]}
        taken={['core-01', 'core-02']}
        defaultName="core-03"
        onClose={onClose}
      />
    </ApiContext.Provider>,
  );
  const paramsOf = (method: CallName) => fake.calls.filter((c) => c.method === method).map((c) => c.params);
  return { ...fake, onAdded, onPlanned, onClose, paramsOf };
}

/** Fills host 10.0.0.21, port 2222, user core, and presses Connect. */
async function connect(user: UserEvent, more: (user: UserEvent) => Promise<void> = async () => undefined) {
  await user.type(screen.getByRole('textbox', { name: 'Host' }), '10.0.0.21');
  const port = screen.getByRole('spinbutton', { name: 'Port' });
  await user.clear(port);
  await user.type(port, '2222');
  await user.type(screen.getByRole('textbox', { name: 'User' }), 'core');
  await more(user);
  await user.click(screen.getByRole('button', { name: 'Connect' }));
}

const SSH = { host: '10.0.0.21', port: 2222, user: 'core', dockerSocket: '/var/run/docker.sock' };
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('AddRemoteDialog', () => {
  it('checks the fields before connecting, at the fields', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({});
    expect(screen.getByRole('dialog', { name: 'Add a remote host (SSH)' })).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Machine name' }) as HTMLInputElement).placeholder).toBe(
      'core-03',
    );
    await user.click(button('Connect'));
    expect(
      screen.getByRole('textbox', { name: 'Host', description: 'Give the host name or address' }),
    ).toBeTruthy();
    expect(
      screen.getByRole('textbox', { name: 'User', description: 'Give the user to log in as' }),
    ).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'Metadata' }), 'role');
    expect(screen.getByText('role: write it as key=value, e.g. role=web')).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'Machine name' }), 'core-02');
    expect(screen.getByText('core-02 is in the cluster already')).toBeTruthy();
    expect(fake.calls).toEqual([]);
  });

  it('shows an unknown host key to compare, and trusts it only with Trust and add', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({ 'machines.probeRemote': () => remoteProbe('unknown') });
    await connect(user, async (u) => {
      await u.type(screen.getByRole('textbox', { name: 'Machine name' }), 'db-01');
      await u.type(screen.getByRole('textbox', { name: 'Metadata' }), 'role=db');
    });
    expect(fake.paramsOf('machines.probeRemote')).toEqual([{ cluster: 'dev', ssh: SSH }]);
    const panel = (await screen.findByText(/First connection to \[10\.0\.0\.21\]:2222/)).closest(
      '[role="alert"]',
    ) as HTMLElement;
    expect(within(panel).getByText(NEW_KEY)).toBeTruthy();
    expect(panel.textContent).toContain('ssh-ed25519 key');
    expect(within(panel).getByText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Connect' })).toBeNull();
    expect(
      screen.getByRole('button', {
        name: `Copy as flotctl command: flotctl machine add --ssh core@10.0.0.21:2222 --metadata role=db --name db-01 --accept-fingerprint ${NEW_KEY}`,
      }),
    ).toBeTruthy();
    expect(fake.paramsOf('machines.addRemote')).toEqual([]);

    await user.click(button('Trust and add'));
    expect(fake.paramsOf('machines.addRemote')).toEqual([
      {
        cluster: 'dev',
        ssh: SSH,
        acceptFingerprint: NEW_KEY,
        hostname: 'db-01',
        metadata: { role: 'db' },
      },
    ]);
    expect(fake.onAdded).toHaveBeenCalledWith('add-1', 'db-01');
  });

  it('goes back to Connect when the connection settings change after a probe', async () => {
    const user = userEvent.setup();
    renderDialog({ 'machines.probeRemote': () => remoteProbe('unknown') });
    await connect(user);
    await screen.findByText(NEW_KEY);
    await user.type(screen.getByRole('textbox', { name: 'User' }), 'x');
    expect(screen.queryByText(NEW_KEY)).toBeNull();
    expect(button('Connect')).toBeTruthy();
  });

  it('refuses a changed key with both fingerprints, and forgets the old one only once confirmed', async () => {
    const user = userEvent.setup();
    let probes = 0;
    const fake = renderDialog({
      'machines.probeRemote': () => remoteProbe(probes++ === 0 ? 'changed' : 'unknown'),
      'machines.forgetHostKey': () => ({ removed: 1 }),
    });
    await connect(user);
    const panel = (await screen.findByText('The host key of [10.0.0.21]:2222 has changed')).closest(
      '[role="alert"]',
    ) as HTMLElement;
    expect(panel.className).toMatch(/Error/);
    expect(panel.textContent).toMatch(/man-in-the-middle/);
    expect(within(panel).getByText(NEW_KEY)).toBeTruthy();
    expect(within(panel).getByText(OLD_KEY)).toBeTruthy();
    expect(within(panel).getByText('/home/me/.config/flotilla/known_hosts:7')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Trust|Add machine/ })).toBeNull();

    await user.click(within(panel).getByRole('button', { name: 'Forget the old key' }));
    expect(fake.paramsOf('machines.forgetHostKey')).toEqual([]);
    const confirm = within(screen.getByRole('group', { name: 'Confirm forgetting the old key' }));
    await user.click(confirm.getByRole('button', { name: 'Keep it' }));
    expect(fake.paramsOf('machines.forgetHostKey')).toEqual([]);

    await user.click(within(panel).getByRole('button', { name: 'Forget the old key' }));
    await user.click(screen.getByRole('button', { name: 'Yes, forget the old key' }));
    expect(fake.paramsOf('machines.forgetHostKey')).toEqual([{ host: '10.0.0.21', port: 2222 }]);
    expect(await screen.findByText(/Forgot 1 key of 10\.0\.0\.21\. Connect again/)).toBeTruthy();
    expect(screen.queryByText(OLD_KEY)).toBeNull();

    await user.click(button('Connect again'));
    expect(await screen.findByText(/First connection to/)).toBeTruthy();
    expect(fake.paramsOf('machines.probeRemote')).toHaveLength(2);
  });

  it('shows Docker’s facts for a known host, and adds it without accepting anything', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({ 'machines.probeRemote': () => remoteProbe('known') });
    await connect(user);
    expect(await screen.findByText(/Docker 27\.5\.1 on linux\/amd64 is usable there/)).toBeTruthy();
    expect(screen.getByText(/The host calls itself docker1/)).toBeTruthy();
    await user.click(button('Name it docker1'));
    expect((screen.getByRole('textbox', { name: 'Machine name' }) as HTMLInputElement).value).toBe('docker1');
    await user.click(button('Add machine'));
    expect(fake.paramsOf('machines.addRemote')).toEqual([
      { cluster: 'dev', ssh: SSH, hostname: 'docker1', metadata: {} },
    ]);
    expect(fake.onAdded).toHaveBeenCalledWith('add-1', 'docker1');
  });

  it('shows Docker’s problem with its hint and will not add', async () => {
    const user = userEvent.setup();
    const probe: RemoteProbe = remoteProbe('known', {
      ok: false,
      problem: {
        message: 'permission denied on /var/run/docker.sock',
        hint: 'Add core to the docker group on that host',
      },
    });
    renderDialog({ 'machines.probeRemote': () => probe });
    await connect(user);
    const alert = (await screen.findByText('Docker is not usable there')).closest(
      '[role="alert"]',
    ) as HTMLElement;
    expect(alert.textContent).toContain('permission denied on /var/run/docker.sock');
    expect(alert.textContent).toContain('Add core to the docker group on that host');
    expect(button('Add machine').disabled).toBe(true);
    expect(button('Check again')).toBeTruthy();
  });

  it('shows API errors with their hint inline, and stays open', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({
      'machines.probeRemote': () => {
        throw new ApiError('UNAUTHORIZED', 'core@10.0.0.21: all authentication methods failed', {
          hint: 'Load the key into ssh-agent (ssh-add) or give the identity file',
        });
      },
    });
    await connect(user);
    const alert = (await screen.findByText('core@10.0.0.21: all authentication methods failed')).closest(
      '[role="alert"]',
    ) as HTMLElement;
    expect(alert.textContent).toContain('Load the key into ssh-agent (ssh-add) or give the identity file');
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(fake.onClose).not.toHaveBeenCalled();
    expect(button('Connect').disabled).toBe(false);
  });

  it('shows a refused addition inline', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({
      'machines.probeRemote': () => remoteProbe('unknown'),
      'machines.addRemote': () => {
        throw new ApiError('ENGINE_UNAVAILABLE', 'Docker is not running on 10.0.0.21', {
          hint: 'Start it there: sudo systemctl start docker',
        });
      },
    });
    await connect(user);
    await user.click(await screen.findByRole('button', { name: 'Trust and add' }));
    expect(await screen.findByText('Docker is not running on 10.0.0.21')).toBeTruthy();
    expect(screen.getByText('Start it there: sudo systemctl start docker')).toBeTruthy();
    expect(fake.onAdded).not.toHaveBeenCalled();
  });

  it('keeps the docker socket under Advanced', async () => {
    const user = userEvent.setup();
    const fake = renderDialog({ 'machines.probeRemote': () => remoteProbe('unknown') });
    expect(screen.queryByRole('textbox', { name: 'Docker socket' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Advanced' }));
    const socket = screen.getByRole('textbox', { name: 'Docker socket' }) as HTMLInputElement;
    expect(socket.value).toBe('/var/run/docker.sock');
    await user.clear(socket);
    await user.type(socket, '/run/docker.sock');
    await connect(user);
    expect(fake.paramsOf('machines.probeRemote')).toEqual([
      { cluster: 'dev', ssh: { ...SSH, dockerSocket: '/run/docker.sock' } },
    ]);
  });

  describe('in the create wizard (plan)', () => {
    it('checks Docker with the accepted key before planning a new host, and adds nothing', async () => {
      const user = userEvent.setup();
      const fake = renderDialog(
        {
          'machines.probeRemote': (p: { acceptFingerprint?: string }) =>
            p.acceptFingerprint === NEW_KEY
              ? { ...remoteProbe('known'), hostKey: remoteProbe('unknown').hostKey }
              : remoteProbe('unknown'),
        },
        'plan',
      );
      await connect(user, (u) => u.type(screen.getByRole('textbox', { name: 'Metadata' }), 'role=db'));
      expect(screen.getByText(/It joins once the new cluster’s local machines are up/)).toBeTruthy();
      await user.click(await screen.findByRole('button', { name: 'Trust and add' }));
      expect(fake.paramsOf('machines.probeRemote')).toEqual([
        { ssh: SSH },
        { ssh: SSH, acceptFingerprint: NEW_KEY },
      ]);
      expect(fake.onPlanned).toHaveBeenCalledWith({
        form: expect.objectContaining({ host: '10.0.0.21', port: '2222', user: 'core', metadata: 'role=db' }),
        fingerprint: NEW_KEY,
        accept: true,
        docker: 'Docker 27.5.1 on linux/amd64',
      });
      expect(fake.paramsOf('machines.addRemote')).toEqual([]);
    });

    it('does not plan a new host whose Docker is unusable: the problem shows under its key', async () => {
      const user = userEvent.setup();
      const noDocker = {
        ...remoteProbe('unknown'),
        docker: {
          ok: false,
          problem: { message: 'Docker is not installed on 10.0.0.21', hint: 'apt-get install docker.io' },
        },
      };
      const fake = renderDialog(
        {
          'machines.probeRemote': (p: { acceptFingerprint?: string }) =>
            p.acceptFingerprint ? noDocker : remoteProbe('unknown'),
        },
        'plan',
      );
      await connect(user);
      await user.click(await screen.findByRole('button', { name: 'Trust and add' }));
      const alert = (await screen.findByText('Docker is not usable there')).closest(
        '[role="alert"]',
      ) as HTMLElement;
      expect(alert.textContent).toContain('Docker is not installed on 10.0.0.21');
      expect(screen.getByText(NEW_KEY)).toBeTruthy();
      expect(fake.onPlanned).not.toHaveBeenCalled();
    });

    it('plans a known host with Docker at once, with nothing to accept', async () => {
      const user = userEvent.setup();
      const fake = renderDialog({ 'machines.probeRemote': () => remoteProbe('known') }, 'plan');
      await connect(user);
      await user.click(await screen.findByRole('button', { name: 'Add machine' }));
      expect(fake.paramsOf('machines.probeRemote')).toHaveLength(1);
      expect(fake.onPlanned).toHaveBeenCalledWith(
        expect.objectContaining({
          fingerprint: NEW_KEY,
          accept: false,
          docker: 'Docker 27.5.1 on linux/amd64',
        }),
      );
    });
  });
});
