import { describe, expect, it } from 'vitest';
import { ApiError, type ShellEvent } from '../../shared/api';
import { MAX_SHELL_SESSIONS, ShellSessions, type ShellTarget } from '.';

// What ShellSessions decides before any container is involved (the exec itself: sessions.int.test.ts).

const REQ = { tty: false, cols: 80, rows: 24 };
const pending = () => new Promise<ShellTarget>(() => undefined);

describe('ShellSessions bookkeeping', () => {
  it('limits the sessions of a process, with a clear error, and frees slots on close', async () => {
    const shells = new ShellSessions();
    const closes = Array.from({ length: MAX_SHELL_SESSIONS }, () =>
      shells.open(
        pending,
        REQ,
        () => undefined,
        () => undefined,
      ),
    );
    expect(shells.size).toBe(MAX_SHELL_SESSIONS);
    const open = () =>
      shells.open(
        pending,
        REQ,
        () => undefined,
        () => undefined,
      );
    expect(open).toThrow(ApiError);
    expect(open).toThrow(`too many shell sessions: ${MAX_SHELL_SESSIONS} are open in this app`);
    closes[0]!();
    closes[0]!(); // closing twice frees one slot, not two
    expect(shells.size).toBe(MAX_SHELL_SESSIONS - 1);
    open();
    await shells.closeAll();
    expect(shells.size).toBe(0);
  });

  it('answers input and resize for an unknown session with NOT_FOUND', () => {
    const shells = new ShellSessions();
    for (const call of [() => shells.input('nope', 'aGk='), () => shells.resize('nope', 80, 24)]) {
      expect(call).toThrow(
        expect.objectContaining({
          code: 'NOT_FOUND',
          message: 'no shell session nope: it has ended or never existed',
        }),
      );
    }
  });

  it('passes a target that cannot be resolved to fail, and frees the slot', async () => {
    const shells = new ShellSessions();
    const events: ShellEvent[] = [];
    const err = await new Promise<Error>((resolve) => {
      shells.open(
        async () => {
          throw new ApiError('NOT_FOUND', 'no machine or unit named core-09');
        },
        REQ,
        (e) => events.push(e),
        resolve,
      );
    });
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no machine or unit named core-09' });
    expect(events).toEqual([]);
    expect(shells.size).toBe(0);
  });

  it('reports nothing for a session closed before its target resolved', async () => {
    const shells = new ShellSessions();
    let resolveTarget: (t: ShellTarget) => void = () => undefined;
    let rejectTarget: (e: Error) => void = () => undefined;
    const seen: unknown[] = [];
    const close = shells.open(
      () =>
        new Promise<ShellTarget>((res, rej) => {
          resolveTarget = res;
          rejectTarget = rej;
        }),
      REQ,
      (e) => seen.push(e),
      (e) => seen.push(e),
    );
    close();
    rejectTarget(new Error('too late'));
    void resolveTarget;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    expect(shells.size).toBe(0);
  });
});
