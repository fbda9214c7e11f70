import WebSocket from 'ws';
import {
  API_PREFIX,
  ApiError,
  Envelope,
  WsApiClient,
  type CallName,
  type CallParams,
  type CallResult,
  type WebSocketLike,
} from '../../shared/api';
import { readApiFile, type ApiFile } from '../app';
import { CommandError } from './usage';

/** The running app (desktop or serve) this CLI talks to, found through $FLOTILLA_HOME/api.json. */
export async function findApp(dataDir: string): Promise<ApiFile> {
  const api = await readApiFile(dataDir);
  if (!api) {
    throw new CommandError(
      `No running Flotilla found (no ${dataDir}/api.json).`,
      'Start it with `flotctl serve` or `npm start`, or point --data-dir / FLOTILLA_HOME at its data dir.',
    );
  }
  return api;
}

/** One API call over HTTP. Errors come back as ApiError with the server's code and message. */
export async function callApi<M extends CallName>(
  api: ApiFile,
  method: M,
  params: CallParams<M>,
): Promise<CallResult<M>> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${api.port}${API_PREFIX}/call/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(params),
    });
  } catch (err) {
    throw new CommandError(
      `Cannot reach Flotilla at 127.0.0.1:${api.port} (pid ${api.pid}): ${(err as Error).cause ?? (err as Error).message}`,
      'It may have stopped without cleaning up; start it again with `flotctl serve` or `npm start`.',
    );
  }
  if (res.status === 401)
    throw new CommandError(
      'Flotilla refused the token in api.json (401).',
      'Restart the app to get a fresh api.json.',
    );
  const body = Envelope.parse(await res.json());
  if ('error' in body) throw ApiError.fromBody(body.error);
  return body.result as CallResult<M>;
}

/** A WebSocket client for subscriptions (following tasks, streams). */
export function connectApi(api: ApiFile): WsApiClient {
  return new WsApiClient(
    () =>
      new WebSocket(`ws://127.0.0.1:${api.port}${API_PREFIX}/ws`, {
        headers: { Authorization: `Bearer ${api.token}` },
      }) as unknown as WebSocketLike,
    { reconnect: false },
  );
}
