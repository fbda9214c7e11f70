// @vitest-environment jsdom
// axe over the Add machine dialog in each of its states: no serious or critical violations. Colour
// contrast needs layout (jsdom has none), so it is left to e2e. Under a modal only the dialog is
// checked: MUI hides the page behind it with aria-hidden.
import { cleanup, screen } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type RemoteProbe } from '../../../shared/api';
import { ApiContext } from '../../api/hooks';
import { AddRemoteDialog } from '../../remote/AddRemoteDialog';
import { remoteProbe } from './fixtures';
import { fakeApi, renderInApp } from './testkit';

afterEach(cleanup);

async function violations(within: Element): Promise<string[]> {
  const result = await axe.run(within, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

function show(probe: () => RemoteProbe) {
  const fake = fakeApi({ 'machines.probeRemote': probe, 'machines.forgetHostKey': () => ({ removed: 1 }) });
  renderInApp(
    <ApiContext.Provider value={fake.api}>
      <AddRemoteDialog
        purpose={{ kind: 'add', cluster: 'dev', onAdded: vi.fn() }}
        clusterArgs={[]}
        taken={['core-01']}
        defaultName="core-02"
        onClose={vi.fn()}
      />
    </ApiContext.Provider>,
  );
  return () => screen.getByRole('dialog');
}

async function connect(user: UserEvent) {
  await user.type(screen.getByRole('textbox', { name: 'Host' }), '10.0.0.21');
  await user.type(screen.getByRole('textbox', { name: 'User' }), 'core');
  await user.click(screen.getByRole('button', { name: 'Connect' }));
}

describe('Add machine dialog accessibility', () => {
  it('has no serious violations on the form, its errors, Advanced and an unknown key', async () => {
    const user = userEvent.setup();
    const dialog = show(() => remoteProbe('unknown'));
    expect(await violations(dialog())).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    await user.click(screen.getByRole('button', { name: 'Advanced' }));
    expect(await violations(dialog())).toEqual([]);
    await connect(user);
    await screen.findByRole('button', { name: 'Trust and add' });
    expect(await violations(dialog())).toEqual([]);
  });

  it('has no serious violations on a changed key and its confirmation', async () => {
    const user = userEvent.setup();
    const dialog = show(() => remoteProbe('changed'));
    await connect(user);
    await user.click(await screen.findByRole('button', { name: 'Forget the old key' }));
    expect(await violations(dialog())).toEqual([]);
  });

  it('has no serious violations on Docker facts, a Docker problem and an API error', async () => {
    const user = userEvent.setup();
    let dialog = show(() => remoteProbe('known'));
    await connect(user);
    await screen.findByText(/is usable there/);
    expect(await violations(dialog())).toEqual([]);
    cleanup();
    dialog = show(() =>
      remoteProbe('known', { ok: false, problem: { message: 'no docker', hint: 'install it' } }),
    );
    await connect(user);
    await screen.findByText('Docker is not usable there');
    expect(await violations(dialog())).toEqual([]);
    cleanup();
    dialog = show(() => {
      throw new ApiError('UNAUTHORIZED', 'authentication failed', { hint: 'use ssh-add' });
    });
    await connect(user);
    await screen.findByText('authentication failed');
    expect(await violations(dialog())).toEqual([]);
  });
});
