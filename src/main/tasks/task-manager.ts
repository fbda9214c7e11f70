import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ApiError, type Task, type TaskStep } from '../../shared/api';

/** What a running task's body gets: cancellation and ways to report progress. */
export interface TaskContext {
  readonly signal: AbortSignal;
  /** fraction 0..1 or null (unknown); message replaces the current one when given. */
  progress(fraction: number | null, message?: string): void;
  /** Declare the steps up front so the UI can show what is to come. */
  setSteps(names: string[]): void;
  step(name: string, state: TaskStep['state'], detail?: string): void;
  /** Throws CANCELED when the task was canceled; call between units of work. */
  throwIfCanceled(): void;
}

export interface StartOptions {
  kind: string;
  title: string;
  cancellable?: boolean;
}

const KEEP_FINISHED = 100;

/**
 * Every long operation runs as a Task (DESIGN.md decision 7): progress, cancel, result, error.
 * Observers get a 'changed' event with a fresh snapshot after every change.
 */
export class TaskManager {
  private readonly tasks = new Map<string, { task: Task; abort: AbortController; done: Promise<unknown> }>();
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  start<T>(opts: StartOptions, body: (ctx: TaskContext) => Promise<T>): Task {
    const abort = new AbortController();
    const task: Task = {
      id: randomUUID(),
      kind: opts.kind,
      title: opts.title,
      state: 'running',
      progress: null,
      message: '',
      steps: [],
      cancellable: opts.cancellable ?? true,
      startedAt: new Date().toISOString(),
    };
    const changed = () => this.emitter.emit('changed', structuredClone(task));
    const ctx: TaskContext = {
      signal: abort.signal,
      progress: (fraction, message) => {
        task.progress = fraction === null ? null : Math.min(1, Math.max(0, fraction));
        if (message !== undefined) task.message = message;
        changed();
      },
      setSteps: (names) => {
        task.steps = names.map((name) => ({ name, state: 'pending' }));
        changed();
      },
      step: (name, state, detail) => {
        let step = task.steps.find((s) => s.name === name);
        if (!step) {
          step = { name, state };
          task.steps.push(step);
        }
        step.state = state;
        if (detail !== undefined) step.detail = detail;
        changed();
      },
      throwIfCanceled: () => {
        if (abort.signal.aborted) throw new ApiError('CANCELED', `${task.title}: canceled`);
      },
    };
    const done = (async () => {
      try {
        const result = await body(ctx);
        // A body that ignored its signal still ends as canceled when cancel was asked for.
        if (abort.signal.aborted) throw new ApiError('CANCELED', `${task.title}: canceled`);
        task.state = 'succeeded';
        task.progress = 1;
        if (result !== undefined) task.result = result;
      } catch (err) {
        const apiErr = abort.signal.aborted
          ? new ApiError('CANCELED', `${task.title}: canceled`)
          : ApiError.from(err);
        task.state = apiErr.code === 'CANCELED' ? 'canceled' : 'failed';
        task.error = { code: apiErr.code, message: apiErr.message };
        if (apiErr.hint) task.error.hint = apiErr.hint;
        for (const s of task.steps) if (s.state === 'running') s.state = 'failed';
      }
      task.endedAt = new Date().toISOString();
      changed();
      this.prune();
    })();
    this.tasks.set(task.id, { task, abort, done });
    changed();
    return structuredClone(task);
  }

  get(id: string): Task {
    const entry = this.tasks.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `no task with id ${id}`);
    return structuredClone(entry.task);
  }

  list(): Task[] {
    return [...this.tasks.values()].map((e) => structuredClone(e.task));
  }

  /** Asks a running task to stop. Returns false when it had already ended. */
  cancel(id: string): boolean {
    const entry = this.tasks.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `no task with id ${id}`);
    if (entry.task.state !== 'running') return false;
    if (!entry.task.cancellable) throw new ApiError('UNSUPPORTED', `${entry.task.title} cannot be canceled`);
    entry.abort.abort();
    return true;
  }

  /** Resolves when the task has ended, with its final snapshot. */
  async wait(id: string): Promise<Task> {
    const entry = this.tasks.get(id);
    if (!entry) throw new ApiError('NOT_FOUND', `no task with id ${id}`);
    await entry.done;
    return structuredClone(entry.task);
  }

  onChanged(listener: (task: Task) => void): () => void {
    this.emitter.on('changed', listener);
    return () => this.emitter.off('changed', listener);
  }

  /** Cancels everything still running and waits for it to end (app shutdown). */
  async shutdown(): Promise<void> {
    for (const e of this.tasks.values())
      if (e.task.state === 'running' && e.task.cancellable) e.abort.abort();
    await Promise.allSettled([...this.tasks.values()].map((e) => e.done));
  }

  private prune(): void {
    const finished = [...this.tasks.values()].filter((e) => e.task.state !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.tasks.delete(e.task.id);
  }
}

/** A context for work run outside any task (or inside a bigger one that reports for it). */
export const SILENT_TASK: TaskContext = {
  signal: new AbortController().signal,
  progress: () => undefined,
  setSteps: () => undefined,
  step: () => undefined,
  throwIfCanceled: () => undefined,
};
