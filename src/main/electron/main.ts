import {
  app,
  BrowserWindow,
  ipcMain,
  session,
  shell,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY, attachIpcTransport } from '../api';
import { AppCore, resolveDataDir } from '../app';
import { loadWindowState, saveWindowState } from './window-state';

// The desktop app: the same AppCore as `flotctl serve`, with a window that talks to it over IPC.
// Its HTTP API still listens on 127.0.0.1 so the CLI can reach the running app.

const dataDir = resolveDataDir();
app.setPath('userData', dataDir);
app.enableSandbox();

const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  await app.whenReady();
  const core = new AppCore({ mode: 'desktop', dataDir, port: 0, electronVersion: process.versions.electron });
  await core.start();

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // Only the terminal's Paste (reading the clipboard) is ever granted, and only to the app's own
  // page; camera, notifications, geolocation… never.
  const CLIPBOARD = new Set(['clipboard-read', 'clipboard-sanitized-write']);
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(CLIPBOARD.has(permission) && details.requestingUrl.split('#')[0] === rendererUrl),
  );

  // No <webview> anywhere, whatever a page might try.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  const isTrustedSender = (event: IpcMainEvent | IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return !!frame && frame.parent === null && frame.url.split('#')[0] === rendererUrl;
  };
  const detachIpc = attachIpcTransport({ service: core.service, ipcMain, isTrustedSender });

  const state = loadWindowState(dataDir);
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    title: 'Flotilla',
    icon: join(__dirname, '..', '..', 'resources', 'icon.png'),
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    const b = win.getNormalBounds();
    saveWindowState(dataDir, {
      width: b.width,
      height: b.height,
      x: b.x,
      y: b.y,
      maximized: win.isMaximized(),
    });
  });

  // No remote content and no navigation away from the app; links open in the user's browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (url.split('#')[0] !== rendererUrl) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });

  await win.loadFile(rendererIndex);

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    detachIpc();
    void core.stop().finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
}
