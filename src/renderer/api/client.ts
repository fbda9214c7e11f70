import {
  ApiError,
  WsApiClient,
  type ApiClient,
  type CallName,
  type CallParams,
  type CallResult,
  type ConnectionState,
  type EventName,
  type EventParams,
  type EventPayload,
  type PreloadBridge,
} from '../../shared/api';

declare global {
  interface Window {
    flotilla?: PreloadBridge;
  }
}

/** The app's API client plus the state of its connection (IPC never drops; WebSocket may). */
export interface RendererApi extends ApiClient {
  readonly transport: 'ipc' | 'websocket';
  connectionState(): ConnectionState;
  onConnectionState(l: (s: ConnectionState) => void): () => void;
}

class IpcApi implements RendererApi {
  readonly transport = 'ipc' as const;
  constructor(private readonly bridge: PreloadBridge) {}

  async call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
    const env = await this.bridge.call(method, params);
    if ('error' in env) throw ApiError.fromBody(env.error);
    return env.result as CallResult<M>;
  }

  subscribe<E extends EventName>(
    event: E,
    params: EventParams<E>,
    onPayload: (p: EventPayload<E>) => void,
    onError?: (e: Error) => void,
  ): () => void {
    return this.bridge.subscribe(event, params, (frame) => {
      if (frame.type === 'event') onPayload(frame.payload as EventPayload<E>);
      else if (frame.type === 'end' && frame.error) onError?.(ApiError.fromBody(frame.error));
    });
  }

  connectionState(): ConnectionState {
    return 'open';
  }
  onConnectionState(): () => void {
    return () => undefined;
  }
}

class WebSocketApi implements RendererApi {
  readonly transport = 'websocket' as const;
  private readonly client: WsApiClient;

  constructor() {
    const url = new URL('api/v1/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    url.hash = '';
    // The token travels in the HttpOnly cookie set when the printed URL was opened.
    this.client = new WsApiClient(() => new WebSocket(url));
  }

  call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
    return this.client.call(method, params);
  }
  subscribe<E extends EventName>(
    event: E,
    params: EventParams<E>,
    onPayload: (p: EventPayload<E>) => void,
    onError?: (e: Error) => void,
  ): () => void {
    return this.client.subscribe(event, params, onPayload, onError);
  }
  connectionState(): ConnectionState {
    return this.client.connectionState;
  }
  onConnectionState(l: (s: ConnectionState) => void): () => void {
    return this.client.onConnectionState(l);
  }
}

/** IPC inside the desktop app (the preload put a bridge on window), WebSocket in a browser. */
export function createApi(): RendererApi {
  return window.flotilla ? new IpcApi(window.flotilla) : new WebSocketApi();
}
