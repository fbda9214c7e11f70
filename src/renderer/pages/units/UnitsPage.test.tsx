// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { giveElementsASize, machineInfo, renderUnits, running, unitInfo } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const web1 = unitInfo('web@1.service', { on: core01 });
const web2 = unitInfo('web@2.service', { on: core02, active: 'failed', sub: 'failed' });
const db = unitInfo('db.service', { desired: 'inactive' });
const handlers = {
  'units.setState': async ({ names }: { names: string[] }) => ({
    units: names.map((name) => ({ name, previous: 'inactive' as const })),
  }),
  'units.destroy': async ({ names }: { names: string[] }) => ({ destroyed: names }),
};

const rowNames = () =>
  within(screen.getByRole('rowgroup', { name: 'Unit rows' }))
    .queryAllByRole('row')
    .map((row) => within(row).getAllByRole('cell')[1]?.querySelector('a')?.textContent);

describe('UnitsPage: the table', () => {
  it('guides to a first cluster when there is none', () => {
    const fake = renderUnits('/units');
    act(() => fake.emit('clusters.changed', []));
    expect(screen.getByRole('heading', { level: 1, name: 'Units' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create your first cluster' })).toBeTruthy();
  });

  it('guides to a first unit when there is none', async () => {
    const fake = renderUnits('/units');
    running(fake, [core01], []);
    expect(screen.getByRole('heading', { name: 'No units yet' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'New unit' }));
    expect(screen.getByRole('heading', { level: 1, name: 'New unit' })).toBeTruthy();
    expect(screen.getByLabelText('Location').textContent).toBe('/units/new');
  });

  it('lists units live with their state, host name, hash and desired state', () => {
    const fake = renderUnits('/units');
    running(fake, [core01, core02], [web2, db, web1]);
    expect(screen.getByText('dev · 3 units')).toBeTruthy();
    expect(rowNames()).toEqual(['db.service', 'web@1.service', 'web@2.service']);
    const row = screen.getByRole('link', { name: 'web@2.service' }).closest('[role="row"]') as HTMLElement;
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['', 'web@2.service', 'failed/failed', 'launched', 'core-02', '0000000', 'launched']);
    expect(screen.getByRole('link', { name: 'web@2.service' }).getAttribute('href')).toBe(
      '/units/web%402.service',
    );

    act(() => fake.emit('units.changed', { kind: 'remove', name: 'db.service' }));
    expect(rowNames()).toEqual(['web@1.service', 'web@2.service']);
  });

  it('filters by name (substring or glob) and state, and sorts by any column', async () => {
    const fake = renderUnits('/units');
    running(fake, [core01, core02], [web2, db, web1]);
    const filter = screen.getByRole('textbox', { name: 'Filter units' });
    await userEvent.type(filter, 'web');
    expect(rowNames()).toEqual(['web@1.service', 'web@2.service']);
    await userEvent.clear(filter);
    await userEvent.type(filter, '*@2*');
    expect(rowNames()).toEqual(['web@2.service']);
    await userEvent.clear(filter);
    await userEvent.type(filter, 'web[[');
    expect(screen.getByText(/Not a valid glob/)).toBeTruthy();
    expect(screen.getByText('No unit matches the filter.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Clear the filter' }));
    expect(rowNames()).toHaveLength(3);

    await userEvent.click(screen.getByRole('combobox', { name: 'State' }));
    await userEvent.click(screen.getByRole('option', { name: 'Failed' }));
    expect(rowNames()).toEqual(['web@2.service']);
    await userEvent.click(screen.getByRole('combobox', { name: 'State' }));
    await userEvent.click(screen.getByRole('option', { name: 'All states' }));

    await userEvent.click(screen.getByRole('button', { name: 'Unit' }));
    expect(rowNames()).toEqual(['web@2.service', 'web@1.service', 'db.service']);
    expect(screen.getByRole('columnheader', { name: 'Unit' }).getAttribute('aria-sort')).toBe('descending');
    await userEvent.click(screen.getByRole('button', { name: 'Machine' }));
    expect(rowNames()).toEqual(['db.service', 'web@1.service', 'web@2.service']);
  });

  it('starts and stops the selected units as fleet does, with the flotctl line', async () => {
    const fake = renderUnits('/units', handlers);
    running(fake, [core01, core02], [web2, db, web1]);
    expect(screen.getByText(/Select units to start/)).toBeTruthy();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select all shown units' }));
    const toolbar = screen.getByRole('toolbar', { name: 'Selected units' });
    expect(within(toolbar).getByText('3 selected')).toBeTruthy();
    expect(
      within(toolbar).getByRole('button', {
        name: 'Copy as flotctl command: flotctl start db.service web@1.service web@2.service',
      }),
    ).toBeTruthy();

    await userEvent.click(within(toolbar).getByRole('button', { name: 'Start' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({
        method: 'units.setState',
        params: { cluster: 'dev', names: ['db.service'], state: 'launched' },
      }),
    );
    expect(await screen.findByText('Started db.service (2 already started)')).toBeTruthy();

    await userEvent.click(within(toolbar).getByRole('button', { name: 'Stop' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({
        method: 'units.setState',
        params: { cluster: 'dev', names: ['web@1.service', 'web@2.service'], state: 'loaded' },
      }),
    );

    await userEvent.click(screen.getByRole('checkbox', { name: 'Select all shown units' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select db.service' }));
    await userEvent.click(
      within(screen.getByRole('toolbar', { name: 'Selected units' })).getByRole('button', { name: 'Stop' }),
    );
    expect(await screen.findByText('db.service is not started')).toBeTruthy();
  });

  it('destroys the selected units only after a confirmation', async () => {
    const fake = renderUnits('/units', handlers);
    running(fake, [core01, core02], [web2, db, web1]);
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select web@1.service' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select web@2.service' }));
    await userEvent.click(screen.getByRole('button', { name: 'Destroy' }));
    const dialog = screen.getByRole('dialog', { name: 'Destroy 2 units?' });
    expect(fake.calls.map((c) => c.method)).not.toContain('units.destroy');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.calls.map((c) => c.method)).not.toContain('units.destroy');

    await userEvent.click(screen.getByRole('button', { name: 'Destroy' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Destroy' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({
        method: 'units.destroy',
        params: { cluster: 'dev', names: ['web@1.service', 'web@2.service'] },
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('shows a failed action as a notification', async () => {
    const fake = renderUnits('/units', {
      'units.setState': async () => {
        throw new Error('the KV has no leader');
      },
    });
    running(fake, [core01], [db]);
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select db.service' }));
    await userEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(await screen.findByText('Start db.service failed: the KV has no leader')).toBeTruthy();
  });

  it('renders only the rows in view of 2,000 units', () => {
    const fake = renderUnits('/units');
    const many = Array.from({ length: 2000 }, (_, i) => unitInfo(`app@${i}.service`, { on: core01 }));
    running(fake, [core01], many);
    expect(screen.getByRole('table', { name: 'Units' }).getAttribute('aria-rowcount')).toBe('2001');
    const rendered = rowNames().length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
  });
});
