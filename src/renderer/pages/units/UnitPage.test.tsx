// @vitest-environment jsdom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../../shared/api';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { giveElementsASize, machineInfo, renderUnits, running, unitInfo } from './testkit';

const open = vi.fn();
vi.mock('../../terminal/TerminalDock', () => ({ useTerminals: () => ({ open }) }));

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(() => {
  cleanup();
  open.mockClear();
});

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const hello = unitInfo('hello.service', { on: core02, since: Date.now() - 90_000 });

function entry(text: string, stream: JournalEntry['stream'], seq: number): JournalEntry {
  return {
    cursor: `c${seq}`,
    time: `2026-01-02T03:04:${String(seq).padStart(2, '0')}.000000Z`,
    seq,
    machineId: core02.id,
    hostname: 'core-02',
    unit: 'hello.service',
    stream,
    text,
  };
}

const handlers = {
  'units.setState': async ({ names }: { names: string[] }) => ({
    units: names.map((name) => ({ name, previous: 'launched' as const })),
  }),
  'units.destroy': async ({ names }: { names: string[] }) => ({ destroyed: names }),
};

describe("a unit's page", () => {
  it('shows its state per machine, why it runs there, and its journal live', () => {
    const fake = renderUnits('/units/hello.service', handlers);
    running(fake, [core01, core02], [hello]);
    expect(screen.getByRole('heading', { level: 1, name: 'hello.service' })).toBeTruthy();
    expect(screen.getByText('Desired: launched')).toBeTruthy();
    const status = screen.getByRole('table', { name: 'State per machine' });
    expect(within(status).getAllByRole('row')[1]?.textContent).toMatch(/^core-02active\/running1 m ago$/);

    act(() =>
      fake.emit('engine.decisions', {
        at: 1,
        unit: 'hello.service',
        action: 'schedule',
        machineId: core02.id,
        reason: 'least loaded of 2 machines',
      }),
    );
    act(() =>
      fake.emit('engine.decisions', {
        at: 2,
        unit: 'other.service',
        action: 'schedule',
        machineId: core01.id,
        reason: 'x',
      }),
    );
    const placement = screen.getByRole('region', { name: 'Placement' });
    expect(placement.textContent).toMatch(/Placed on core-02\.Why: least loaded of 2 machines/);

    act(() =>
      fake.emit('journal.follow', {
        entries: [entry('Hello World', 'stdout', 1), entry('oops', 'stderr', 2)],
        cursor: 'c2',
        notices: [],
      }),
    );
    const log = screen.getByRole('log', { name: 'Journal of hello.service' });
    expect(log.textContent).toContain('03:04:01 core-02Hello World');
    expect(log.textContent).toContain('03:04:02 core-02stderroops');
    expect(screen.getByRole('link', { name: 'Open in journal' }).getAttribute('href')).toBe(
      '/journal?units=hello.service',
    );
  });

  it('says why a unit cannot be placed and which machines were ruled out', () => {
    const fake = renderUnits('/units/db.service');
    const db = {
      ...unitInfo('db.service', {}),
      blocked: {
        constraint: 'MachineMetadata' as const,
        message: 'MachineMetadata=disk=ssd: no machine has it',
        ruledOut: [
          { machineId: core01.id, constraint: 'MachineMetadata' as const, detail: 'disk is unset' },
          { machineId: core02.id, constraint: 'MachineMetadata' as const, detail: 'disk=hdd' },
        ],
      },
    };
    running(fake, [core01, core02], [db]);
    const placement = screen.getByRole('region', { name: 'Placement' });
    expect(within(placement).getByText(/Cannot be placed: MachineMetadata=disk=ssd/)).toBeTruthy();
    expect(
      within(placement)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['core-01 — MachineMetadata: disk is unset', 'core-02 — MachineMetadata: disk=hdd']);
  });

  it('stops, unloads and opens a terminal; each action has its flotctl line', async () => {
    const fake = renderUnits('/units/hello.service', handlers);
    running(fake, [core01, core02], [hello]);
    const toolbar = screen.getByRole('toolbar', { name: 'Actions for hello.service' });
    expect(within(toolbar).queryByRole('button', { name: 'Start' })).toBeNull();
    expect(
      within(toolbar).getByRole('button', { name: 'Copy as flotctl command: flotctl stop hello.service' }),
    ).toBeTruthy();
    await userEvent.click(within(toolbar).getByRole('button', { name: 'Stop' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({
        method: 'units.setState',
        params: { cluster: 'dev', names: ['hello.service'], state: 'loaded' },
      }),
    );
    await userEvent.click(within(toolbar).getByRole('button', { name: 'Unload' }));
    await waitFor(() =>
      expect(fake.calls).toContainEqual({
        method: 'units.setState',
        params: { cluster: 'dev', names: ['hello.service'], state: 'inactive' },
      }),
    );
    await userEvent.click(within(toolbar).getByRole('button', { name: 'Terminal' }));
    expect(open).toHaveBeenCalledWith('hello.service', 'hello.service');

    act(() =>
      fake.emit('units.changed', {
        kind: 'upsert',
        unit: { ...hello, desiredState: 'inactive', states: [] },
      }),
    );
    expect(within(toolbar).getByRole('button', { name: 'Start' })).toBeTruthy();
    expect((within(toolbar).getByRole('button', { name: 'Unload' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it('destroys after a confirmation and goes back to the list', async () => {
    const fake = renderUnits('/units/hello.service', handlers);
    running(fake, [core01, core02], [hello]);
    await userEvent.click(screen.getByRole('button', { name: 'Destroy' }));
    const dialog = screen.getByRole('dialog', { name: 'Destroy hello.service?' });
    expect(within(dialog).getByText(/cannot be undone/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Destroy' }));
    await waitFor(() => expect(screen.getByLabelText('Location').textContent).toBe('/units'));
    expect(fake.calls).toContainEqual({
      method: 'units.destroy',
      params: { cluster: 'dev', names: ['hello.service'] },
    });
  });

  it('goes to the editor', async () => {
    const fake = renderUnits('/units/hello.service', {
      'units.get': async () => ({ ...hello, content: '[Service]\nExecStart=/bin/true\n' }),
    });
    running(fake, [core01, core02], [hello]);
    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(screen.getByLabelText('Location').textContent).toBe('/units/hello.service/edit');
  });

  it('says so when the unit is not in the registry', () => {
    const fake = renderUnits('/units/gone.service');
    running(fake, [core01], []);
    expect(screen.getByText('There is no unit gone.service in the registry (any more).')).toBeTruthy();
  });
});
