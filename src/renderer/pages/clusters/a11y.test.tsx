// @vitest-environment jsdom
// axe over every screen of the Clusters page: no serious or critical violations. Colour contrast
// needs layout (jsdom has none) and landmarks come from the app frame, so both are left to e2e.
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VAGRANT_CONFIG_RB, VAGRANT_USER_DATA } from '../../../shared/cloudconfig/test-fixtures';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { ClustersPage } from './ClustersPage';
import { EMPTY_REMOTE } from '../../remote/remote-form';
import { NEW_KEY } from '../machines/fixtures';
import { KvStep } from './KvStep';
import { MachinesStep } from './MachinesStep';
import { addresses, cluster, fakeApi, renderInApp, renderStep, task } from './testkit';
import { kvErrors, machinesErrors } from './validate';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function violations(): Promise<string[]> {
  const result = await axe.run(document.body, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

describe('Clusters page accessibility', () => {
  it('has no serious violations on the list, the empty state or the import', async () => {
    const user = userEvent.setup();
    const api = fakeApi(
      {},
      {
        clusters: [
          cluster('demo', { active: true }),
          cluster('lab', { state: 'failed', problem: 'core-02 died' }),
        ],
        tasks: [task({ id: 't', kind: 'cluster.start', title: 'Start cluster lab' })],
      },
    ).api;
    renderInApp(<ClustersPage />, { api });
    expect(await violations()).toEqual([]);
    cleanup();
    renderInApp(<ClustersPage />, { api: fakeApi().api });
    expect(await violations()).toEqual([]);
    cleanup();
    renderInApp(<ClustersPage />, { api, path: '/clusters/import' });
    await user.upload(screen.getByLabelText('config.rb'), new File([VAGRANT_CONFIG_RB], 'config.rb'));
    await user.upload(screen.getByLabelText('user-data'), new File([VAGRANT_USER_DATA], 'user-data'));
    await screen.findByRole('table', { name: 'What was read' });
    expect(await violations()).toEqual([]);
  });

  it('has no serious violations on any wizard step, the review or the progress', async () => {
    const user = userEvent.setup();
    const fake = fakeApi({
      'clusters.addresses': (p) => addresses(p.machines, p.prefix),
      'clusters.create': () => ({ taskId: 'c1' }),
    });
    renderInApp(<ClustersPage />, { api: fake.api, path: '/clusters/new' });
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await violations()).toEqual([]);
    await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), 'lab{Enter}');
    await user.click(screen.getByRole('button', { name: 'Add forwarded port to core-01' }));
    expect(await violations()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Remove forwarded port 1 of core-01' }));
    for (let step = 0; step < 3; step++) {
      await user.click(screen.getByRole('button', { name: 'Next' }));
      expect(await violations()).toEqual([]);
    }
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('tab', { name: 'core-01' });
    expect(await violations()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Create cluster' }));
    fake.emit('tasks.changed', task({ id: 'c1', steps: [{ name: 'core-01: image', state: 'running' }] }));
    expect(await violations()).toEqual([]);
  });

  it('has no serious violations on the KV step with an existing etcd, a chosen file and a test result', async () => {
    const user = userEvent.setup();
    const fake = fakeApi({
      'clusters.checkEtcd': () => ({
        version: '3.5.12',
        clusterId: 'cdf818194e3a8c32',
        members: [{ name: 'etcd-1', clientUrls: ['https://10.0.0.5:2379'] }],
        prefix: '/flotilla/lab/',
        keysUnderPrefix: 3,
      }),
    });
    renderStep(KvStep, kvErrors, { name: 'lab', tls: true }, false, fake.api);
    expect(await violations()).toEqual([]);
    await user.click(screen.getByRole('radio', { name: 'An existing etcd cluster' }));
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), 'https://10.0.0.5:2379');
    await user.upload(
      screen.getByLabelText('CA certificate'),
      new File(['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'], 'ca.pem'),
    );
    await screen.findByText('ca.pem');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    await screen.findByRole('list', { name: 'etcd members' });
    expect(await violations()).toEqual([]);
  });

  it('has no serious violations on the Machines step with a remote host planned', async () => {
    const form = { ...EMPTY_REMOTE, host: '10.0.0.21', user: 'core', metadata: 'role=db' };
    renderStep(MachinesStep, machinesErrors, {
      machines: '1',
      remotes: [{ form, fingerprint: NEW_KEY, accept: true, docker: 'Docker 27.5.1 on linux/amd64' }],
    });
    expect(screen.getByRole('button', { name: 'Remove remote host core-02' })).toBeTruthy();
    expect(await violations()).toEqual([]);
  });
});
