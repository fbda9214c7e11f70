// A fake API for the Journal page's component tests: every subscription is recorded with its
// params, tests feed it payloads, end it with an error, or drop the connection.
import type { ConnectionState, EventName, EventParams, EventPayload } from '../../../shared/api';
import type { RendererApi } from '../../api/client';

export interface FakeSub {
  event: EventName;
  params: Record<string, unknown>;
  emit: (payload: unknown) => void;
  fail: (err: Error) => void;
  active: boolean;
}

export function fakeJournalApi() {
  const subs: FakeSub[] = [];
  const connection = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'open';
  const api: RendererApi = {
    transport: 'websocket',
    connectionState: () => state,
    onConnectionState: (l) => {
      connection.add(l);
      return () => connection.delete(l);
    },
    call: async (method) => {
      throw new Error(`no fake for ${method}`);
    },
    subscribe: <E extends EventName>(
      event: E,
      params: EventParams<E>,
      onPayload: (p: EventPayload<E>) => void,
      onError?: (e: Error) => void,
    ) => {
      const sub: FakeSub = {
        event,
        params: params as Record<string, unknown>,
        emit: onPayload as (p: unknown) => void,
        fail: (e) => onError?.(e),
        active: true,
      };
      subs.push(sub);
      return () => {
        sub.active = false;
      };
    },
  };
  const active = (event: EventName) => subs.filter((s) => s.event === event && s.active);
  return {
    api,
    subs,
    active,
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      for (const s of active(event)) s.emit(payload);
    },
    setConnection(s: ConnectionState) {
      state = s;
      for (const l of connection) l(s);
    },
  };
}

/**
 * jsdom lays nothing out: scrollers have no scrollHeight. Gives every element a tall one, so the
 * view can be scrolled (and a wheel up pauses following). Returns the restore.
 */
export function giveScrollHeight(px = 100_000): () => void {
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', { configurable: true, get: () => px });
  return () => Reflect.deleteProperty(HTMLElement.prototype, 'scrollHeight');
}

/** The journal's rows, which live in a shadow root (queries of the document do not see them). */
export function journalRows(): HTMLElement[] {
  const root = document.querySelector('[data-journal-rows]')?.shadowRoot;
  return root ? [...root.querySelectorAll<HTMLElement>('.jl-row')] : [];
}

/** The text of every row in the page, one string. */
export function journalText(): string {
  return journalRows()
    .map((r) => r.textContent)
    .join('\n');
}
