// @vitest-environment jsdom
// axe over the Updates page and its dialogs: no serious or critical violations. Colour contrast
// needs layout (jsdom has none) and landmarks come from the app frame, so both are left to e2e.
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeUpdatesApi, renderWithApi, updatesView } from './testkit';
import { UpdatesPage } from './UpdatesPage';

afterEach(cleanup);

/** Under a dialog, only the dialog: MUI hides the page behind a modal with aria-hidden. */
async function violations(root: Element = document.body): Promise<string[]> {
  const result = await axe.run(root, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

describe('Updates page accessibility', () => {
  it('has no serious violations on the page, with a window being edited, and in its dialogs', async () => {
    const user = userEvent.setup();
    const fake = fakeUpdatesApi();
    renderWithApi(<UpdatesPage />, fake.api);
    fake.emit('updates.changed', updatesView());
    await user.click(
      within(screen.getByRole('region', { name: 'alpha' })).getByRole('button', { name: /^4516/ }),
    );
    expect(await violations()).toEqual([]);

    await user.click(screen.getByRole('switch', { name: 'Reboot only within a window' }));
    await user.clear(screen.getByRole('textbox', { name: 'Window start' }));
    expect(await violations()).toEqual([]);

    await user.click(
      within(screen.getByRole('group', { name: 'Channel' })).getByRole('button', { name: 'beta' }),
    );
    expect(await violations(screen.getByRole('dialog'))).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    await user.click(screen.getByRole('button', { name: 'Roll back core-01' }));
    expect(await violations(screen.getByRole('dialog'))).toEqual([]);
  });
});
