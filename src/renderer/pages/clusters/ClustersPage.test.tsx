// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ClustersPage } from './ClustersPage';
import { cluster, fakeApi, renderInApp } from './testkit';

afterEach(cleanup);

describe('ClustersPage', () => {
  it('routes between the list, the wizard and the import, keeping the draft', async () => {
    const user = userEvent.setup();
    renderInApp(<ClustersPage />, { api: fakeApi({}, { clusters: [cluster('demo')] }).api });
    expect(screen.getByRole('heading', { level: 1, name: 'Clusters' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'New cluster' }));
    expect(screen.getByRole('heading', { level: 1, name: 'New cluster' })).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), 'lab');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Clusters' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'New cluster' }));
    expect((screen.getByRole('textbox', { name: 'Cluster name' }) as HTMLInputElement).value).toBe('');

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(screen.getByRole('button', { name: 'Import from coreos-vagrant' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Import from coreos-vagrant' })).toBeTruthy();
  });
});
