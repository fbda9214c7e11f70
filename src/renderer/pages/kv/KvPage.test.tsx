// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../../shared/api';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { giveElementsASize } from '../machines/testkit';
import { KvPage } from './KvPage';
import { CLUSTER, fakeKvApi, health, renderKv } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const EXTERNAL: ClusterInfo = {
  ...CLUSTER,
  endpoints: [],
  kv: {
    kind: 'external',
    endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379'],
    prefix: '/flotilla/dev/',
    tls: true,
    auth: true,
    caFile: '/d/etcd/ca.pem',
    username: 'fleet',
  },
};
const TLS: ClusterInfo = {
  ...CLUSTER,
  kv: {
    kind: 'embedded',
    tls: { caFile: '/d/ca.pem', certFile: '/d/client.pem', keyFile: '/d/client-key.pem' },
  },
};

async function showKey(cluster: ClusterInfo) {
  const fake = fakeKvApi({}, [cluster]);
  fake.kv.put('/app/config', '{"name":"web"}');
  renderKv(<KvPage />, fake.api, '/kv?key=%2Fapp%2Fconfig');
  await screen.findByRole('group', { name: 'Value of /app/config' });
  await waitFor(() => expect(fake.subscribers('kv.watch')).toBe(1));
  return fake;
}

describe('KvPage and where the KV is', () => {
  it('says where an external etcd is and under which prefix, and names keys with the prefix for etcdctl', async () => {
    await showKey(EXTERNAL);
    const banner = screen.getByText(/^External etcd at/).closest('[role="alert"]') as HTMLElement;
    expect(banner.textContent).toMatch(
      /^External etcd at https:\/\/10\.0\.0\.5:2379, https:\/\/10\.0\.0\.6:2379 — keys under \/flotilla\/dev\//,
    );
    expect(banner.textContent).toContain(
      'The etcdctl lines carry --cacert and --user=fleet (the PEM files given, kept in the cluster’s folder); etcdctl asks for the password.',
    );
    expect(screen.getByText('dev · https://10.0.0.5:2379, https://10.0.0.6:2379')).toBeTruthy();
    expect(
      screen.getByRole('button', {
        name: 'Copy as etcdctl command: etcdctl --endpoints=https://10.0.0.5:2379,https://10.0.0.6:2379 --cacert=/d/etcd/ca.pem --user=fleet get /flotilla/dev//app/config',
      }),
    ).toBeTruthy();
    expect(screen.queryByText('TLS')).toBeNull();
  });

  it('marks embedded members with TLS and gives etcdctl the certificate files', async () => {
    const fake = await showKey(TLS);
    expect(screen.getByText('TLS')).toBeTruthy();
    expect(screen.queryByText(/^External etcd/)).toBeNull();
    const flags =
      'etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 --cacert=/d/ca.pem --cert=/d/client.pem --key=/d/client-key.pem';
    expect(
      screen.getByRole('button', { name: `Copy as etcdctl command: ${flags} get /app/config` }),
    ).toBeTruthy();
    cleanup();
    renderKv(<KvPage />, fake.api, '/kv/raft');
    fake.emit('kv.health', health());
    expect(
      await screen.findByRole('button', {
        name: `Copy as etcdctl command: ${flags} endpoint status --cluster -w table`,
      }),
    ).toBeTruthy();
  });

  it('shows neither for plain embedded members', async () => {
    await showKey(CLUSTER);
    expect(screen.queryByText('TLS')).toBeNull();
    expect(screen.queryByText(/^External etcd/)).toBeNull();
    expect(
      screen.getByRole('button', {
        name: 'Copy as etcdctl command: etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 get /app/config',
      }),
    ).toBeTruthy();
  });
});
