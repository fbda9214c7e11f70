import { z } from 'zod';
import { ErrorBody } from './errors';

// Wire frames of the transports. HTTP: POST /api/v1/call/<method> with the params as the JSON body
// answers `Envelope`. WebSocket /api/v1/ws carries the frames below. IPC carries the same shapes.

export const API_PREFIX = '/api/v1';

export const Envelope = z.union([
  z.object({ result: z.unknown() }).strict(),
  z.object({ error: ErrorBody }).strict(),
]);
export type Envelope = z.infer<typeof Envelope>;

export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int(), method: z.string(), params: z.unknown() }),
  z.object({ type: z.literal('subscribe'), id: z.number().int(), event: z.string(), params: z.unknown() }),
  z.object({ type: z.literal('unsubscribe'), id: z.number().int() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int(), error: ErrorBody }),
  z.object({ type: z.literal('event'), id: z.number().int(), payload: z.unknown() }),
  /** The subscription ended on the server side (e.g. the payload failed); the client may resubscribe. */
  z.object({ type: z.literal('end'), id: z.number().int(), error: ErrorBody.optional() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** IPC channel names used by the preload and the main process. */
export const IpcChannel = {
  call: 'flotilla:call',
  subscribe: 'flotilla:subscribe',
  unsubscribe: 'flotilla:unsubscribe',
  event: 'flotilla:event',
} as const;

/** What the preload exposes on window.flotilla. */
export interface PreloadBridge {
  call(method: string, params: unknown): Promise<Envelope>;
  subscribe(event: string, params: unknown, listener: (frame: ServerFrame) => void): () => void;
}
