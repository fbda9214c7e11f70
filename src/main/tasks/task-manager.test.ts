import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/api';
import { TaskManager } from './task-manager';

describe('TaskManager', () => {
  it('reports progress, steps and the result, in order', async () => {
    const tm = new TaskManager();
    const seen: Task[] = [];
    tm.onChanged((t) => seen.push(t));
    const t = tm.start({ kind: 'demo', title: 'Demo' }, async (ctx) => {
      ctx.setSteps(['one', 'two']);
      ctx.step('one', 'running');
      ctx.progress(0.5, 'half way');
      ctx.step('one', 'done');
      ctx.step('two', 'done', 'fine');
      return { answer: 42 };
    });
    const final = await tm.wait(t.id);
    expect(final.state).toBe('succeeded');
    expect(final.result).toEqual({ answer: 42 });
    expect(final.progress).toBe(1);
    expect(final.steps).toEqual([
      { name: 'one', state: 'done' },
      { name: 'two', state: 'done', detail: 'fine' },
    ]);
    expect(seen.some((s) => s.message === 'half way' && s.progress === 0.5)).toBe(true);
    expect(seen.at(-1)?.state).toBe('succeeded');
  });

  it('turns a thrown error into a failed task with the message', async () => {
    const tm = new TaskManager();
    const t = tm.start({ kind: 'demo', title: 'Broken' }, async (ctx) => {
      ctx.step('x', 'running');
      throw new Error('disk full');
    });
    const final = await tm.wait(t.id);
    expect(final.state).toBe('failed');
    expect(final.error?.message).toBe('disk full');
    expect(final.steps[0]?.state).toBe('failed');
  });

  it('cancels through the signal', async () => {
    const tm = new TaskManager();
    const t = tm.start({ kind: 'demo', title: 'Long' }, (ctx) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    });
    expect(tm.cancel(t.id)).toBe(true);
    const final = await tm.wait(t.id);
    expect(final.state).toBe('canceled');
    expect(final.error?.code).toBe('CANCELED');
    expect(tm.cancel(t.id)).toBe(false);
  });

  it('refuses to cancel a task that is not cancellable, and unknown ids', async () => {
    const tm = new TaskManager();
    const t = tm.start({ kind: 'demo', title: 'Fixed', cancellable: false }, async () => undefined);
    expect(() => tm.cancel(t.id)).toThrow(/cannot be canceled/);
    expect(() => tm.get('nope')).toThrow(/no task/);
    await tm.wait(t.id);
  });
});
