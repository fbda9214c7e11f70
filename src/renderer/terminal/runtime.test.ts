// @vitest-environment jsdom
// The terminal of one tab with the real xterm.js on jsdom (given matchMedia and a box size): the
// session it starts, what it prints, the keys it keeps from the shell, copy and paste. Rendering
// details (fonts, fitting to pixels) need a real browser: the e2e covers them.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/api';
import { TerminalRuntime, endOfSessionText, type RuntimeEnv } from './runtime';
import { fakeShellApi, flush, installXtermStubs, output, screenRows, started } from './testkit';
import { createTheme } from '@mui/material/styles';
import { terminalFont, terminalTheme } from './theme';
import type { SessionState } from './tabs';

let undo: () => void;
beforeAll(() => {
  undo = installXtermStubs();
});
afterAll(() => undo());

const runtimes: TerminalRuntime[] = [];
afterEach(() => {
  runtimes.splice(0).forEach((r) => r.dispose());
  document.body.innerHTML = '';
});

function setup(overrides: Partial<RuntimeEnv> = {}) {
  const fake = fakeShellApi();
  const states: SessionState[] = [];
  const env: RuntimeEnv = {
    api: fake.api,
    mac: false,
    appearance: () => ({ theme: terminalTheme(createTheme()), ...terminalFont(createTheme()) }),
    report: vi.fn(),
    find: vi.fn(),
    isAppShortcut: (e) => e.ctrlKey && !e.shiftKey && e.key === 'k',
    ...overrides,
  };
  const runtime = new TerminalRuntime({ target: 'core-02', cluster: 'demo', title: 'core-02' }, env, (s) =>
    states.push(s),
  );
  runtimes.push(runtime);
  const box = document.createElement('div');
  document.body.appendChild(box);
  runtime.attach(box);
  return { fake, env, runtime, states, box };
}

function key(runtime: TerminalRuntime, init: KeyboardEventInit & { keyCode?: number }) {
  const e = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  runtime.term.textarea!.dispatchEvent(e);
  return e;
}

describe('endOfSessionText', () => {
  it('says how the session ended and how to get a new one, on a line of its own', () => {
    const text = endOfSessionText({ kind: 'exited', code: 3 }, { alternate: false, column: 4 });
    expect(text).toContain('[exited with code 3]');
    expect(text).toContain('Press Enter to reconnect.');
    // Modes reset (DECSTR, mouse reporting off), then a new line since the cursor is mid-line.
    expect(text.indexOf('\x1b[!p')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('\x1b[?1006l\r\n\x1b[90m[exited');
    expect(endOfSessionText({ kind: 'exited', code: 0 }, { alternate: false, column: 0 })).toContain(
      '\x1b[?1006l\x1b[90m[exited',
    );
    expect(
      endOfSessionText(
        { kind: 'failed', reason: 'Machine core-02 is stopped' },
        { alternate: false, column: 0 },
      ),
    ).toContain('[Machine core-02 is stopped]');
  });

  it('leaves an alternate screen a dead program left behind', () => {
    expect(
      endOfSessionText({ kind: 'exited', code: 1 }, { alternate: true, column: 0 }).startsWith('\x1b[?1049l'),
    ).toBe(true);
    expect(endOfSessionText({ kind: 'exited', code: 1 }, { alternate: false, column: 0 })).not.toContain(
      '1049',
    );
  });
});

describe('TerminalRuntime', () => {
  it('opens xterm on its first layout and starts the session with the terminal size', async () => {
    const { fake, runtime, box, states } = setup();
    expect(fake.shells()).toHaveLength(0);
    runtime.layout();
    expect(box.querySelector('.xterm')).not.toBeNull();
    expect(runtime.term.textarea?.getAttribute('aria-label')).toBe('Terminal input: core-02');
    expect(fake.shell().params).toMatchObject({
      target: 'core-02',
      cluster: 'demo',
      tty: true,
      cols: 80,
      rows: 24,
    });
    fake.shell().emit(started());
    fake.shell().emit(output('/ # cat /etc/os-release\r\nNAME="Flotilla Container Linux"\r\n'));
    await flush();
    await vi.waitFor(() => expect(screenRows(box)).toContain('NAME="Flotilla Container Linux"'));
    expect(states.at(-1)).toEqual({ kind: 'running', description: 'machine core-02' });
    runtime.layout();
    expect(fake.shells()).toHaveLength(1);
  });

  it('does not open while it has no size (a hidden tab)', () => {
    const { fake, runtime, box } = setup();
    box.remove();
    runtime.layout();
    expect(fake.shells()).toHaveLength(0);
  });

  it('sends what is typed as UTF-8', async () => {
    const { fake, runtime } = setup();
    runtime.layout();
    fake.shell().emit(started());
    runtime.term.input('echo ünï\r');
    await flush();
    expect(fake.inputText()).toBe('echo ünï\r');
  });

  it('prints the exit, keeps the scrollback, and reconnects on Enter in the same terminal', async () => {
    const { fake, runtime, states, box } = setup();
    runtime.layout();
    fake.shell().emit(started());
    fake.shell().emit(output('first session\r\n/ # exit 3\r\n'));
    fake.shell().emit({ type: 'exit', code: 3 });
    await flush();
    expect(states.at(-1)).toEqual({ kind: 'exited', code: 3 });
    await vi.waitFor(() =>
      expect(screenRows(box)).toEqual(
        expect.arrayContaining(['first session', '[exited with code 3]', 'Press Enter to reconnect.']),
      ),
    );
    runtime.term.input('ls');
    await flush();
    expect(fake.inputText()).toBe('');
    expect(fake.shells()).toHaveLength(1);
    runtime.term.input('\r');
    expect(fake.shells()).toHaveLength(2);
    expect(states.at(-1)).toEqual({ kind: 'connecting' });
    fake.shell().emit(started('s2'));
    fake.shell().emit(output('second session\r\n'));
    await flush();
    await vi.waitFor(() =>
      expect(screenRows(box)).toEqual(expect.arrayContaining(['first session', 'second session'])),
    );
  });

  it('shows why a session failed, and reconnect() tries again', async () => {
    const { fake, runtime, states, box } = setup();
    runtime.layout();
    fake.shell().fail(new ApiError('CONFLICT', 'Machine core-02 is stopped'));
    await flush();
    expect(states.at(-1)).toEqual({ kind: 'failed', reason: 'Machine core-02 is stopped' });
    await vi.waitFor(() => expect(screenRows(box)).toContain('[Machine core-02 is stopped]'));
    runtime.reconnect();
    expect(fake.shells()).toHaveLength(2);
    runtime.reconnect(); // not ended: nothing
    expect(fake.shells()).toHaveLength(2);
  });

  it('keeps the app shortcuts and the dock toggle from the shell; other Ctrl keys go through', async () => {
    const { fake, runtime } = setup();
    runtime.layout();
    fake.shell().emit(started());
    key(runtime, { key: 'k', code: 'KeyK', ctrlKey: true, keyCode: 75 });
    key(runtime, { key: '`', code: 'Backquote', ctrlKey: true, keyCode: 192 });
    await flush();
    expect(fake.inputText()).toBe('');
    key(runtime, { key: 'c', code: 'KeyC', ctrlKey: true, keyCode: 67 });
    await flush();
    expect(fake.inputText()).toBe('\x03');
  });

  it('copies the selection with Ctrl+Shift+C and pastes the clipboard, bracketed when asked', async () => {
    const clipboard = {
      writeText: vi.fn(async () => undefined),
      readText: vi.fn(async () => 'echo a\necho b'),
    };
    Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
    Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
    const { fake, runtime, env } = setup();
    runtime.layout();
    fake.shell().emit(started());
    fake.shell().emit(output('copy me'));
    await flush();
    runtime.term.selectAll();
    const e = key(runtime, { key: 'C', code: 'KeyC', ctrlKey: true, shiftKey: true, keyCode: 67 });
    expect(e.defaultPrevented).toBe(true);
    await flush();
    expect(clipboard.writeText).toHaveBeenCalledWith(expect.stringContaining('copy me'));
    expect(fake.inputText()).toBe('');

    await runtime.paste();
    await flush();
    expect(fake.inputText()).toBe('echo a\recho b');
    fake.shell().emit(output('\x1b[?2004h'));
    await flush();
    await runtime.paste();
    await flush();
    expect(fake.inputText()).toBe('echo a\recho b\x1b[200~echo a\recho b\x1b[201~');

    clipboard.readText.mockRejectedValueOnce(new Error('Read permission denied.'));
    await runtime.paste();
    expect(env.report).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringContaining('press Ctrl+Shift+V') }),
      'Paste',
    );
    Reflect.deleteProperty(navigator, 'clipboard');
  });

  it('asks the dock for its find bar on Ctrl+Shift+F', () => {
    const { runtime, env } = setup();
    runtime.layout();
    key(runtime, { key: 'F', code: 'KeyF', ctrlKey: true, shiftKey: true, keyCode: 70 });
    expect(env.find).toHaveBeenCalled();
  });

  it('takes a new theme in place', () => {
    const { runtime } = setup();
    runtime.layout();
    const dark = createTheme({ palette: { mode: 'dark' } });
    runtime.setAppearance({ theme: terminalTheme(dark), ...terminalFont(dark) });
    expect(runtime.term.options.theme?.background).toBe('#121212');
  });

  it('dispose ends the session and removes the terminal', () => {
    const { fake, runtime, box } = setup();
    runtime.layout();
    fake.shell().emit(started());
    runtime.dispose();
    expect(fake.shell().closed).toBe(true);
    expect(box.querySelector('.xterm')).toBeNull();
  });
});
