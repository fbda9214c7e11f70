import type { Task } from '../../shared/api';
import { connectApi, type findApp } from './client';
import { CommandError } from './usage';
import type { Io } from './io';

/** Prints a task's steps as they change and resolves with its final state. */
export function followTask(api: Awaited<ReturnType<typeof findApp>>, taskId: string, io: Io): Promise<Task> {
  const client = connectApi(api);
  const printed = new Map<string, string>();
  return new Promise<Task>((resolvePromise, rejectPromise) => {
    let settled = false;
    const resolve = (t: Task) => {
      settled ||= (resolvePromise(t), true);
    };
    const reject = (e: Error) => {
      settled ||= (rejectPromise(e), true);
    };
    const off = client.subscribe(
      'tasks.changed',
      {},
      (t) => {
        if (t.id !== taskId) return;
        for (const step of t.steps) {
          const line = `${step.state.padEnd(8)} ${step.name}${step.detail ? `: ${step.detail}` : ''}`;
          if (printed.get(step.name) !== line && step.state !== 'pending') {
            printed.set(step.name, line);
            io.err(line);
          }
        }
        if (t.state !== 'running') {
          resolve(t);
          off();
          client.close();
        }
      },
      (err) => reject(err),
    );
    client.onConnectionState((s) => {
      if (s === 'closed')
        reject(new CommandError('lost the connection to Flotilla while following the task'));
    });
  });
}

/** Follows a task to its end; a task that did not succeed becomes the command's error. */
export async function runTask(
  api: Awaited<ReturnType<typeof findApp>>,
  taskId: string,
  io: Io,
): Promise<Task> {
  const final = await followTask(api, taskId, io);
  if (final.state !== 'succeeded')
    throw new CommandError(`${final.title}: ${final.error?.message ?? final.state}`, final.error?.hint);
  return final;
}
