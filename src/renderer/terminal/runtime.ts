// One tab's terminal: an xterm.js instance that outlives React renders (its scrollback survives
// switching tabs, collapsing the dock and reconnecting), wired to a ShellConnection.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal, type ITheme } from '@xterm/xterm';
import { copyText } from '../components/CopyCommand';
import { binaryBytes, textBytes } from './codec';
import { keyLabel, terminalKey } from './keys';
import { ShellConnection, type ShellApi } from './session';
import { hasEnded, type SessionState } from './tabs';

export interface Appearance {
  theme: ITheme;
  fontFamily: string;
  fontSize: number;
}

export interface RuntimeEnv {
  api: ShellApi;
  mac: boolean;
  appearance(): Appearance;
  /** A failure the person should hear about (the clipboard refused). */
  report(err: unknown, what: string): void;
  /** Ctrl+Shift+F in the terminal: the dock opens its find bar. */
  find(): void;
  /** The app's own shortcut: the key is left to the window's handler instead of the shell. */
  isAppShortcut(e: KeyboardEvent): boolean;
}

/** Lines kept above the screen; enough for a long build log, bounded for memory per tab. */
const SCROLLBACK = 5000;

/**
 * What the terminal prints when its session ends. A program that died mid-screen may have left
 * the alternate screen, mouse reporting or bracketed paste on; the next shell must not inherit
 * them, so they are reset first (DECSTR keeps the text, unlike a full reset).
 */
export function endOfSessionText(
  state: SessionState,
  screen: { alternate: boolean; column: number },
): string {
  const restore =
    (screen.alternate ? '\x1b[?1049l' : '') + '\x1b[!p' + '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l';
  const newline = screen.column > 0 || screen.alternate ? '\r\n' : '';
  const line =
    state.kind === 'exited'
      ? `\x1b[90m[exited with code ${state.code}]\x1b[39m`
      : state.kind === 'failed'
        ? `\x1b[31m[${state.reason}]\x1b[39m`
        : '';
  return `${restore}${newline}${line}\r\n\x1b[90mPress Enter to reconnect.\x1b[39m\r\n`;
}

export class TerminalRuntime {
  readonly host: HTMLDivElement;
  readonly term: Terminal;
  readonly search = new SearchAddon();
  private readonly fit = new FitAddon();
  private connection: ShellConnection | undefined;
  private opened = false;
  private focusWanted = false;
  private state: SessionState = { kind: 'connecting' };
  private disposed = false;

  constructor(
    readonly where: { target: string; cluster: string | undefined; title: string },
    private readonly env: RuntimeEnv,
    private readonly onState: (state: SessionState) => void,
  ) {
    this.host = document.createElement('div');
    this.host.className = 'flotilla-terminal-host';
    this.host.style.width = '100%';
    this.host.style.height = '100%';
    const look = env.appearance();
    this.term = new Terminal({
      cursorBlink: true,
      scrollback: SCROLLBACK,
      theme: look.theme,
      fontFamily: look.fontFamily,
      fontSize: look.fontSize,
      // A safety net over the themed palette: whatever colours a program picks stay legible.
      minimumContrastRatio: 4.5,
      // The dock shows its own context menu (Copy, Paste…); right-click must not jump to a word.
      rightClickSelectsWord: false,
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    // noopener: the link opens in a new tab here, or the system browser in the desktop app (its
    // window-open handler hands http(s) URLs over); the page is never navigated away.
    this.term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
    this.term.onData((data) => this.typed(textBytes(data), data));
    this.term.onBinary((data) => this.typed(binaryBytes(data)));
    this.term.onResize(({ cols, rows }) => this.connection?.resize(cols, rows));
    this.term.attachCustomKeyEventHandler((e) => this.key(e));
  }

  get sessionState(): SessionState {
    return this.state;
  }

  /** Puts the terminal into `container` (React may mount the view more than once). */
  attach(container: HTMLElement): void {
    if (this.host.parentElement !== container) container.appendChild(this.host);
  }

  detach(container: HTMLElement): void {
    if (this.host.parentElement === container) this.host.remove();
  }

  /**
   * Fits the terminal to its box. xterm measures its font when opened, so it is opened on the first
   * layout that has a size, and the session starts then, with the size the shell will see.
   */
  layout(): void {
    if (this.disposed || !this.host.isConnected) return;
    if (this.host.clientWidth === 0 || this.host.clientHeight === 0) return;
    if (!this.opened) {
      this.term.open(this.host);
      this.opened = true;
      this.term.textarea?.setAttribute('aria-label', `Terminal input: ${this.where.title}`);
    }
    this.fit.fit();
    if (!this.connection) this.connect();
    if (this.focusWanted) {
      this.focusWanted = false;
      this.term.focus();
    }
  }

  /** Focuses the terminal now, or as soon as it is on screen. */
  focus(): void {
    if (this.opened && this.host.isConnected && this.host.clientWidth > 0) this.term.focus();
    else this.focusWanted = true;
  }

  /** A new session in the same tab, below the old one's scrollback. */
  reconnect(): void {
    if (this.disposed || !hasEnded(this.state)) return;
    this.connection = undefined;
    if (this.opened) this.connect();
    this.focus();
  }

  setAppearance(look: Appearance): void {
    this.term.options.theme = look.theme;
    if (this.term.options.fontFamily !== look.fontFamily) this.term.options.fontFamily = look.fontFamily;
    if (this.term.options.fontSize !== look.fontSize) this.term.options.fontSize = look.fontSize;
    this.layout();
  }

  /**
   * Copies the selection. execCommand('copy') with the terminal focused fires a copy event that
   * xterm fills with its selection: no clipboard permission needed (the desktop app grants none).
   */
  copy(): boolean {
    const text = this.term.getSelection();
    if (!text) return false;
    this.term.focus();
    if (execCommand('copy')) return true;
    copyText(text).catch((err: unknown) => this.env.report(err, 'Copy'));
    return true;
  }

  /**
   * Pastes the clipboard (bracketed when the program asked for it: xterm's paste does that).
   * execCommand('paste') works where the page may read the clipboard on a click (the desktop
   * app); browsers refuse it and ask for the clipboard-read permission instead.
   */
  async paste(): Promise<void> {
    this.term.focus();
    if (execCommand('paste')) return;
    try {
      const text = await navigator.clipboard.readText();
      if (text) this.term.paste(text);
    } catch (err) {
      this.env.report(
        new Error(
          `the clipboard cannot be read here (${(err as Error).message}); press ${keyLabel('paste', this.env.mac)} in the terminal instead`,
        ),
        'Paste',
      );
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.connection?.close();
    this.connection = undefined;
    this.term.dispose();
    this.host.remove();
  }

  private connect(): void {
    const connection = new ShellConnection(
      this.env.api,
      { target: this.where.target, cluster: this.where.cluster },
      {
        output: (text) => this.term.write(text),
        state: (state) => this.setState(connection, state),
      },
    );
    this.connection = connection;
    connection.start(this.term.cols, this.term.rows);
  }

  private setState(from: ShellConnection, state: SessionState): void {
    if (from !== this.connection || this.disposed) return;
    this.state = state;
    if (hasEnded(state))
      // The callback runs once earlier output is parsed: only then are the cursor and screen known.
      this.term.write('', () => {
        if (this.disposed) return;
        const buffer = this.term.buffer.active;
        this.term.write(
          endOfSessionText(state, { alternate: buffer.type === 'alternate', column: buffer.cursorX }),
        );
      });
    this.onState(state);
  }

  private typed(bytes: Uint8Array, text?: string): void {
    if (hasEnded(this.state)) {
      if (text === '\r') this.reconnect();
      return;
    }
    this.connection?.input(bytes);
  }

  /** false: xterm leaves the key alone (not sent to the shell). */
  private key(e: KeyboardEvent): boolean {
    const action = terminalKey(e, this.env.mac);
    if (!action) return !this.env.isAppShortcut(e);
    // The browser pastes into xterm's textarea by itself; the window's shortcut handler toggles the dock.
    if (action === 'paste-native' || action === 'toggle-dock') return false;
    if (e.type === 'keydown') {
      e.preventDefault();
      if (action === 'copy') this.copy();
      else if (action === 'paste') void this.paste();
      else this.env.find();
    }
    return false;
  }
}

/** document.execCommand, false where it is refused or missing (jsdom). */
function execCommand(command: 'copy' | 'paste'): boolean {
  try {
    return typeof document.execCommand === 'function' && document.execCommand(command);
  } catch {
    return false;
  }
}
