// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UpdatesView } from '../../../shared/api';
import { ChannelDialog } from './ChannelDialog';
import { fakeUpdatesApi, renderWithApi, updatesView } from './testkit';

afterEach(cleanup);

/** Every machine with the same update.conf changes. */
function withConf(
  patch: Partial<UpdatesView['machines'][number]['conf']>,
  view = updatesView(),
): UpdatesView {
  return { ...view, machines: view.machines.map((m) => ({ ...m, conf: { ...m.conf, ...patch } })) };
}

function dialogText(view: UpdatesView): string {
  renderWithApi(
    <ChannelDialog cluster="dev" view={view} channel="alpha" onClose={vi.fn()} />,
    fakeUpdatesApi().api,
  );
  return screen.getByRole('dialog').textContent ?? '';
}

describe('ChannelDialog', () => {
  it('describes the reboots as the strategy and window say', () => {
    expect(
      dialogText(withConf({ rebootStrategy: 'etcd-lock', windowStart: 'Thu 04:00', windowLength: '1h' })),
    ).toContain(
      'each first takes the reboot lock (1 machine at once), within the reboot window (Thu 04:00 for 1h)',
    );
    cleanup();
    expect(dialogText(withConf({ rebootStrategy: 'reboot' }))).toContain(
      'each reboots into it as soon as it is updated, without waiting for the others',
    );
    cleanup();
    expect(dialogText(withConf({ rebootStrategy: 'off' }))).toContain(
      'reboots are off, so each reboots into it only with "Reboot now"',
    );
    cleanup();
    const mixed = updatesView();
    mixed.machines[0] = {
      ...mixed.machines[0]!,
      conf: { ...mixed.machines[0]!.conf, rebootStrategy: 'off' },
    };
    expect(dialogText(mixed)).toContain('as its own reboot strategy says (the machines differ)');
  });

  it('counts the lock max in the text', () => {
    const view = updatesView();
    expect(dialogText({ ...view, locks: [{ ...view.locks[0]!, max: 2 }] })).toContain('(2 machines at once)');
  });
});
