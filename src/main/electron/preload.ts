import { contextBridge, ipcRenderer } from 'electron';
import type { Envelope, PreloadBridge, ServerFrame } from '../../shared/api/protocol';

// Runs sandboxed with contextIsolation: it may only use `electron`'s renderer modules, and it
// exposes exactly the API bridge — no Node, no ipcRenderer — to the page.
const IPC = {
  call: 'flotilla:call',
  subscribe: 'flotilla:subscribe',
  unsubscribe: 'flotilla:unsubscribe',
  event: 'flotilla:event',
} as const;

let nextId = 1;
const listeners = new Map<number, (frame: ServerFrame) => void>();

ipcRenderer.on(IPC.event, (_event, frame: ServerFrame) => {
  listeners.get(frame.id)?.(frame);
  if (frame.type === 'end') listeners.delete(frame.id);
});

const bridge: PreloadBridge = {
  call: (method, params) => ipcRenderer.invoke(IPC.call, method, params) as Promise<Envelope>,
  subscribe: (event, params, listener) => {
    const id = nextId++;
    listeners.set(id, listener);
    ipcRenderer.send(IPC.subscribe, id, event, params);
    return () => {
      if (listeners.delete(id)) ipcRenderer.send(IPC.unsubscribe, id);
    };
  },
};

contextBridge.exposeInMainWorld('flotilla', bridge);
