// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MachineUpdate } from '../../../shared/api';
import { TerminalsContext } from '../../terminal/TerminalDock';
import { machineUpdate, updatesView } from '../updates/testkit';
import { BoardHandlersContext } from './board-context';
import { machineInfo } from './fixtures';
import { MachineHeader, kvRoleText } from './MachineHeader';

afterEach(cleanup);

function renderHeader(
  machine = machineInfo('core-01', '1'),
  machineAction = vi.fn(),
  open = vi.fn(),
  update?: MachineUpdate,
) {
  render(
    <TerminalsContext.Provider value={{ open }}>
      <BoardHandlersContext.Provider value={{ moveTo: vi.fn(), machineAction }}>
        <MachineHeader machine={machine} unitCount={3} update={update} />
      </BoardHandlersContext.Provider>
    </TerminalsContext.Provider>,
  );
  return machineAction;
}

describe('MachineHeader', () => {
  it('shows host name, IP, health in words, KV role, OS version, channel and metadata', () => {
    renderHeader(
      machineInfo('core-01', '1', {
        ip: '10.99.3.11',
        kvMember: true,
        kvRole: 'leader',
        health: 'unhealthy',
        osVersion: '1068.9.0',
        channel: 'beta',
        metadata: { role: 'web', disk: 'ssd' },
      }),
    );
    expect(screen.getByRole('heading', { name: 'core-01' })).toBeTruthy();
    for (const text of ['10.99.3.11', 'unhealthy', 'KV leader', 'OS 1068.9.0 · beta · 3 units'])
      expect(screen.getByText(text)).toBeTruthy();
    const metadata = screen.getByRole('list', { name: 'Metadata of core-01' });
    expect(
      within(metadata)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['disk=ssd', 'role=web']);
  });

  it('names the KV role of followers and machines without a member', () => {
    expect(kvRoleText(machineInfo('a-01', '1', { kvMember: true, kvRole: 'follower' }))).toBe('KV follower');
    expect(kvRoleText(machineInfo('a-01', '1', { kvMember: true, kvRole: 'none' }))).toBe('KV member down');
    expect(kvRoleText(machineInfo('a-01', '1', { kvMember: false, kvRole: 'none' }))).toBe('no KV member');
  });

  it('offers stop, restart and kill for a running machine, and asks the board', () => {
    const machineAction = renderHeader();
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-01' }));
    const item = (name: string) => screen.getByRole('menuitem', { name });
    expect(item('Start core-01…').getAttribute('aria-disabled')).toBe('true');
    expect(item('Stop core-01…').getAttribute('aria-disabled')).toBeNull();
    fireEvent.click(item('Kill core-01…'));
    expect(machineAction).toHaveBeenCalledWith(expect.objectContaining({ name: 'core-01' }), 'kill');
  });

  it('offers only start for a machine that is down', () => {
    renderHeader(machineInfo('core-02', '2', { health: 'down', life: 'dead' }));
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-02' }));
    expect(screen.getByRole('menuitem', { name: 'Start core-02…' }).getAttribute('aria-disabled')).toBeNull();
    expect(screen.getByRole('menuitem', { name: 'Stop core-02…' }).getAttribute('aria-disabled')).toBe(
      'true',
    );
    expect(screen.getByText('down')).toBeTruthy();
  });

  it('opens a terminal on a machine that is up, not on one that is down', () => {
    const open = vi.fn();
    renderHeader(machineInfo('core-01', '1'), vi.fn(), open);
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-01' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Open terminal' }));
    expect(open).toHaveBeenCalledWith('core-01', 'core-01');
    cleanup();
    renderHeader(machineInfo('core-02', '2', { health: 'down', life: 'dead' }), vi.fn(), open);
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-02' }));
    expect(screen.getByRole('menuitem', { name: 'Open terminal' }).getAttribute('aria-disabled')).toBe(
      'true',
    );
  });

  it('shows an update badge beside the OS version, and none without news', () => {
    const [idle, downloading, ready] = updatesView().machines as [
      MachineUpdate,
      MachineUpdate,
      MachineUpdate,
    ];
    renderHeader(machineInfo('core-01', '1'), vi.fn(), vi.fn(), idle);
    expect(screen.getByText('OS 1068.9.0 · stable · 3 units').childElementCount).toBe(0);
    cleanup();
    renderHeader(machineInfo('core-02', '2'), vi.fn(), vi.fn(), downloading);
    const line = screen.getByText('OS 1068.9.0 · stable · 3 units');
    expect(within(line).getByText('updating 42%')).toBeTruthy();
    cleanup();
    renderHeader(machineInfo('core-03', '3'), vi.fn(), vi.fn(), ready);
    expect(screen.getByText('update ready')).toBeTruthy();
    cleanup();
    renderHeader(machineInfo('core-01', '1'), vi.fn(), vi.fn(), {
      ...machineUpdate(1),
      lastRollback: { at: 0, from: '4516.0.0', to: '4459.2.1', reason: 'boot check failed', manual: false },
    });
    expect(screen.getByText('rolled back')).toBeTruthy();
  });

  it('shows a remote machine’s chip, address and link state', () => {
    renderHeader(
      machineInfo('core-04', '4', {
        remote: { address: 'core@10.0.0.21:2222', state: 'connected', fingerprint: 'SHA256:x' },
      }),
    );
    expect(screen.getByText('remote')).toBeTruthy();
    expect(screen.getByText('core@10.0.0.21:2222')).toBeTruthy();
    expect(screen.getByText('SSH connected')).toBeTruthy();
    cleanup();
    renderHeader(machineInfo('core-04', '4', { remote: { address: 'core@h:22', state: 'connecting' } }));
    expect(screen.getByText('SSH connecting…')).toBeTruthy();
    cleanup();
    renderHeader(machineInfo('core-01', '1'));
    expect(screen.queryByText('remote')).toBeNull();
  });

  it('shows why a lost link is down and counts down to the next try', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
      renderHeader(
        machineInfo('core-04', '4', {
          health: 'down',
          remote: {
            address: 'core@10.0.0.21:22',
            state: 'lost',
            problem: 'connect ETIMEDOUT 10.0.0.21:22',
            retryAt: Date.now() + 12_000,
          },
        }),
      );
      expect(screen.getByText('SSH connection lost')).toBeTruthy();
      expect(screen.getByText('connect ETIMEDOUT 10.0.0.21:22 · Next try in 12 s')).toBeTruthy();
      act(() => vi.advanceTimersByTime(5_000));
      expect(screen.getByText('connect ETIMEDOUT 10.0.0.21:22 · Next try in 7 s')).toBeTruthy();
      act(() => vi.advanceTimersByTime(8_000));
      expect(screen.getByText('connect ETIMEDOUT 10.0.0.21:22 · Retrying now…')).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('offers removal for a machine without a KV member, up or down, and not for one with a member', () => {
    const machineAction = renderHeader(
      machineInfo('core-04', '4', { health: 'down', life: 'dead', kvMember: false }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-04' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Remove core-04 from the cluster…' }));
    expect(machineAction).toHaveBeenCalledWith(expect.objectContaining({ name: 'core-04' }), 'remove');
    cleanup();
    renderHeader(machineInfo('core-01', '1', { kvMember: true, kvRole: 'leader' }));
    fireEvent.click(screen.getByRole('button', { name: 'Actions for core-01' }));
    const item = screen.getByRole('menuitem', { name: /^Remove core-01 from the cluster…/ });
    expect(item.getAttribute('aria-disabled')).toBe('true');
    expect(item.textContent).toContain('Not while it hosts a KV member');
  });
});
