// @vitest-environment jsdom
import { EditorView } from '@codemirror/view';
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type TaskStep } from '../../../shared/api';
import { installLayoutStubs } from '../../components/CodeEditor.testkit';
import { NEW_KEY, remoteProbe } from '../machines/fixtures';
import { CreateWizard, configLocation } from './CreateWizard';
import { addresses, cluster, fakeApi, renderInApp, task } from './testkit';

beforeAll(installLayoutStubs);
afterEach(cleanup);

function setup(create: () => { taskId: string } = () => ({ taskId: 'c1' })) {
  const fake = fakeApi(
    {
      'clusters.addresses': (p) => addresses(p.machines, p.prefix),
      'clusters.create': create,
      'clusters.setActive': () => ({}),
    },
    { clusters: [cluster('demo', { active: true })] },
  );
  renderInApp(<CreateWizard />, { api: fake.api, path: '/clusters/new' });
  return fake;
}

const onStep = (name: string) => screen.getByRole('form', { name });
const next = (user: UserEvent) => user.click(screen.getByRole('button', { name: 'Next' }));

async function toReview(user: UserEvent, name = 'lab') {
  await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), name);
  for (const step of ['Basics', 'Machines', 'KV', 'Updates', 'Access']) {
    onStep(step);
    await next(user);
  }
  await screen.findByRole('tab', { name: 'core-01' });
}

function edit(host: string, change: (view: EditorView) => { from: number; to?: number; insert: string }) {
  const view = EditorView.findFromDOM(
    screen.getByRole('textbox', { name: `cloud-config of ${host}` }),
  ) as EditorView;
  act(() => view.dispatch({ changes: change(view), userEvent: 'input.type' }));
  return view;
}

describe('configLocation', () => {
  it('reads machine and line from a BAD_REQUEST about a cloud-config, and nothing else', () => {
    const err = new ApiError('BAD_REQUEST', 'bad', { details: { machine: 'core-02', line: 7, column: 3 } });
    expect(configLocation(err)).toEqual({ host: 'core-02', line: 7, column: 3 });
    expect(configLocation(new ApiError('BAD_REQUEST', 'bad', { details: { issues: [] } }))).toBeUndefined();
    expect(
      configLocation(new ApiError('CONFLICT', 'x', { details: { machine: 'core-02', line: 1 } })),
    ).toBeUndefined();
  });
});

describe('CreateWizard', () => {
  it('labels its steps, blocks Next with messages at the fields, and Enter moves on when valid', async () => {
    const user = userEvent.setup();
    setup();
    expect(screen.getByRole('heading', { level: 1, name: 'New cluster' })).toBeTruthy();
    for (const label of ['Basics', 'Machines', 'KV', 'Updates', 'Access', 'Review', 'Create'])
      expect(screen.getByText(label, { selector: '.MuiStepLabel-label' })).toBeTruthy();

    await next(user);
    expect(
      screen.getByRole('textbox', { name: 'Cluster name', description: 'Give the cluster a name' }),
    ).toBeTruthy();
    expect(screen.getByText('Fix the fields marked in red to go on.')).toBeTruthy();
    onStep('Basics');

    const name = screen.getByRole('textbox', { name: 'Cluster name' });
    await user.type(name, 'demo{Enter}');
    expect(
      screen.getByRole('textbox', {
        name: 'Cluster name',
        description: 'A cluster named demo exists already',
      }),
    ).toBe(name);
    onStep('Basics');

    await user.type(name, '-2{Enter}');
    onStep('Machines');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect((screen.getByRole('textbox', { name: 'Cluster name' }) as HTMLInputElement).value).toBe('demo-2');
  });

  it('reviews the configs, keeps an edit, refuses to create while one has errors, creates and follows progress', async () => {
    const user = userEvent.setup();
    const fake = setup();
    await toReview(user);
    expect(fake.paramsOf('clusters.addresses')).toEqual([{ machines: 3, prefix: 'core' }]);
    const createButton = () => screen.getByRole('button', { name: 'Create cluster' }) as HTMLButtonElement;
    expect(createButton().disabled).toBe(false);

    await user.click(screen.getByRole('tab', { name: 'core-02' }));
    const view = edit('core-02', (v) => ({
      from: v.state.doc.line(4).from,
      to: v.state.doc.line(4).to,
      insert: 'hostname: Bad_Host!',
    }));
    expect(createButton().disabled).toBe(true);
    expect(screen.getByText('Errors in core-02 (1)')).toBeTruthy();
    edit('core-02', (v) => ({
      from: v.state.doc.line(4).from,
      to: v.state.doc.line(4).to,
      insert: 'hostname: core-02 # reviewed',
    }));
    expect(view.state.doc.toString()).toContain('# reviewed');
    expect(createButton().disabled).toBe(false);

    await user.click(createButton());
    const [params] = fake.paramsOf('clusters.create');
    expect(Object.keys(params?.cloudConfigs ?? {})).toEqual(['core-02']);
    expect(params?.cloudConfigs?.['core-02']).toContain('# reviewed');
    expect(params).toMatchObject({
      name: 'lab',
      machines: 3,
      members: 3,
      network: { subnet: '10.99.3.0/24' },
    });

    const region = within(await screen.findByRole('region', { name: 'Creating cluster lab' }));
    const steps: TaskStep[] = [
      { name: 'network', state: 'done' },
      { name: 'core-01: image', state: 'done' },
      { name: 'core-01: container', state: 'running' },
    ];
    fake.emit(
      'tasks.changed',
      task({ id: 'c1', title: 'Create cluster lab', steps, message: 'core-01: container' }),
    );
    expect(region.getByRole('status').textContent).toBe('core-01: container');
    expect(within(region.getByRole('row', { name: /^core-01/ })).getByTitle('done')).toBeTruthy();

    fake.emit('clusters.changed', [cluster('demo', { active: true }), cluster('lab')]);
    fake.emit('tasks.changed', task({ id: 'c1', title: 'Create cluster lab', steps, state: 'succeeded' }));
    expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/machines');
    expect(fake.paramsOf('clusters.setActive')).toEqual([{ name: 'lab' }]);
  });

  it('jumps to the machine and line a refused cloud-config names', async () => {
    const user = userEvent.setup();
    setup(() => {
      throw new ApiError('BAD_REQUEST', 'core-03 line 5: unknown unit command', {
        details: { machine: 'core-03', line: 5, column: 1 },
      });
    });
    await toReview(user);
    await user.click(screen.getByRole('button', { name: 'Create cluster' }));
    expect(screen.getByRole('alert').textContent).toBe('core-03 line 5: unknown unit command');
    expect(screen.getByRole('tab', { name: 'core-03' }).getAttribute('aria-selected')).toBe('true');
    const view = EditorView.findFromDOM(
      screen.getByRole('textbox', { name: 'cloud-config of core-03' }),
    ) as EditorView;
    expect(view.state.doc.lineAt(view.state.selection.main.head).number).toBe(5);
  });

  it('shows a failed creation with its hint and goes back to the review', async () => {
    const user = userEvent.setup();
    const fake = setup();
    await toReview(user);
    await user.click(screen.getByRole('button', { name: 'Create cluster' }));
    fake.emit(
      'tasks.changed',
      task({
        id: 'c1',
        state: 'failed',
        error: { code: 'INTERNAL', message: 'image build failed', hint: 'Is busybox-static installed?' },
      }),
    );
    expect(screen.getByRole('alert').textContent).toMatch(/image build failed.*busybox-static/);
    await user.click(screen.getByRole('button', { name: 'Back to review' }));
    onStep('Review');
    expect(screen.getByRole('tab', { name: 'core-01' })).toBeTruthy();
  });

  it('creates a cluster on an existing etcd: no members, the etcd in the params, the review and the command say so', async () => {
    const user = userEvent.setup();
    const fake = setup();
    await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), 'lab');
    await next(user);
    await next(user);
    onStep('KV');
    await user.click(screen.getByRole('radio', { name: 'An existing etcd cluster' }));
    await next(user);
    onStep('KV');
    expect(screen.getByRole('textbox', { name: 'Endpoints' }).getAttribute('aria-invalid')).toBe('true');
    await user.type(screen.getByRole('textbox', { name: 'Endpoints' }), 'https://10.0.0.5:2379');
    await user.type(screen.getByRole('textbox', { name: 'User name' }), 'alice');
    await user.type(screen.getByLabelText('Password'), 'secret');
    for (const step of ['KV', 'Updates', 'Access']) {
      onStep(step);
      await next(user);
    }
    await screen.findByRole('tab', { name: 'core-01' });
    expect(
      screen.getByText(
        'The existing etcd at https://10.0.0.5:2379, keys under /flotilla/lab/; user alice with a password.',
      ),
    ).toBeTruthy();
    const command =
      'flotctl cluster create lab --machines 3 --etcd https://10.0.0.5:2379 --etcd-user alice --etcd-password-file PASSWORD_FILE';
    expect(screen.getByText(command)).toBeTruthy();
    expect(screen.getByText(/name that file in place of PASSWORD_FILE/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Create cluster' }));
    const [params] = fake.paramsOf('clusters.create');
    expect(params).not.toHaveProperty('members');
    expect(params?.etcd).toEqual({
      endpoints: ['https://10.0.0.5:2379'],
      prefix: '/flotilla/lab/',
      username: 'alice',
      password: 'secret',
    });
  });

  it('takes a remote host in the Machines step without moving on, and sends it with the creation', async () => {
    const user = userEvent.setup();
    const fake = fakeApi({
      'clusters.addresses': (p) => addresses(p.machines, p.prefix),
      'clusters.create': () => ({ taskId: 'c1' }),
      'machines.probeRemote': (p) =>
        p.acceptFingerprint
          ? { ...remoteProbe('known'), hostKey: remoteProbe('unknown').hostKey }
          : remoteProbe('unknown'),
    });
    renderInApp(<CreateWizard />, { api: fake.api, path: '/clusters/new' });
    await user.type(screen.getByRole('textbox', { name: 'Cluster name' }), 'lab');
    await next(user);
    onStep('Machines');
    await user.click(screen.getByRole('button', { name: 'Add a remote host…' }));
    const dialog = within(screen.getByRole('dialog'));
    await user.type(dialog.getByRole('textbox', { name: 'Host' }), '10.0.0.21');
    await user.type(dialog.getByRole('textbox', { name: 'User' }), 'core');
    // The dialog's own form: Connect does not submit the wizard's step behind it.
    await user.click(dialog.getByRole('button', { name: 'Connect' }));
    await user.click(await dialog.findByRole('button', { name: 'Trust and add' }));
    onStep('Machines');
    expect(screen.queryByRole('dialog')).toBeNull();
    for (const step of ['Machines', 'KV', 'Updates', 'Access']) {
      onStep(step);
      await next(user);
    }
    await screen.findByRole('tab', { name: 'core-01' });
    await user.click(screen.getByRole('button', { name: 'Create cluster' }));
    const [params] = fake.paramsOf('clusters.create');
    expect(params?.remotes).toEqual([
      {
        ssh: { host: '10.0.0.21', port: 22, user: 'core', dockerSocket: '/var/run/docker.sock' },
        acceptFingerprint: NEW_KEY,
        hostname: 'core-04',
        metadata: {},
      },
    ]);
  });
});
