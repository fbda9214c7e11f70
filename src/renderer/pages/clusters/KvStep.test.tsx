// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type EtcdCheck } from '../../../shared/api';
import { KvStep } from './KvStep';
import { fakeApi, renderStep } from './testkit';
import { kvErrors } from './validate';

afterEach(cleanup);
const members = () => screen.getByRole('spinbutton', { name: 'KV members' }) as HTMLInputElement;

describe('KvStep', () => {
  it('defaults to 1 member for one machine, 3 up to five, 5 beyond', () => {
    for (const [machines, expected] of [
      ['1', '1'],
      ['5', '3'],
      ['6', '5'],
    ]) {
      renderStep(KvStep, kvErrors, { machines });
      expect(members().value).toBe(expected);
      cleanup();
    }
  });

  it('warns about even counts and about fewer than three members', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(KvStep, kvErrors, { machines: '6' });
    expect(screen.queryByRole('alert')).toBeNull();
    await user.clear(members());
    await user.type(members(), '4');
    expect(screen.getByRole('alert').textContent).toMatch(
      /even number of members tolerates no more failures than one fewer/,
    );
    await user.clear(members());
    await user.type(members(), '2');
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([
      expect.stringMatching(/No failure tolerated/),
      expect.stringMatching(/even number/),
    ]);
    await user.click(screen.getByRole('button', { name: 'Use the default (5)' }));
    expect(draft().members).toBeNull();
    expect(members().value).toBe('5');
  });

  it('says at the field that members cannot outnumber machines', async () => {
    const user = userEvent.setup();
    renderStep(KvStep, kvErrors, { machines: '2' });
    await user.clear(members());
    await user.type(members(), '3');
    expect(members().getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Each KV member lives on a machine: at most 2 for 2')).toBeTruthy();
  });

  it('secures embedded members with TLS', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(KvStep, kvErrors, { name: 'lab' });
    await user.click(screen.getByRole('switch', { name: 'Secure with TLS (client certificates)' }));
    expect(draft().tls).toBe(true);
  });
});

const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n';
const CHECK: EtcdCheck = {
  version: '3.5.12',
  clusterId: 'cdf818194e3a8c32',
  members: [
    { name: 'etcd-1', clientUrls: ['https://10.0.0.5:2379'] },
    { name: 'etcd-2', clientUrls: ['https://10.0.0.6:2379'] },
  ],
  prefix: '/flotilla/lab/',
  keysUnderPrefix: 0,
};

describe('KvStep with an existing etcd', () => {
  async function external(checkEtcd: () => EtcdCheck | Promise<EtcdCheck> = () => CHECK) {
    const user = userEvent.setup();
    const fake = fakeApi({ 'clusters.checkEtcd': checkEtcd });
    const step = renderStep(KvStep, kvErrors, { name: 'lab' }, false, fake.api);
    await user.click(screen.getByRole('radio', { name: 'An existing etcd cluster' }));
    return { user, fake, ...step };
  }

  it('replaces the members with endpoints, a prefix that defaults to the cluster name, files, user and password', async () => {
    const { user, draft } = await external();
    expect(screen.queryByRole('spinbutton', { name: 'KV members' })).toBeNull();
    const prefix = screen.getByRole('textbox', { name: 'Key prefix' }) as HTMLInputElement;
    expect(prefix.value).toBe('/flotilla/lab/');
    expect(screen.getByText(/Several clusters can share one etcd/)).toBeTruthy();

    await user.type(
      screen.getByRole('textbox', { name: 'Endpoints' }),
      'https://10.0.0.5:2379,https://10.0.0.6',
    );
    expect(screen.getByRole('textbox', { name: 'Endpoints' }).getAttribute('aria-invalid')).toBe('true');
    expect(
      screen.getByText(/^https:\/\/10\.0\.0\.6: must be a client URL like https:\/\/10\.0\.0\.5:2379/),
    ).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), ':2379');
    expect(screen.getByRole('textbox', { name: 'Endpoints' }).getAttribute('aria-invalid')).not.toBe('true');

    await user.clear(prefix);
    await user.type(prefix, 'shared');
    expect(screen.getByText('Must start and end with "/" (like /flotilla/demo/)')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Use the default (/flotilla/lab/)' }));
    expect(draft().etcd.prefix).toBeNull();

    await user.type(screen.getByRole('textbox', { name: 'User name' }), 'alice');
    await user.type(screen.getByLabelText('Password'), 'pw');
    expect(draft().etcd).toMatchObject({
      endpoints: 'https://10.0.0.5:2379,https://10.0.0.6:2379',
      username: 'alice',
      password: 'pw',
    });
  });

  it('reads a chosen PEM file, shows its name and first line, and refuses a file of the wrong kind', async () => {
    const { user, draft } = await external();
    await user.upload(screen.getByLabelText('CA certificate'), new File([CA], 'ca.pem'));
    const ca = within(screen.getByRole('group', { name: /^CA certificate/ }));
    expect(await ca.findByText('ca.pem')).toBeTruthy();
    expect(ca.getByText('-----BEGIN CERTIFICATE-----')).toBeTruthy();
    expect(draft().etcd.caCert).toEqual({ text: CA, file: 'ca.pem' });

    await user.upload(screen.getByLabelText('Client certificate'), new File([KEY], 'client-key.pem'));
    const cert = within(screen.getByRole('group', { name: /^Client certificate/ }));
    expect(
      await cert.findByText('client-key.pem: This is a private key: choose it as the client key'),
    ).toBeTruthy();
    expect(draft().etcd.cert).toBeNull();

    await user.click(ca.getByRole('button', { name: 'Remove CA certificate' }));
    expect(draft().etcd.caCert).toBeNull();
  });

  it('tests the connection and shows the version, the members and that the prefix is free', async () => {
    const { user, fake } = await external();
    const test = screen.getByRole('button', { name: 'Test connection' }) as HTMLButtonElement;
    expect(test.disabled).toBe(true);
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), 'https://10.0.0.5:2379');
    await user.upload(screen.getByLabelText('CA certificate'), new File([CA], 'ca.pem'));
    await screen.findByText('ca.pem');
    await user.click(test);
    expect(fake.paramsOf('clusters.checkEtcd')).toEqual([
      { name: 'lab', etcd: { endpoints: ['https://10.0.0.5:2379'], prefix: '/flotilla/lab/', caCert: CA } },
    ]);
    expect(
      await screen.findByText(/etcd 3\.5\.12 answered \(cluster cdf818194e3a8c32\) with 2 members/),
    ).toBeTruthy();
    const members = within(screen.getByRole('list', { name: 'etcd members' }));
    expect(members.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'etcd-1 — https://10.0.0.5:2379',
      'etcd-2 — https://10.0.0.6:2379',
    ]);
    expect(screen.getByText(/No keys under \/flotilla\/lab\/ yet/)).toBeTruthy();

    // Other settings: the answer no longer applies.
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), ',https://10.0.0.6:2379');
    expect(screen.queryByRole('list', { name: 'etcd members' })).toBeNull();
  });

  it('warns when keys are under the prefix already', async () => {
    const { user } = await external(() => ({ ...CHECK, keysUnderPrefix: 42 }));
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), 'http://127.0.0.1:2379');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const warning = await screen.findByText(/42 keys are already under \/flotilla\/lab\//);
    expect(warning.closest('[role="alert"]')?.className).toMatch(/Warning/);
    expect(warning.textContent).toMatch(/another cluster may be using this prefix/);
  });

  it('shows why the connection failed, with the hint', async () => {
    const { user } = await external(() => {
      throw new ApiError('ENGINE_UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:2379', {
        hint: 'Is etcd running there, and is its client port open?',
      });
    });
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), 'http://127.0.0.1:2379');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const alert = await screen.findByText(/Could not use this etcd: connect ECONNREFUSED/);
    expect(alert.closest('[role="alert"]')?.textContent).toContain(
      'Is etcd running there, and is its client port open?',
    );
  });
});
