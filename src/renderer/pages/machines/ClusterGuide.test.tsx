// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClusterInfo } from '../../../shared/api';
import { ClusterGuide, NoUnitsHint } from './ClusterGuide';
import { renderInApp } from './testkit';

afterEach(cleanup);

const cluster = (state: ClusterInfo['state'], extra: Partial<ClusterInfo> = {}): ClusterInfo => ({
  name: 'dev',
  active: true,
  state,
  machines: 3,
  endpoints: [],
  ...extra,
});
const listOf = (items: ClusterInfo[]) => ({ items, loaded: true, error: undefined });

function renderGuide(current: ClusterInfo | undefined, items: ClusterInfo[], onStart = vi.fn()) {
  renderInApp(
    <Routes>
      <Route
        path="/machines"
        element={<ClusterGuide cluster={current} clusters={listOf(items)} onStart={onStart} />}
      />
      <Route path="/clusters/new" element={<p>New cluster wizard</p>} />
    </Routes>,
  );
  return onStart;
}

describe('ClusterGuide', () => {
  it('sends a newcomer to create a first cluster', () => {
    renderGuide(undefined, []);
    fireEvent.click(screen.getByRole('button', { name: 'Create your first cluster' }));
    expect(screen.getByText('New cluster wizard')).toBeTruthy();
  });

  it('shows progress while the cluster is created or started', () => {
    renderGuide(cluster('creating'), [cluster('creating')]);
    expect(screen.getByText(/Creating cluster dev… its machines appear here as they boot/)).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'creating cluster dev' })).toBeTruthy();
  });

  it('offers to start a stopped cluster', () => {
    const onStart = renderGuide(cluster('stopped'), [cluster('stopped')]);
    fireEvent.click(screen.getByRole('button', { name: 'Start cluster' }));
    expect(onStart).toHaveBeenCalled();
  });

  it('says why a cluster failed', () => {
    renderGuide(cluster('failed', { problem: 'docker is gone' }), [cluster('failed')]);
    expect(screen.getByRole('alert').textContent).toContain('Cluster dev failed: docker is gone');
  });

  it('says nothing for a running cluster', () => {
    renderGuide(cluster('running'), [cluster('running')]);
    expect(screen.queryByRole('button')).toBeNull();
  });
});

describe('NoUnitsHint', () => {
  it('shows how to start a first unit and where to write one', () => {
    renderInApp(<NoUnitsHint clusterArgs={[]} />);
    expect(
      screen.getByRole('button', { name: 'Copy as flotctl command: flotctl start hello.service' }),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Units page' }).getAttribute('href')).toBe('/units');
  });
});
