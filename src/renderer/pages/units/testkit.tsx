// The Units pages under test: the app's providers, the route they live at, and a fake API.
import { act } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Route, Routes, useLocation } from 'react-router-dom';
import type { ClusterInfo, MachineInfo, UnitInfo } from '../../../shared/api';
import { ActionsProvider } from '../../actions/registry';
import { ApiContext } from '../../api/hooks';
import { fakeApi, renderInApp } from '../machines/testkit';
import { UnitsPage } from './UnitsPage';

export { fakeApi, giveElementsASize } from '../machines/testkit';
export { machineInfo, unitInfo } from '../machines/fixtures';

export const dev: ClusterInfo = { name: 'dev', active: true, state: 'running', machines: 2, endpoints: [] };

/** Where the router is, for tests that follow navigation. */
function Where() {
  const location = useLocation();
  return <output aria-label="Location">{`${location.pathname}${location.search}`}</output>;
}

export type FakeApi = ReturnType<typeof fakeApi>;

/** Renders the Units page at `path` (under /units) against a fake API; `beside` renders next to it. */
export function renderUnits(
  path: string,
  handlers: Parameters<typeof fakeApi>[0] = {},
  beside?: ReactNode,
): FakeApi {
  const fake = fakeApi(handlers);
  renderInApp(
    <ApiContext.Provider value={fake.api}>
      <ActionsProvider>
        <Routes>
          <Route path="/units/*" element={<UnitsPage />} />
          <Route path="*" element={null} />
        </Routes>
        <Where />
        {beside}
      </ActionsProvider>
    </ApiContext.Provider>,
    path,
  );
  return fake;
}

/** The cluster runs with these machines and units. */
export function running(fake: FakeApi, machines: MachineInfo[], units: UnitInfo[]): void {
  act(() => fake.emit('clusters.changed', [dev]));
  act(() => fake.emit('machines.changed', { kind: 'snapshot', machines }));
  act(() => fake.emit('units.changed', { kind: 'snapshot', units }));
}
