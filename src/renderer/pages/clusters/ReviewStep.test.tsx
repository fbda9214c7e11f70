// @vitest-environment jsdom
import { EditorView } from '@codemirror/view';
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect, useMemo, useState } from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { EMPTY_REMOTE } from '../../remote/remote-form';
import { NEW_KEY } from '../machines/fixtures';
import { EMPTY_DRAFT, type Draft } from './draft';
import { generateConfigs, withEdits } from './review';
import { ReviewStep, type ConfigLocation } from './ReviewStep';
import { addresses, fakeApi, renderInApp } from './testkit';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const latest = { current: EMPTY_DRAFT };
function Harness({ initial, reveal = null }: { initial: Draft; reveal?: ConfigLocation | null }) {
  const [draft, setDraft] = useState(initial);
  const [tab, setTab] = useState(reveal?.host ?? '');
  useEffect(() => {
    latest.current = draft;
  });
  const network = addresses(3);
  const configs = useMemo(() => withEdits(generateConfigs(draft, network), draft.edited), [draft, network]);
  return (
    <ReviewStep
      draft={draft}
      setDraft={setDraft}
      configs={configs}
      addressError={undefined}
      onRetry={() => undefined}
      tab={tab}
      onTab={setTab}
      reveal={reveal}
    />
  );
}

const show = (initial: Partial<Draft> = {}, reveal: ConfigLocation | null = null) =>
  renderInApp(<Harness initial={{ ...EMPTY_DRAFT, name: 'demo', ...initial }} reveal={reveal} />, {
    api: fakeApi().api,
  });
const editorOf = (host: string) =>
  EditorView.findFromDOM(screen.getByRole('textbox', { name: `cloud-config of ${host}` })) as EditorView;

describe('ReviewStep', () => {
  it('shows each machine’s generated cloud-config with its address, a tab per machine', async () => {
    const user = userEvent.setup();
    show();
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['core-01', 'core-02', 'core-03']);
    expect(editorOf('core-01').state.doc.toString()).toContain('10.99.3.101');
    await user.click(screen.getByRole('tab', { name: 'core-03' }));
    expect(editorOf('core-03').state.doc.toString()).toContain('hostname: core-03');
    expect(screen.getByText("None: core-03's cloud-config reads cleanly.")).toBeTruthy();
    expect(screen.getByText('flotctl cluster create demo --machines 3')).toBeTruthy();
  });

  it('marks an edited config, shows the line of a lint error inline and in the problems list, and resets', async () => {
    const user = userEvent.setup();
    const { container } = show();
    await user.click(screen.getByRole('tab', { name: 'core-02' }));
    const view = editorOf('core-02');
    const line = view.state.doc.line(4);
    expect(line.text).toBe('hostname: core-02');
    act(() =>
      view.dispatch({
        changes: { from: line.from, to: line.to, insert: 'hostname: Bad_Host!' },
        userEvent: 'input.type',
      }),
    );

    expect(screen.getByRole('tab', { name: /core-02.*edited/ })).toBeTruthy();
    expect(latest.current.edited['core-02']).toContain('hostname: Bad_Host!');
    const problems = within(screen.getByRole('list', { name: 'Problems' }));
    const first = problems.getAllByRole('button')[0] as HTMLElement;
    expect(first.textContent).toMatch(/Line 4, column \d+: .*hostname/);
    expect(within(first).getByTitle('Error')).toBeTruthy();
    expect(container.querySelector('.cm-lintRange-error')).not.toBeNull();
    expect(screen.getByRole('tab', { name: /core-02.*error/ })).toBeTruthy();
    expect(screen.getByText(/--cloud-config core-02=core-02\.yaml$/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Download cloud-configs' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Reset to generated' }));
    expect(latest.current.edited).toEqual({});
    expect(screen.getByRole('tab', { name: 'core-02' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Download cloud-configs' })).toBeNull();
  });

  it('opens on the machine and line a refused create named', () => {
    show({}, { host: 'core-03', line: 5, column: 3 });
    const view = editorOf('core-03');
    expect(screen.getByRole('tab', { name: 'core-03' }).getAttribute('aria-selected')).toBe('true');
    expect(view.state.selection.main.head).toBe(view.state.doc.line(5).from + 2);
  });

  it('says the user-data is merged, and leaves it out on request', async () => {
    const user = userEvent.setup();
    show({
      userData: {
        text: '#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: hi\n',
        file: 'user-data',
      },
    });
    expect(editorOf('core-01').state.doc.toString()).toContain('/etc/motd');
    await user.click(screen.getByRole('button', { name: 'Leave it out' }));
    expect(editorOf('core-01').state.doc.toString()).not.toContain('/etc/motd');
  });

  it('names the remote hosts and the machine add line for each', () => {
    const form = { ...EMPTY_REMOTE, host: '10.0.0.21', user: 'core' };
    show({ remotes: [{ form, fingerprint: NEW_KEY, accept: true, docker: 'Docker 27.5.1' }] });
    expect(
      screen.getByText('core-04 (core@10.0.0.21:22); it joins over SSH once the local machines are up.'),
    ).toBeTruthy();
    expect(
      screen.getByText(
        `flotctl machine add --cluster demo --ssh core@10.0.0.21 --name core-04 --accept-fingerprint ${NEW_KEY}`,
      ),
    ).toBeTruthy();
    // The cloud-configs are the local machines' only.
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['core-01', 'core-02', 'core-03']);
  });
});
