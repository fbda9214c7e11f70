import { z } from 'zod';

// Shapes of the things the API talks about. Both ends validate with these.

export const EngineState = z.enum(['connecting', 'connected', 'disconnected']);

export const EngineStatus = z.object({
  state: EngineState,
  /** Where we look for the engine, e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375. */
  endpoint: z.string(),
  version: z.string().optional(),
  apiVersion: z.string().optional(),
  os: z.string().optional(),
  arch: z.string().optional(),
  containers: z
    .object({ total: z.number(), running: z.number(), paused: z.number(), stopped: z.number() })
    .optional(),
  images: z.number().optional(),
  /** Present when disconnected: what is wrong and what to do. */
  problem: z.object({ message: z.string(), hint: z.string() }).optional(),
  /** When the engine entered this state (ISO time). */
  since: z.string(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const TaskState = z.enum(['running', 'succeeded', 'failed', 'canceled']);
export type TaskState = z.infer<typeof TaskState>;

export const TaskStepState = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);

export const TaskStep = z.object({
  name: z.string(),
  state: TaskStepState,
  detail: z.string().optional(),
});
export type TaskStep = z.infer<typeof TaskStep>;

export const Task = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: TaskState,
  /** 0..1, or null while the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string(),
  steps: z.array(TaskStep),
  cancellable: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
});
export type Task = z.infer<typeof Task>;

export const AppInfo = z.object({
  product: z.literal('Flotilla'),
  version: z.string(),
  mode: z.enum(['desktop', 'serve']),
  node: z.string(),
  electron: z.string().optional(),
  platform: z.string(),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** One thing a person did through the API (the timeline merges these with the engine's decisions). */
export const ActivityEntry = z.object({
  id: z.string(),
  /** Epoch ms. */
  at: z.number(),
  /** Where it came from: the desktop window, a browser on `flotctl serve`, or flotctl. */
  actor: z.enum(['desktop', 'browser', 'flotctl']),
  /** The API call, e.g. units.move. */
  action: z.string(),
  cluster: z.string().optional(),
  /** One sentence: "Moved hello@1.service to core-02". */
  summary: z.string(),
  outcome: z.enum(['ok', 'failed']),
  /** The failure, when it failed. */
  error: z.string().optional(),
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;
