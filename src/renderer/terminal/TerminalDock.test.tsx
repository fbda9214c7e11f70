// @vitest-environment jsdom
// The dock with the real xterm.js on jsdom (see testkit: matchMedia and a box size are stubbed).
// What needs layout and a real browser (fitting to pixels, the clipboard, the CSP) is in
// e2e/terminal.spec.ts.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import axe from 'axe-core';
import { SnackbarProvider } from 'notistack';
import { useState } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ClusterInfo, type MachineInfo } from '../../shared/api';
import { ActionsProvider, useActions } from '../actions/registry';
import { ApiContext } from '../api/hooks';
import { machineInfo } from '../pages/machines/fixtures';
import { LAYOUT_KEY } from './layout';
import { TerminalDock, TerminalProvider, useTerminals } from './TerminalDock';
import { fakeShellApi, flush, installXtermStubs, output, screenRows, started } from './testkit';

let undo: () => void;
beforeAll(() => {
  undo = installXtermStubs();
});
afterAll(() => undo());
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const cluster = (name: string, active = true): ClusterInfo => ({
  name,
  active,
  state: 'running',
  machines: 3,
  endpoints: [],
});

function Opener() {
  const terminals = useTerminals();
  return (
    <>
      <button onClick={() => terminals.open('core-02', 'core-02')}>open core-02</button>
      <button onClick={() => terminals.open('web.service', 'web.service')}>open web</button>
    </>
  );
}

/** The palette's view of the registry: titles, shortcuts, flotctl lines; and a way to run them. */
function Actions() {
  const actions = useActions().filter((a) => a.id.startsWith('terminal.'));
  return (
    <ul aria-label="Actions">
      {actions.map((a) => (
        <li key={a.id}>
          <button onClick={a.perform}>{a.title}</button>
          <span>{`${a.shortcut ?? ''}|${a.flotctl ?? ''}`}</span>
        </li>
      ))}
    </ul>
  );
}

function renderDock(
  machines: MachineInfo[] = [
    machineInfo('core-01', '1'),
    machineInfo('core-02', '2'),
    machineInfo('core-03', '3', { health: 'down', life: 'dead' }),
  ],
  clusters = [cluster('demo')],
) {
  const fake = fakeShellApi();
  function Frame() {
    const [dark, setDark] = useState(false);
    return (
      <ThemeProvider theme={createTheme({ palette: { mode: dark ? 'dark' : 'light' } })}>
        <CssBaseline />
        <button onClick={() => setDark((d) => !d)}>flip theme</button>
        <SnackbarProvider>
          <ApiContext.Provider value={fake.api}>
            <ActionsProvider>
              <TerminalProvider>
                <Opener />
                <Actions />
                <main style={{ height: 400 }} />
                <TerminalDock />
              </TerminalProvider>
            </ActionsProvider>
          </ApiContext.Provider>
        </SnackbarProvider>
      </ThemeProvider>
    );
  }
  render(<Frame />);
  act(() => {
    fake.subscriptions.find((s) => s.event === 'clusters.changed')?.emit(clusters);
  });
  act(() => {
    fake.subscriptions.findLast((s) => s.event === 'machines.changed')?.emit({ kind: 'snapshot', machines });
  });
  return fake;
}

const dock = () => screen.getByRole('region', { name: 'Terminals' });
const tabs = () => within(dock()).getAllByRole('tab');

async function openCore02(fake: ReturnType<typeof fakeShellApi>) {
  fireEvent.click(screen.getByRole('button', { name: 'open core-02' }));
  await flush();
  act(() => fake.shell().emit(started()));
}

describe('TerminalDock', () => {
  it('shows nothing until a terminal is opened', () => {
    renderDock();
    expect(screen.queryByRole('region', { name: 'Terminals' })).toBeNull();
  });

  it('opens a tab whose session runs in the current cluster, and shows its output', async () => {
    const fake = renderDock();
    fireEvent.click(screen.getByRole('button', { name: 'open core-02' }));
    expect(screen.getByRole('tab', { name: 'core-02, connecting' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    await flush();
    expect(fake.shell().params).toMatchObject({ target: 'core-02', cluster: 'demo', tty: true });
    act(() => fake.shell().emit(started()));
    expect(screen.getByRole('tab', { name: 'core-02, running' })).toBeTruthy();
    act(() => fake.shell().emit(output('VERSION=4459.2.1\r\n')));
    await flush();
    const panel = screen.getByRole('tabpanel', { name: 'core-02, running' });
    await vi.waitFor(() => expect(screenRows(panel)).toContain('VERSION=4459.2.1'));
  });

  it('makes a new tab for the same target again, and moves between tabs with the arrow keys', async () => {
    const fake = renderDock();
    await openCore02(fake);
    await openCore02(fake);
    expect(fake.shells()).toHaveLength(2);
    expect(tabs().map((t) => t.getAttribute('aria-label'))).toEqual([
      'core-02, running',
      'core-02 (2), running',
    ]);
    expect(tabs()[1]?.getAttribute('aria-selected')).toBe('true');
    expect(tabs().map((t) => t.tabIndex)).toEqual([-1, 0]);
    fireEvent.keyDown(tabs()[1]!, { key: 'ArrowRight' });
    expect(tabs()[0]?.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(tabs()[0]);
    // Only the shown tab's panel is visible.
    expect(screen.getAllByRole('tabpanel')).toHaveLength(1);
  });

  it('closes a tab with Delete (ending its session) and hides when the last one goes', async () => {
    const fake = renderDock();
    await openCore02(fake);
    fireEvent.click(screen.getByRole('button', { name: 'open web' }));
    await flush();
    expect(fake.shells().map((s) => s.params.target)).toEqual(['core-02', 'web.service']);
    fireEvent.keyDown(screen.getByRole('tab', { name: /^web\.service/ }), { key: 'Delete' });
    expect(fake.shells()[1]?.closed).toBe(true);
    expect(fake.shells()[0]?.closed).toBe(false);
    expect(tabs()).toHaveLength(1);
    // The keyboard stays on the tabs.
    expect(document.activeElement).toBe(tabs()[0]);
    // The tab's close mark (mouse only) closes it too.
    fireEvent.click(within(tabs()[0]!).getByTitle('Close (Delete)'));
    expect(fake.shells()[0]?.closed).toBe(true);
    expect(screen.queryByRole('region', { name: 'Terminals' })).toBeNull();
  });

  it('says how a session ended and reconnects from the button, keeping the tab', async () => {
    const fake = renderDock();
    await openCore02(fake);
    act(() => fake.shell().emit({ type: 'exit', code: 0 }));
    expect(screen.getByRole('tab', { name: 'core-02, exited with code 0' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('exited with code 0');
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(fake.shells()).toHaveLength(2);
    expect(screen.getByRole('tab', { name: 'core-02, connecting' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    // A failure shows its reason (and the hint) as an alert, with the same button.
    act(() =>
      fake
        .shell()
        .fail(
          new ApiError('CONFLICT', 'Machine core-02 is stopped', { hint: 'flotctl machine start core-02' }),
        ),
    );
    expect(screen.getByRole('alert').textContent).toContain(
      'Machine core-02 is stopped — flotctl machine start core-02',
    );
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeTruthy();
  });

  it('resizes from the keyboard, collapses, maximises, and remembers', async () => {
    const fake = renderDock();
    await openCore02(fake);
    const handle = screen.getByRole('separator', { name: 'Resize terminal dock' });
    const before = Number(handle.getAttribute('aria-valuenow'));
    fireEvent.keyDown(handle, { key: 'ArrowUp' });
    expect(Number(handle.getAttribute('aria-valuenow'))).toBe(before + 24);
    expect(JSON.parse(localStorage.getItem(LAYOUT_KEY)!)).toEqual({ height: before + 24, mode: 'normal' });

    fireEvent.click(screen.getByRole('button', { name: 'Collapse terminal dock' }));
    expect(screen.queryByRole('tabpanel')).toBeNull();
    expect(screen.getByRole('button', { name: 'Expand terminal dock' }).getAttribute('aria-expanded')).toBe(
      'false',
    );
    // A click on a tab brings the dock back.
    fireEvent.click(tabs()[0]!);
    expect(screen.getByRole('tabpanel')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Maximise terminal dock' }));
    expect(JSON.parse(localStorage.getItem(LAYOUT_KEY)!).mode).toBe('maximized');
    fireEvent.click(screen.getByRole('button', { name: 'Restore terminal dock' }));
    expect(JSON.parse(localStorage.getItem(LAYOUT_KEY)!).mode).toBe('normal');
  });

  it('starts from the remembered layout', async () => {
    localStorage.setItem(LAYOUT_KEY, JSON.stringify({ height: 333, mode: 'collapsed' }));
    const fake = renderDock();
    await openCore02(fake);
    // Opening a terminal expands a collapsed dock, at the remembered height.
    expect(
      screen.getByRole('separator', { name: 'Resize terminal dock' }).getAttribute('aria-valuenow'),
    ).toBe('333');
  });

  it('offers palette actions for machines that are up, and the toggle with its shortcut', async () => {
    const fake = renderDock();
    const list = screen.getByRole('list', { name: 'Actions' });
    expect(
      within(list)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Show or hide the terminal dock', 'Open terminal on core-01', 'Open terminal on core-02']);
    expect(list.textContent).toContain('$mod+`|');
    expect(list.textContent).toContain('|flotctl ssh core-01');
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal on core-01' }));
    await flush();
    expect(fake.shell().params).toMatchObject({ target: 'core-01', cluster: 'demo' });
    expect(screen.getByRole('tab', { name: 'core-01, connecting' })).toBeTruthy();
  });

  it('toggles with Ctrl+`: an empty dock offers the machines that are up', async () => {
    renderDock();
    fireEvent.keyDown(window, { key: '`', code: 'Backquote', ctrlKey: true });
    expect(within(dock()).getByRole('button', { name: 'Open terminal on core-01' })).toBeTruthy();
    expect(within(dock()).queryByRole('button', { name: 'Open terminal on core-03' })).toBeNull();
    fireEvent.keyDown(window, { key: '`', code: 'Backquote', ctrlKey: true });
    expect(screen.queryByRole('region', { name: 'Terminals' })).toBeNull();
  });

  it('hides and shows again with the same session and scrollback', async () => {
    const fake = renderDock();
    await openCore02(fake);
    act(() => fake.shell().emit(output('kept\r\n')));
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Hide terminal dock' }));
    expect(screen.queryByRole('region', { name: 'Terminals' })).toBeNull();
    expect(fake.shell().closed).toBe(false);
    fireEvent.keyDown(window, { key: '`', code: 'Backquote', ctrlKey: true });
    await vi.waitFor(() => expect(screenRows(dock())).toContain('kept'));
    expect(fake.shells()).toHaveLength(1);
  });

  it('copies the tab as a flotctl command, with --cluster when it is not the active cluster', async () => {
    const fake = renderDock(undefined, [cluster('demo', false)]);
    await openCore02(fake);
    expect(
      screen.getByRole('button', { name: 'Copy as flotctl command: flotctl ssh --cluster demo core-02' }),
    ).toBeTruthy();
  });

  it('re-themes open terminals when the app flips light and dark', async () => {
    const fake = renderDock();
    await openCore02(fake);
    const viewport = () =>
      dock().querySelector<HTMLElement>('.xterm-scrollable-element')!.style.backgroundColor;
    expect(viewport()).toBe('rgb(255, 255, 255)');
    fireEvent.click(screen.getByRole('button', { name: 'flip theme' }));
    await flush();
    expect(viewport()).toBe('rgb(18, 18, 18)');
  });

  it('opens a find bar that searches the scrollback', async () => {
    const fake = renderDock();
    await openCore02(fake);
    act(() => fake.shell().emit(output('alpha\r\nbeta\r\n')));
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Find in terminal' }));
    const find = screen.getByRole('search', { name: 'Find in terminal' });
    fireEvent.change(within(find).getByRole('textbox', { name: 'Find' }), { target: { value: 'gamma' } });
    expect(within(find).getByRole('status').textContent).toBe('No matches');
    fireEvent.change(within(find).getByRole('textbox', { name: 'Find' }), { target: { value: 'beta' } });
    expect(within(find).queryByRole('status')).toBeNull();
    fireEvent.keyDown(within(find).getByRole('textbox', { name: 'Find' }), { key: 'Escape' });
    expect(screen.queryByRole('search')).toBeNull();
  });

  it('has a context menu with copy, paste, find, clear, flotctl, close', async () => {
    const fake = renderDock();
    await openCore02(fake);
    fireEvent.contextMenu(dock().querySelector('.xterm')!);
    const menu = screen.getByRole('menu', { name: 'Terminal core-02' });
    expect(
      within(menu)
        .getAllByRole('menuitem')
        .map((m) => m.textContent),
    ).toEqual([
      'CopyCtrl+Shift+C',
      'PasteCtrl+Shift+V',
      'Select all',
      'Find…Ctrl+Shift+F',
      'Clear scrollback',
      'Copy as flotctl command',
      'Close terminal',
    ]);
    expect(within(menu).getAllByRole('menuitem')[0]?.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Close terminal' }));
    expect(fake.shell().closed).toBe(true);
  });

  it('has no serious accessibility violations', async () => {
    const fake = renderDock();
    await openCore02(fake);
    await openCore02(fake);
    act(() => fake.shell().emit({ type: 'exit', code: 1 }));
    const result = await axe.run(dock(), {
      rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
    });
    expect(
      result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`),
    ).toEqual([]);
  });
});
