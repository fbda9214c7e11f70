import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { ApiError, IpcChannel, type Envelope, type ServerFrame } from '../../shared/api';
import type { ApiService } from './service';

export interface IpcTransportOptions {
  service: ApiService;
  ipcMain: IpcMain;
  /** Only frames of our own windows showing our own page may talk to the API. */
  isTrustedSender: (event: IpcMainEvent | IpcMainInvokeEvent) => boolean;
}

/**
 * The API over Electron IPC: invoke for calls, send/receive for subscriptions. The preload
 * (src/main/electron/preload.ts) is its other end. Payloads are validated by the service.
 */
export function attachIpcTransport(opts: IpcTransportOptions): () => void {
  const { ipcMain, service } = opts;
  // Subscriptions per renderer, so a closed or reloaded window cannot leak them.
  const subs = new Map<WebContents, Map<number, () => void>>();
  const subsOf = (wc: WebContents) => {
    let m = subs.get(wc);
    if (!m) {
      m = new Map();
      subs.set(wc, m);
      const clear = () => {
        for (const off of m?.values() ?? []) off();
        m?.clear();
        subs.delete(wc);
      };
      wc.once('destroyed', clear);
      wc.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) clear();
      });
    }
    return m;
  };

  ipcMain.handle(IpcChannel.call, async (event, method: unknown, params: unknown): Promise<Envelope> => {
    if (!opts.isTrustedSender(event))
      return { error: new ApiError('UNAUTHORIZED', 'untrusted sender').toBody() };
    try {
      if (typeof method !== 'string') throw new ApiError('BAD_REQUEST', 'method must be a string');
      return { result: (await service.call(method, params, 'desktop')) ?? null };
    } catch (err) {
      return { error: ApiError.from(err).toBody() };
    }
  });

  const onSubscribe = (event: IpcMainEvent, id: unknown, name: unknown, params: unknown) => {
    if (!opts.isTrustedSender(event) || typeof id !== 'number' || !Number.isInteger(id)) return;
    const wc = event.sender;
    const send = (frame: ServerFrame) => {
      if (!wc.isDestroyed()) wc.send(IpcChannel.event, frame);
    };
    const m = subsOf(wc);
    m.get(id)?.();
    m.delete(id);
    let off: (() => void) | undefined;
    let failed = false;
    // Ends a subscription that failed after it started (it may fail before `subscribe` returns).
    const fail = (err: ApiError) => {
      if (failed || (off && m.get(id) !== off)) return;
      failed = true;
      if (off) {
        m.delete(id);
        off();
      }
      send({ type: 'end', id, error: err.toBody() });
    };
    try {
      if (typeof name !== 'string') throw new ApiError('BAD_REQUEST', 'event must be a string');
      off = service.subscribe(name, params, (payload) => send({ type: 'event', id, payload }), fail);
      if (failed) off();
      else m.set(id, off);
    } catch (err) {
      send({ type: 'end', id, error: ApiError.from(err).toBody() });
    }
  };
  const onUnsubscribe = (event: IpcMainEvent, id: unknown) => {
    if (!opts.isTrustedSender(event) || typeof id !== 'number') return;
    const m = subs.get(event.sender);
    m?.get(id)?.();
    m?.delete(id);
  };
  ipcMain.on(IpcChannel.subscribe, onSubscribe);
  ipcMain.on(IpcChannel.unsubscribe, onUnsubscribe);

  return () => {
    ipcMain.removeHandler(IpcChannel.call);
    ipcMain.off(IpcChannel.subscribe, onSubscribe);
    ipcMain.off(IpcChannel.unsubscribe, onUnsubscribe);
    for (const m of subs.values()) for (const off of m.values()) off();
    subs.clear();
  };
}
