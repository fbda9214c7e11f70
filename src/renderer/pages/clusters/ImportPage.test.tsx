// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from '../../../shared/cloudconfig/test-fixtures';
import { ClustersPage } from './ClustersPage';
import { fakeApi, renderInApp } from './testkit';

afterEach(cleanup);

const show = () => renderInApp(<ClustersPage />, { api: fakeApi().api, path: '/clusters/import' });

describe('ImportPage', () => {
  it('reads a config.rb and a user-data, says what is not carried over, and fills in the wizard', async () => {
    const user = userEvent.setup();
    show();
    expect(screen.getByRole('heading', { level: 1, name: 'Import from coreos-vagrant' })).toBeTruthy();
    await user.upload(screen.getByLabelText('config.rb'), new File([VAGRANT_CONFIG_RB], 'config.rb'));
    await user.upload(screen.getByLabelText('user-data'), new File([VAGRANT_USER_DATA], 'user-data'));

    const read = within(await screen.findByRole('table', { name: 'What was read' }));
    const setting = (name: string) =>
      read.getByRole('row', { name: new RegExp(`^\\${name}|^${name}`) }).textContent;
    expect(setting('$num_instances')).toContain('3 machines');
    expect(setting('$update_channel')).toContain('beta');
    expect(setting('$instance_name_prefix')).toContain('web-01, web-02, web-03');
    expect(setting('$forwarded_ports')).toContain('80 → 8080, 443 → 8443');
    expect(setting('fleet metadata')).toContain('role=web, disk=ssd');
    expect(setting('units')).toContain('hello.service');
    expect(setting('ssh_authorized_keys')).toContain('alice@laptop');

    const notCarried = within(screen.getByRole('list', { name: 'Not carried over, and problems' }));
    expect(notCarried.getAllByText(/^config\.rb line \d+: .*discovery/).length).toBeGreaterThan(0);

    await user.click(screen.getByRole('button', { name: 'Continue in the wizard' }));
    expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/clusters/new');
    expect((screen.getByRole('spinbutton', { name: 'Number of machines' }) as HTMLInputElement).value).toBe(
      '3',
    );
    expect((screen.getByRole('textbox', { name: 'Name prefix' }) as HTMLInputElement).value).toBe('web');

    await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), 'vagrant{Enter}');
    for (const host of ['web-01', 'web-02', 'web-03'])
      expect(
        within(screen.getByRole('group', { name: `Metadata of ${host}` })).getByRole('button', {
          name: 'role=web',
        }),
      ).toBeTruthy();
    expect(screen.getAllByRole('group', { name: /^Forwarded port \d of web-01$/ })).toHaveLength(2);
    expect(screen.queryByRole('group', { name: /^Forwarded port \d of web-02$/ })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect((screen.getByRole('combobox', { name: 'Channel' }) as HTMLSelectElement).value).toBe('beta');
  });

  it('takes pasted text, and holds back a user-data with errors', async () => {
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('textbox', { name: 'Or paste the cloud-config' }));
    await user.paste('#cloud-config\ncoreos:\n  update:\n    reboot-strategy: sometimes\n');
    expect(screen.getByText(/^user-data line 4: /)).toBeTruthy();
    expect(
      (screen.getByRole('button', { name: 'Continue in the wizard' }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });
});
