import { z } from 'zod';
import { AppInfo, EngineStatus, Task } from './model';

/**
 * The API contract: every call and every event the renderer and the CLI may use.
 * The main process implements it once (src/main/api/service.ts); the IPC and HTTP/WebSocket
 * transports carry it unchanged. Params are validated with these schemas where they enter the
 * main process; results are typed by them on the client side.
 */
export const calls = {
  'app.info': { params: z.object({}).strict(), result: AppInfo },
  'docker.status': { params: z.object({}).strict(), result: EngineStatus },
  /** Makes sure an image is present: pull when a registry answers, else build it from the host's
   *  static busybox. Runs as a Task; returns the task id at once. */
  'docker.seedImage': {
    params: z
      .object({
        image: z.literal('busybox').default('busybox'),
        /** Tag to produce (default busybox:latest); tests use their own. */
        tag: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/,
            'must be a docker image reference like name:tag',
          )
          .max(200)
          .optional(),
        /** Skip the registry and build from the host's busybox. */
        offline: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ taskId: z.string() }),
  },
  'tasks.list': { params: z.object({}).strict(), result: z.array(Task) },
  'tasks.get': { params: z.object({ id: z.string().min(1) }).strict(), result: Task },
  'tasks.cancel': {
    params: z.object({ id: z.string().min(1) }).strict(),
    result: z.object({ canceled: z.boolean() }),
  },
} as const;

/**
 * Events are subscriptions: the first payload is the current state where there is one, then every
 * change. A subscription returns an unsubscribe function on the client.
 */
export const events = {
  'docker.status': { params: z.object({}).strict(), payload: EngineStatus },
  /** Every task change; on subscribe, one payload per known task. */
  'tasks.changed': { params: z.object({}).strict(), payload: Task },
} as const;

export type CallName = keyof typeof calls;
export type EventName = keyof typeof events;
export type CallParams<M extends CallName> = z.input<(typeof calls)[M]['params']>;
export type CallResult<M extends CallName> = z.output<(typeof calls)[M]['result']>;
export type EventParams<E extends EventName> = z.input<(typeof events)[E]['params']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]['payload']>;

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** What a client of the API looks like, whatever the transport. */
export interface ApiClient {
  call<M extends CallName>(method: M, params: CallParams<M>): Promise<CallResult<M>>;
  subscribe<E extends EventName>(
    event: E,
    params: EventParams<E>,
    onPayload: (payload: EventPayload<E>) => void,
    onError?: (err: Error) => void,
  ): () => void;
}
