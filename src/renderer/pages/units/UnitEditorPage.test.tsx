// @vitest-environment jsdom
import { EditorView } from '@codemirror/view';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type Plan, type UnitInfo } from '../../../shared/api';
import { unitHash } from '../../../shared/units';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { UNIT_TEMPLATES } from './templates';
import { dev, giveElementsASize, machineInfo, renderUnits, running, unitInfo, type FakeApi } from './testkit';

let restoreLayout: () => void;
beforeAll(() => {
  installLayoutStubs();
  restoreLayout = giveElementsASize();
});
afterAll(() => restoreLayout());
afterEach(cleanup);

const core01 = machineInfo('core-01', '1');
const core02 = machineInfo('core-02', '2');
const HELLO = UNIT_TEMPLATES[0]!.content;
const OLD = '[Service]\nExecStart=/bin/sleep 10\n';
const THEIRS = '[Service]\nExecStart=/bin/sleep 99\n';

const editorView = () =>
  EditorView.findFromDOM(screen.getByRole('textbox', { name: 'Unit file' })) as EditorView;
const text = () => editorView().state.doc.toString();
/** Replaces the editor's text as typing would. */
function setText(value: string) {
  const view = editorView();
  act(() =>
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: value },
      userEvent: 'input.type',
    }),
  );
}
const methods = (fake: FakeApi) => fake.calls.map((c) => c.method);

const plan: Plan = {
  valid: true,
  problems: [],
  stops: [],
  starts: [{ unit: 'hello.service', machineId: core02.id, reason: 'least loaded of 2 machines' }],
  blocked: [],
};

/** A registry with `stored` files, answering like the real one. */
function registryHandlers(stored: Record<string, string>, infos: () => UnitInfo[] = () => []) {
  return {
    'units.get': async ({ name }: { name: string }) => {
      const content = stored[name];
      if (content === undefined) throw new ApiError('NOT_FOUND', `Unit ${name} not found`);
      const info = infos().find((u) => u.name === name) ?? unitInfo(name, {});
      return { ...info, hash: unitHash(content), content };
    },
    'units.submit': async ({
      units,
      replace,
    }: {
      units: { name: string; content: string }[];
      replace: boolean;
    }) => ({
      results: units.map((u) => {
        const had = stored[u.name];
        if (had !== undefined && had !== u.content && !replace)
          return { name: u.name, outcome: 'differs' as const, hash: unitHash(had) };
        stored[u.name] = u.content;
        return {
          name: u.name,
          outcome:
            had === undefined
              ? ('created' as const)
              : had === u.content
                ? ('unchanged' as const)
                : ('replaced' as const),
          hash: unitHash(u.content),
        };
      }),
    }),
    'units.setState': async ({ names }: { names: string[] }) => ({
      units: names.map((name) => ({ name, previous: 'inactive' as const })),
    }),
    'plan.preview': async () => plan,
  };
}

describe('the unit editor: a new unit', () => {
  it('starts from the hello world template, lints as you type, and refuses to submit with errors', async () => {
    const fake = renderUnits('/units/new', registryHandlers({}));
    running(fake, [core01, core02], []);
    expect(screen.getByRole('heading', { level: 1, name: 'New unit' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Hello world', pressed: true })).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Unit name' }) as HTMLInputElement).value).toBe(
      'hello.service',
    );
    expect(text()).toBe(HELLO);
    expect(screen.getByText('None: fleet and systemd would read this file cleanly.')).toBeTruthy();

    setText(`${HELLO}Global=maybe\n`);
    const problems = screen.getByRole('list', { name: /Problems/ });
    expect(within(problems).getByText('Line 17, column 8: Global: "maybe" is not a boolean.')).toBeTruthy();
    expect(screen.getByText('1 error, 0 warnings')).toBeTruthy();
    expect(document.querySelector('.cm-lintRange-error')?.textContent).toBe('maybe');

    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    expect(
      screen.getByText(/Submit refuses a unit file with errors: fix the error listed under Problems first/),
    ).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Plan' }));
    expect(screen.getByText(/Plan refuses a unit file with errors/)).toBeTruthy();
    expect(methods(fake)).toEqual([]);

    // A problem jumps to its line.
    await userEvent.click(within(problems).getByRole('button'));
    expect(editorView().state.doc.lineAt(editorView().state.selection.main.head).number).toBe(17);
  });

  it('plans before applying, then submits, starts and goes to the unit', async () => {
    const stored: Record<string, string> = {};
    const fake = renderUnits('/units/new', registryHandlers(stored));
    running(fake, [core01, core02], []);
    await userEvent.click(screen.getByRole('button', { name: 'Plan' }));
    expect(await screen.findByText(/would run on/)).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Plan and apply' }).textContent).toMatch(
      /hello.service would run on core-02\..*Nothing stops\..*hello.service on core-02 — least loaded of 2 machines/,
    );
    expect(fake.calls[0]).toEqual({
      method: 'plan.preview',
      params: { cluster: 'dev', change: { kind: 'start', unit: 'hello.service', content: HELLO } },
    });

    setText(`${HELLO}# changed\n`);
    expect(screen.getByText(/changed since the last plan/)).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    await waitFor(() => expect(screen.getByLabelText('Location').textContent).toBe('/units/hello.service'));
    expect(stored['hello.service']).toBe(`${HELLO}# changed\n`);
    expect(methods(fake).slice(1)).toEqual(['units.get', 'units.submit', 'units.setState']);
    expect(fake.calls.at(-1)?.params).toEqual({
      cluster: 'dev',
      names: ['hello.service'],
      state: 'launched',
    });
    expect(await screen.findByText('Started hello.service')).toBeTruthy();
  });

  it('validates the name, and runs a template unit as an instance', async () => {
    const stored: Record<string, string> = {};
    const fake = renderUnits('/units/new', registryHandlers(stored));
    running(fake, [core01, core02], []);
    const name = screen.getByRole('textbox', { name: 'Unit name' });
    await userEvent.clear(name);
    await userEvent.type(name, 'hello');
    expect(screen.getByText('Unit name "hello" has no type suffix such as .service.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    expect(screen.getByText(/Fix the unit name first/)).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Template unit' }));
    // The text was not changed by hand, so the template replaces it without asking; the name stays.
    await userEvent.clear(name);
    await userEvent.type(name, 'web@.service');
    const instance = screen.getByRole('textbox', { name: 'Instance to run' });
    await userEvent.clear(instance);
    await userEvent.type(instance, '3');
    expect(screen.getByText('Load and Start run web@3.service')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    await waitFor(() => expect(screen.getByLabelText('Location').textContent).toBe('/units/web%403.service'));
    expect(Object.keys(stored)).toEqual(['web@.service', 'web@3.service']);
    expect(fake.calls.at(-1)?.params).toMatchObject({ names: ['web@3.service'], state: 'launched' });
  });

  it('asks before a template replaces text written by hand', async () => {
    const fake = renderUnits('/units/new', registryHandlers({}));
    running(fake, [core01], []);
    setText('[Service]\nExecStart=/bin/true\n');
    await userEvent.click(screen.getByRole('button', { name: 'Global unit' }));
    const dialog = screen.getByRole('dialog', { name: 'Start over from “Global unit”?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Keep my text' }));
    expect(text()).toBe('[Service]\nExecStart=/bin/true\n');
    await userEvent.click(screen.getByRole('button', { name: 'Global unit' }));
    await userEvent.click(screen.getByRole('button', { name: 'Replace it' }));
    expect(text()).toContain('Global=true');
    expect((screen.getByRole('textbox', { name: 'Unit name' }) as HTMLInputElement).value).toBe(
      'monitor.service',
    );
  });

  it('warns before leaving with unsaved changes', async () => {
    const fake = renderUnits('/units/new', registryHandlers({}));
    running(fake, [core01], []);
    // Unchanged: leaving does not ask.
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByLabelText('Location').textContent).toBe('/units');
    await userEvent.click(screen.getByRole('button', { name: 'New unit' }));

    const unload = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    setText(`${HELLO}# mine\n`);
    // Closing the browser tab asks too.
    expect(unload()).toBe(true);
    await userEvent.click(screen.getByRole('link', { name: 'Units' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave without submitting?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Stay' }));
    expect(screen.getByLabelText('Location').textContent).toBe('/units/new');
    expect(text()).toContain('# mine');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await userEvent.click(screen.getByRole('button', { name: 'Leave and discard' }));
    expect(screen.getByLabelText('Location').textContent).toBe('/units');
  });
});

describe('the unit editor: an existing unit', () => {
  const app = { ...unitInfo('app.service', { on: core01 }), hash: unitHash(OLD) };

  function openApp(stored: Record<string, string>) {
    let infos = [app];
    const fake = renderUnits(
      '/units/app.service/edit',
      registryHandlers(stored, () => infos),
    );
    running(fake, [core01, core02], infos);
    const replaceFromOutside = (content: string) => {
      stored['app.service'] = content;
      infos = [{ ...app, hash: unitHash(content) }];
      act(() => fake.emit('units.changed', { kind: 'upsert', unit: infos[0]! }));
    };
    return { fake, replaceFromOutside };
  }

  it('shows the diff against the registry and replaces the version it opened', async () => {
    const stored = { 'app.service': OLD };
    const { fake } = openApp(stored);
    expect(await screen.findByRole('heading', { level: 1, name: 'Edit app.service' })).toBeTruthy();
    await waitFor(() => expect(text()).toBe(OLD));
    // It keeps the state it is in: launched.
    expect(screen.getByRole('button', { name: 'Submit and start' })).toBeTruthy();

    setText(OLD.replace('10', '20'));
    await userEvent.click(screen.getByRole('button', { name: 'Diff against the registry' }));
    expect(screen.getByText('From the registry to the editor: 1 line added, 1 removed.')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Changes to app.service: registry → editor' })).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Plan' }));
    await waitFor(() =>
      expect(fake.calls.find((c) => c.method === 'plan.preview')?.params).toEqual({
        cluster: 'dev',
        change: { kind: 'edit', unit: 'app.service', content: OLD.replace('10', '20') },
      }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    await waitFor(() => expect(screen.getByLabelText('Location').textContent).toBe('/units/app.service'));
    expect(fake.calls.find((c) => c.method === 'units.submit')?.params).toMatchObject({ replace: true });
    expect(stored['app.service']).toBe(OLD.replace('10', '20'));
  });

  it('shows a replace from elsewhere as a conflict, and Take theirs loads their file', async () => {
    const stored = { 'app.service': OLD };
    const { fake, replaceFromOutside } = openApp(stored);
    await waitFor(() => expect(text()).toBe(OLD));
    setText(`${OLD}# mine\n`);
    replaceFromOutside(THEIRS);
    const banner = await screen.findByRole('alert');
    expect(
      within(banner).getByText('app.service was replaced in the registry while you were editing it'),
    ).toBeTruthy();
    expect(within(banner).getByText('From their version to yours: 2 lines added, 1 removed.')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    expect(screen.getByText(/Resolve the conflict first/)).toBeTruthy();
    expect(methods(fake)).not.toContain('units.submit');

    await userEvent.click(within(banner).getByRole('button', { name: 'Take theirs' }));
    expect(text()).toBe(THEIRS);
    expect(screen.queryByText(/was replaced in the registry/)).toBeNull();
    expect(screen.queryByText(/Resolve the conflict first/)).toBeNull();
  });

  it('Keep mine replaces theirs knowingly', async () => {
    const stored = { 'app.service': OLD };
    const { fake, replaceFromOutside } = openApp(stored);
    await waitFor(() => expect(text()).toBe(OLD));
    setText(`${OLD}# mine\n`);
    replaceFromOutside(THEIRS);
    await userEvent.click(
      within(await screen.findByRole('alert')).getByRole('button', { name: 'Keep mine' }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    await waitFor(() => expect(stored['app.service']).toBe(`${OLD}# mine\n`));
    expect(fake.calls.find((c) => c.method === 'units.submit')?.params).toMatchObject({ replace: true });
  });

  it('re-checks the registry when applying, and never overwrites a version it has not seen', async () => {
    const stored = { 'app.service': OLD };
    const { fake } = openApp(stored);
    await waitFor(() => expect(text()).toBe(OLD));
    setText(`${OLD}# mine\n`);
    // Replaced, but no event reached the page yet.
    stored['app.service'] = THEIRS;
    await userEvent.click(screen.getByRole('button', { name: 'Submit and start' }));
    expect(
      await screen.findByText('app.service was replaced in the registry while you were editing it'),
    ).toBeTruthy();
    expect(methods(fake)).not.toContain('units.submit');
    expect(stored['app.service']).toBe(THEIRS);
  });

  it('keeps an inactive unit inactive by default, from the file it read (before the live list arrives)', async () => {
    const db = { ...unitInfo('db.service', { desired: 'inactive' }), hash: unitHash(OLD) };
    const fake = renderUnits(
      '/units/db.service/edit',
      registryHandlers({ 'db.service': OLD }, () => [db]),
    );
    act(() => fake.emit('clusters.changed', [dev]));
    expect(await screen.findByRole('button', { name: 'Submit' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Submit and start' })).toBeNull();
  });

  it('says when the unit cannot be read', async () => {
    const fake = renderUnits('/units/nope.service/edit', registryHandlers({}));
    running(fake, [core01], []);
    expect(await screen.findByText('Could not open nope.service: Unit nope.service not found')).toBeTruthy();
  });
});
