// Providers, layout and a fake API for the Machines board's component tests.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { render, type RenderResult } from '@testing-library/react';
import { SnackbarProvider } from 'notistack';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import type {
  CallName,
  CallParams,
  CallResult,
  EventName,
  EventParams,
  EventPayload,
} from '../../../shared/api';
import type { RendererApi } from '../../api/client';
import { CARD_HEIGHT, COLUMN_WIDTH } from './board-styles';

/** Renders with the app's providers (theme, notifications, router). */
export function renderInApp(ui: ReactElement, path = '/machines'): RenderResult {
  return render(
    <ThemeProvider theme={createTheme()}>
      <CssBaseline />
      <SnackbarProvider>
        <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
      </SnackbarProvider>
    </ThemeProvider>,
  );
}

/**
 * jsdom lays nothing out; the board's virtualized lists need a size to show anything. Gives every
 * element a viewport-sized box for the duration of a test file.
 */
export function giveElementsASize(width = 1600, height = 900): () => void {
  const sizes = { clientWidth: width, clientHeight: height };
  for (const [key, value] of Object.entries(sizes))
    Object.defineProperty(HTMLElement.prototype, key, { configurable: true, get: () => value });
  // The stubs shadow Element's own getters; deleting them brings those back.
  return () => Object.keys(sizes).forEach((key) => Reflect.deleteProperty(HTMLElement.prototype, key));
}

/**
 * Lays the board out for dnd-kit the way the browser would, from the positions set inline: the
 * virtualizers' column `left` and card `top` (columns COLUMN_WIDTH wide, cards inset by 8 px),
 * and the drag overlay's fixed `left`/`top`.
 */
export function layOutBoard(): () => void {
  const original = Element.prototype.getBoundingClientRect;
  const px = (value: string | undefined) => parseFloat(value ?? '') || 0;
  Element.prototype.getBoundingClientRect = function (this: Element) {
    let overlay: HTMLElement | null = null;
    for (let node = this instanceof HTMLElement ? this : null; node && !overlay; node = node.parentElement)
      if (node.style.position === 'fixed') overlay = node;
    const column = this.closest<HTMLElement>('.board-column');
    const card = this.closest<HTMLElement>('.board-card');
    const x = px(column?.style.left);
    const box = overlay
      ? { x: px(overlay.style.left), y: px(overlay.style.top), width: COLUMN_WIDTH - 16, height: CARD_HEIGHT }
      : card
        ? { x: x + 8, y: px(card.style.top), width: COLUMN_WIDTH - 16, height: CARD_HEIGHT }
        : column
          ? { x, y: 0, width: COLUMN_WIDTH, height: 900 }
          : { x: 0, y: 0, width: 1600, height: 900 };
    return DOMRect.fromRect(box);
  };
  return () => {
    Element.prototype.getBoundingClientRect = original;
  };
}

type Handler = (params: never) => unknown;

/**
 * An API whose calls answer from `handlers` (a missing one rejects) and whose subscriptions the
 * test feeds with `emit`. Calls are recorded in `calls`.
 */
export function fakeApi(handlers: Partial<Record<CallName, Handler>>) {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const calls: { method: CallName; params: unknown }[] = [];
  const api: RendererApi = {
    transport: 'websocket',
    connectionState: () => 'open',
    onConnectionState: () => () => undefined,
    call: async <M extends CallName>(method: M, params: CallParams<M>) => {
      calls.push({ method, params });
      const handler = handlers[method];
      if (!handler) throw new Error(`no fake for ${method}`);
      return (await handler(params as never)) as CallResult<M>;
    },
    subscribe: <E extends EventName>(
      event: E,
      _params: EventParams<E>,
      onPayload: (p: EventPayload<E>) => void,
    ) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const listener = onPayload as (payload: unknown) => void;
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) =>
    listeners.get(event)?.forEach((l) => l(payload));
  return { api, calls, emit };
}
