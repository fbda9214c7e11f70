// @vitest-environment jsdom
import { EditorView } from '@codemirror/view';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { giveElementsASize } from '../machines/testkit';
import { KvPage } from './KvPage';
import { fakeKvApi, renderKv, type FakeKvApi } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize(1600, 900);
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const tree = () => screen.getByRole('tree', { name: 'Keys' });
const item = (name: string | RegExp) => within(tree()).getByRole('treeitem', { name });
const location = () => screen.getByRole('status', { name: 'location' }).textContent;

/** A fake KV with a few keys, rendered at `path`, listed and watching. */
async function open(seed: (f: FakeKvApi) => void = () => undefined, path = '/kv') {
  const fake = fakeKvApi();
  fake.kv.put('/app/config', '{"name":"web","ports":[80,443]}');
  fake.kv.put('/app/greeting', 'hello');
  fake.kv.put('/other', 'x');
  seed(fake);
  renderKv(<KvPage />, fake.api, path);
  await screen.findByText(/keys · revision \d+ · live/);
  await waitFor(() => expect(fake.subscribers('kv.watch')).toBe(1));
  return fake;
}

describe('the key tree', () => {
  it('lists every key as a tree with counts, and opens and closes folders', async () => {
    const user = userEvent.setup();
    await open();
    expect(screen.getByText('3 keys · revision 4 · live')).toBeTruthy();
    expect(item('/ — 3 keys').getAttribute('aria-expanded')).toBe('true');
    const app = item('app/ — 2 keys');
    expect(app.getAttribute('aria-expanded')).toBe('false');
    expect(within(tree()).queryByRole('treeitem', { name: 'config' })).toBeNull();
    await user.click(app);
    expect(item('app/ — 2 keys').getAttribute('aria-expanded')).toBe('true');
    expect(item('config').getAttribute('aria-level')).toBe('3');
    await user.click(item('app/ — 2 keys'));
    expect(within(tree()).queryByRole('treeitem', { name: 'config' })).toBeNull();
  });

  it('lists page by page and watches from the first page’s revision on', async () => {
    const fake = fakeKvApi();
    for (let i = 0; i < 2500; i++) fake.kv.put(`/many/${String(i).padStart(4, '0')}`, 'v');
    renderKv(<KvPage />, fake.api);
    await screen.findByText('2500 keys · revision 2501 · live');
    const lists = fake.paramsOf('kv.list');
    expect(lists.map((p) => p.after)).toEqual([undefined, '/many/0999', '/many/1999']);
    expect(lists.every((p) => p.keysOnly)).toBe(true);
    await waitFor(() => expect(fake.subscribers('kv.watch')).toBe(1));
    // Virtualized: opening a folder of 2,500 keys renders the rows in view, not all of them.
    await userEvent.setup().click(item('many/ — 2500 keys'));
    const shown = within(tree()).getAllByRole('treeitem');
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.length).toBeLessThan(100);
    expect(shown[2]!.getAttribute('aria-setsize')).toBe('2500');
  });

  it('shows keys put by someone else, drops deleted ones, and flashes what changed', async () => {
    const fake = await open();
    fake.write('/new-key', 'fresh');
    const added = item('new-key');
    expect(added.getAttribute('data-flash')).toBe('true');
    expect(screen.getByText('4 keys · revision 5 · live')).toBeTruthy();
    fake.remove('/other');
    expect(within(tree()).queryByRole('treeitem', { name: 'other' })).toBeNull();
    expect(item('/ — 3 keys')).toBeTruthy();
    await waitFor(() => expect(item('new-key').getAttribute('data-flash')).toBe('false'), { timeout: 3000 });
  });

  it('filters keys, opening the folders that lead to hits', async () => {
    const user = userEvent.setup();
    await open();
    await user.type(screen.getByRole('searchbox', { name: 'Filter keys' }), 'GREET');
    await screen.findByText('1 of 3 keys match');
    expect(
      within(tree())
        .getAllByRole('treeitem')
        .map((r) => r.getAttribute('aria-label')),
    ).toEqual(['/ — 1 key', 'app/ — 1 key', 'greeting']);
  });

  it('is driven from the keyboard: arrows move, open and close; Enter shows a key', async () => {
    const user = userEvent.setup();
    await open();
    const t = tree();
    act(() => t.focus());
    const active = () =>
      document.getElementById(t.getAttribute('aria-activedescendant') ?? '')?.getAttribute('aria-label');
    expect(active()).toBe('/ — 3 keys');
    await user.keyboard('{ArrowDown}');
    expect(active()).toBe('app/ — 2 keys');
    await user.keyboard('{ArrowRight}');
    expect(item('app/ — 2 keys').getAttribute('aria-expanded')).toBe('true');
    await user.keyboard('{ArrowRight}');
    expect(active()).toBe('config');
    await user.keyboard('{ArrowDown}{Enter}');
    expect(location()).toBe('/kv?key=%2Fapp%2Fgreeting');
    await user.keyboard('{ArrowLeft}');
    expect(active()).toBe('app/ — 2 keys');
    await user.keyboard('{ArrowLeft}');
    expect(item('app/ — 2 keys').getAttribute('aria-expanded')).toBe('false');
    await user.keyboard('{End}');
    expect(active()).toBe('other');
    await user.keyboard('{Home}');
    expect(active()).toBe('/ — 3 keys');
  });
});

describe('a key’s value', () => {
  it('shows JSON pretty with folding, a Raw toggle and the revisions; opens the key’s folders', async () => {
    const user = userEvent.setup();
    await open(undefined, '/kv?key=%2Fapp%2Fconfig');
    const value = await screen.findByRole('group', { name: 'Value of /app/config' });
    expect(value.textContent).toContain('"ports": [');
    expect(item('config').getAttribute('aria-selected')).toBe('true');
    const revisions = screen.getByRole('group', { name: 'Revisions' });
    expect(revisions.textContent).toContain('Created rev 2');
    expect(revisions.textContent).toContain('Modified rev 2');
    expect(revisions.textContent).toContain('Version 1');

    await user.click(screen.getByRole('button', { name: 'Collapse ports' }));
    expect(value.textContent).toContain('"ports": […]  2 items');
    await user.click(screen.getByRole('switch', { name: 'Raw' }));
    expect(screen.getByLabelText('Value of /app/config').textContent).toBe('{"name":"web","ports":[80,443]}');
  });

  it('shows text as text, binary as a hex dump, and follows live changes', async () => {
    const user = userEvent.setup();
    const fake = await open((f) => f.kv.put('/bin', btoa('\u0000\u0001AB'), { binary: true }));
    await user.click(item('bin'));
    expect(await screen.findByText('Binary value (not UTF-8): hex dump')).toBeTruthy();
    expect(screen.getByLabelText('Value of /bin').textContent).toContain('00000000: 0001 4142');
    await user.click(item('app/ — 2 keys'));
    await user.click(item('greeting'));
    expect((await screen.findByLabelText('Value of /app/greeting')).textContent).toBe('hello');
    fake.write('/app/greeting', 'hello again');
    expect(screen.getByLabelText('Value of /app/greeting').textContent).toBe('hello again');
    expect(screen.getByRole('group', { name: 'Revisions' }).textContent).toContain('Version 2');
  });
});

const editorOf = (key: string) =>
  EditorView.findFromDOM(screen.getByLabelText(`Value of ${key}`)) as EditorView;
function typeInEditor(key: string, text: string) {
  const view = editorOf(key);
  act(() =>
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, userEvent: 'input.type' }),
  );
}

describe('editing', () => {
  it('saves with the revision the edit started from', async () => {
    const user = userEvent.setup();
    const fake = await open(undefined, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    typeInEditor('/app/greeting', 'hi there');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved /app/greeting at revision 5');
    expect(fake.paramsOf('kv.put')).toEqual([
      { cluster: 'dev', key: '/app/greeting', value: 'hi there', binary: false, expectModRevision: 3 },
    ]);
    expect(fake.kv.keys.get('/app/greeting')!.value).toBe('hi there');
    await waitFor(() => expect(screen.getByLabelText('Value of /app/greeting').textContent).toBe('hi there'));
  });

  it('on a CONFLICT shows theirs against yours, never overwrites, and overwrites only when asked', async () => {
    const user = userEvent.setup();
    const fake = await open(undefined, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    typeInEditor('/app/greeting', 'mine');
    // Someone else writes, but the watch has not told us yet: the save meets the conflict.
    fake.kv.put('/app/greeting', 'theirs');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert', { name: 'Changed at revision 5 by someone else' });
    const diff = within(alert).getByRole('group', { name: /^Theirs and yours/ });
    expect(diff.textContent).toContain('removed: theirs');
    expect(diff.textContent).toContain('added: mine');
    expect(fake.kv.keys.get('/app/greeting')!.value).toBe('theirs');
    expect(screen.getByRole('button', { name: 'Save' })).toHaveProperty('disabled', true);

    await user.click(within(alert).getByRole('button', { name: 'Overwrite revision 5 with mine' }));
    await screen.findByText('Saved /app/greeting at revision 6');
    expect(fake.paramsOf('kv.put').map((p) => p.expectModRevision)).toEqual([3, 5]);
    expect(fake.kv.keys.get('/app/greeting')!.value).toBe('mine');
  });

  it('warns as soon as the watch brings someone else’s change, and can take theirs', async () => {
    const user = userEvent.setup();
    const fake = await open(undefined, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    typeInEditor('/app/greeting', 'mine');
    fake.write('/app/greeting', 'theirs');
    const alert = screen.getByRole('alert', { name: 'Changed at revision 5 by someone else' });
    await user.click(within(alert).getByRole('button', { name: 'Take theirs' }));
    expect(screen.getByLabelText('Value of /app/greeting').textContent).toBe('theirs');
    expect(fake.paramsOf('kv.put')).toEqual([]);
  });

  it('offers to write again when someone deleted the key meanwhile', async () => {
    const user = userEvent.setup();
    const fake = await open(undefined, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    typeInEditor('/app/greeting', 'mine');
    fake.remove('/app/greeting');
    const alert = screen.getByRole('alert', { name: 'Deleted at revision 5 by someone else' });
    await user.click(within(alert).getByRole('button', { name: 'Create it again with mine' }));
    await screen.findByText('Saved /app/greeting at revision 6');
    expect(fake.paramsOf('kv.put')[0]!.expectModRevision).toBe(0);
  });
});

describe('delete and new key', () => {
  it('asks, deletes the revision shown, and on a conflict deletes nothing', async () => {
    const user = userEvent.setup();
    const fake = await open(undefined, '/kv?key=%2Fother');
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete /other?' });
    expect(
      within(dialog).getByRole('button', {
        name: /^Copy as etcdctl command: etcdctl --endpoints=\S+ del \/other$/,
      }),
    ).toBeTruthy();
    fake.kv.put('/other', 'changed');
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await within(dialog).findByText(/Changed at revision 5 by someone else: nothing was deleted/);
    expect(fake.kv.keys.has('/other')).toBe(true);
    await user.click(within(dialog).getByRole('button', { name: 'Delete revision 5' }));
    await screen.findByText('Deleted /other at revision 6');
    expect(fake.paramsOf('kv.delete').map((p) => p.expectModRevision)).toEqual([4, 5]);
    await waitFor(() => expect(location()).toBe('/kv'));
  });

  it('creates a key on a lease, refusing to overwrite one that exists', async () => {
    const user = userEvent.setup();
    const fake = await open((f) => {
      f.kv.leases = [{ id: '255', ttl: 50, grantedTtl: 60, keys: [], readAt: Date.now() }];
    }, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(screen.getByRole('button', { name: 'New key' }));
    const dialog = screen.getByRole('dialog', { name: 'New key' });
    const key = within(dialog).getByRole('textbox', { name: 'Key' });
    expect((key as HTMLInputElement).value).toBe('/app/');
    await user.type(key, 'greeting');
    await user.type(within(dialog).getByRole('textbox', { name: 'Value' }), 'v');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    await within(dialog).findByText('/app/greeting already exists (revision 3): nothing was written.');

    await user.clear(key);
    await user.type(key, '/app/leased');
    await user.click(within(dialog).getByRole('combobox', { name: 'Lease' }));
    await user.click(await screen.findByRole('option', { name: /^ff \(TTL 60 s/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    await screen.findByText('Created /app/leased at revision 5');
    expect(fake.paramsOf('kv.put')[1]).toEqual({
      cluster: 'dev',
      key: '/app/leased',
      value: 'v',
      expectModRevision: 0,
      lease: '255',
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(location()).toBe('/kv?key=%2Fapp%2Fleased');
  });
});

describe('history', () => {
  it('lists versions newest first with what changed, and says what was compacted', async () => {
    const user = userEvent.setup();
    const fake = await open((f) => {
      f.kv.put('/app/greeting', 'hello\nworld');
      f.kv.put('/app/greeting', 'hello\nthere');
    }, '/kv?key=%2Fapp%2Fgreeting');
    await user.click(await screen.findByRole('tab', { name: 'History' }));
    const versions = await screen.findByRole('list', { name: 'Versions of /app/greeting' });
    const items = within(versions).getAllByRole('listitem');
    expect(items.map((i) => i.getAttribute('aria-label'))).toEqual([
      'Revision 6',
      'Revision 5',
      'Revision 3',
    ]);
    const newest = within(items[0]!).getByRole('group', { name: 'Changes from revision 5 to 6' });
    expect(newest.textContent).toContain('removed: world');
    expect(newest.textContent).toContain('added: there');
    expect(within(items[2]!).getByText('Created with:')).toBeTruthy();

    // Live: a new write reads the history again; a compaction and a delete are said.
    fake.kv.compactedAt = 5;
    fake.remove('/app/greeting');
    await screen.findByText('The key was deleted after revision 6.');
    expect(screen.getByText('Older versions were compacted away (before revision 5).')).toBeTruthy();
    expect(
      within(screen.getByRole('list', { name: 'Versions of /app/greeting' })).getAllByRole('listitem'),
    ).toHaveLength(2);
  });
});

describe('flashes in closed folders', () => {
  it('flashes the closed folder that holds a changed key', async () => {
    const fake = await open();
    expect(item('app/ — 2 keys').getAttribute('aria-expanded')).toBe('false');
    fake.write('/app/greeting', 'changed');
    expect(item('app/ — 2 keys').getAttribute('data-flash')).toBe('true');
    expect(item('other').getAttribute('data-flash')).toBe('false');
  });
});
